"""The one judgment rule (checks/judge.py), fed synthetic measurements whose truth is known:
clearly holds, clearly fails, straddles, flaky, regime unmet, by construction, reduced scale,
non-finite and non-numeric values; then the same rule end to end through the runner."""
import json
import math
from dataclasses import dataclass

import numpy as np
import pytest
from test_framework import claim_for, isolated_registry

from checks import judge, runner
from checks.cli import main
from claims import _registry
from claims._base import Measurement, Prediction, Regime
from report import result as store

GE1 = Prediction("x", "x is at least 1", ">=", 1.0)


def _judge(values, pred=GE1, **kw):
    return judge.judge_prediction(pred, values, **kw)


def test_clearly_holds_and_clearly_fails():
    o = _judge([1.50, 1.52, 1.49])
    assert o["outcome"] == "holds" and o["interval"][0] > 1 and o["margin"] == pytest.approx(0.5033, abs=1e-3)
    assert o["margin_hw"] > 1 and "t-interval" in o["interval_method"]
    o = _judge([0.50, 0.52, 0.49])
    assert o["outcome"] == "fails" and o["interval"][1] < 1 and o["margin"] < 0


def test_interval_is_the_t_interval_of_the_mean():
    vals = [1.0, 2.0, 4.0]
    lo, hi, _ = judge.interval(vals)
    m, sd = np.mean(vals), np.std(vals, ddof=1)
    assert (hi - lo) / 2 == pytest.approx(4.302653 * sd / math.sqrt(3), rel=1e-6)
    assert (lo + hi) / 2 == pytest.approx(m)


def test_straddling_interval_is_inconclusive_even_when_every_replicate_agrees():
    o = _judge([1.01, 1.30, 1.02])            # all >= 1, but the mean's interval reaches below 1
    assert o["outcome"] == "inconclusive" and "straddles the threshold" in o["reason"]
    assert o["interval"][0] < 1 < o["interval"][1] and not o["flaky"]


def test_flaky_replicates_are_inconclusive_and_show_every_value():
    o = _judge([2.0, 2.1, 0.9])
    assert o["outcome"] == "inconclusive" and o["flaky"]
    assert "2, 2.1, 0.9" in o["reason"] and o["replicates"] == [2.0, 2.1, 0.9]


def test_deterministic_runs_once_with_a_point_interval():
    o = _judge([1.0], deterministic=True)
    assert o["outcome"] == "holds" and o["interval"] == [1.0, 1.0] and o["margin"] == 0.0
    assert o["margin_hw"] is None and o["interval_method"].startswith("deterministic")
    assert _judge([0.999999], deterministic=True)["outcome"] == "fails"


def test_fewer_than_three_replicates_use_the_fits_own_interval():
    slope = Prediction("slope", "the exponent is negative", "<", 0.0, trend=True)
    o = judge.judge_prediction(slope, [-0.5], own=[(-2.29, 2.96)])
    assert o["outcome"] == "inconclusive" and o["interval"] == [-2.29, 2.96]
    assert judge.judge_prediction(slope, [-0.5], own=[(-0.9, -0.1)])["outcome"] == "holds"
    assert judge.judge_prediction(slope, [0.5], own=[(0.1, 0.9)])["outcome"] == "fails"


def test_within_and_between_bands():
    w = Prediction("r", "r is 1 within 0.1", "within", 1.0, tol=0.1)
    assert _judge([1.0, 1.01, 0.99], w)["outcome"] == "holds"
    assert _judge([1.5, 1.51, 1.49], w)["outcome"] == "fails"
    b = Prediction("r", "r in [0, 1]", "between", (0.0, 1.0))
    assert _judge([0.5, 0.5, 0.5], b)["outcome"] == "holds"
    assert _judge([-0.5, -0.5, -0.5], b)["outcome"] == "fails"


def test_strict_inequality_at_the_threshold():
    gt = Prediction("d", "d > 0", ">", 0.0)
    assert _judge([0.0], gt, deterministic=True)["outcome"] == "fails"
    assert _judge([-0.1, 0.0, 0.0], gt)["outcome"] != "holds"


def test_undecided_replicate_makes_inconclusive():
    o = _judge([2.0, 2.0, 2.0], undecided=["still improving at max_steps"])
    assert o["outcome"] == "inconclusive" and o["reason"] == "still improving at max_steps"


@pytest.mark.parametrize("bad, why", [(float("inf"), "inf"), (float("nan"), "NaN"), ("x", "str"),
                                      ([1, 2], "list"), (np.array([1.0, 2.0]), "2 elements")])
def test_non_finite_or_non_numeric_values_are_errors_naming_the_value(bad, why):
    o = _judge([1.0, bad, 1.0])
    assert o["outcome"] == "error" and "'x'" in o["reason"] and why in o["reason"]


def test_regime_unmet_turns_fails_not_holds():
    cond = Regime("settled", "training has settled", "<=", 0.01)
    unmet = judge.judge_regime(cond, [0.2, 0.001, 0.001])
    assert not unmet["met"] and "training has settled" in unmet["reason"]
    o = judge.apply_regime(_judge([0.5, 0.5, 0.5]), [unmet])
    assert o["outcome"] == "inconclusive" and o["reason"].startswith("not in the regime of the statement")
    assert o["judged"] == "fails"
    assert judge.apply_regime(_judge([2.0, 2.0, 2.0]), [unmet])["outcome"] == "holds"
    met = judge.judge_regime(cond, [0.001] * 3)
    assert judge.apply_regime(_judge([0.5, 0.5, 0.5]), [met])["outcome"] == "fails"


def test_instrument_regime_unmet_also_withdraws_holds():
    probe = Regime("probe_acc", "the probe is above chance", ">=", 0.2, instrument=True)
    r = judge.judge_regime(probe, [0.1, 0.1, 0.1])
    o = judge.apply_regime(_judge([2.0, 2.0, 2.0]), [r])
    assert o["outcome"] == "inconclusive" and "above chance" in o["reason"]


def test_by_construction_is_not_evidence_and_failing_it_is_a_bug():
    bc = Prediction("s", "a sum of squares is >= 0", ">=", 0.0, by_construction="a sum of squares")
    o = _judge([1.0], bc, deterministic=True)
    assert o["outcome"] == "holds" and judge.status([o]) == "by_construction"
    assert judge.status([o, _judge([2.0], deterministic=True)]) == "holds"
    assert _judge([-1.0], bc, deterministic=True)["outcome"] == "error"
    assert runner.combine("not_applicable", "by_construction") == "inconclusive"
    assert runner.combine("proved", "by_construction") == "holds"


def test_reduced_scale_fails_of_an_asymptotic_statement_is_inconclusive_unless_a_trend():
    scale = {"reduced": True, "asymptotic_in": ["P"], "badge": "P ≤ 64"}
    o = judge.apply_scale(_judge([0.5, 0.5, 0.5]), GE1, scale)
    assert o["outcome"] == "inconclusive" and "P ≤ 64" in o["reason"]
    trend = Prediction("x", "exponent", ">=", 1.0, trend=True)
    assert judge.apply_scale(_judge([0.5] * 3, trend), trend, scale)["outcome"] == "fails"
    assert judge.apply_scale(_judge([0.5] * 3), GE1, {**scale, "reduced": False})["outcome"] == "fails"


# ----------------------------------------------------------------------------- through the runner
@dataclass(frozen=True)
class NoisyCfg:
    mean: float = 2.0
    noise: float = 0.01
    P: int = 16


def _noisy(cfg, ctx):
    rng = np.random.default_rng(ctx.seed)
    return Measurement({"x": cfg.mean + cfg.noise * rng.standard_normal(), "settled": 0.0})


def _claim(cid, **kw):
    return claim_for(cid, **{"config": NoisyCfg, "predictions": lambda c: (GE1,), "check": _noisy,
                             "profiles": {"quick": {}, "full": {"P": 1024}}, **kw})


@pytest.fixture
def reg(monkeypatch):
    return isolated_registry(monkeypatch, (
        _claim("fpc.noisy"), _claim("fpc.asym", asymptotic_in=("P",), scale_fields=("P",)),
        _claim("fpc.det", deterministic=True),
        _claim("fpc.reg", regime=lambda c: (Regime("settled", "settled", "<=", -1.0),))))


def test_runner_replicates_seeds_and_schema(reg, tmp_path):
    r = runner.evaluate("fpc.noisy", seed=5)
    o = r["numeric"]["outcomes"][0]
    assert r["numeric"]["replicates"] == 3 and len(set(o["replicates"])) == 3
    assert r["numeric"]["replicate_seeds"][0] == 5
    assert o["replicates"] == runner.evaluate("fpc.noisy", seed=5)["numeric"]["outcomes"][0]["replicates"]
    assert runner.evaluate("fpc.noisy", profile="full")["numeric"]["replicates"] == 5
    assert runner.evaluate("fpc.noisy", replicates=7)["numeric"]["replicates"] == 7
    assert len(runner.evaluate("fpc.det")["numeric"]["outcomes"][0]["replicates"]) == 1
    p = store.write_result(tmp_path, r)
    assert json.loads(p.read_text())["schema_version"] == 2


def test_runner_noise_around_the_threshold_is_never_decided(reg):
    r = runner.evaluate("fpc.noisy", overrides={"mean": 1.0, "noise": 0.5}, replicates=5)
    assert r["verdict"] == "inconclusive"


def test_runner_scale_badge_and_reduced_scale_rule(reg, capsys):
    r = runner.evaluate("fpc.asym", overrides={"mean": 0.5})
    assert r["scale"]["reduced"] and r["scale"]["badge"] == "P ≤ 16" and r["scale"]["sizes"] == {"P": 16}
    assert r["verdict"] == "inconclusive"
    assert "reduced scale: P ≤ 16" in runner.headline(r)
    full = runner.evaluate("fpc.asym", profile="full", overrides={"mean": 0.5})
    assert not full["scale"]["reduced"] and full["verdict"] == "fails"


def test_runner_regime_unmet(reg):
    r = runner.evaluate("fpc.reg", overrides={"mean": 0.5})
    assert r["verdict"] == "inconclusive"
    assert r["numeric"]["regime_results"][0]["met"] is False


def test_runner_catches_sys_exit_and_raising_predictions(reg, monkeypatch, tmp_path, capsys):
    def exits(cfg, ctx):
        raise SystemExit(0)

    def bad_preds(cfg):
        raise RuntimeError("no predictions today")
    _registry.register(_claim("fpc.exits", check=exits))
    _registry.register(_claim("fpc.badpred", predictions=bad_preds))
    rc = main(["run", "--claim", "fpc.exits", "--claim", "fpc.badpred", "--claim", "fpc.noisy",
               "--results", str(tmp_path), "--executor", "serial"])
    out = capsys.readouterr().out
    assert rc == 1 and "error=2" in out and "holds=1" in out
    assert store.load_result(tmp_path / "fpc.badpred.json")["verdict"] == "error"


def test_v1_results_are_upgraded_on_load(tmp_path):
    v1 = {"claim_id": "fpc.old", "verdict": "holds", "schema_version": 1,
          "numeric": {"status": "holds", "outcomes": [{"name": "x", "measured": 1.5, "outcome": "holds",
                                                       "reason": ""}]}}
    (tmp_path / "fpc.old.json").write_text(json.dumps(v1))
    d = store.load_result(tmp_path / "fpc.old.json")
    o = d["numeric"]["outcomes"][0]
    assert d["schema_version"] == 2 and d["upgraded_from"] == 1
    assert o["interval"] == [1.5, 1.5] and o["replicates"] == [1.5] and "schema 1" in o["interval_method"]


def test_seed_rule_is_one_function():
    ctx = runner.RunContext(seed=3)
    assert ctx.seed_for("a", 1) == runner.derive_seed(3, "a", 1) != ctx.seed_for("a", 2)
    assert 0 <= ctx.seed_for(99) < 2 ** 31
    assert ctx.for_replicate(0).seed == 3 and ctx.for_replicate(1).seed == runner.replicate_seed(3, 1) != 3


def test_cli_rejects_bad_seed_and_replicates(capsys):
    for argv in (["run", "--seed", "-1"], ["run", "--seed", str(2 ** 63)], ["run", "--replicates", "0"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
    assert "--replicates must be between 1 and 100" in capsys.readouterr().err


def test_violation_control_is_exempt_from_the_reduced_scale_rule(reg):
    from claims._base import Assumption
    _registry.register(_claim("fpc.ctrl", asymptotic_in=("P",),
                              assumptions=(Assumption.range("mean", 1.0, None, lo_open=False),)))
    r = runner.evaluate("fpc.ctrl", overrides={"mean": 0.5}, allow_violations=True)
    assert r["assumption_violations"] and r["verdict"] == "fails"
