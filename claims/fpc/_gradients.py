"""The gradient formulas of Lemmas A.1, 5.1 and 5.2, vectorised over a batch, to compare
with autograd. Each returns the gradient of the batch objective (2.8) (sum over masked
patches, mean over images) so it is directly comparable with ``torch.autograd.grad``."""
from __future__ import annotations

import torch

from models.attention import Forward
from models.data import Batch, Distribution


def lemma_A1_grad_Q(full, b: Batch, fwd: Forward, perturb: float = 0.0) -> torch.Tensor:
    """dL/dQ = -(1/n) sum_i sum_{p in M} sum_q attn_{p->q} <X_p - F_p, X~_q - F_p> (X~_p + e_p)(X~_q + e_q)^T.

    ``perturb`` multiplies the inner product by (1 + perturb) for keys in the query's own
    area (a deliberately wrong formula, to show the check can fail)."""
    X = full.patches(b)                                              # (n, P, d)
    Xt = X * (~b.mask).to(X.dtype)[..., None]
    H = Xt + full.E.T[None]                                          # (n, P, d)
    n, m = b.masked_idx.shape
    idx = b.masked_idx[..., None].expand(n, m, full.d)
    Hq, Xq = H.gather(1, idx), X.gather(1, idx)                      # (n, m, d)
    F = fwd.attn @ Xt                                                # (n, m, d)
    r = Xq - F                                                       # X_p - F_p
    inner = torch.einsum("nmd,nqd->nmq", r, Xt) - (r * F).sum(-1, keepdim=True)  # <r, X~_q - F_p>
    if perturb:
        same = b.area_idx[:, None, :] == fwd.own[..., None]
        inner = inner * (1 + perturb * same.to(inner.dtype))
    coef = -fwd.attn * inner                                         # (n, m, P)
    return torch.einsum("nmd,nmq,nqe->de", Hq, coef, H) / n


def lemma_D(fwd: Forward, b: Batch, perturb: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """D_a of Lemma 5.1 for every area a (n, m, N), and D(q) of Lemma 5.2 for masked keys (n, m).

    Written as the paper states them (SPEC.md section 1):
      D_j = z_j^2 (1 - A_j)^2 + sum_{b != j} z_b^2 A_b^2,
      D_a = -z_j^2 A_j (1 - A_j) - z_a^2 A_a (1 - A_a) + sum_{b not in {j, a}} z_b^2 A_b^2,
      D(masked) = -z_j^2 A_j (1 - A_j) + sum_{b != j} z_b^2 A_b^2.
    ``perturb`` adds perturb * z_j^2 to each (a wrong formula for the falsification test)."""
    A = fwd.A                                                        # (n, m, N)
    z2 = (b.z.to(A.dtype) ** 2)[:, None, :]                          # (n, 1, N)
    own = fwd.own[..., None]
    Aj = A.gather(2, own)                                            # (n, m, 1)
    zj2 = z2.expand_as(A).gather(2, own)
    S2 = (z2 * A ** 2).sum(-1, keepdim=True)                         # sum_b z_b^2 A_b^2
    D_own = zj2 * (1 - Aj) ** 2 + S2 - zj2 * Aj ** 2
    D_other = -zj2 * Aj * (1 - Aj) - z2 * A * (1 - A) + S2 - zj2 * Aj ** 2 - z2 * A ** 2
    is_own = torch.nn.functional.one_hot(fwd.own, A.shape[-1]).bool()
    D = torch.where(is_own, D_own.expand_as(A), D_other) + perturb * zj2
    D_masked = (-zj2 * Aj * (1 - Aj) + S2 - zj2 * Aj ** 2)[..., 0] + perturb * zj2[..., 0]
    return D, D_masked


def lemma_5_1_grad_Phi(dist: Distribution, b: Batch, fwd: Forward, perturb: float = 0.0) -> torch.Tensor:
    """dL/dPhi (P, Nf) from -dl/dPhi_{p->v_{k,a}} = z_a A_a D_a (Lemma 5.1)."""
    D, _ = lemma_D(fwd, b, perturb)
    descent = b.z.to(D.dtype)[:, None, :] * fwd.A * D                   # (n, m, N)
    n, m, N = descent.shape
    rows = b.masked_idx[..., None].expand(n, m, N)
    cols = (dist.feat_offset[b.cluster][:, None, None] + torch.arange(N)).expand(n, m, N)
    G = torch.zeros(dist.P, dist.n_features, dtype=D.dtype)
    G.index_put_((rows.reshape(-1), cols.reshape(-1)), -descent.reshape(-1), accumulate=True)
    return G / n


def lemma_5_2_grad_Ups(dist: Distribution, b: Batch, fwd: Forward, perturb: float = 0.0) -> torch.Tensor:
    """dL/dUps (P, P) from -dl/dUps_{p->q} = attn_{p->q} D(q) (Lemma 5.2)."""
    D, D_masked = lemma_D(fwd, b, perturb)
    n, m, P = fwd.attn.shape
    Dq = D.gather(2, b.area_idx[:, None, :].expand(n, m, P))        # D_{a(q)} for every key
    Dq = torch.where(b.mask[:, None, :], D_masked[..., None].expand(n, m, P), Dq)
    descent = fwd.attn * Dq
    G = torch.zeros(P, P, dtype=D.dtype)
    rows = b.masked_idx[..., None].expand(n, m, P)
    cols = torch.arange(P).expand(n, m, P)
    G.index_put_((rows.reshape(-1), cols.reshape(-1)), -descent.reshape(-1), accumulate=True)
    return G / n


def random_state(dist: Distribution, g: torch.Generator, scale_phi: float, scale_ups: float,
                 dtype=torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    """Random (Phi, Ups) with i.i.d. normal entries: states away from initialisation."""
    Phi = scale_phi * torch.randn(dist.P, dist.n_features, generator=g, dtype=dtype)
    Ups = scale_ups * torch.randn(dist.P, dist.P, generator=g, dtype=dtype)
    return Phi, Ups
