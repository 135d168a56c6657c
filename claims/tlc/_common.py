"""Pieces shared by the ``tlc`` claims: linear-algebra functions
(normalised adjacency of Sec 3.3 / Thm 4.3, rank-r truncation of Sec 3.2, ranks), a single-thread
context for small CPU training, a minimal-counterexample search with hypothesis, and the regime
measures of the trained claims (loss settled, probe above chance)."""
from __future__ import annotations

import numpy as np

from claims import Regime

PAPER = "tlc"


def truncate(D: np.ndarray, r: int) -> np.ndarray:
    """Rank-r truncated SVD U_r Sigma_r V_r^T of D (m, n) (Sec 3.2)."""
    U, s, Vt = np.linalg.svd(D, full_matrices=False)
    return (U[:, :r] * s[:r]) @ Vt[:r]


def normalized_adjacency(W: np.ndarray) -> np.ndarray:
    """D^{-1/2} W D^{-1/2} with D = diag(row sums) (Sec 3.3); (n, n) -> (n, n)."""
    deg = W.sum(1)
    if np.any(deg <= 0):
        raise ValueError("a node has non-positive degree; D^{-1/2} is undefined")
    d = deg ** -0.5
    return d[:, None] * W * d[None, :]


def effective_rank(M: np.ndarray) -> float:
    """Entropy effective rank exp(H(sigma / sum sigma)) (Roy & Vetterli 2007)."""
    s = np.linalg.svd(M, compute_uv=False)
    p = s / s.sum()
    p = p[p > 0]
    return float(np.exp(-(p * np.log(p)).sum()))


def numerical_rank(M: np.ndarray, eps: float = np.finfo(np.float32).eps) -> int:
    """Rank with the numpy rule sigma > sigma_1 * max(shape) * eps (eps of float32 outputs)."""
    s = np.linalg.svd(M, compute_uv=False)
    return int((s > s[0] * max(M.shape) * eps).sum()) if s.size and s[0] > 0 else 0


def minimal_counterexample(strategy, is_counterexample, max_examples: int = 400):
    """Hypothesis ``find``: the shrunk (minimal) example with ``is_counterexample(x)`` true,
    or None when none is found within ``max_examples``."""
    from hypothesis import HealthCheck, find, settings
    from hypothesis.errors import NoSuchExample
    try:
        return find(strategy, is_counterexample,
                    settings=settings(max_examples=max_examples, database=None, derandomize=True,
                                      deadline=None, suppress_health_check=list(HealthCheck)))
    except NoSuchExample:
        return None


def int_matrix(rows: int, cols: int, lo: int = -3, hi: int = 3):
    """Hypothesis strategy: a (rows, cols) integer matrix as nested lists."""
    from hypothesis import strategies as st
    return st.lists(st.lists(st.integers(lo, hi), min_size=cols, max_size=cols),
                    min_size=rows, max_size=rows)


def fit_loglog(x, y) -> tuple[float, float]:
    """Least-squares slope of log y on log x and its standard error."""
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    return fit_line(lx, ly)


def fit_line(x, y) -> tuple[float, float]:
    """Least-squares slope of y on x and its standard error."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    X = np.stack([x, np.ones_like(x)], 1)
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    dof = max(1, len(x) - 2)
    s2 = float(resid @ resid) / dof
    cov = s2 * np.linalg.inv(X.T @ X)
    return float(coef[0]), float(np.sqrt(max(cov[0, 0], 0.0)))


def window_change(loss) -> float:
    """Relative loss change over the last 10% of steps: |mean(last 10%) - mean([80%, 90%))| /
    mean([80%, 90%)) of a per-step (minibatch) loss curve; inf when there are under 20 steps."""
    T = len(loss)
    if T < 20:
        return float("inf")
    a, b = float(np.mean(loss[int(0.8 * T):int(0.9 * T)])), float(np.mean(loss[int(0.9 * T):]))
    return abs(a - b) / a if a > 0 else float("inf")


def pretrain_settled(name: str, whose: str, tol: float) -> Regime:
    """Regime: ``whose`` pre-training loss has settled, ``window_change`` of it at most ``tol``."""
    return Regime(name, f"{whose} pre-training loss has settled (relative change of the mean loss from the "
                  f"[80%, 90%) window to the last 10% of steps <= {tol})", "<=", tol)


def chance_bar(n_test: int, n_classes: int = 10, z: float = 3.0) -> float:
    """Accuracy a probe must exceed to count as above chance: 1/n_classes plus ``z`` binomial
    standard errors of a chance-level classifier on ``n_test`` examples."""
    p = 1 / n_classes
    return p + z * (p * (1 - p) / n_test) ** 0.5


def reconstruction_rank(T, F, m, decoder, seed):
    """One draw of Definition 5.1's setting (tlc.def5.1, tlc.eq19): N = T(1 - m) visible
    representations, N_0 masked rows g(f(X)) each a linear combination of them (Assumption 4.5;
    ``decoder="tanh"`` breaks it); returns the rank k and s = k / N_0."""
    rng = np.random.default_rng(seed)
    N = int(T * (1 - m))
    N0 = T - N
    Uv = rng.standard_normal((N, F))                                  # (N, F) visible representations
    Acoef = rng.standard_normal((N0, N))                              # (N_0, N) coefficients a_j (Asm 4.5)
    G = Acoef @ Uv                                                    # (N_0, F) = g(f(X))
    if decoder == "tanh":
        G = np.tanh(G)
    k = numerical_rank(G, np.finfo(np.float64).eps)
    return {"mask_ratio": m, "N": N, "N0": N0, "rank": k, "s": k / N0, "bound": min(N, N0, F) / N0}
