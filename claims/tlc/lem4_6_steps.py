"""tlc.lem4.6.steps: each algebraic step of the proof of Lemma 4.6, eqs. (11)-(16):
(11) -> (12), the ridge solution and Sherman-Morrison in (14), (14) line 3, (15), "C is
constant because U' is a LayerNorm output", and "the optimal A is the mean of the A_k" (16)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from claims import Assumption, Claim, Derivation, Measurement, Prediction, Source, register
from claims._sym import identity

from . import _ridge as R
from ._common import int_matrix, minimal_counterexample


@dataclass(frozen=True)
class Config:
    N: int = 8                 # visible patches (rows of U')
    F: int = 12                # features per patch (columns of U')
    lam: float = 0.5           # regularisation strength lambda
    n_trials: int = 50


def derive(cfg, S) -> Derivation:
    lam = sp.Symbol("lambda", positive=True)
    Ns = S["N"]                                                        # N as declared: a positive integer
    x = sp.Symbol("x_k", real=True)
    u = sp.Matrix(2, 1, lambda i, _: sp.Symbol(f"u{i}", real=True))  # U'_{:,k}, (2, 1)
    C = (u.T * u)[0]
    I2 = sp.eye(2)
    Ak = (lam / Ns * I2 + u * u.T).inv() * u * x                      # (14) line 1, (2, 1)
    sm = Ns * (I2 / lam - (u * u.T / lam ** 2) / (1 / Ns + C / lam)) * u * x   # (14) line 2
    l3 = Ns / lam * u * x - Ns / lam * u * C * x / (Ns / lam + C)      # (14) line 3
    e15 = Ns ** 2 / (lam * Ns + lam * C) * u * x                      # (15)
    sq = lambda M: sp.cancel(sum(t ** 2 for t in M))
    A = sp.Matrix(2, 1, lambda i, _: sp.Symbol(f"a{i}", real=True))
    grad = sp.Matrix([sp.diff(((A.T * u)[0] - x) ** 2 + lam / Ns * (A.T * A)[0], ai) for ai in A])
    # (11) -> (12) as printed: both sums of (12) run over k = 1..N, i.e. the latent features are
    # counted by N (F = N; here N = 2 patches and 2 features for the fit term)
    ks = sp.Symbol("k", positive=True, integer=True)
    U2 = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"U{i}{j}", real=True))             # U' (N, F) = (2, 2)
    x2 = sp.Matrix(2, 1, lambda i, _: sp.Symbol(f"x{i}", real=True))                # X_{0,i}, (F, 1)
    fit11 = sum(t ** 2 for t in (U2.T * A - x2))                                     # ||sum_j a_j u'_j - X_0i||^2
    fit12 = sum(((A.T * U2[:, c])[0] - x2[c]) ** 2 for c in range(2))                # sum_k (A^T U'_:,k - X_0ik)^2
    obl = [
        identity("eq11_to_eq12", sp.summation(lam / Ns * (A.T * A)[0], (ks, 1, Ns)), lam * (A.T * A)[0],
                 "the regulariser of (12): sum_{k=1}^{N} (lambda/N)||A||^2 = lambda ||A||^2, as printed (k = 1..N)"),
        identity("eq11_to_eq12_fit", fit12, fit11, "the fit term of (12): sum_k (A^T U'_{:,k} - X_{0,i,k})^2 = "
                 "||sum_j a_j u'_j - X_{0,i}||^2 (k over the latent features, N = F = 2)"),
        identity("eq14_ridge", sq(grad.subs(dict(zip(A, Ak)))), 0,
                 "A_k = (lambda/N I + U_k U_k^T)^-1 U_k x_k zeroes the gradient of the k-th term of (12)",
                 simplifier=sp.cancel),
        identity("eq14_sherman_morrison", sq(Ak - sm), 0, "(14) line 1 = line 2 by (13)", simplifier=sp.cancel),
        identity("eq14_line3", sq(sm - l3), 0, "(14) line 2 = line 3", simplifier=sp.factor),
        identity("eq15_from_line3", sq(l3 - e15), 0, "(14) line 3 = N^2/(lambda N + lambda C) U_k x_k (15)",
                 simplifier=sp.factor),
        identity("eq15_exact", sq(Ak - e15), 0, "the ridge solution A_k equals (15)", simplifier=sp.factor),
    ]
    # (16): optimum of the joint problem (12) (F = N = 2) vs the mean of the per-k optima
    # a diagonal U' (the family already refutes it; the general 2x2 case is slow to cancel)
    U = sp.diag(*sp.symbols("U00 U11", real=True))                     # (N, F) = (2, 2)
    xv = sp.Matrix(2, 1, lambda i, _: sp.Symbol(f"x{i}", real=True))
    joint = (U * U.T + lam * I2).inv() * U * xv
    per_k = [(lam / 2 * I2 + U[:, k] * U[:, k].T).inv() * U[:, k] * xv[k] for k in range(2)]
    obl.append(identity("eq16_mean_is_optimum", sq(joint - (per_k[0] + per_k[1]) / 2), 0,
                        "argmin of (12) (N = F = 2, U' diagonal) = mean over k of the per-k optima A_k",
                        simplifier=sp.cancel))
    return Derivation(tuple(obl), note="eq14_line3 holds iff lambda = N; (15) from line 3 iff lambda = 1; "
                      "(15) equals the exact A_k iff lambda = N^2. Notational ambiguity, noted and not "
                      "counted as an error: (12) sums k = 1..N over latent features, whose number is F; read with F "
                      "features the regulariser becomes (F/N) lambda ||A||^2, a rescaled lambda of the same form.")


def predictions(cfg):
    return (
        Prediction("C_spread", "C = ||U'_{:,k}||^2 is the same for every k when U' is a LayerNorm output "
                   "((max - min)/mean over k)", "<=", 1e-6),
        Prediction("line3_gap", "(14) line 3 equals the ridge solution A_k (relative)", "<=", 1e-8),
        Prediction("eq15_gap", "(15) equals the ridge solution A_k (relative)", "<=", 1e-8),
        Prediction("eq16_gap", "(16) equals the optimum of (11) (relative)", "<=", 1e-8),
    )


def check(cfg, ctx) -> Measurement:
    rng = ctx.rng
    C_spread, row_spread, g3, g15, g16, g16_mean = [], [], [], [], [], []
    for _ in range(cfg.n_trials):
        U = R.layernorm_features(cfg.N, cfg.F, rng)                  # (N, F)
        x = rng.standard_normal(cfg.F)
        C = (U ** 2).sum(0)
        rows = (U ** 2).sum(1)
        C_spread.append(float((C.max() - C.min()) / C.mean()))
        row_spread.append(float((rows.max() - rows.min()) / rows.mean()))
        Ak = R.per_k_optimum(U, x, cfg.lam)
        g3.append(R.rel(R.line3(U, x, cfg.lam), Ak))
        g15.append(R.rel(R.eq15(U, x, cfg.lam), Ak))
        joint = R.joint_optimum(U, x, cfg.lam)
        g16.append(R.rel(R.eq16(U, x, cfg.lam), joint))
        g16_mean.append(R.rel(Ak.mean(0), joint))

    def is_cex(t):      # (N = F = 2 integer U, integer x, lambda = 1): mean of A_k != joint optimum
        U, x = np.array(t[0], float), np.array(t[1], float)
        if np.abs(U).sum() == 0 or np.abs(x).sum() == 0:
            return False
        return R.rel(R.per_k_optimum(U, x, 1.0).mean(0), R.joint_optimum(U, x, 1.0)) > 1e-6
    from hypothesis import strategies as st
    pairs = st.tuples(int_matrix(2, 2, -2, 2), st.lists(st.integers(-2, 2), min_size=2, max_size=2))
    cex = minimal_counterexample(pairs, is_cex)
    ev = {"row_norm_spread_max": max(row_spread), "mean_of_A_k_vs_joint_gap_max": max(g16_mean),
          "lam": cfg.lam, "N": cfg.N, "F": cfg.F}
    if cex is not None:
        U, x = np.array(cex[0], float), np.array(cex[1], float)
        ev["minimal_counterexample_eq16"] = {"U": cex[0], "x": cex[1], "lambda": 1.0,
                                             "joint": R.joint_optimum(U, x, 1.0).tolist(),
                                             "mean_A_k": R.per_k_optimum(U, x, 1.0).mean(0).tolist()}
    return Measurement(
        values={"C_spread": max(C_spread), "line3_gap": max(g3), "eq15_gap": max(g15), "eq16_gap": max(g16)},
        evidence=ev,
        notes="LayerNorm normalises each token (row of U'), so row norms are constant (row_norm_spread_max) "
              "but the column norms C_k = ||U'_{:,k}||^2 used in (14)-(15) are not.")


CLAIM = register(Claim(
    id="tlc.lem4.6.steps",
    title="Proof of Lemma 4.6: the algebraic steps (11)-(16)",
    kind="proof-step",
    interpretation="(12) is read as printed, k = 1..N for both sums (the latent features counted by N); with F "
                   "features the regulariser is rescaled by F/N, a notational ambiguity rather than an error.",
    statement="(11) equals (12); (14) solves each k-term by ridge regression and Sherman-Morrison; line 3 of "
              "(14) and (15) follow with C = ||U'_{:,k}||^2 constant (LayerNorm); the optimum of (12) is the "
              "mean of the A_k, giving (16).",
    statement_latex=(
        r"(11) equals (12); (14) solves each term $k$ by ridge regression and the Sherman-Morrison "
        r"formula, $\hat{\mathbf{A}}_k = \left(\frac{\lambda}{N} I + U'_{:,k} U'^{\top}_{:,k}\right)^{-1} "
        r"U'_{:,k} X_{0,i,k}$; line 3 of (14) and $\hat{\mathbf{A}}_k = \frac{N^2}{\lambda N + \lambda C} "
        r"U'_{:,k} X_{0,i,k}$ (15) follow with $C = \|U'_{:,k}\|_2^2$ constant (LayerNorm); the optimum of"
        r" (12) is the mean of the $\hat{\mathbf{A}}_k$, giving $\hat{a}_j = \frac{N}{\lambda N + \lambda "
        r"C} u'^{\top}_j X_{0,i}$ (16)."),
    source=Source("tlc", "Lemma 4.6, proof, eqs. (12)-(16)",
                  "Since U' is an output of a Layer Norm layer, $\\left\\| U'_{:,k} \\right\\|_2^2$ is "
                  'a constant, denote as C . Plug in Equation 14, 207 we get the optimal solution f'
                  "or certain k : $$\\hat{\\mathbf{A}}_k = \\frac{N^2}{\\lambda N + \\lambda C} U'_{:,k}"
                  ' X_{0,i,k} \\quad (15)$$ 208 Since Equation 12 solves a sum of least square, the '
                  'optimal \\hat{A} is the mean of \\hat{A}_k s'),
    assumptions=(Assumption.integer("N", 2), Assumption.integer("F", 2), Assumption.range("lam", 0),
                 Assumption.integer("n_trials", 1)),
    depends_on=("tlc.eq13",),
    config=Config,
    profiles={"quick": {}, "full": {"N": 64, "F": 192, "n_trials": 200}},
    deterministic=True, predictions=predictions, check=check, derive=derive,
))
