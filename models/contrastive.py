"""Contrastive learning (CL) on the one-layer softmax model of Assumption 2.4 (``ssl``, the
instantiation of SPEC section 2): two views of one image by independent random masking
(Def 2.5), the attention output of *every* query mean-pooled into one representation, and
InfoNCE across a batch (or the spectral contrastive loss of HaoChen et al. 2021).

Unmasked queries carry their feature, so every block of ``Q`` in the orthonormal basis of
features and positions enters the logits. With ``u_p = z_{a(p)} 1{p unmasked}`` and
``f(p)`` the feature of position p, the logit of query p to key q is

    u_p u_q FF[f(p), f(q)] + u_p FE[f(p), q] + u_q Phi[p, f(q)] + Ups[p, q]

with FF = V^T Q V (feature-feature), FE = V^T Q E (feature-position), Phi = E^T Q V (FP,
Def 3.1) and Ups = E^T Q E (PP). The output F_p = sum_q attn_{p->q} X~_q lies in the span of
the features, so the representation is exact in feature coordinates (Nf = sum_k N_k).
:class:`FullCL` is the explicit d-dimensional model, :class:`ReducedCL` the exact reduction.
"""
from __future__ import annotations

import functools

import torch

from .data import Batch, Distribution
from .errors import InvalidParameter

LOSSES = ("infonce", "spectral")
POOLS = ("all", "unmasked")
SIMILARITIES = ("cosine", "dot")


class CLForward:
    """attn (n, P, P) of every query; rep (n, D) pooled representation (feature coordinates for
    ReducedCL); A (n, P, N) area attention to unmasked keys (3.1), computed when first read (a
    training step reads only ``rep``)."""

    def __init__(self, attn: torch.Tensor, rep: torch.Tensor, dist: Distribution, b: Batch):
        self.attn, self.rep = attn, rep
        self._dist, self._b = dist, b

    @functools.cached_property
    def A(self) -> torch.Tensor:
        return _area_attention(self._dist, self._b, self.attn)


def two_views(dist: Distribution, n: int, g: torch.Generator) -> tuple[Batch, Batch]:
    """n images, each under two independent uniformly random masks."""
    b1 = dist.sample(n, g)
    mask2, _ = dist.sample_masks(n, g)
    return b1, dist.with_masks(b1, mask2)


def _pool(F: torch.Tensor, b: Batch, pool: str) -> torch.Tensor:
    """(n, P, D) outputs -> (n, D): mean over all queries or over unmasked queries."""
    if pool == "all":
        return F.mean(1)
    w = (~b.mask).to(F.dtype)[..., None]                                  # (n, P, 1)
    return (F * w).sum(1) / w.sum(1)


def _area_attention(dist: Distribution, b: Batch, attn: torch.Tensor) -> torch.Tensor:
    W = torch.nn.functional.one_hot(b.area_idx, dist.N).to(attn.dtype)  # (n, P, N)
    return attn @ (W * (~b.mask).to(attn.dtype)[..., None])              # (n, P, N)


class ReducedCL(torch.nn.Module):
    """The CL model on the four blocks of Q in the feature+position basis; zero init."""

    def __init__(self, dist: Distribution, dtype=torch.float32, device="cpu", pool: str = "all"):
        super().__init__()
        if pool not in POOLS:
            raise InvalidParameter("pool", pool, f"must be one of {POOLS}")
        self.dist, self.pool = dist, pool
        P, Nf = dist.P, dist.n_features
        z = lambda *s: torch.nn.Parameter(torch.zeros(*s, dtype=dtype, device=device))  # noqa: E731
        self.FF, self.FE, self.Phi, self.Ups = z(Nf, Nf), z(Nf, P), z(P, Nf), z(P, P)

    def inputs(self, b: Batch) -> torch.Tensor:
        """(n, P, Nf) masked patches in feature coordinates: row p = u_p e_{f(p)}."""
        dt = self.Phi.dtype
        u = b.zq.to(dt) * (~b.mask).to(dt)                                  # (n, P)
        return u[..., None] * torch.nn.functional.one_hot(b.feat_idx, self.dist.n_features).to(dt)

    def logits(self, b: Batch, Xt: torch.Tensor | None = None) -> torch.Tensor:
        """(n, P, P) logits of every query to every key, as matmuls in the basis:
        u_p u_q FF[f(p), f(q)] + u_p FE[f(p), q] + u_q Phi[p, f(q)] + Ups[p, q]. Every pass over an
        (n, P, P) tensor is memory-bound at the full profile's sizes, so the result is written by two
        fused products (gathering rows and columns of the blocks gives the same numbers but takes
        more passes, and was slower)."""
        Xt = self.inputs(b) if Xt is None else Xt                          # (n, P, Nf)
        XtT = Xt.transpose(1, 2)                                            # (n, Nf, P)
        n, P, Nf = Xt.shape
        # two batched products that write the (n, P, P) result: Ups + Phi XtT, then + Xt (FF XtT + FE)
        pos = torch.baddbmm(self.Ups.expand(n, P, P), self.Phi.expand(n, P, Nf), XtT)
        return torch.baddbmm(pos, Xt, self.FF @ XtT + self.FE)

    def forward(self, b: Batch) -> CLForward:
        dt = self.Phi.dtype
        Xt = self.inputs(b)                                                 # (n, P, Nf)
        attn = torch.softmax(self.logits(b, Xt), dim=-1)                   # (n, P, P)
        # the pooled output sum_p w_p F_p = sum_q (sum_p w_p attn_{p->q}) u_q e_{f(q)}
        if self.pool == "all":
            key_w = attn.mean(1)                                            # (n, P)
        else:
            w = (~b.mask).to(dt)
            key_w = (w[:, None, :] @ attn)[:, 0] / w.sum(1, keepdim=True)
        rep = (key_w[:, None, :] @ Xt)[:, 0]                                # (n, Nf)
        return CLForward(attn, rep, self.dist, b)

    def blocks(self) -> dict[str, torch.Tensor]:
        return {"FF": self.FF, "FE": self.FE, "Phi": self.Phi, "Ups": self.Ups}


class FullCL(torch.nn.Module):
    """The d-dimensional CL model: explicit patches, encodings and Q (d x d). ``basis``
    columns: features v_f (cluster-major) then positions e_p; d may exceed Nf + P."""

    def __init__(self, dist: Distribution, d: int | None = None, dtype=torch.float64,
                 generator: torch.Generator | None = None, pool: str = "all"):
        super().__init__()
        if pool not in POOLS:
            raise InvalidParameter("pool", pool, f"must be one of {POOLS}")
        self.dist, self.pool = dist, pool
        need = dist.n_features + dist.P
        d = d or need
        if d < need:
            raise InvalidParameter("d", d, f"need d >= sum_k N_k + P = {need} orthonormal vectors")
        basis, _ = torch.linalg.qr(torch.randn(d, d, generator=generator, dtype=torch.float64))
        self.register_buffer("V", basis[:, : dist.n_features].to(dtype))    # (d, Nf)
        self.register_buffer("E", basis[:, dist.n_features: need].to(dtype))  # (d, P)
        self.Q = torch.nn.Parameter(torch.zeros(d, d, dtype=dtype))

    def forward(self, b: Batch) -> CLForward:
        dt = self.V.dtype
        X = b.zq.to(dt)[..., None] * self.V.T[b.feat_idx]                  # (n, P, d)
        Xt = X * (~b.mask).to(dt)[..., None]
        H = Xt + self.E.T[None]                                            # (n, P, d)
        attn = torch.softmax(H @ self.Q @ H.transpose(1, 2), dim=-1)       # (n, P, P)
        F = attn @ Xt                                                      # (n, P, d)
        return CLForward(attn, _pool(F, b, self.pool), self.dist, b)

    def blocks(self, Q: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """The four blocks of Q (or of a gradient) in the feature+position basis."""
        Q = self.Q if Q is None else Q
        V, E = self.V, self.E
        return {"FF": V.T @ Q @ V, "FE": V.T @ Q @ E, "Phi": E.T @ Q @ V, "Ups": E.T @ Q @ E}


# ----------------------------------------------------------------------------- losses
def info_nce(r1: torch.Tensor, r2: torch.Tensor, tau: float = 0.1, similarity: str = "cosine") -> torch.Tensor:
    """Symmetric InfoNCE: (n, D), (n, D) -> (); positives on the diagonal of the (n, n)
    similarity matrix, the other images of the batch are negatives. ``similarity`` is
    "cosine" (SimCLR, MoCo v3: normalised representations) or "dot" (CPC: raw inner product)."""
    if not tau > 0:
        raise InvalidParameter("tau", tau, "the temperature must be positive")
    if similarity not in SIMILARITIES:
        raise InvalidParameter("similarity", similarity, f"must be one of {SIMILARITIES}")
    a, b = r1, r2
    if similarity == "cosine":
        a = torch.nn.functional.normalize(r1, dim=-1)
        b = torch.nn.functional.normalize(r2, dim=-1)
    S = a @ b.T / tau                                                      # (n, n)
    y = torch.arange(S.shape[0], device=S.device)
    ce = torch.nn.functional.cross_entropy
    return 0.5 * (ce(S, y) + ce(S.T, y))


def spectral_cl(r1: torch.Tensor, r2: torch.Tensor) -> torch.Tensor:
    """Spectral contrastive loss (HaoChen et al. 2021, eq. (5)):
    -2 E[r1_i . r2_i] + E_{i != j}[(r1_i . r2_j)^2]."""
    n = r1.shape[0]
    if n < 2:
        raise InvalidParameter("n", n, "the spectral loss needs at least 2 images for negatives")
    S = r1 @ r2.T                                                          # (n, n)
    off = ~torch.eye(n, dtype=torch.bool, device=S.device)
    return -2 * S.diagonal().mean() + (S[off] ** 2).mean()


def cl_loss(r1: torch.Tensor, r2: torch.Tensor, loss: str = "infonce", tau: float = 0.1,
            similarity: str = "cosine") -> torch.Tensor:
    if loss == "infonce":
        return info_nce(r1, r2, tau, similarity)
    if loss == "spectral":
        return spectral_cl(r1, r2)
    raise InvalidParameter("loss", loss, f"must be one of {LOSSES}")
