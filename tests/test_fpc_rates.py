"""Theorem 4.1's step count: polynomial growth in P passes, an exponentially slower schedule fails."""
from checks.runner import evaluate


def test_steps_exponential_schedule_fails():
    ov = {"P_values": (16, 32, 64), "kappa_pairs": ((0.9, 0.2),), "steps": 400, "n_samples": 64,
          "lr_halving": 32.0}
    r = evaluate("fpc.thm4.1-steps", overrides=ov, allow_violations=True)
    assert r["verdict"] == "fails", r["numeric"]["evidence"]["pairs"]
    assert r["numeric"]["measured"]["max_ratio_growth"] > 0.5


def test_steps_constant_schedule_holds_small():
    ov = {"P_values": (16, 32, 64), "kappa_pairs": ((0.9, 0.2),), "steps": 200, "n_samples": 64}
    r = evaluate("fpc.thm4.1-steps", overrides=ov)
    assert r["verdict"] == "holds", r["numeric"]["evidence"]["pairs"]
