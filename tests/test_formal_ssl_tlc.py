"""The ssl and tlc claims as formal specifications: a LaTeX statement whose every $...$ segment
converts to MathML with every command understood, predictions whose mathematical form converts
too, assumptions that are SymPy relations (a Python predicate only for strings, booleans, or a
relation between a tuple field and another field, which ``each=`` cannot state), and violation
controls refused by name (the import rules are in test_layers.py)."""
import pytest
from latex_check import check_assumptions, check_prediction_math, check_statement_latex, check_violation_named

from claims import _registry

IDS = sorted(c.id for c in _registry.all_claims() if c.paper in ("ssl", "tlc"))

# Python predicates that SymPy relations cannot state with the current Assumption.math: a relation
# between the elements of a tuple field and another field, or over a pair-valued field
# (kappa_pos / kappa_neg / heads / mild_ratio hold one pair, not a tuple of rows)
MIXED = {
    ("ssl.cl-mild-imbalance", ("kappa_c_sweep", "kappa_s", "P")),
    ("ssl.cl-mild-imbalance", ("kappa_c_sweep", "kappa_s", "mild_delta_max")),
    ("ssl.cl-mild-imbalance", ("kappa_c_sweep", "kappa_s", "P", "mild_ratio")),
    ("ssl.mae-diverse", ("kappa_pos", "kappa_neg")),
    ("ssl.mae-diverse", ("kappa_pos", "delta_min")),
    ("ssl.mae-diverse", ("kappa_neg", "delta_min")),
    ("ssl.mae-near-optimal", ("kappa_pos", "kappa_neg")),
    ("ssl.mae-near-optimal", ("kappa_pos", "delta_min")),
    ("ssl.mae-near-optimal", ("kappa_neg", "delta_min")),
    ("tlc.def5.1", ("mask_ratios", "tokens")),
    ("tlc.eq19", ("mask_ratios", "tokens")),
    ("tlc.eq19", ("tokens", "feat", "mask_ratios")),
    ("tlc.sec3.2", ("r", "shapes")),
    ("tlc.sec3.3", ("sizes", "k")),
    ("tlc.tab2", ("heads",)),
    ("tlc.thm4.3.decomp", ("data", "n0", "patch")),     # a divisibility needed only for one data string
}


def _stringy(v) -> bool:
    return isinstance(v, (str, bool)) or (isinstance(v, tuple) and all(isinstance(x, str) for x in v))


def test_both_papers_are_covered():
    assert sum(i.startswith("ssl.") for i in IDS) == 5 and sum(i.startswith("tlc.") for i in IDS) == 20


@pytest.mark.parametrize("cid", IDS)
def test_statement_latex_converts_segment_by_segment(cid):
    check_statement_latex(_registry.get(cid))


@pytest.mark.parametrize("cid", IDS)
def test_every_prediction_has_a_mathematical_form_that_converts(cid):
    check_prediction_math(_registry.get(cid))


@pytest.mark.parametrize("cid", IDS)
def test_assumptions_are_sympy_relations_except_strings_booleans_and_mixed_tuples(cid):
    c = _registry.get(cid)
    check_assumptions(c, lambda a, cfg: all(_stringy(getattr(cfg, f)) for f in a.fields) or (cid, a.fields) in MIXED)
    for profile in c.profiles:
        assert c.violations(c.resolve_config(profile)) == [], (cid, profile)


@pytest.mark.parametrize("cid, overrides, names", [
    ("ssl.cl-collapse", {"kappa_c": 0.4}, "kappa_c=0.4"),
    ("ssl.mae-diverse", {"settle_tol": 0.1}, "settle_tol"),
    ("ssl.mae-near-optimal", {"z_low": 3.0}, "z_low"),
    ("tlc.def3.1", {"mask_ratios": (0.5, 1.0)}, "mask_ratios[1]"),
    ("tlc.eq9", {"cross_coef": -1.0}, "cross_coef"),
    ("tlc.eq10", {"weights_sum": 2.0}, "weights_sum"),
    ("tlc.eq13", {"sign": 1}, "sign"),
    ("tlc.eq13", {"sizes": (2, 0)}, "sizes[1]"),
    ("tlc.eq19.ratio", {"mask_ratios": (0.0, 0.5)}, "mask_ratios[0]"),
    ("tlc.lem4.6", {"lams": (1.0, -1.0)}, "lams[1]"),
    ("tlc.lem4.6.cond", {"N": 20}, "N=20"),
    ("tlc.sec3.3", {"p_out": 0.6}, "p_out"),
    ("tlc.sec6.1", {"n_components": 9}, "n_components"),
    ("tlc.thm4.3.decomp", {"n0": 20}, "n0=20"),
    ("tlc.thm4.3.ineq", {"scale": 0.5}, "scale"),
])
def test_violation_controls_are_refused_and_named(cid, overrides, names):
    check_violation_named(_registry.get(cid), overrides, names)


@pytest.mark.parametrize("cid", [i for i in IDS if i.startswith("ssl.")]
                         + ["tlc.asm4.1", "tlc.lem4.6.cond", "tlc.sec6.1", "tlc.tab1", "tlc.tab2", "tlc.thm4.3"])
def test_predictions_whose_name_reads_poorly_have_a_written_form(cid):
    c = _registry.get(cid)
    for p in c.predictions(c.resolve_config("quick")):
        assert p.math, (cid, p.name)
