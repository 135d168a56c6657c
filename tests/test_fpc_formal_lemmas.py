"""The fpc lemma and appendix claims as formal specifications: a LaTeX statement whose every
$...$ segment converts to MathML with every command understood, predictions with a written
mathematical form, and assumptions that are SymPy relations (a Python predicate only for a
string) refusing the violation controls the falsification tests run with."""
import pytest
from latex_check import check_assumptions, check_prediction_math, check_statement_latex, check_violation_named

from claims import _registry

CHECKED = ("fpc.eq3.2", "fpc.lem5.1", "fpc.lemA.1", "fpc.lemA.7", "fpc.lemA.8", "fpc.lemA.9", "fpc.propA.5",
           "fpc.thm4.1")
UNSTATED = ("fpc.hypC.1", "fpc.hypC.2", "fpc.hypC.3", "fpc.hypC.4", "fpc.hypD.1", "fpc.hypD.2", "fpc.hypE.1",
            "fpc.hypE.2", "fpc.lemC.1", "fpc.lemC.2", "fpc.lemC.5", "fpc.lemC.6", "fpc.lemC.10", "fpc.lemC.12",
            "fpc.lemC.13", "fpc.lemC.17", "fpc.lemC.20", "fpc.lemC.24")
STATED = ("fpc.def3.1", "fpc.eq4.1", "fpc.eq5.1", "fpc.hypB.1", "fpc.hypB.2", "fpc.lem5.2", "fpc.lem5.2-key",
          "fpc.lem5.3", "fpc.lemA.6", "fpc.lemA.10", "fpc.lemC.16", "fpc.lemC.23", "fpc.lemC.30", "fpc.lemD.3",
          "fpc.lemE.3", "fpc.phase-diagram", "fpc.sec3.1", "fpc.sec5.4-pp", "fpc.sec6", "fpc.thm4.1-steps",
          "fpc.thmF.1", "fpc.thmF.2", "fpc.thmF.3", "fpc.thmF.4")


def test_every_fpc_claim_is_listed_for_its_latex_statement():
    listed = set(CHECKED + UNSTATED + STATED)
    fpc = {c.id for c in _registry.all_claims() if c.id.startswith("fpc.")}
    assert fpc == listed, (sorted(fpc - listed), sorted(listed - fpc))


@pytest.mark.parametrize("cid", CHECKED + UNSTATED + STATED)
def test_statement_latex_converts_segment_by_segment(cid):
    check_statement_latex(_registry.get(cid), may_have_no_math=cid in UNSTATED)


@pytest.mark.parametrize("cid", CHECKED)
def test_every_prediction_has_a_written_mathematical_form(cid):
    check_prediction_math(_registry.get(cid), must_be_written=True)


@pytest.mark.parametrize("cid", CHECKED)
def test_assumptions_are_sympy_relations_except_strings_and_booleans(cid):
    c = _registry.get(cid)
    check_assumptions(c, lambda a, cfg: all(isinstance(getattr(cfg, f), (str, bool)) for f in a.fields))
    assert c.violations(c.resolve_config("quick")) == []


@pytest.mark.parametrize("cid, overrides, names", [
    ("fpc.eq3.2", {"overlap": 0.3}, "overlap"),
    ("fpc.lem5.1", {"global_sign": "increasing"}, "global_sign"),
    ("fpc.lem5.1", {"kappa_c": 0.55, "kappa_s": 0.2}, "kappa_c=0.55"),
    ("fpc.lemA.7", {"power_shift": -1}, "power_shift"),
    ("fpc.lemA.8", {"feature_overlap": 0.3}, "feature_overlap"),
    ("fpc.lemA.9", {"star_scale": 1.3}, "star_scale"),
    ("fpc.propA.5", {"scale": 1.5}, "scale"),
])
def test_violation_controls_are_refused_and_named(cid, overrides, names):
    check_violation_named(_registry.get(cid), overrides, names)


def test_lem51_delta_relation_is_the_information_gap():
    c = _registry.get("fpc.lem5.1")
    ok = c.resolve_config("quick", {"kappa_c": 0.61, "kappa_s": 0.2})      # Delta = +0.02
    assert c.violations(ok) == []
    edge = c.resolve_config("quick", {"kappa_c": 0.625, "kappa_s": 0.25})  # Delta = 0 exactly: not > 0
    assert c.violations(edge)
