"""Attention metrics for single heads: the attention diversity metric (``fpc`` Section 6),
the mean attention distance (Dosovitskiy et al. 2021, Fig. 7; Raghu et al. 2021) and the
normalised mutual information of an attention map (Park et al., ICLR 2023, Sec. 2).

All take attention maps ``attn`` of shape ``(..., Q, P)`` whose rows are distributions over
``P`` keys (patch tokens only: drop a class token first) and key coordinates ``coords`` of
shape ``(P, 2)`` (grid row, column). Leading dimensions (images, heads) are kept.
"""
from __future__ import annotations

import math

import torch

from .errors import InvalidParameter


def grid_coords(h: int, w: int | None = None, dtype=torch.float64) -> torch.Tensor:
    """(h*w, 2) (row, col) coordinates of a row-major patch grid."""
    w = h if w is None else w
    if not (isinstance(h, int) and isinstance(w, int) and h >= 1 and w >= 1):
        raise InvalidParameter("grid", (h, w), "grid sides must be positive integers")
    r, c = torch.meshgrid(torch.arange(h, dtype=dtype), torch.arange(w, dtype=dtype), indexing="ij")
    return torch.stack([r.reshape(-1), c.reshape(-1)], dim=1)


def _validate(attn: torch.Tensor, coords: torch.Tensor | None = None, square: bool = False) -> None:
    if not torch.is_tensor(attn) or attn.dim() < 2:
        raise InvalidParameter("attn", getattr(attn, "shape", type(attn).__name__),
                               "need a tensor of shape (..., Q, P) with rows summing to 1")
    if coords is not None and (coords.dim() != 2 or coords.shape[0] != attn.shape[-1]):
        raise InvalidParameter("coords", tuple(coords.shape),
                               f"need shape (P, 2) with P = {attn.shape[-1]} keys (drop the class token)")
    if square and attn.shape[-2] != attn.shape[-1]:
        raise InvalidParameter("attn", tuple(attn.shape),
                               "queries and keys must be the same patches (Q == P) for this metric")
    if bool((attn < -1e-9).any()):
        raise InvalidParameter("attn", "negative entries", "attention weights must be non-negative")


def topk_keys(attn: torch.Tensor, k: int) -> torch.Tensor:
    """(..., Q, k) indices of the k largest weights per query, in rank order; ties are
    broken by the lower key index (a stable sort), so equal rows give equal indices."""
    if not (isinstance(k, int) and 1 <= k <= attn.shape[-1]):
        raise InvalidParameter("k", k, f"need 1 <= k <= number of keys ({attn.shape[-1]})")
    return torch.sort(attn, dim=-1, descending=True, stable=True).indices[..., :k]


def attention_diversity(attn: torch.Tensor, coords: torch.Tensor, k: int = 10) -> torch.Tensor:
    """Attention diversity metric (``fpc`` Section 6, Figure 3): for each query take the
    coordinates of its top-k keys in rank order as a 2k-vector; return the mean Euclidean
    distance over all pairs of distinct queries. Shape (...). Higher = more diverse."""
    _validate(attn, coords)
    nq = attn.shape[-2]
    if nq < 2:
        raise InvalidParameter("attn", tuple(attn.shape), "need at least 2 queries to form a pair")
    idx = topk_keys(attn, k)                                            # (..., Q, k)
    vec = coords.to(attn.device, torch.float64)[idx].flatten(-2)        # (..., Q, 2k)
    dist = torch.cdist(vec, vec)                                        # (..., Q, Q)
    return dist.sum((-2, -1)) / (nq * (nq - 1))                         # mean over i != j


def attention_distance(attn: torch.Tensor, coords: torch.Tensor, patch_size: float = 1.0) -> torch.Tensor:
    """Mean attention distance (ViT paper, Fig. 7): sum_k attn[q,k] ||x_q - x_k||, averaged
    over queries, in pixels when ``patch_size`` is the patch side. Shape (...)."""
    _validate(attn, coords, square=True)
    c = coords.to(attn.device, torch.float64)
    d = torch.cdist(c, c) * patch_size                                  # (P, P)
    return (attn.to(torch.float64) * d).sum(-1).mean(-1)


def attention_nmi(attn: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """Normalised mutual information between query and key (Park et al., ICLR 2023):
    p(q) uniform, p(k|q) = attn, NMI = I(q; k) / sqrt(H(q) H(k)). 0 when every query has the
    same map (collapse), 1 when each query attends to its own distinct key. Shape (...)."""
    _validate(attn)
    a = attn.to(torch.float64)
    nq = a.shape[-2]
    if nq < 2:
        raise InvalidParameter("attn", tuple(a.shape), "need at least 2 queries (H(q) = 0 otherwise)")
    pk = a.mean(-2)                                                     # (..., P) key marginal
    ratio = torch.where(a > 0, a / pk.unsqueeze(-2).clamp_min(eps), torch.ones_like(a))
    mi = (a * torch.log(ratio)).sum((-2, -1)) / nq                      # I(q; k)
    hq = math.log(nq)
    hk = -(torch.where(pk > 0, pk * torch.log(pk.clamp_min(eps)), torch.zeros_like(pk))).sum(-1)
    return mi / torch.sqrt(hq * hk).clamp_min(eps)
