"""ssl.mae-diverse and ssl.mae-near-optimal: small runs, their false cases, bad configs."""
import pytest

from checks.runner import evaluate
from models.errors import AssumptionViolated

SMALL = {"P": 24, "seeds": 1, "n_train": 128, "mae_steps": 150, "n_eval": 256}


def test_mae_diverse_holds_small():
    r = evaluate("ssl.mae-diverse", overrides=SMALL)
    assert r["verdict"] == "holds", r["numeric"]["measured"]
    assert set(r["numeric"]["series"]["own_area_attention"]["ys"]) == {
        "pos global", "pos local", "neg global", "neg local"}


def test_mae_diverse_fails_with_positional_only_attention():
    # fpc Section 3.1: with Phi frozen at 0 and K = 2 partitions, attention cannot find the own area
    r = evaluate("ssl.mae-diverse", overrides={**SMALL, "freeze_phi": True}, allow_violations=True)
    assert r["verdict"] == "fails"
    assert r["numeric"]["measured"]["own_attn_min_pos"] < 0.9


def test_mae_near_optimal_fails_with_positional_only_attention():
    r = evaluate("ssl.mae-near-optimal", overrides={**SMALL, "freeze_phi": True}, allow_violations=True)
    assert r["verdict"] == "fails"
    assert r["numeric"]["measured"]["max_gap_neg"] > 0.05


def test_mae_near_optimal_fails_without_training():
    r = evaluate("ssl.mae-near-optimal", overrides={**SMALL, "mae_steps": 0, "record_every": 1})
    assert r["verdict"] == "fails"          # at Q = 0 the gap is about 1/2 E[z^2] for local patches


def test_regimes_must_have_the_stated_sign_of_delta():
    with pytest.raises(AssumptionViolated, match="kappa_neg"):
        evaluate("ssl.mae-diverse", overrides={"kappa_neg": (0.9, 0.2)})
    with pytest.raises(AssumptionViolated, match="freeze_phi"):
        evaluate("ssl.mae-near-optimal", overrides={"freeze_phi": True})
