"""Exact hypergeometric tails (Prop A.5, Lemmas A.6, A.7 of ``fpc``).

X ~ Hyper(N, K, n): successes among n draws without replacement from N objects of which K
are successes. Tails are computed from log-binomials in float64 over whole grids at once
(vectorised), and the worst cases are re-computed exactly with integers (fractions) and
mpmath, so a reported ratio tail / bound near 1 is exact, not a rounding artefact.
"""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
from scipy.special import gammaln


def _lbinom(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = (b >= 0) & (b <= a)
    out = gammaln(a + 1) - gammaln(b + 1) - gammaln(np.where(ok, a - b, 0) + 1)
    return np.where(ok, out, -np.inf)


def upper_tails(N: int) -> np.ndarray:
    """(K, n, x) array for one population size N: P(X >= x) for K, n, x in 0..N."""
    r = np.arange(N + 1)
    K, n, x = r[:, None, None], r[None, :, None], r[None, None, :]
    logp = _lbinom(K, x) + _lbinom(N - K, n - x) - _lbinom(N, n)
    pmf = np.exp(logp)                                              # (K, n, x)
    return np.flip(np.cumsum(np.flip(pmf, -1), -1), -1)


def exact_upper_tail(N: int, K: int, n: int, x: int) -> Fraction:
    """P(X >= x), exactly."""
    tot = math.comb(N, n)
    s = sum(math.comb(K, i) * math.comb(N - K, n - i) for i in range(max(x, 0), min(K, n) + 1))
    return Fraction(s, tot)


def hoeffding(n, t, scale: float = 1.0):
    """exp(-2 n t^2): Hoeffding's bound for P(X - nK/N >= t n) (also without replacement)."""
    return np.exp(-2.0 * scale * n * np.asarray(t, float) ** 2)


def serfling(N, n, t, scale: float = 1.0):
    """exp(-2 n t^2 / (1 - (n - 1)/N)): Serfling's sharper bound."""
    f = (np.asarray(n, float) - 1) / N
    return np.exp(-2.0 * scale * n * np.asarray(t, float) ** 2 / (1 - f))


def exact_ratio(N: int, K: int, n: int, x: int, form: str, scale: float = 1.0) -> float:
    """tail / bound at one point with exact tail and 50-digit bound."""
    mpmath.mp.dps = 50
    tail = exact_upper_tail(N, K, n, x)
    t = mpmath.mpf(x) / n - mpmath.mpf(K) / N
    expo = -2 * scale * n * t ** 2
    if form == "serfling":
        expo = expo / (1 - mpmath.mpf(n - 1) / N)
    return float(mpmath.mpf(tail.numerator) / tail.denominator / mpmath.exp(expo))


def full_mask_prob_exact(P: int, m: int, C: int) -> Fraction:
    """P(all C patches of an area are masked) when m of P are masked: C(P-C, m-C)/C(P, m)."""
    if C > m:
        return Fraction(0)
    return Fraction(math.comb(P - C, m - C), math.comb(P, m))


def full_mask_prob_product(P: int, m: int, C: int) -> Fraction:
    """The product form prod_{i<C} (m - i)/(P - i) (Lemma A.7)."""
    out = Fraction(1)
    for i in range(C):
        out *= Fraction(m - i, P - i)
    return out


# ----------------------------------------------------------------------------- search
def hyper_points(n_max: int):
    """Hypothesis strategy of (N, K, n, x) with 1 <= n <= N <= n_max and x/n >= K/N."""
    from hypothesis import strategies as st

    @st.composite
    def pts(draw):
        N = draw(st.integers(2, n_max))
        K = draw(st.integers(0, N))
        n = draw(st.integers(1, N))
        lo = -(-n * K // N)                       # smallest x with x/n >= K/N
        return N, K, n, draw(st.integers(min(lo, n), n))
    return pts()


def smallest_counterexample(strategy, breaks, examples: int):
    """The shrunk smallest example with ``breaks(example)`` true, or None if a derandomised
    hypothesis search of ``examples`` draws finds none."""
    from hypothesis import find, settings
    from hypothesis.errors import NoSuchExample
    try:
        return find(strategy, breaks, settings=settings(max_examples=examples, database=None, derandomize=True))
    except NoSuchExample:
        return None
