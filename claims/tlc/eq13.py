"""tlc.eq13: the Sherman-Morrison formula as quoted in the proof of Lemma 4.6, eq. (13):
(X + m n^T)^{-1} = X^{-1} - X^{-1} m n^T X^{-1} / (1 + n^T X^{-1} m)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from claims import Assumption, Claim, Derivation, Measurement, Prediction, Source, register
from claims._sym import identity


@dataclass(frozen=True)
class Config:
    sizes: tuple = (2, 5, 20)     # n of the n x n matrix X
    n_trials: int = 200           # random (X, m, n) per size
    sign: int = -1                # sign of the correction term (-1 as written; +1 is a false case)


def sm_rhs(X, m, n, sign=-1):
    Xi = np.linalg.inv(X)
    return Xi + sign * (Xi @ np.outer(m, n) @ Xi) / (1 + n @ Xi @ m)


def _trials(size, n_trials, sign, seed):
    rng = np.random.default_rng(seed)
    worst, skipped = 0.0, 0
    for _ in range(n_trials):
        X = rng.standard_normal((size, size)) + size ** 0.5 * np.eye(size)
        m, n = rng.standard_normal(size), rng.standard_normal(size)
        denom = 1 + n @ np.linalg.solve(X, m)
        if abs(denom) < 1e-3 or np.linalg.cond(X) > 1e8:   # X + m n^T (nearly) singular: outside the lemma
            skipped += 1
            continue
        lhs = np.linalg.inv(X + np.outer(m, n))
        worst = max(worst, float(np.abs(lhs - sm_rhs(X, m, n, sign)).max() / np.abs(lhs).max()))
    return {"size": size, "max_rel_err": worst, "skipped_near_singular": skipped}


def predictions(cfg):
    return (Prediction("max_rel_err", "both sides of (13) agree (relative, float64)", "<=", 1e-8),)


def check(cfg, ctx) -> Measurement:
    rows = ctx.map(_trials, [dict(size=s, n_trials=cfg.n_trials, sign=cfg.sign, seed=ctx.seed_for("eq13", i))
                             for i, s in enumerate(cfg.sizes)])
    return Measurement(values={"max_rel_err": max(r["max_rel_err"] for r in rows)}, evidence={"rows": rows})


def derive(cfg) -> Derivation:
    X = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"x{i}{j}", real=True))       # (2, 2), invertible
    m = sp.Matrix(2, 1, lambda i, _: sp.Symbol(f"m{i}", real=True))          # (2, 1)
    n = sp.Matrix(2, 1, lambda i, _: sp.Symbol(f"n{i}", real=True))
    Xi = X.inv()
    rhs = Xi + cfg.sign * Xi * m * n.T * Xi / (1 + (n.T * Xi * m)[0])
    # (X + m n^T) * rhs = I, entry by entry, as one residual (sum of squares of I - (X + mn^T) rhs)
    R = (X + m * n.T) * rhs - sp.eye(2)
    return Derivation((identity("inverse", sum(sp.cancel(r) ** 2 for r in R), 0,
                                "(X + m n^T) (X^-1 - X^-1 m n^T X^-1 / (1 + n^T X^-1 m)) = I, X (2,2), m, n (2,1)",
                                simplifier=sp.cancel),),
                      note="Valid whenever X is invertible and 1 + n^T X^-1 m != 0.")


CLAIM = register(Claim(
    id="tlc.eq13",
    title="Sherman-Morrison formula (13)",
    kind="equation",
    statement="For invertible X and vectors m, n with 1 + n^T X^-1 m != 0, (X + m n^T)^-1 = X^-1 - "
              "X^-1 m n^T X^-1 / (1 + n^T X^-1 m).",
    statement_latex=(
        r"For an invertible matrix $X$ and vectors $m, n$ with $1 + n^\top X^{-1} m \ne 0$, $\left(X + m "
        r"n^\top\right)^{-1} = X^{-1} - \frac{X^{-1} m n^\top X^{-1}}{1 + n^\top X^{-1} m}$ (13)."),
    source=Source("tlc", "Lemma 4.6, proof, eq. (13)",
                  '$$\\left(X + mn^\\top \\right)^{-1} = X^{-1} - \\frac{X^{-1} m n^\\top X^{-1}}{1 + n^'
                  '\\top X^{-1} m} \\quad (13)$$ 204 for any invertible matrix X and rank-1 matrix m '
                  'and n .'),
    assumptions=(Assumption.math("sign == -1", text="sign = -1 (eq. (13) as written)"),
                 Assumption.math("n >= 1", each=("sizes", "n"), text="sizes >= 1")),
    config=Config,
    profiles={"quick": {}, "full": {"sizes": (2, 5, 20, 100, 400), "n_trials": 1000}},
    deterministic=True, predictions=predictions, check=check, derive=derive,
    notes="The seed's condition 'for any invertible matrix X' omits 1 + n^T X^-1 m != 0 (X + m n^T singular); "
          "such draws are skipped and counted.",
))
