"""Claims as formal specifications: assumptions as SymPy relations (or marked Python
predicates), derivations that use exactly the declared symbols, and ``spec --json`` valid
against the shipped schema for the whole catalogue."""
import json

import jsonschema
import pytest
import sympy as sp

from checks import spec
from checks.cli import main
from claims import Assumption, _registry


def test_spec_json_of_the_whole_catalogue_validates_against_the_schema(capsys):
    assert main(["spec", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    jsonschema.validate(doc, spec.schema())
    assert len(doc["claims"]) == len(_registry.all_claims())


def test_spec_shows_thm41_as_mathematics(capsys):
    assert main(["spec", "fpc.thm4.1"]) == 0
    out = capsys.readouterr().out
    assert "0 < κₛ ∧ κ_c < 1 ∧ κₛ < κ_c" in out and "max_gap ≤ 0.01" in out
    assert "[python predicate] GD updates the whole of Q" in out


def test_schema_rejects_a_broken_document():
    doc = spec.document(["fpc.thm4.1"])
    doc["claims"][0]["assumptions"][0]["kind"] = "prose"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, spec.schema())


def test_every_assumption_is_a_sympy_relation_or_a_marked_python_predicate():
    kinds = {"sympy": 0, "python": 0}
    for c in _registry.all_claims():
        for a in c.assumptions:
            assert a.kind in kinds, (c.id, a.text)
            if a.kind == "sympy":
                assert a.relation_expr() is not None and a.latex()
            else:
                assert callable(a.predicate) and a.text
            kinds[a.kind] += 1
    assert kinds["sympy"] > kinds["python"]


def test_sympy_assumption_checks_each_element_and_names_the_violated_relation():
    a = Assumption.math("Abs(Delta) >= 1/10", each=("gaps", ("kappa_c", "kappa_s")),
                        defs={"Delta": "(1 - kappa_s) - 2*(1 - kappa_c)"})

    class Cfg:
        gaps = ((0.9, 0.2), (0.6, 0.2))             # Delta = +0.6, then 0.0
    msg = a.violation(Cfg)
    assert "gaps[1]" in msg and "kappa_c=0.6" in msg and "violated" in msg
    Cfg.gaps = ((0.9, float("nan")),)
    assert "not finite" in a.violation(Cfg)
    Cfg.gaps = ((0.9, 0.2),)
    assert a.violation(Cfg) is None
    assert a.symbols()["kappa_c"].is_real


def test_declared_symbols_carry_the_implied_assumptions():
    S = _registry.get("fpc.thm4.1").symbols()
    assert S["P"].is_integer and S["P"].is_positive
    assert S["kappa_c"].is_positive and S["kappa_s"].is_positive


def _created_symbols(claim):
    import inspect
    cfg, S = claim.resolve_config("quick"), claim.symbols()
    two = len([p for p in inspect.signature(claim.derive).parameters.values()
               if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]) >= 2
    made = []
    original = sp.Symbol.__new__

    def spy(cls, name, **assumptions):
        s = original(cls, name, **assumptions)
        made.append(s)
        return s
    sp.Symbol.__new__ = staticmethod(spy)
    try:
        claim.derive(cfg, S) if two else claim.derive(cfg)
    finally:
        sp.Symbol.__new__ = original
    return made


@pytest.mark.parametrize("cid", [c.id for c in _registry.all_claims() if c.derive is not None])
def test_derivation_declares_no_symbol_assumptions_of_its_own(cid):
    """A symbol named after a declared one must be that symbol: same assumptions."""
    claim = _registry.get(cid)
    declared = claim.symbols()
    clash = sorted({(s.name, str({k: v for k, v in s.assumptions0.items() if v is not None}))
                    for s in _created_symbols(claim)
                    if s.name in declared and s.assumptions0 != declared[s.name].assumptions0
                    and type(s) is sp.Symbol})
    assert not clash, (f"{cid}: derive makes its own {clash}; declared: "
                       f"{ {n: declared[n].assumptions0 for n, _ in clash} }; use derive(cfg, S) and S[name]")


def test_defs_bring_their_symbols_into_the_fields():
    a = Assumption.math("Delta > 0", defs={"Delta": "(1 - kappa_s) - 2*(1 - kappa_c)"})
    assert set(a.fields) == {"kappa_c", "kappa_s"}

    class Cfg:
        kappa_c, kappa_s = 0.9, 0.2
    assert a.violation(Cfg) is None
    Cfg.kappa_c = 0.5
    assert "violated" in a.violation(Cfg)
