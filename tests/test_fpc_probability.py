"""Prop A.5, Lemmas A.6, A.7: exact checks hold, wrong bounds fail, and a hypothesis search for
counterexamples (none for the true bounds; the smallest one for a wrong bound)."""
from fractions import Fraction

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from checks.runner import evaluate
from claims.fpc._hypergeom import (
    exact_ratio,
    exact_upper_tail,
    full_mask_prob_exact,
    full_mask_prob_product,
    upper_tails,
)


def run(cid, **ov):
    return evaluate(cid, overrides=ov, allow_violations=True)


@st.composite
def hyper_point(draw, n_max=300):
    N = draw(st.integers(2, n_max))
    K = draw(st.integers(0, N))
    n = draw(st.integers(1, N))
    lo = -(-n * K // N)                       # smallest x with x/n >= K/N
    x = draw(st.integers(min(lo, n), n))
    return N, K, n, x


def _t(N, K, n, x):
    return Fraction(x, n) - Fraction(K, N)


# ------------------------------------------------------------------ Prop A.5
def test_propA5_holds_small_grid():
    r = run("fpc.propA.5", N_max=24, chunk=12, search_N_max=200, search_examples=50)
    assert r["verdict"] == "holds"
    assert r["numeric"]["measured"]["max_ratio_serfling"] <= 1.0


def test_propA5_wrong_exponent_fails():
    r = run("fpc.propA.5", N_max=24, chunk=12, scale=1.5, search_N_max=200, search_examples=50)
    assert r["verdict"] == "fails"
    assert r["numeric"]["measured"]["max_ratio_hoeffding"] > 1.0
    smallest = r["numeric"]["evidence"]["smallest_counterexample_serfling"]
    assert (smallest["N"], smallest["K"], smallest["n"], smallest["x"]) == (2, 1, 1, 1)


@given(hyper_point())
def test_hoeffding_and_serfling_have_no_counterexample(pt):
    N, K, n, x = pt
    if _t(N, K, n, x) <= 0:
        return
    assert exact_ratio(N, K, n, x, "hoeffding") <= 1.0
    assert exact_ratio(N, K, n, x, "serfling") <= 1.0


def test_smallest_counterexample_of_a_wrong_bound():
    """Serfling's bound with the exponent x1.5 is false; hypothesis shrinks to a smallest case."""
    def breaks(pt):
        N, K, n, x = pt
        return _t(N, K, n, x) > 0 and exact_ratio(N, K, n, x, "serfling", 1.5) > 1.0
    smallest = find(hyper_point(n_max=40), breaks, settings=settings(max_examples=2000, database=None))
    N, K, n, x = smallest
    assert exact_ratio(N, K, n, x, "serfling", 1.5) > 1.0
    assert N <= 10, f"shrunk counterexample {smallest}"


def test_vectorised_tails_match_exact():
    tails = upper_tails(12)
    for K, n, x in [(5, 7, 4), (0, 3, 0), (12, 12, 12), (6, 1, 1)]:
        assert tails[K, n, x] == pytest.approx(float(exact_upper_tail(12, K, n, x)), rel=1e-12)


# ------------------------------------------------------------------ Lemma A.6
def test_lemA6_holds_and_wrong_bound_fails():
    small = {"P_values": (64, 128), "rate_C": (8, 16, 32, 64), "n_sample": 500}
    # a textbook bound on a reconstructed event: by construction, not support for the paper
    assert run("fpc.lemA.6", **small)["numeric"]["status"] == "by_construction"
    r = run("fpc.lemA.6", bound_scale=3.0, **small)
    assert r["verdict"] == "fails" and r["numeric"]["measured"]["max_tail_over_bound"] > 1


# ------------------------------------------------------------------ Lemma A.7
def test_lemA7_holds_and_stronger_power_fails():
    r = run("fpc.lemA.7", P_max=30)
    assert r["verdict"] == "holds" and r["symbolic"]["status"] == "proved"
    r = run("fpc.lemA.7", P_max=30, sample_iid=True)     # masks drawn with replacement: the sampler check fails
    assert {o["name"]: o["outcome"] for o in r["numeric"]["outcomes"]}["sampler_dev"] == "fails"
    r = run("fpc.lemA.7", P_max=30, n_sample=2000, power_shift=-1)
    assert r["verdict"] == "fails" and r["numeric"]["measured"]["max_ratio_to_bound"] > 1


@given(st.integers(2, 400).flatmap(lambda P: st.tuples(st.just(P), st.integers(1, P - 1)))
       .flatmap(lambda Pm: st.tuples(st.just(Pm[0]), st.just(Pm[1]), st.integers(1, Pm[1]))))
def test_full_mask_probability_has_no_counterexample(pmc):
    P, m, C = pmc
    p = full_mask_prob_exact(P, m, C)
    assert p == full_mask_prob_product(P, m, C)
    assert p <= Fraction(m, P) ** C
