"""Statistics of the masked-reconstruction objective used across claims (``fpc``):
the per-patch loss L_p (4.2), its infimum L_p* (Lemma A.9) and the own-area attention
of masked queries (Theorem 4.1 (2))."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .attention import Forward, unmasked_area_onehot
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
    """(n, m) number of unmasked patches in each masked query's own area."""
    cnt = unmasked_area_onehot(dist, b, torch.float64).sum(1)        # (n, N)
    return cnt.gather(1, own)


def patch_stats(dist: Distribution, b: Batch, fwd: Forward) -> PatchStats:
    P = dist.P
    own = fwd.own
    loss_q = fwd.loss_q.detach().to(torch.float64)
    zj = b.z.to(torch.float64).gather(1, own)
    reach = own_area_unmasked_count(dist, b, own) > 0
    star_q = 0.5 * zj ** 2 * (~reach).to(torch.float64)
    A_own = fwd.A.detach().to(torch.float64).gather(2, own[..., None])[..., 0]
    pos = b.masked_idx.reshape(-1)

    def per_pos(values, weights=None):
        w = torch.ones_like(values) if weights is None else weights
        s = torch.zeros(P, dtype=torch.float64).index_add_(0, pos, (values * w).reshape(-1))
        c = torch.zeros(P, dtype=torch.float64).index_add_(0, pos, w.reshape(-1))
        return s / c, c

    L, count = per_pos(loss_q)
    Ls, _ = per_pos(star_q)
    att, _ = per_pos(A_own, reach.to(torch.float64))
    return PatchStats(L, Ls, L - Ls, att, count, A_own, reach)
