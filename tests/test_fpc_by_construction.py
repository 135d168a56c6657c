"""fpc claims whose items cannot fail: proved symbolically or marked by construction (never counted
as evidence), and the items that replaced them as real tests (thmF.1/F.2 regime items, lem5.3)."""
import pytest

from checks.runner import evaluate

SMALL_F = {"P_values": (32,), "n_samples": 64, "steps": 30}


def run(cid, **ov):
    return evaluate(cid, overrides=ov, allow_violations=True, replicates=1)


def by_construction(result) -> set:
    return {o["name"] for o in result["numeric"]["outcomes"] if o["by_construction"]}


@pytest.mark.parametrize("cid", ["fpc.hypB.1", "fpc.hypB.2", "fpc.lemC.16", "fpc.lemC.23", "fpc.lemC.30",
                                 "fpc.lemD.3", "fpc.lemE.3", "fpc.thmF.1", "fpc.thmF.2"])
def test_item_a_is_proved_not_measured(cid):
    r = evaluate(cid, numeric=False)
    assert r["symbolic"]["status"] == "proved"
    names = {o["name"] for o in r["symbolic"]["obligations"]}
    assert {"target_descent", "D_j_nonneg"} <= names


def test_item_a_marked_by_construction_and_control_is_not():
    r = run("fpc.hypB.1", P=32, n_samples=64, steps=40)
    assert by_construction(r) == {"a_violations"}
    r = run("fpc.hypB.1", P=32, n_samples=64, steps=40, sign=-1)
    assert by_construction(r) == set() and r["verdict"] == "fails"


def test_thmF1_is_specific_to_positive_gap():
    # the old check (items a, b only) also held at Delta < 0: now the two-phase item fails there
    r = run("fpc.thmF.1", kappa_c=0.5, kappa_s=0.3, **SMALL_F)
    assert r["verdict"] == "fails"
    assert r["numeric"]["measured"]["frac_two_phase_largest_P"] == 0.0


def test_thmF2_is_specific_to_negative_gap():
    r = run("fpc.thmF.2", kappa_c=0.9, kappa_s=0.2, **SMALL_F)
    assert r["verdict"] == "fails"
    assert r["numeric"]["measured"]["frac_one_phase_largest_P"] == 0.0


def test_thmF1_item_b_is_a_real_test():
    # a step size far from 'suitable': the global FP of local queries rises again
    r = run("fpc.thmF.1", **{**SMALL_F, "lr": 50.0})
    assert r["verdict"] == "fails" and r["numeric"]["measured"]["b_violations_largest_P"] > 0


def test_lem53_decoupled_first_is_by_construction_and_no_switch_fails_at_full_scale():
    r = run("fpc.lem5.3", P=32, n_samples=64, steps=40)
    assert by_construction(r) == {"frac_decoupled_first"}
    # Delta < 0 (a violation control): no switch; the smallness items are undecided, not NaN
    r = run("fpc.lem5.3", P=32, n_samples=64, steps=40, kappa_c=0.5, kappa_s=0.3)
    assert r["verdict"] == "fails" and r["numeric"]["measured"]["frac_switch"] == 0.0


def test_lem53_smallness_failure_at_reduced_scale_is_inconclusive():
    r = run("fpc.lem5.3", P=32, n_samples=64, steps=40, small_ratio=1e-4)
    out = {o["name"]: o for o in r["numeric"]["outcomes"]}
    assert out["max_projected_pp_ratio"]["outcome"] == "inconclusive"
    assert out["max_projected_pp_ratio"].get("judged") == "fails"
    assert r["numeric"]["scale"]["reduced"]


def test_lemA6_is_not_support_for_the_paper():
    r = run("fpc.lemA.6", P_values=(64, 128), rate_C=(8, 16, 32, 64), n_sample=500)
    assert r["numeric"]["status"] == "by_construction" and r["verdict"] == "inconclusive"
    assert "textbook Hoeffding" in r["interpretation"] or "Hoeffding" in r["interpretation"]


def test_lemA10_and_def31_are_proved_and_marked():
    r = run("fpc.lemA.10", P=32, n_samples=64, steps=60, every=10)
    assert r["symbolic"]["status"] == "proved" and r["numeric"]["status"] == "by_construction"
    assert r["verdict"] == "holds"                     # from the proof, not from the numbers
    r = evaluate("fpc.def3.1")
    assert r["numeric"]["status"] == "by_construction" and r["verdict"] == "holds"


@pytest.mark.parametrize("cid,kappa,item", [("fpc.hypB.1", (0.5, 0.3), "frac_two_phase"),
                                            ("fpc.hypB.2", (0.9, 0.2), "frac_one_phase")])
def test_hypB1_hypB2_are_specific_to_their_sign_of_delta(cid, kappa, item):
    r = run(cid, P=32, n_samples=64, steps=40, kappa_c=kappa[0], kappa_s=kappa[1])
    assert r["verdict"] == "fails" and r["numeric"]["measured"][item] == 0.0
