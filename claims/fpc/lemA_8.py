"""fpc.lemA.8: per masked patch, 1/2||X_p - F_p||^2 = 1/2[z_j^2 (1-A_j)^2 + sum_{a!=j} z_a^2 A_a^2]."""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
import torch

from claims import Assumption, Claim, Derivation, Measurement, Prediction, Source, register
from claims._sym import identity

from . import _symbolic as S
from ._cost import whole_check
from ._lemma_checks import (
    FULL_PROFILE,
    LEMMA_ASSUMPTIONS,
    LemmaConfig,
    max_rel_err_check,
    rel_err,
    threshold_latex,
)


@dataclass(frozen=True)
class Config(LemmaConfig):
    feature_overlap: float = 0.0   # Def 2.1 needs orthonormal features; > 0 tilts them (violation control)


def decomposition(A, z, own, perturb=0.0):
    """The lemma's right-hand side per query: (n, m, N), (n, N), (n, m) -> (n, m)."""
    Aj = A.gather(2, own[..., None])[..., 0]
    zj = z.gather(1, own)
    others = (z[:, None, :] ** 2 * A ** 2).sum(-1) - zj ** 2 * Aj ** 2
    return 0.5 * (zj ** 2 * (1 - Aj) ** 2 + (1 + perturb) * others)


def derive(cfg) -> Derivation:
    q = S.build()
    z, A = q.z, q.A
    rhs = sp.Rational(1, 2) * (z["j"] ** 2 * (1 - A["j"]) ** 2
                               + (1 + sp.nsimplify(cfg.perturb))
                               * sum(z[b] ** 2 * A[b] ** 2 for b in S.AREAS if b != "j"))
    return Derivation((identity(
        "loss_decomposition", q.loss, rhs,
        "1/2||z_j v_j - sum_a z_a A_a v_a||^2 = 1/2[z_j^2(1-A_j)^2 + sum_{a!=j} z_a^2 A_a^2] (orthonormal v)",
        simplifier=S.rational_simplify),),
        note="The output of a masked query is F_p = sum_a z_a A_a v_a (Section 3.1); orthonormality of the v's "
             "gives the decomposition.")


def predictions(cfg):
    return (Prediction("max_rel_err", "the decomposition equals the full model's per-query loss", "<=", cfg.tol,
                       math=r"\max_{\text{states}} \frac{\max_{n, p} \left|\tfrac12 \lVert X_p - F_p \rVert^2 - "
                            r"\tfrac12 \left[z_j^2 (1 - A_j)^2 + \sum_{a \neq j} z_a^2 A_a^2\right]\right|}"
                            r"{\max_{n, p} \tfrac12 \lVert X_p - F_p \rVert^2} \le " + threshold_latex(cfg.tol)),)


def check(cfg, ctx) -> Measurement:
    def compare(dist, b, red, full):
        if cfg.feature_overlap:
            V = full.V.clone()
            V[:, 1:] += cfg.feature_overlap * V[:, :1]             # features no longer orthogonal
            full.V.copy_(V / V.norm(dim=0, keepdim=True))
        with torch.no_grad():
            fwd = full(b)
            return rel_err(decomposition(fwd.A, b.z.to(fwd.A.dtype), fwd.own, cfg.perturb), fwd.loss_q)
    return max_rel_err_check(cfg, ctx, compare)


CLAIM = register(Claim(
    id="fpc.lemA.8",
    cost=whole_check("fpc.lemA.8"),
    title="Loss decomposition in area attentions",
    kind="lemma",
    statement="For a masked patch p in area P_{k,j}: 1/2||X_p - F_p||^2 = 1/2[z_j^2 (1 - A_j)^2 + "
              "sum_{a != j} z_a^2 A_a^2], with A_a the attention to the unmasked patches of area a.",
    statement_latex=r"For a masked patch $p \in \mathcal{P}_{k,j}$: $\frac{1}{2} \lVert X_p - F_p \rVert^2 = "
                    r"\frac{1}{2} \left[z_j^2 (1 - A_j)^2 + \sum_{a \neq j} z_a^2 A_a^2\right]$, with "
                    r"$A_a = \mathrm{attn}_{p \to \mathcal{P}_{k,a} \cap \mathcal{U}}$ the attention to the unmasked "
                    r"patches of area $a$ and orthonormal features $v_{k,a}$.",
    source=Source("fpc", "Lemma A.8 (Appendix A.3)",
                  "Lemma A.8 (Loss Calculation). The population loss can be decomposed into the following "
                  "form: Proof. where since the features are orthogonal."),
    assumptions=LEMMA_ASSUMPTIONS + (
        Assumption.math("feature_overlap == 0", text="features orthonormal: feature_overlap = 0 (Definition 2.1)"),),
    depends_on=("fpc.eq3.2",),
    config=Config, profiles={"quick": {}, "full": FULL_PROFILE},
    predictions=predictions, check=check, derive=derive, deterministic=True,
))
