"""tlc.thm4.3.ineq: the inequality of the proof of Theorem 4.3,
||M M^T - N N^T||_F^2 <= ||M - N||_F^2 ||M + N||_F^2, and the steps leading to it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy.optimize import minimize

from claims import Assumption, Claim, Derivation, Measurement, Prediction, Source, register
from claims._sym import identity

from ._common import int_matrix, minimal_counterexample


@dataclass(frozen=True)
class Config:
    shapes: tuple = ((2, 2), (3, 2), (4, 6))   # (rows, cols) of M and N
    n_random: int = 1000       # random pairs per shape
    n_opt: int = 3             # adversarial L-BFGS starts maximising the ratio, per shape
    scale: float = 1.0         # constant on the right-hand side (1 as written; < 1 is a false case)


def ratio(M, N):
    """||MM^T - NN^T||_F^2 / (||M-N||_F^2 ||M+N||_F^2)."""
    num = np.linalg.norm(M @ M.T - N @ N.T) ** 2
    den = np.linalg.norm(M - N) ** 2 * np.linalg.norm(M + N) ** 2
    return num / den if den > 0 else 0.0


def _one_shape(m, n, n_random, n_opt, seed):
    rng = np.random.default_rng(seed)
    best = 0.0
    for _ in range(n_random):
        M = rng.standard_normal((m, n))
        N = M + 10 ** rng.uniform(-3, 1) * rng.standard_normal((m, n))   # near and far pairs
        best = max(best, ratio(M, N))
    for _ in range(n_opt):
        res = minimize(lambda t: -ratio(t[:m * n].reshape(m, n), t[m * n:].reshape(m, n)),
                       rng.standard_normal(2 * m * n), method="Nelder-Mead" if m * n <= 4 else "L-BFGS-B",
                       options={"maxiter": 4000})
        best = max(best, -float(res.fun))
    return {"m": m, "n": n, "seed": seed, "max_ratio": float(best)}


def predictions(cfg):
    return (Prediction("max_ratio_over_scale", f"||MM^T-NN^T||^2 <= {cfg.scale} ||M-N||^2 ||M+N||^2: largest "
                       "ratio found (random, adversarial) divided by the constant", "<=", 1 + 1e-9,
                       math=(r"\max_{M, N} \frac{\|M M^\top - N N^\top\|_F^2}"
                             rf"{{{cfg.scale:g} \, \|M - N\|_F^2 \, \|M + N\|_F^2}} \le 1 + 10^{{-9}}")),)


def check(cfg, ctx) -> Measurement:
    pts = [dict(m=m, n=n, n_random=cfg.n_random, n_opt=cfg.n_opt, seed=ctx.seed_for("ineq", i))
           for i, (m, n) in enumerate(cfg.shapes)]
    rows = ctx.map(_one_shape, pts, desc="inequality")
    worst = max(r["max_ratio"] for r in rows)
    cex = minimal_counterexample(
        __import__("hypothesis").strategies.tuples(int_matrix(2, 2), int_matrix(2, 2)),
        lambda mn: ratio(np.array(mn[0], float), np.array(mn[1], float)) > cfg.scale * (1 + 1e-9))
    ev = {"rows": rows}
    if cex is not None:
        ev["minimal_counterexample"] = {"M": cex[0], "N": cex[1],
                                        "ratio": float(ratio(np.array(cex[0], float), np.array(cex[1], float)))}
    return Measurement(values={"max_ratio_over_scale": worst / cfg.scale}, evidence=ev,
                       notes="The supremum of the ratio is 1 (M, N rank one and parallel), so the bound is tight.")


def derive(cfg) -> Derivation:
    M = sp.Matrix(2, 3, lambda i, j: sp.Symbol(f"m{i}{j}", real=True))     # (2, 3)
    N = sp.Matrix(2, 3, lambda i, j: sp.Symbol(f"n{i}{j}", real=True))
    half = (M - N) * (M + N).T + (M + N) * (M - N).T                       # (2, 2)
    a, b = sp.symbols("a b", nonnegative=True)                             # a = ||M-N||_F, b = ||M+N||_F
    return Derivation((
        identity("polarisation", sum(x ** 2 for x in (M * M.T - N * N.T - half / 2)), 0,
                 "MM^T - NN^T = 1/2 [(M-N)(M^T+N^T) + (M+N)(M^T-N^T)] (M, N of shape (2, 3))"),
        identity("last_line", sp.Rational(1, 4) * (a * b + b * a) ** 2, a ** 2 * b ** 2,
                 "1/4 (||M-N|| ||M^T+N^T|| + ||M+N|| ||M^T-N^T||)^2 = ||M-N||^2 ||M+N||^2 (||A^T||_F = ||A||_F)"),
    ), note="The middle step (triangle inequality and ||AB||_F <= ||A||_F ||B||_F) is standard; it is "
            "checked numerically together with the whole chain.")


CLAIM = register(Claim(
    id="tlc.thm4.3.ineq",
    title="Proof of Thm 4.3: ||MM^T - NN^T||_F^2 <= ||M-N||_F^2 ||M+N||_F^2",
    kind="proof-step",
    statement="For real matrices M, N of the same shape, ||MM^T - NN^T||_F^2 <= ||M-N||_F^2 ||M+N||_F^2, "
              "via MM^T - NN^T = 1/2[(M-N)(M+N)^T + (M+N)(M-N)^T].",
    statement_latex=(
        r"For real matrices $M, N$ of the same shape, $\|M M^\top - N N^\top\|_F^2 \le \|M - N\|_F^2 \, "
        r"\|M + N\|_F^2$, via $M M^\top - N N^\top = \frac{1}{2}\left[(M - N)(M + N)^\top + (M + N)(M - "
        r"N)^\top\right]$."),
    source=Source("tlc", "Theorem 4.3, proof (display after line 171)",
                  "\\leq \\frac{1}{4} \\left(\\|M - N\\|_F \\|M^\\top + N^\\top\\|_F + \\|M + N\\|_F \\|M^\\top - "
                  "N^\\top\\|_F \\right)^2 \\\\ &= \\|M - N\\|_F^2 \\|M + N\\|_F^2"),
    assumptions=(Assumption.math("scale == 1", text="scale = 1 (the inequality as written)"),
                 Assumption.integer("n_random", 1)),
    config=Config,
    profiles={"quick": {}, "full": {"shapes": ((2, 2), (3, 2), (4, 6), (10, 20), (32, 16)),
                                    "n_random": 20000, "n_opt": 20}},
    predictions=predictions, check=check, derive=derive,
))
