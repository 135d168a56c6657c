"""The one-layer softmax transformer of Assumption 2.4 (``fpc``), in two exact forms.

* :class:`FullMIM` holds the merged query-key matrix ``Q`` (d x d) and explicit
  ``d``-dimensional features and positional encodings (orthonormal columns of a random
  orthogonal basis).
* :class:`ReducedMIM` holds only the feature-position correlations ``Phi`` (P x sum_k N_k,
  ``Phi[p, f] = e_p^T Q v_f``) and position-position correlations ``Ups`` (P x P,
  ``Ups[p, q] = e_p^T Q e_q``), Definition 3.1.

A masked query has input 0, so its query vector is ``e_p``; only masked queries enter the
loss (2.8). The logit of masked ``p`` to key ``q`` is therefore
``z_{a(q)} Phi[p, f(q)] + Ups[p, q]`` for unmasked ``q`` and ``Ups[p, q]`` for masked ``q``
(eq. 3.2), and gradient descent on ``Q`` is exactly gradient descent on ``(Phi, Ups)``.

Loss (2.8): ``L = mean_i sum_{p in M_i} 1/2 ||X_p - F_p||^2``, i.e. the sum over masked
patches of one image, averaged over images (no 1/|M| normaliser).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .data import Batch, Distribution


@dataclass
class Forward:
    """Per-query quantities of a forward pass; m = number of masked patches per image.

    attn:  (n, m, P)  attention of each masked query to every key
    A:     (n, m, N)  area attention to the *unmasked* patches of each area (3.1)
    own:   (n, m)     index j of the query's own area
    loss_q:(n, m)     1/2 ||X_p - F_p||^2 for each masked query
    loss:  ()         the objective (2.8) on this batch
    """

    attn: torch.Tensor
    A: torch.Tensor
    own: torch.Tensor
    loss_q: torch.Tensor
    loss: torch.Tensor


def unmasked_area_onehot(dist: Distribution, b: Batch, dtype) -> torch.Tensor:
    """(n, P, N): W[i, q, a] = 1 if key q is unmasked and lies in area a of image i's cluster."""
    W = torch.nn.functional.one_hot(b.area_idx, dist.N).to(dtype)
    return W * (~b.mask).to(dtype)[..., None]


def area_loss(A: torch.Tensor, own: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """1/2 sum_a z_a^2 (1{a=j} - A_a)^2 per query: (n, m, N), (n, m), (n, N) -> (n, m).

    This is ||X_p - F_p||^2 / 2 written in the orthonormal feature basis, where
    F_p = sum_a z_a A_a v_a (Section 3.1)."""
    target = torch.nn.functional.one_hot(own, A.shape[-1]).to(A.dtype)
    return 0.5 * ((z[:, None, :].to(A.dtype) ** 2) * (target - A) ** 2).sum(-1)


class ReducedMIM(torch.nn.Module):
    """The model on (Phi, Ups) only. Zero initialisation = Q^(0) = 0."""

    def __init__(self, dist: Distribution, dtype=torch.float32, device="cpu"):
        super().__init__()
        self.dist = dist
        P, Nf = dist.P, dist.n_features
        self.Phi = torch.nn.Parameter(torch.zeros(P, Nf, dtype=dtype, device=device))   # FP
        self.Ups = torch.nn.Parameter(torch.zeros(P, P, dtype=dtype, device=device))    # PP

    def logits(self, b: Batch) -> torch.Tensor:
        """(n, m, P) logits of masked queries, eq. (3.2)."""
        n, m = b.masked_idx.shape
        P = self.dist.P
        phi_q = self.Phi[b.masked_idx]                                              # (n, m, Nf)
        phi_k = phi_q.gather(2, b.feat_idx[:, None, :].expand(n, m, P))              # (n, m, P)
        amp = (b.zq.to(self.Phi.dtype) * (~b.mask).to(self.Phi.dtype))[:, None, :]  # (n, 1, P)
        return self.Ups[b.masked_idx] + amp * phi_k

    def forward(self, b: Batch) -> Forward:
        attn = torch.softmax(self.logits(b), dim=-1)                                 # (n, m, P)
        A = attn @ unmasked_area_onehot(self.dist, b, attn.dtype)                    # (n, m, N)
        own = b.area_idx.gather(1, b.masked_idx)                                     # (n, m)
        loss_q = area_loss(A, own, b.z)
        return Forward(attn, A, own, loss_q, loss_q.sum(1).mean())


class FullMIM(torch.nn.Module):
    """The d-dimensional model: explicit patches, positional encodings and Q (d x d).

    ``basis`` has orthonormal columns: the first ``sum_k N_k`` are the features v_{k,a}
    (cluster-major), the next P the positional encodings e_p; d may exceed N + P."""

    def __init__(self, dist: Distribution, d: int | None = None, dtype=torch.float64,
                 generator: torch.Generator | None = None, Q: torch.Tensor | None = None):
        super().__init__()
        self.dist = dist
        need = dist.n_features + dist.P
        d = d or need
        if d < need:
            raise ValueError(f"d={d} < number of orthonormal vectors {need}")
        G = torch.randn(d, d, generator=generator, dtype=torch.float64)
        basis, _ = torch.linalg.qr(G)
        self.register_buffer("V", basis[:, : dist.n_features].to(dtype))           # (d, Nf)
        self.register_buffer("E", basis[:, dist.n_features: need].to(dtype))       # (d, P)
        self.Q = torch.nn.Parameter(torch.zeros(d, d, dtype=dtype) if Q is None else Q.clone().to(dtype))

    @property
    def d(self) -> int:
        return self.Q.shape[0]

    def patches(self, b: Batch) -> torch.Tensor:
        """(n, P, d) clean patches X_p = z_{a(p)} v_{f(p)}."""
        return b.zq.to(self.V.dtype)[..., None] * self.V.T[b.feat_idx]

    def forward(self, b: Batch) -> Forward:
        X = self.patches(b)                                                         # (n, P, d)
        Xt = X * (~b.mask).to(X.dtype)[..., None]                                   # masked -> 0
        H = Xt + self.E.T[None]                                                     # + e_p
        n, m = b.masked_idx.shape
        Hq = H.gather(1, b.masked_idx[..., None].expand(n, m, self.d))              # (n, m, d)
        logits = Hq @ self.Q @ H.transpose(1, 2)                                    # (n, m, P)
        attn = torch.softmax(logits, dim=-1)
        F = attn @ Xt                                                               # (n, m, d)
        Xq = X.gather(1, b.masked_idx[..., None].expand(n, m, self.d))
        loss_q = 0.5 * ((Xq - F) ** 2).sum(-1)                                      # (n, m)
        A = attn @ unmasked_area_onehot(self.dist, b, attn.dtype)
        own = b.area_idx.gather(1, b.masked_idx)
        return Forward(attn, A, own, loss_q, loss_q.sum(1).mean())

    # -- the change of coordinates ---------------------------------------------------------
    def correlations(self, Q: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(Phi, Ups) = (E^T Q V, E^T Q E): Definition 3.1 read off a d x d matrix."""
        Q = self.Q if Q is None else Q
        return self.E.T @ Q @ self.V, self.E.T @ Q @ self.E

    def set_from_correlations(self, Phi: torch.Tensor, Ups: torch.Tensor) -> None:
        """Q = E Phi V^T + E Ups E^T: the d x d matrix with exactly these correlations."""
        with torch.no_grad():
            self.Q.copy_(self.E @ Phi.to(self.E.dtype) @ self.V.T + self.E @ Ups.to(self.E.dtype) @ self.E.T)
