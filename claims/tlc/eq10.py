"""tlc.eq10: L_spec = L_cont + const with L_cont = -2 E_{u,u+}[u^T u+] + E_{u,u-}[(u^T u-)^2]
(Section 4.3, eq. (10)); positive pairs (i, j) drawn with probability W_ij, negatives i, j
independently from the marginals W_i."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from claims import Assumption, Claim, Derivation, Measurement, Prediction, Source, register
from claims._sym import identity


@dataclass(frozen=True)
class Config:
    n: int = 12                 # nodes (masked tokens)
    feat: int = 4               # dimension of u_i
    sigma: float = 1.0          # kernel width: W_ij proportional to exp(w_ij / (2 sigma^2))
    weights_sum: float = 1.0    # sum_ij W_ij; 1 = W is the probability of a positive pair (as written)
    n_graphs: int = 5
    n_u: int = 20               # random representations u per graph


def terms(W, Uu):
    """(L_spec, L_cont, const) for weights W (n, n) and u (n, F) (rows of G = sqrt(W_i) u_i)."""
    w = W.sum(1)
    S = Uu @ Uu.T
    l_spec = (W ** 2 / np.outer(w, w) - 2 * W * S + np.outer(w, w) * S ** 2).sum()      # (9), last line
    p_pos, p_neg = W / W.sum(), np.outer(w, w) / W.sum() ** 2                             # pair laws
    l_cont = -2 * (p_pos * S).sum() + (p_neg * S ** 2).sum()
    const = (W ** 2 / np.outer(w, w)).sum()                                              # ||cA||_F^2
    return l_spec, l_cont, const


def predictions(cfg):
    return (
        Prediction("spread", "L_spec - L_cont does not depend on u: (max - min) / |mean| over random u", "<=", 1e-10),
        Prediction("const_gap", "the constant is sum_ij W_ij^2/(W_i W_j) = ||cA||_F^2 (relative gap)", "<=", 1e-10),
    )


def check(cfg, ctx) -> Measurement:
    rng = ctx.rng
    spreads, gaps, rows = [], [], []
    for g in range(cfg.n_graphs):
        X = rng.random((cfg.n, 6))
        K = np.exp(X @ X.T / (2 * cfg.sigma ** 2))               # kernel trick of Sec 4.3
        W = cfg.weights_sum * K / K.sum()
        diffs, consts = [], []
        for _ in range(cfg.n_u):
            ls, lc, c = terms(W, rng.standard_normal((cfg.n, cfg.feat)))
            diffs.append(ls - lc)
            consts.append(c)
        diffs = np.array(diffs)
        spreads.append(float((diffs.max() - diffs.min()) / abs(diffs.mean())))
        gaps.append(float(np.abs(diffs - consts[0]).max() / abs(consts[0])))
        rows.append({"graph": g, "diff_min": float(diffs.min()), "diff_max": float(diffs.max()), "const": consts[0]})
    return Measurement(values={"spread": max(spreads), "const_gap": max(gaps)}, evidence={"rows": rows})


def derive(cfg) -> Derivation:
    n, F = 2, 2
    W = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"W{min(i, j)}{max(i, j)}", positive=True))
    u = sp.Matrix(n, F, lambda i, j: sp.Symbol(f"u{i}{j}", real=True))
    w = [sum(W[i, j] for j in range(n)) for i in range(n)]
    S = sum(W)
    uu = lambda i, j: (u[i, :] * u[j, :].T)[0]
    pairs = [(i, j) for i in range(n) for j in range(n)]
    l_spec = sum(W[i, j] ** 2 / (w[i] * w[j]) - 2 * W[i, j] * uu(i, j) + w[i] * w[j] * uu(i, j) ** 2 for i, j in pairs)
    e_pos = sum(W[i, j] / S * uu(i, j) for i, j in pairs)
    e_neg = sum(w[i] * w[j] / S ** 2 * uu(i, j) ** 2 for i, j in pairs)
    const = sum(W[i, j] ** 2 / (w[i] * w[j]) for i, j in pairs)
    l_cont = -2 * e_pos + e_neg
    # as written, for unnormalised weights; and with sum_ij W_ij = 1 (W a probability)
    W22 = W[n - 1, n - 1]
    normalise = {W22: 1 - sum(W[i, j] for i, j in pairs if (i, j) != (n - 1, n - 1))}
    obl = [identity("unnormalised", l_spec, l_cont + const,
                    "L_spec = L_cont + sum_ij W_ij^2/(W_i W_j) for any positive symmetric W (n = 2, u_i in R^2)",
                    simplifier=sp.cancel)]
    obl.append(identity("normalised", l_spec.subs(normalise), (l_cont + const).subs(normalise),
                        "L_spec = L_cont + sum_ij W_ij^2/(W_i W_j) when sum_ij W_ij = 1 (W_11 eliminated; n = 2, u_i "
                        "in R^2)", simplifier=sp.cancel,
                        constraint=lambda pt: float(normalise[W22].subs(pt)) > 0))
    obl = obl[1:] if cfg.weights_sum == 1.0 else obl[:1]
    return Derivation(tuple(obl), note="L_spec - L_cont - const = 2(1 - S) E+[u^T u+] + (S^2 - 1) E-[(u^T u-)^2] "
                      "with S = sum_ij W_ij: zero for all u iff S = 1.")


CLAIM = register(Claim(
    id="tlc.eq10",
    title="L_spec is a spectral contrastive loss plus a constant (10)",
    kind="equation",
    statement="With W_ij the probability of a positive pair (sum_ij W_ij = 1), L_spec = L_cont + const, "
              "L_cont = -2 E_{u,u+}[u^T u+] + E_{u,u-}[(u^T u-)^2]; the constant is sum_ij W_ij^2/(W_i W_j) "
              "= ||D^-1/2 W D^-1/2||_F^2, which depends on the data only.",
    statement_latex=(
        r"With $W_{ij}$ the probability of a positive pair ($\sum_{i,j} W_{ij} = 1$), "
        r"$\mathcal{L}_{\text{spec}} = \mathcal{L}_{\text{cont}} + \text{const}$ (10) with "
        r"$\mathcal{L}_{\text{cont}} = -2 \, \mathbb{E}_{u, u^+}[u^\top u^+] + \mathbb{E}_{u, u^-}[(u^\top"
        r" u^-)^2]$; the constant $\sum_{i,j} \frac{W_{ij}^2}{W_i W_j} = \|D^{-\frac{1}{2}} W "
        r"D^{-\frac{1}{2}}\|_F^2$ depends on the data only."),
    source=Source("tlc", "Section 4.3, eq. (10)",
                  'With a choice of σ , 182 we have W_{ij} defined as (or approximates) the probabi'
                  'lity of u_i and u_j to be a positive pair. Following 183 the notations of Spectr'
                  'al Contrastive Loss, we make Equation (9) into the form of a Contrastive loss 18'
                  '4 [14]. $$\\mathcal{L}_{\\text{spec}} = \\mathcal{L}_{\\text{cont}} + \\text{const}, '
                  '\\quad (10)$$'),
    assumptions=(Assumption.math("weights_sum == 1",
                                 text="weights_sum = 1: W is a probability over pairs (as the seed says)"),
                 Assumption.range("sigma", 0)),
    depends_on=("tlc.eq9",),
    config=Config,
    profiles={"quick": {}, "full": {"n": 64, "n_graphs": 20, "n_u": 50}},
    deterministic=True, predictions=predictions, check=check, derive=derive,
    notes="For unnormalised weights (sum S != 1) L_spec - const = S(-2 E+ + S E-), not L_cont: (10) then "
          "fails. The kernel trick W_ij = exp(w_ij/(2 sigma^2)) replaces the graph of Thm 4.3, so (10) is a "
          "statement about a different L_spec than (6).",
))
