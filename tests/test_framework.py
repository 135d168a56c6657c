"""The claim framework, registry, runner, store and CLI contract."""
import json
import math
from dataclasses import dataclass

import pytest

from checks import runner
from checks.cli import main
from claims import _registry
from claims._base import Assumption, Claim, Measurement, Prediction, Source
from claims.errors import AmbiguousClaim, AssumptionViolated, DuplicateClaim, InvalidClaimId, UnknownClaim
from models.errors import InvalidParameter, NonFiniteValue
from report import result as store
from report.errors import ResultSchemaError


@dataclass(frozen=True)
class Cfg:
    x: float = 1.0
    boom: bool = False
    nan: bool = False


def _check(cfg, ctx):
    if cfg.boom:
        raise RuntimeError("kaboom")
    if cfg.nan:
        raise NonFiniteValue("the training loss", 7)
    return Measurement({"x": cfg.x})


def claim_for(cid, **fields) -> Claim:
    """A claim ``cid`` (its source: its paper's) with ``fields``; shared with test_judge."""
    return Claim(**{"id": cid, "title": "t", "statement": "s", "source": Source(cid.split(".")[0], "Sec", "quote"),
                    **fields})


def isolated_registry(monkeypatch, claims) -> dict:
    """For one test, a registry that holds only ``claims`` (the catalogue is loaded first, so that
    no later ``load_all`` adds to it); shared with test_judge."""
    _registry.load_all()
    reg = {}
    monkeypatch.setattr(_registry, "_REGISTRY", reg)
    for c in claims:
        _registry.register(c)
    return reg


def fake(cid, **kw):
    return claim_for(cid, **{"config": Cfg, "predictions": lambda c: (Prediction("x", "x is at least 1", ">=", 1.0),),
                             "check": _check, "assumptions": (Assumption.range("x", 0, None),), **kw})


@pytest.fixture
def fake_registry(monkeypatch):
    return isolated_registry(monkeypatch, (
        fake("fpc.def3.1"), fake("tlc.def3.1"), fake("fpc.thm4.1"), fake("tlc.lem4.6"),
        fake("fpc.crash", predictions=lambda c: (Prediction("x", "x", ">=", 1.0),),
             config=Cfg, check=lambda c, x: _check(Cfg(boom=True), x))))


def test_real_catalogue_loads_without_errors():
    _registry.load_all()
    assert not _registry.LOAD_ERRORS, _registry.LOAD_ERRORS
    ids = [c.id for c in _registry.all_claims()]
    assert "fpc.thm4.1" in ids and len(ids) == len(set(ids))


def test_bare_label_resolves_when_unique(fake_registry):
    assert _registry.resolve("thm4.1") == "fpc.thm4.1"
    assert _registry.resolve("LEM4.6") == "tlc.lem4.6"


def test_ambiguous_label_lists_full_ids(fake_registry):
    with pytest.raises(AmbiguousClaim, match=r"fpc\.def3\.1, tlc\.def3\.1"):
        _registry.resolve("def3.1")


def test_unknown_id_suggests_close_matches(fake_registry):
    with pytest.raises(UnknownClaim, match=r"Did you mean: .*fpc\.thm4\.1.*python -m checks list"):
        _registry.resolve("thm4.2")


def test_duplicate_and_malformed_ids_are_errors(fake_registry):
    with pytest.raises(DuplicateClaim, match="registered twice"):
        _registry.register(fake("fpc.thm4.1"))
    with pytest.raises(InvalidClaimId, match="grammar"):
        _registry.register(fake("fpc.Thm 4"))


def test_assumptions_are_checked_before_running(fake_registry):
    with pytest.raises(AssumptionViolated, match=r"0 < x .*got x=-1"):
        runner.evaluate("fpc.thm4.1", overrides={"x": -1.0})
    r = runner.evaluate("fpc.thm4.1", overrides={"x": -1.0}, allow_violations=True)
    assert r["verdict"] == "fails" and r["assumption_violations"]


def test_verdicts_from_predictions(fake_registry):
    assert runner.evaluate("fpc.thm4.1")["verdict"] == "holds"
    r = runner.evaluate("fpc.thm4.1", overrides={"x": 0.5})
    assert r["verdict"] == "fails"
    assert r["numeric"]["predictions"][0]["rule"] == "x >= 1"
    o = r["numeric"]["outcomes"][0]
    assert {k: o[k] for k in ("name", "measured", "outcome", "reason")} == \
        {"name": "x", "measured": 0.5, "outcome": "fails", "reason": ""}
    assert o["replicates"] == [0.5, 0.5, 0.5] and o["interval"] == [0.5, 0.5] and o["margin"] == -0.5


def test_crash_and_nan_become_error_results(fake_registry):
    r = runner.evaluate("fpc.crash")
    assert r["verdict"] == "error" and "kaboom" in r["numeric"]["error"]["message"]
    r = runner.evaluate("fpc.thm4.1", overrides={"nan": True})
    assert r["verdict"] == "error"
    msg = r["numeric"]["error"]["message"]
    assert "non-finite" in msg and "lower the step size" in msg
    with pytest.raises(InvalidParameter, match="x=nan: must be a finite number"):
        runner.evaluate("fpc.thm4.1", overrides={"x": math.nan}, allow_violations=True)


def test_combine_table():
    assert runner.combine("proved", "holds") == "holds"
    assert runner.combine("refuted", "holds") == "fails"
    assert runner.combine("proved", "fails") == "fails"
    assert runner.combine("inconclusive", "holds") == "inconclusive"
    assert runner.combine("not_applicable", "not_applicable") == "skipped"
    assert runner.combine("error", "holds") == "error"


def test_cli_run_stores_json_and_continues_after_a_crash(fake_registry, tmp_results, capsys):
    rc = main(["run", "--claim", "fpc.crash", "--claim", "thm4.1", "--results", str(tmp_results),
               "--executor", "serial"])
    out = capsys.readouterr().out
    assert rc == 1
    assert "totals: holds=1, fails=0, inconclusive=0, error=1, skipped=0" in out
    ok = store.load_result(tmp_results / "fpc.thm4.1.json")
    bad = store.load_result(tmp_results / "fpc.crash.json")
    assert ok["verdict"] == "holds" and ok["schema_version"] == store.SCHEMA_VERSION and bad["verdict"] == "error"
    for key in ("claim_id", "verdict", "symbolic", "numeric", "seed", "profile", "device", "versions",
                "wall_s", "started_at"):
        assert key in ok
    assert ok["config"] == {"x": 1.0, "boom": False, "nan": False}


def test_cli_usage_errors_exit_2(fake_registry, tmp_results, capsys):
    assert main(["run", "--claim", "thm9.9", "--results", str(tmp_results)]) == 2
    err = capsys.readouterr().err
    assert "unknown claim id 'thm9.9'" in err and "python -m checks list" in err
    assert main(["run", "--claim", "def3.1", "--results", str(tmp_results)]) == 2
    assert "fpc.def3.1, tlc.def3.1" in capsys.readouterr().err
    assert main(["run", "--claim", "thm4.1", "--set", "y=3", "--results", str(tmp_results)]) == 2
    assert "no such field" in capsys.readouterr().err
    assert main(["run", "--claim", "thm4.1", "--set", "x=-2", "--results", str(tmp_results)]) == 2
    assert "violates its assumptions" in capsys.readouterr().err
    assert main(["run", "--paper", "tlc", "--claim", "fpc.thm4.1", "--results", str(tmp_results)]) == 2
    assert "belong(s) to another paper" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["run", "--profile", "huge"])
    assert e.value.code == 2
    assert not tmp_results.exists()  # nothing ran, nothing written


def test_cli_list_json_contract(capsys):
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {"id", "title", "paper", "source", "depends_on", "has_derivation", "has_check"} <= set(rows[0])
    assert main(["list", "--paper", "fpc"]) == 0
    assert "fpc.thm4.1" in capsys.readouterr().out


def test_cli_show(capsys):
    assert main(["show", "eq3.2"]) == 0
    out = capsys.readouterr().out
    assert "fpc.eq3.2" in out and "source (seed)" in out and "derivation: proved" in out


def test_store_is_atomic_and_versioned(tmp_path):
    p = store.write_result(tmp_path, {"claim_id": "fpc.x1", "verdict": "holds", "value": float("nan")})
    data = json.loads(p.read_text())
    assert data["schema_version"] == store.SCHEMA_VERSION and data["value"] == "nan"
    assert not list(tmp_path.glob(".*.tmp"))
    data["schema_version"] = 99
    p.write_text(json.dumps(data))
    with pytest.raises(ResultSchemaError, match="schema_version 99.*re-run"):
        store.load_result(p)
    (tmp_path / "report.json").write_text("[]")          # exports beside results are skipped
    (tmp_path / "fpc.x1.json").write_text(json.dumps({**data, "schema_version": 1}))
    assert [r["claim_id"] for r in store.load_results(tmp_path)] == ["fpc.x1"]


def test_real_catalogue_ambiguous_and_unknown_labels(tmp_results, capsys):
    assert main(["run", "--claim", "def3.1", "--results", str(tmp_results)]) == 2
    assert "fpc.def3.1, tlc.def3.1" in capsys.readouterr().err
    assert main(["run", "--claim", "thm9.9", "--results", str(tmp_results)]) == 2
    err = capsys.readouterr().err
    assert "Did you mean" in err and "python -m checks list" in err
    assert not tmp_results.exists()


def test_refused_claim_is_stored_as_an_error_result(fake_registry, tmp_results, monkeypatch, capsys):
    """A profile that breaks an assumption: the CLI stores an error result and goes on."""
    bad = fake("tlc.badprofile", profiles={"quick": {"x": -1.0}, "full": {}})
    _registry.register(bad)
    rc = main(["run", "--claim", "tlc.badprofile", "--claim", "fpc.thm4.1", "--results", str(tmp_results),
               "--executor", "serial"])
    assert rc == 1
    r = store.load_result(tmp_results / "tlc.badprofile.json")
    assert r["verdict"] == "error" and "violates its assumptions" in r["error"]["message"]
    assert r["command"] == "python -m checks run --claim tlc.badprofile --profile quick --seed 0"
    assert store.load_result(tmp_results / "fpc.thm4.1.json")["verdict"] == "holds"


def test_matrix_identity_compares_entry_by_entry():
    import sympy as sp

    from claims._sym import matrix_identity
    a, b = sp.symbols("a b", real=True)
    M = sp.Matrix([[a, b], [b, a]])
    ok = matrix_identity("sym", M * M, sp.Matrix([[a**2 + b**2, 2*a*b], [2*a*b, a**2 + b**2]]))
    assert ok.status == "proved" and "all 4 entries" in ok.detail
    bad = matrix_identity("sym", M * M, sp.Matrix([[a**2 + b**2, 2*a*b], [a*b, a**2 + b**2]]))
    assert bad.status == "refuted" and "[1,0]" in bad.detail and "1 entry differs" in bad.detail
    assert matrix_identity("shape", M, sp.Matrix([a, b])).status == "refuted"
