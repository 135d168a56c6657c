"""tlc.eq9: the expansion of L_spec (Section 4.3, eq. (9)) with the rows of g(f(X)) written
as sqrt(w_i) u_i."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from claims import Assumption, Claim, Derivation, Measurement, Prediction, Source, register
from claims._sym import identity


@dataclass(frozen=True)
class Config:
    sizes: tuple = (3, 8, 32)     # nodes n (rows of g(f(X)))
    feat: int = 4                  # dimension of u_i
    n_trials: int = 20             # random (w, u) per size
    cross_coef: float = -2.0       # coefficient of w_ij u_i^T u_j in the last line (-2 as written)


def lines(W, Uu, cross_coef=-2.0):
    """The four lines of (9) for weights W (n, n) and u (n, F); rows of G are sqrt(w_i) u_i."""
    w = W.sum(1)                                                  # degrees w_i
    G = np.sqrt(w)[:, None] * Uu                                  # (n, F) = g(f(X))
    cA = W / np.sqrt(np.outer(w, w))                              # D^-1/2 W D^-1/2
    l1 = np.linalg.norm(G @ G.T - cA) ** 2
    S = Uu @ Uu.T                                                 # u_i^T u_j
    l3 = ((W / np.sqrt(np.outer(w, w)) - np.sqrt(np.outer(w, w)) * S) ** 2).sum()
    l4 = (W ** 2 / np.outer(w, w) + cross_coef * W * S + np.outer(w, w) * S ** 2).sum()
    return l1, l3, l4


def _trials(n, feat, n_trials, cross_coef, seed):
    rng = np.random.default_rng(seed)
    gaps = []
    for _ in range(n_trials):
        X = rng.random((n, feat + 2))
        W = X @ X.T                                               # w_ij = <x_i, x_j> > 0
        l1, l3, l4 = lines(W, rng.standard_normal((n, feat)), cross_coef)
        gaps.append(max(abs(l1 - l3), abs(l3 - l4)) / abs(l1))
    return {"n": n, "max_rel_gap": float(max(gaps))}


def predictions(cfg):
    return (Prediction("max_rel_gap", "the four lines of (9) agree to float64 round-off", "<=", 1e-10),)


def check(cfg, ctx) -> Measurement:
    rows = ctx.map(_trials, [dict(n=n, feat=cfg.feat, n_trials=cfg.n_trials, cross_coef=cfg.cross_coef,
                                  seed=ctx.seed_for("eq9", i)) for i, n in enumerate(cfg.sizes)])
    return Measurement(values={"max_rel_gap": max(r["max_rel_gap"] for r in rows)}, evidence={"rows": rows})


def derive(cfg) -> Derivation:
    n, F = 3, 2
    w = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"w{min(i, j)}{max(i, j)}", positive=True))   # (3, 3) symmetric
    deg = [sp.Symbol(f"w{i}", positive=True) for i in range(n)]   # w_i, any positive degrees
    u = sp.Matrix(n, F, lambda i, j: sp.Symbol(f"u{i}{j}", real=True))                        # (3, 2) rows u_i
    G = sp.diag(*[sp.sqrt(d) for d in deg]) * u                   # (3, 2) rows sqrt(w_i) u_i
    Dm = sp.diag(*[1 / sp.sqrt(d) for d in deg])
    R = G * G.T - Dm * w * Dm                                     # (3, 3)
    l1 = sum(x ** 2 for x in R)
    uu = lambda i, j: (u[i, :] * u[j, :].T)[0]
    l3 = sum((w[i, j] / sp.sqrt(deg[i] * deg[j]) - (sp.sqrt(deg[i]) * u[i, :] * (sp.sqrt(deg[j]) * u[j, :]).T)[0]) ** 2
             for i in range(n) for j in range(n))
    c = sp.nsimplify(cfg.cross_coef)
    l4 = sum(w[i, j] ** 2 / (deg[i] * deg[j]) + c * w[i, j] * uu(i, j) + deg[i] * deg[j] * uu(i, j) ** 2
             for i in range(n) for j in range(n))
    return Derivation((
        identity("line1_to_line3", l1, l3, "||G G^T - D^-1/2 A D^-1/2||_F^2 = sum_ij (w_ij/sqrt(w_i w_j) - "
                 "(sqrt(w_i) u_i)^T (sqrt(w_j) u_j))^2 (n = 3, u_i in R^2)"),
        identity("line3_to_line4", l3, l4, f"... = sum_ij (w_ij^2/(w_i w_j) + ({c}) w_ij u_i^T u_j + "
                 "w_i w_j (u_i^T u_j)^2)"),
    ), note="w_i are free positive symbols: the expansion holds for any positive degrees.")


CLAIM = register(Claim(
    id="tlc.eq9",
    title="Expansion (9) of L_spec",
    kind="equation",
    statement="With the rows of g(f(X)) equal to sqrt(w_i) u_i, L_spec = sum_ij (w_ij/sqrt(w_i w_j) - "
              "(sqrt(w_i)u_i)^T(sqrt(w_j)u_j))^2 = sum_ij (w_ij^2/(w_i w_j) - 2 w_ij u_i^T u_j + w_i w_j (u_i^T "
              "u_j)^2).",
    statement_latex=(
        r"With the $i$-th row of $g \circ f(X)$ equal to $\sqrt{w_i} u_i$, $\mathcal{L}_{\text{spec}} = "
        r"\sum_{i,j} \left(\frac{w_{ij}}{\sqrt{w_i w_j}} - (\sqrt{w_i} u_i)^\top (\sqrt{w_j} u_j)\right)^2"
        r" = \sum_{i,j} \left(\frac{w_{ij}^2}{w_i w_j} - 2 w_{ij} u_i^\top u_j + w_i w_j (u_i^\top "
        r"u_j)^2\right)$ (9)."),
    source=Source("tlc", "Section 4.3, eq. (9)",
                  '&= \\sum_{i,j} \\left(\\frac{w_{ij}}{\\sqrt{w_i w_j}} - (\\sqrt{w_i}u_i)^\\top (\\sqrt{'
                  'w_j}u_j) \\right)^2 \\\\ &= \\sum_{i,j} \\left(\\frac{w_{ij}^2}{w_i w_j} - 2w_{ij}u_i^'
                  '\\top u_j + w_i w_j \\cdot (u_i^\\top u_j)^2'),
    assumptions=(Assumption.math("cross_coef == -2", text="cross_coef = -2 (eq. (9) as written)"),
                 Assumption.integer("feat", 1)),
    depends_on=("tlc.thm4.3",),
    config=Config,
    profiles={"quick": {}, "full": {"sizes": (3, 8, 32, 128, 512), "n_trials": 100}},
    deterministic=True, predictions=predictions, check=check, derive=derive,
    notes="Weights w_ij = <x_i, x_j> of positive vectors, so every degree w_i > 0 and D^-1/2 is defined.",
))
