"""tlc claims measured on small MAEs trained here (Section 6, Assumption 4.1, Theorem 4.3).

They run at the quick profile so the pinned numbers are the reported ones; the trained MAEs
are shared through the in-process cache, so the controls cost only their own measurement."""
import pytest

from checks.runner import evaluate


def outcomes(r):
    return {o["name"]: o["outcome"] for o in r["numeric"]["outcomes"]}


@pytest.fixture(scope="module")
def fig2():
    return evaluate("tlc.sec6.1")


def test_fig2_index_trend_holds_but_mask_ratio_trend_fails(fig2):
    assert fig2["verdict"] == "fails"
    assert outcomes(fig2) == {"min_index_slope": "holds", "ratio_slope": "fails"}
    slopes = fig2["numeric"]["evidence"]["index_slopes"]
    assert slopes["0.5"] > slopes["0.9"] > 0          # flatter, not steeper, at a higher mask ratio
    assert fig2["numeric"]["measured"]["ratio_slope"] < -2 * fig2["numeric"]["evidence"]["ratio_slope_se"]


def test_fig2_wrong_index_order_fails(fig2):
    r = evaluate("tlc.sec6.1", overrides={"index_order": "reversed"}, allow_violations=True)
    assert r["verdict"] == "fails" and outcomes(r)["min_index_slope"] == "fails"


def test_asm41_rank_is_not_lower_but_effective_rank_is(fig2):
    r = evaluate("tlc.asm4.1")
    assert r["verdict"] == "fails"
    assert outcomes(r) == {"frac_rank_lower": "fails", "max_median_erank_ratio": "holds"}
    for row in r["numeric"]["evidence"]["rows"]:    # reconstructions are numerically full rank
        assert row["mean_rank_recon"] == pytest.approx(min(row["N0_by_F"]))
        assert row["mean_erank_recon"] < row["mean_erank_X0"]


def test_asm41_full_rank_reconstruction_fails_the_effective_rank_too(fig2):
    r = evaluate("tlc.asm4.1", overrides={"recon": "oracle"}, allow_violations=True)
    assert outcomes(r)["max_median_erank_ratio"] == "fails"


def test_thm43_lspec_does_not_follow_the_mae_loss(fig2):
    r = evaluate("tlc.thm4.3")
    assert r["verdict"] == "fails" and outcomes(r)["spearman"] == "fails"
    cps = r["numeric"]["evidence"]["checkpoints"]
    mae = [c["mae_loss"] for c in cps]
    spec = [c["l_spec"] for c in cps]
    assert mae[-1] < mae[1] and spec[-1] > spec[1]   # after the first checkpoint: MAE loss down, L_spec up


def test_thm43_reversed_checkpoints_fail(fig2):
    r = evaluate("tlc.thm4.3", overrides={"order": "reversed"}, allow_violations=True)
    assert r["verdict"] == "fails" and outcomes(r)["rel_change_l_spec"] == "fails"


def test_tab1_bn_helps_partial_ft_undecided():
    r = evaluate("tlc.tab1")
    acc = r["numeric"]["evidence"]["accuracy"]
    assert outcomes(r)["bnlp_minus_lp"] == "holds" and acc["BN+LP"] > acc["LP"] + 0.3
    assert r["verdict"] in ("holds", "inconclusive", "fails")
    bad = evaluate("tlc.tab1", overrides={"handicap": "second"}, allow_violations=True)
    assert bad["verdict"] == "fails" and outcomes(bad)["pft_minus_bnlp"] == "fails"


def test_tab2_heads_and_untrained_six_head_model_fails():
    r = evaluate("tlc.tab2")
    assert r["verdict"] in ("holds", "inconclusive", "fails") and set(outcomes(r)) == {"lp_gain", "ft_gain"}
    bad = evaluate("tlc.tab2", overrides={"handicap": "second"}, allow_violations=True)
    assert bad["verdict"] == "fails" and outcomes(bad)["ft_gain"] == "fails"


def test_eq17_visible_outputs_do_not_approximate_patches(fig2):
    r = evaluate("tlc.eq17")
    ev = r["numeric"]["evidence"]
    assert r["verdict"] == "fails" and ev["median_rho"] < 0.9 and ev["median_visible_rel_err"] > 0.5
    bad = evaluate("tlc.eq17", overrides={"features": "shuffled"}, allow_violations=True)
    assert bad["verdict"] == "fails" and abs(bad["numeric"]["measured"]["median_rho"]) < 0.2
