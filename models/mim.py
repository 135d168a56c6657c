"""Statistics of the masked-reconstruction objective used across claims (``fpc``):
the per-patch loss L_p (4.2), its infimum L_p* (Lemma A.9) and the own-area attention
of masked queries (Theorem 4.1 (2)). :func:`patch_stats_chunked` computes them in bounded
memory on the model's device (never the (n, m, P) attention)."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .attention import Forward
from .data import Batch, Distribution


@dataclass
class PatchStats:
    """Per-position statistics over the masked occurrences of each position (shape (P,)).

    loss:      L_p  = E[1/2 ||X_p - F_p||^2 | p masked]
    loss_star: L_p* = E[1/2 z_j^2 1{own area fully masked} | p masked]
    gap:       L_p - L_p*
    own_attn:  mean of attn_{p -> P_{k,j} cap U} over masked occurrences whose own area has
               an unmasked patch (nan where there is none)
    count:     masked occurrences of p in the batch
    """

    loss: torch.Tensor
    loss_star: torch.Tensor
    gap: torch.Tensor
    own_attn: torch.Tensor
    count: torch.Tensor
    own_attn_q: torch.Tensor     # (n, m) own-area attention of every masked query
    reachable_q: torch.Tensor    # (n, m) bool: own area not fully masked


def own_area_unmasked_count(dist: Distribution, b: Batch, own: torch.Tensor) -> torch.Tensor:
    """(n, m) number of unmasked patches in each masked query's own area (float64, on b's device)."""
    unmasked = (~b.mask).to(torch.float64)
    cnt = torch.zeros(b.n, dist.N, dtype=torch.float64, device=unmasked.device)
    cnt.scatter_add_(1, b.area_idx, unmasked)                       # (n, N)
    return cnt.gather(1, own)


def patch_stats(dist: Distribution, b: Batch, fwd: Forward) -> PatchStats:
    A_own = fwd.A.detach().gather(2, fwd.own[..., None])[..., 0]
    return patch_stats_q(dist, b, fwd.own, fwd.loss_q.detach(), A_own)


def patch_stats_q(dist: Distribution, b: Batch, own: torch.Tensor, loss_q: torch.Tensor,
                  A_own: torch.Tensor) -> PatchStats:
    """:func:`patch_stats` from per-query values ((n, m) each: own area, loss, own-area attention),
    computed on their device. The (P,) statistics come back on the CPU; ``own_attn_q`` and
    ``reachable_q`` stay where the inputs are."""
    P, dev = dist.P, loss_q.device
    b = b.to(device=dev)
    own = own.to(dev)
    loss_q = loss_q.to(torch.float64)
    zj = b.z.to(torch.float64).gather(1, own)
    reach = own_area_unmasked_count(dist, b, own) > 0
    star_q = 0.5 * zj ** 2 * (~reach).to(torch.float64)
    A_own = A_own.to(torch.float64)
    pos = b.masked_idx.reshape(-1)

    def per_pos(values, weights=None):
        w = torch.ones_like(values) if weights is None else weights
        s = torch.zeros(P, dtype=torch.float64, device=dev).index_add_(0, pos, (values * w).reshape(-1))
        c = torch.zeros(P, dtype=torch.float64, device=dev).index_add_(0, pos, w.reshape(-1))
        return (s / c).cpu(), c.cpu()

    L, count = per_pos(loss_q)
    Ls, _ = per_pos(star_q)
    att, _ = per_pos(A_own, reach.to(torch.float64))
    return PatchStats(L, Ls, L - Ls, att, count, A_own, reach)


def patch_stats_chunked(dist: Distribution, b: Batch, model, prepared=None,
                        max_bytes: int = 16 * 2 ** 20) -> PatchStats:
    """:func:`patch_stats` of ``model`` (a ReducedMIM) on ``b`` without the (n, m, P) attention:
    per-query loss and own-area attention are computed on the model's device chunk by chunk
    (``FastReducedMIM.query_stats`` on ``prepared`` when given; otherwise the autograd-free
    forward on chunks whose (c, m, P) logits take at most ``max_bytes``), and reduced there."""
    dev, dt = model.Phi.device, model.Phi.dtype
    if prepared is not None:
        loss_q, A_own = model.query_stats(prepared)
        own = prepared.b.area_idx.gather(1, prepared.b.masked_idx)
        return patch_stats_q(dist, b, own, loss_q, A_own)
    n, m = b.masked_idx.shape
    c = max(1, max_bytes // (m * dist.P * torch.empty((), dtype=dt).element_size()))
    bd = b.to(device=dev, dtype=dt)
    loss_q = torch.empty(n, m, dtype=dt, device=dev)
    A_own = torch.empty(n, m, dtype=dt, device=dev)
    from .fastmim import full_float32
    with torch.no_grad(), full_float32(dev):
        for i0 in range(0, n, c):
            f = model(bd.subset(slice(i0, min(n, i0 + c))))
            loss_q[i0:i0 + c] = f.loss_q
            A_own[i0:i0 + c] = f.A.gather(2, f.own[..., None])[..., 0]
    own = bd.area_idx.gather(1, bd.masked_idx)
    return patch_stats_q(dist, b, own, loss_q, A_own)
