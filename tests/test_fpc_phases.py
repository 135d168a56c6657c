"""Phase detection, stage windows and exponent fits on synthetic data with a known answer."""
import numpy as np
import pytest

from claims.fpc import _phases as ph
from claims.fpc._fit import exp_fit, linear_fit, power_fit
from models.errors import InvalidParameter


def synthetic(T=50, switch_at=(0, 7, 20, 60)):
    """(T, n) growth/decoupling rates crossing at known indices (>= T: never)."""
    t = np.arange(T)[:, None].astype(float)
    s = np.array(switch_at, float)[None, :]
    growth = 1.0 + t                      # increasing
    decoupling = 1.0 + 2 * s - t          # equals growth exactly at t = s
    decoupling[:, s[0] == 0] = 0.5        # the one-phase pair: growth wins from the start
    return growth, decoupling


def test_switch_index_known_answer():
    g, d = synthetic()
    assert ph.switch_index(g, d).tolist() == [0, 7, 20, -1]


def test_classify_pairs_and_run():
    g, d = synthetic()
    t1 = ph.switch_index(g, d)
    assert ph.classify_pairs(t1).tolist() == [ph.ONE, ph.TWO, ph.TWO, ph.UNDETERMINED]
    res = ph.classify_run(g, d)
    assert res["label"] == ph.MIXED            # 2 of 4 two-phase: not a majority
    assert res["fractions"][ph.TWO] == 0.5
    g3, d3 = synthetic(switch_at=(3, 7, 9))
    assert ph.classify_run(g3, d3)["label"] == ph.TWO
    g1, d1 = synthetic(switch_at=(0, 0, 5))
    assert ph.classify_run(g1, d1)["label"] == ph.ONE


def test_growth_peak_after_switch():
    T = 40
    t = np.arange(T)[:, None].astype(float)
    growth = np.exp(-((t - np.array([[10.0, 25.0]])) ** 2) / 20)   # peaks at 10 and 25
    growth[2, 0] = 5.0                                               # a spike before the start: ignored
    assert ph.growth_peak_index(growth, np.array([5, 5])).tolist() == [10, 25]


def test_monotone_violations_windows():
    x = np.array([[0.0, 0.0], [1.0, -1.0], [0.5, -2.0], [2.0, -1.5]])  # col 0 dips at t=1->2
    assert ph.monotone_violations(x, True)[0] == 3                    # col 0 once, col 1 twice
    v, n = ph.monotone_violations(x[:, :1], True)
    assert (v, n) == (1, 3)
    v, n = ph.monotone_violations(x[:, :1], True, lo=np.array([2]))   # only the step 2->3
    assert (v, n) == (0, 1)
    v, n = ph.monotone_violations(x[:, 1:], False, hi=np.array([2]))  # decreasing col, steps 0->1, 1->2
    assert (v, n) == (0, 2)


def test_power_fit_recovers_exponent_with_uncertainty():
    rng = np.random.default_rng(0)
    P = np.array([64, 128, 256, 512, 1024, 2048])
    y = 3.0 * P ** 0.6 * np.exp(rng.normal(0, 0.02, P.size))
    fit = power_fit(P, y)
    assert abs(fit.slope - 0.6) < 0.05
    assert fit.ci95[0] < 0.6 < fit.ci95[1] and fit.stderr > 0 and fit.r2 > 0.99
    exact = power_fit([1, 2, 4], [1, 4, 16])
    assert exact.slope == pytest.approx(2.0)


def test_exp_fit_prefers_exponential_data():
    x = np.arange(10, 80, 10)
    y = np.exp(0.1 * x)
    assert exp_fit(x, y).r2 > power_fit(x, y).r2


def test_fit_rejects_bad_input():
    with pytest.raises(InvalidParameter, match="at least 2 points"):
        linear_fit([1.0], [2.0])
    with pytest.raises(InvalidParameter, match="positive"):
        power_fit([1, 2], [1, -1])
