"""The fpc statements about small PP correlations and gradients, checked over the local area size
(claims/fpc/_areas.py): Lemma 5.2 (formula) and its key observation, Theorems F.3/F.4, Section 5.4.

Each claim holds at a small size in its regime and fails on a false case at the full profile's P
(below it, a fails from one size is inconclusive by design); small local areas give inconclusive,
never fails; the trend over area size is pinned."""
import pytest

from checks.runner import evaluate


def run(cid, replicates=1, **ov):
    return evaluate(cid, overrides=ov, allow_violations=True, replicates=replicates)


def outcome(r, name):
    return next(o for o in r["numeric"]["outcomes"] if o["name"] == name)


# ---------------------------------------------------------------- Lemma 5.2: the formula
def test_lem52_formula_is_deterministic_and_holds():
    r = run("fpc.lem5.2", replicates=3, P=16, n_samples=12, n_states=1)
    assert r["verdict"] == "holds" and r["symbolic"]["status"] == "proved"
    assert r["numeric"]["replicates"] == 1 and r["numeric"]["measured"]["max_rel_err"] < 1e-12
    assert [o["name"] for o in r["numeric"]["outcomes"]] == ["max_rel_err"]   # the key observation moved out


def test_lem52_formula_perturbed_fails():
    r = run("fpc.lem5.2", perturb=0.05, P=16, n_samples=12, n_states=1)
    assert r["symbolic"]["status"] == "refuted" and r["numeric"]["status"] == "fails"


def test_dependents_point_at_the_part_their_proof_uses():
    from claims import _registry
    uses = {c.id: c.depends_on for c in _registry.all_claims("fpc")}
    assert "fpc.lem5.2-key" in uses["fpc.thmF.3"] and "fpc.lem5.2-key" in uses["fpc.sec5.4-pp"]
    assert "fpc.lem5.2" in uses["fpc.hypB.1"] and "fpc.lem5.2-key" not in uses["fpc.hypB.1"]


# ---------------------------------------------------------------- Lemma 5.2: the key observation
KEY_FULL_P = {"P": 192, "smaller_P": (96,), "train_samples": 32, "train_steps": 200, "area_factors": (0.5, 1.0)}


def test_lem52_key_holds_at_full_P_and_opposite_assertion_fails():
    r = run("fpc.lem5.2-key", **KEY_FULL_P)
    assert r["verdict"] == "holds", r["numeric"]["outcomes"]
    assert not r["scale"]["reduced"]
    r = run("fpc.lem5.2-key", sign=-1, **KEY_FULL_P)     # asserts |grad FP| <= |grad proj. PP|
    assert r["verdict"] == "fails" and outcome(r, "max_ratio_configured")["outcome"] == "fails"


@pytest.mark.slow
def test_lem52_key_ratio_shrinks_as_areas_grow():
    """Pinned: the worst ratio exceeds 1 with 3-patch areas and is ~0.1 with 8-patch areas (P = 48)."""
    r = run("fpc.lem5.2-key")
    rows = {(x["P"], x["min_local_area"]): x["max_ratio"] for x in r["numeric"]["evidence"]["rows"]}
    assert rows[(48, 3)] > 1.0 > 0.2 > rows[(48, 8)]
    assert outcome(r, "ratio_exponent_in_area")["outcome"] == "holds"
    assert r["numeric"]["measured"]["ratio_exponent_in_area"] < -1
    assert r["verdict"] == "holds"


def test_lem52_key_small_areas_are_inconclusive_not_fails():
    r = run("fpc.lem5.2-key", P=24, smaller_P=(16,), c_local=1.0, area_factors=(0.5, 1.0),
            train_steps=300)                                            # 2-patch areas at P = 24
    assert r["numeric"]["measured"]["max_ratio_configured"] > 1
    assert r["verdict"] == "inconclusive"
    assert "p_area_masked" in outcome(r, "max_ratio_configured")["regime_unmet"]


# ---------------------------------------------------------------- Theorems F.3 / F.4
DYN_FULL_P = {"P": 256, "smaller_P": (128,), "n_samples": 64, "steps": 100}
POS, NEG = {"kappa_c": 0.9, "kappa_s": 0.2}, {"kappa_c": 0.5, "kappa_s": 0.3}


def test_thmF3_phases_fail_for_negative_gap_at_full_P():
    r = run("fpc.thmF.3", **DYN_FULL_P, **NEG)
    assert r["verdict"] == "fails" and r["numeric"]["measured"]["frac_local_two_phase"] == 0.0


def test_thmF4_phases_fail_for_positive_gap_at_full_P():
    r = run("fpc.thmF.4", **DYN_FULL_P, **POS)
    assert r["verdict"] == "fails" and r["numeric"]["measured"]["frac_local_one_phase"] == 0.0


def test_thmF3_small_areas_inconclusive_and_pp_ratio_shrinks_with_area():
    """Pinned: with 2-patch areas (c_local = 1) max |Ups| is near the target FP; the ratio falls as the
    areas grow, and the small-area value is not reported as a failure of the theorem."""
    r = run("fpc.thmF.3", c_local=1.0, area_factors=(1.0, 3.5), n_samples=128, steps=300)
    rows = {x["min_local_area"]: x["pp_over_target"] for x in r["numeric"]["evidence"]["rows"] if x["P"] == 64}
    assert rows[2] > 1 / 3 > rows[max(rows)]
    assert outcome(r, "pp_over_target")["outcome"] == "inconclusive"
    assert r["verdict"] != "fails"


def test_thmF3_c_local_reaches_the_runs():
    small = {"n_samples": 64, "steps": 100}
    a = run("fpc.thmF.3", **small)["numeric"]["measured"]
    b = run("fpc.thmF.3", c_local=2.5, **small)["numeric"]["measured"]
    assert a["min_local_area"] == 11 != b["min_local_area"] and a["pp_over_target"] != b["pp_over_target"]


# ---------------------------------------------------------------- Section 5.4
SEC_SMALL = {"K_values": (1, 2), "n_per_cluster": 32, "steps": 100}


def test_sec54_c_local_override_changes_the_value():
    a = run("fpc.sec5.4-pp", **SEC_SMALL)["numeric"]
    b = run("fpc.sec5.4-pp", c_local=2.5, **SEC_SMALL)["numeric"]
    assert a["measured"]["ratio_at_largest_K"] != b["measured"]["ratio_at_largest_K"]
    assert {x["min_local_area"] for x in a["evidence"]["rows"]} != {x["min_local_area"] for x in b["evidence"]["rows"]}


def test_sec54_has_no_K_field_and_does_not_judge_the_K_exponent():
    from models.errors import InvalidParameter
    with pytest.raises(InvalidParameter, match="no such field"):
        evaluate("fpc.sec5.4-pp", overrides={"K": 3})
    from claims import _registry
    c = _registry.get("fpc.sec5.4-pp")
    assert [p.name for p in c.predictions(c.resolve_config())] == ["ratio_at_smallest_K", "ratio_at_largest_K",
                                                                  "ratio_exponent_in_area"]


def _sec54_measure(ratio_of_K: dict):
    """sec5.4-pp's check on made-up training outcomes: the ratio by K (configured areas), no training."""
    from claims.fpc import sec5_4_pp as m

    class Ctx:
        device = "cpu"

        def seed_for(self, *a):
            return 0

        def map(self, fn, pts, desc=""):
            return [{"P": p["data"]["P"], "K": p["data"]["K"], "c_local": p["data"]["c_local"],
                     "min_local_area": round(p["data"]["c_local"] * 3), "p_area_masked": 0.5,
                     "pp_over_target": ratio_of_K[p["data"]["K"]] * (64 / p["data"]["P"]) / p["data"]["c_local"] * 3.5,
                     "projected_pp_over_target": 0.0, "other_fp_over_target": 0.0, "target_fp_min": 1.0,
                     "own_attn_end": 0.5} for p in pts]
    return m.check(m.Config(K_values=tuple(sorted(ratio_of_K))), Ctx())


def test_sec54_a_ratio_too_large_only_at_large_K_is_not_a_fails():
    """The seed's condition on K is lost: too large at K = 4 but small at K = 1 is undecided; too
    large at both, or with one K only, stays a measurement the judge can fail."""
    m = _sec54_measure({1: 0.2, 2: 0.3, 4: 0.5})
    assert m.values["ratio_at_largest_K"] == 0.5 and "lost in the seed" in m.undecided["ratio_at_largest_K"]
    assert "ratio_at_largest_K" not in _sec54_measure({1: 0.4, 2: 0.45, 4: 0.5}).undecided
    assert "ratio_at_largest_K" not in _sec54_measure({4: 0.5}).undecided
    assert "ratio_at_largest_K" not in _sec54_measure({1: 0.1, 4: 0.2}).undecided      # holds: nothing to guard
    m = _sec54_measure({1: 0.5, 4: 0.2})              # too large where any bound on K admits it: not hidden
    assert m.values["ratio_at_smallest_K"] == 0.5 > 1 / 3 and "ratio_at_smallest_K" not in m.undecided


def test_sec54_false_smallness_fails_at_full_P():
    r = run("fpc.sec5.4-pp", P=256, smaller_P=(128,), K_values=(2,), n_per_cluster=32, steps=100, small_ratio=0.01)
    assert r["verdict"] == "fails" and outcome(r, "ratio_at_largest_K")["outcome"] == "fails"
