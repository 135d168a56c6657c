"""fpc.lemA.1: the form of the gradient of the MIM loss with respect to Q."""
from __future__ import annotations

import sympy as sp

from claims import Claim, Derivation, Prediction, Source, register
from claims._sym import identity

from . import _symbolic as S
from ._cost import whole_check
from ._gradients import lemma_A1_grad_Q
from ._lemma_checks import (
    FULL_PROFILE,
    LEMMA_ASSUMPTIONS,
    LemmaConfig,
    gradient_check,
    threshold_latex,
)


def derive(cfg) -> Derivation:
    q = S.build()
    obligations = []
    for k, (area, masked) in enumerate(S.KEYS):
        r = q.Xp - q.F
        diff = q.Xt[k] - q.F
        formula = -q.attn[k] * (r.T * diff)[0] * (1 + sp.nsimplify(cfg.perturb))
        obligations.append(identity(
            f"dl_ds_{k}", q.d_logit(q.loss, k), formula,
            f"d l / d s_q = -attn_q <X_p - F_p, X~_q - F_p> for key {k} (area {area}, "
            f"{'masked' if masked else 'unmasked'})", simplifier=S.rational_simplify))
    # chain to Q: s_q = h_p^T Q h_q is bilinear, so d s_q / dQ = h_p h_q^T
    d = 3
    Q = sp.Matrix(d, d, lambda i, j: sp.Symbol(f"Q{i}{j}"))
    hp = sp.Matrix(sp.symbols("hp0:3"))
    hq = sp.Matrix(sp.symbols("hq0:3"))
    s = (hp.T * Q * hq)[0]
    grad = sp.Matrix(d, d, lambda i, j: sp.diff(s, Q[i, j]))
    obligations.append(identity("ds_dQ", (grad - hp * hq.T).norm() ** 2, 0,
                                "d (h_p^T Q h_q) / dQ = h_p h_q^T"))
    return Derivation(tuple(obligations), note="Lemma A.1 = sum over masked p and keys q of "
                      "(d l / d s_q) h_p h_q^T; the first factor is verified key by key on a symbolic "
                      "query with three areas and a masked key.")


def predictions(cfg):
    return (Prediction("max_rel_err", "Lemma A.1's dL/dQ equals autograd on the full d x d model "
                       "at zero and random Q (float64)", "<=", cfg.tol,
                       math=r"\max_{\text{states}} \frac{\lVert G_{\mathrm{A.1}}(Q) - \nabla_Q L(Q) \rVert_{\max}}"
                            r"{\lVert \nabla_Q L(Q) \rVert_{\max}} \le " + threshold_latex(cfg.tol)),)


CLAIM = register(Claim(
    id="fpc.lemA.1",
    cost=whole_check("fpc.lemA.1"),
    title="Gradient of the MIM loss with respect to Q",
    kind="lemma",
    statement="dL/dQ = -E[ sum_{p in M} sum_q attn_{p->q} <X_p - F_p, X~_q - F_p> (X~_p + e_p)(X~_q + e_q)^T ], "
              "which for masked p has rows only along e_p.",
    statement_latex=r"$\nabla_Q L = -\mathbb{E}\Big[\sum_{p \in \mathcal{M}} \sum_{q} \mathrm{attn}_{p \to q} "
                    r"\langle X_p - F_p, \tilde X_q - F_p \rangle (\tilde X_p + e_p)(\tilde X_q + e_q)^\top\Big] "
                    r"=: G_{\mathrm{A.1}}(Q)$, which for masked $p$ ($\tilde X_p = 0$) has rows only along $e_p$.",
    source=Source("fpc", "Lemma A.1 (Appendix A.1)",
                  "We first calculate the gradient with respect to . We omit the superscript ‘’ and write as "
                  "here for simplicity. Lemma A.1. The gradient of the loss function with respect to is given by"),
    assumptions=LEMMA_ASSUMPTIONS,
    depends_on=("fpc.eq3.2",),
    config=LemmaConfig, profiles={"quick": {}, "full": FULL_PROFILE},
    predictions=predictions, check=gradient_check("Q", lemma_A1_grad_Q), derive=derive, deterministic=True,
    notes="The lemma's formula was lost in extraction; this is the chain-rule form SPEC.md reconstructs, "
          "derived here in SymPy and confirmed against autograd.",
))
