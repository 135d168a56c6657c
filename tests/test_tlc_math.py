"""tlc claims decided by algebra and exact numerics: each gets a false case that must come out
``fails``, and each claim that fails as written has its counterexample pinned."""
import pytest

from checks.runner import evaluate
from claims import get
from claims.errors import AssumptionViolated


def run(cid, allow=False, **overrides):
    return evaluate(cid, overrides=overrides, allow_violations=allow)


def outcome(result, name):
    return {o["name"]: o["outcome"] for o in result["numeric"]["outcomes"]}[name]


def obligation(result, name):
    return {o["name"]: o for o in result["symbolic"]["obligations"]}[name]


# ------------------------------------------------------------------ Sec 3.2, 3.3
def test_eym_holds_and_wrong_components_fail():
    small = dict(shapes=((6, 4),), n_matrices=1, n_random=30, n_local=30, n_opt=1)
    assert run("tlc.sec3.2", **small)["verdict"] == "holds"
    bad = run("tlc.sec3.2", allow=True, perturb="skip_first", **small)
    assert bad["verdict"] == "fails" and bad["numeric"]["measured"]["min_margin"] < -1e-3


def test_normalised_adjacency_is_well_posed_and_raw_adjacency_fails():
    r = run("tlc.sec3.3", sizes=(60,))
    assert r["verdict"] == "holds" and r["numeric"]["deterministic"]
    bad = run("tlc.sec3.3", allow=True, sizes=(60,), matrix="adjacency")
    assert bad["verdict"] == "fails" and bad["numeric"]["measured"]["top_eig_gap"] > 1


def test_planted_assumption_is_enforced():
    with pytest.raises(AssumptionViolated, match="p_out < p_in"):
        run("tlc.sec3.3", p_in=0.1, p_out=0.2)


# ------------------------------------------------------------------ Theorem 4.3, proof steps
def test_decomposition_fails_as_written_with_minimal_counterexample():
    r = run("tlc.thm4.3.decomp", n_images=2)
    assert r["verdict"] == "fails"
    assert obligation(r, "factor_shapes_r_lt_N0")["status"] == "refuted"       # ill-typed for r < N_0
    assert obligation(r, "U_cA_orthogonal")["status"] == "refuted"
    assert "(q0 - q1)" in obligation(r, "U_cA_orthogonal")["expr"]
    for name in ("A_is_Ur_Sr2_UrT", "three_factor_product", "NNT_is_cA"):
        assert obligation(r, name)["status"] == "proved"
    cex = r["numeric"]["evidence"]["minimal_counterexample"]
    assert cex["X0"] == [[1, 0], [0, 2]]          # cA = I has eigenvalue 1; the claimed top value is 4
    assert cex["top_eig"] == pytest.approx(1.0) and cex["claimed_top"] == pytest.approx(4.0)
    assert outcome(r, "eig_mismatch") == "fails" and outcome(r, "nnT_gap") == "holds"


def test_decomposition_holds_for_a_regular_graph():
    r = evaluate("tlc.thm4.3.decomp", overrides={"data": "circulant", "n_images": 2}, symbolic=False)
    assert r["numeric"]["status"] == "holds"


def test_frobenius_inequality_holds_and_a_smaller_constant_fails():
    small = dict(shapes=((2, 2), (3, 2)), n_random=200, n_opt=1)
    r = run("tlc.thm4.3.ineq", **small)
    assert r["verdict"] == "holds" and r["numeric"]["measured"]["max_ratio_over_scale"] > 0.99   # tight
    bad = run("tlc.thm4.3.ineq", allow=True, scale=0.5, **small)
    assert bad["verdict"] == "fails"
    assert bad["numeric"]["evidence"]["minimal_counterexample"]["ratio"] > 0.5


# ------------------------------------------------------------------ (9), (10)
def test_eq9_holds_and_wrong_cross_coefficient_fails():
    assert run("tlc.eq9", sizes=(3, 8), n_trials=3)["verdict"] == "holds"
    bad = run("tlc.eq9", allow=True, sizes=(3,), n_trials=3, cross_coef=-1.0)
    assert bad["verdict"] == "fails"
    assert obligation(bad, "line3_to_line4")["status"] == "refuted"


def test_eq10_needs_normalised_weights():
    assert run("tlc.eq10", n_graphs=2, n_u=5)["verdict"] == "holds"
    bad = run("tlc.eq10", allow=True, n_graphs=2, n_u=5, weights_sum=5.0)
    assert bad["verdict"] == "fails" and bad["numeric"]["measured"]["spread"] > 1e-3
    assert obligation(bad, "unnormalised")["status"] == "refuted"


# ------------------------------------------------------------------ Lemma 4.6
def test_sherman_morrison_holds_and_wrong_sign_fails():
    assert run("tlc.eq13", sizes=(2, 5), n_trials=20)["verdict"] == "holds"
    bad = run("tlc.eq13", allow=True, sizes=(3,), n_trials=5, sign=1)
    assert bad["verdict"] == "fails" and obligation(bad, "inverse")["status"] == "refuted"


def test_lemma_steps_fail_with_residuals_and_counterexample():
    r = run("tlc.lem4.6.steps", n_trials=5)
    assert r["verdict"] == "fails"
    status = {o["name"]: o["status"] for o in r["symbolic"]["obligations"]}
    assert status == {"eq11_to_eq12": "proved", "eq11_to_eq12_fit": "proved", "eq14_ridge": "proved",
                      "eq14_sherman_morrison": "proved",
                      "eq14_line3": "refuted", "eq15_from_line3": "refuted", "eq15_exact": "refuted",
                      "eq16_mean_is_optimum": "refuted"}
    assert "(N - lambda)" in obligation(r, "eq14_line3")["expr"]        # holds iff lambda = N
    assert "(lambda - 1)" in obligation(r, "eq15_from_line3")["expr"]   # holds iff lambda = 1
    ev = r["numeric"]["evidence"]
    assert ev["row_norm_spread_max"] < 1e-4 < r["numeric"]["measured"]["C_spread"]   # rows, not columns
    cex = ev["minimal_counterexample_eq16"]
    assert cex["U"] == [[0, 0], [1, 0]] and cex["x"] == [1, 0]
    assert cex["joint"] == pytest.approx([0.0, 0.5]) and cex["mean_A_k"] == pytest.approx([0.0, 1 / 3])


def test_line3_holds_when_lambda_equals_N():
    r = evaluate("tlc.lem4.6.steps", overrides={"lam": 8.0, "N": 8, "n_trials": 5}, symbolic=False)
    assert {o["name"]: o["outcome"] for o in r["numeric"]["outcomes"]}["line3_gap"] == "holds"


def test_lemma_conclusion_fails_in_general_with_minimal_counterexample():
    r = run("tlc.lem4.6", n_trials=10)
    assert r["verdict"] == "fails"
    cex = r["numeric"]["evidence"]["minimal_counterexample"]
    assert cex == {"U": [[0, 1], [1, 1]], "x": [0, 1], "lambda": 1.0,
                   "optimum_a": pytest.approx([0.4, 0.2]), "U_x": [1.0, 1.0]}


def test_lemma_conditions_hold_and_fail_without_orthogonality():
    r = run("tlc.lem4.6.cond", n_trials=10)
    assert r["verdict"] == "holds"
    assert -2.2 < r["numeric"]["measured"]["lambda_exponent"] < -1.8
    bad = run("tlc.lem4.6.cond", allow=True, n_trials=10, features="layernorm")
    assert bad["verdict"] == "fails" and outcome(bad, "cos_gap") == "fails"


# ------------------------------------------------------------------ Section 5.1
def test_def51_rank_bound_and_nonlinear_decoder_breaks_it():
    r = run("tlc.def5.1", n_draws=1)
    assert r["verdict"] == "holds"
    # 0 < s <= 1 is derived (k, N_0 positive integers, k <= N_0), not asserted
    assert obligation(r, "s_positive")["status"] == "proved" and obligation(r, "s_at_most_1")["status"] == "proved"
    bad = run("tlc.def5.1", allow=True, n_draws=1, decoder="tanh")
    assert bad["verdict"] == "fails" and bad["numeric"]["measured"]["max_excess"] > 0


def test_eq19_proportionality_needs_N_le_F():
    r = run("tlc.eq19", n_draws=1)
    assert obligation(r, "proportional")["status"] == "proved"
    assert r["numeric"]["outcomes"][0]["by_construction"]          # cannot fail: no numerical support
    bad = run("tlc.eq19", allow=True, n_draws=1, premise="affine")  # k = c N + b: s is not proportional
    assert bad["verdict"] == "fails" and obligation(bad, "proportional")["status"] == "refuted"


def test_ratio_sentence_fails_and_corrected_ratio_holds():
    r = run("tlc.eq19.ratio")
    assert r["verdict"] == "fails" and obligation(r, "ratio")["status"] == "refuted"
    w = r["numeric"]["evidence"]["worst"]
    assert (w["T"], w["mask_ratio"], w["N"], w["N0"]) == (196, 0.5, 98, 98)   # N/N_0 = 1 vs 1 - m = 0.5
    fixed = run("tlc.eq19.ratio", allow=True, visible_over="all")
    assert fixed["verdict"] == "holds"


def test_every_tlc_claim_has_source_and_check():
    ids = ["tlc.sec3.2", "tlc.sec3.3", "tlc.thm4.3", "tlc.thm4.3.decomp", "tlc.thm4.3.ineq", "tlc.eq9", "tlc.eq10",
           "tlc.eq13", "tlc.lem4.6", "tlc.lem4.6.steps", "tlc.lem4.6.cond", "tlc.def5.1", "tlc.eq19",
           "tlc.eq19.ratio", "tlc.asm4.1", "tlc.sec6.1", "tlc.tab1", "tlc.tab2", "tlc.eq17"]
    for cid in ids:
        c = get(cid)
        assert c.source.paper == "tlc" and len(c.source.quote) > 40 and c.check is not None
        assert c.resolve_config("full") != c.resolve_config("quick")
