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
        self.use_kernel = True              # loss_and_grads: the fused CPU loops where they build

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

    def pool_weights(self, b: Batch) -> torch.Tensor:
        """(n, P) weight of each query in the pooled representation (rows sum to 1)."""
        dt = self.Phi.dtype
        if self.pool == "all":
            return torch.full(b.mask.shape, 1.0 / self.dist.P, dtype=dt, device=b.mask.device)
        w = (~b.mask).to(dt)
        return w / w.sum(1, keepdim=True)

    def _kernel(self):
        """The fused CPU loops (models/_clkernel.py) when they apply, else None."""
        if not self.use_kernel or self.Phi.device.type != "cpu" or self.Phi.dtype not in _SUFFIX:
            return None
        from . import _clkernel
        return _clkernel.load()

    def loss_and_grads(self, b1: Batch, b2: Batch, loss: str = "infonce", tau: float = 0.1,
                       similarity: str = "cosine") -> tuple[torch.Tensor, list[torch.Tensor]]:
        """``cl_loss`` of the two views' representations and its gradients with respect to the
        blocks (in the order of :meth:`blocks`), for ``models.train.gradient_descent(grad_fn=...)``.

        On the CPU the softmax and its backward pass run in the fused loops of
        ``models/_clkernel.py`` (see there), chunk by chunk of images; autograd differentiates
        only the loss of the (n, Nf) representations. Equal to autograd on :meth:`forward` to
        round-off (tests); where the loops do not apply (no compiler, ``use_kernel`` False, not on
        the CPU) it is autograd."""
        lib = self._kernel()
        if lib is None:
            value = cl_loss(self(b1).rep, self(b2).rep, loss, tau, similarity)
            return value.detach(), list(torch.autograd.grad(value, list(self.blocks().values())))
        d, dt = self.dist, self.Phi.dtype
        P, K, Nf = d.P, d.K, d.n_features
        for name, b in (("b1", b1), ("b2", b2)):        # the C loops index with these: check them first
            if b.mask.device.type != "cpu" or b.mask.shape[1:] != (P,):
                raise InvalidParameter(name, f"a batch of shape {tuple(b.mask.shape)} on {b.mask.device}",
                                       f"must hold images of this model's P = {P} patches, on the CPU")
            if b.n and not 0 <= int(b.cluster.min()) <= int(b.cluster.max()) < K:
                raise InvalidParameter(name, f"clusters {int(b.cluster.min())}..{int(b.cluster.max())}",
                                       f"must be in 0..{K - 1}: a batch of this model's distribution")
        suf = _SUFFIX[dt]
        logits_fn, forward_fn, backward_fn = (getattr(lib, f"cl_{x}_{suf}") for x in ("logits", "forward", "backward"))
        c = max(1, _CHUNK_BYTES // (P * P * self.Phi.element_size()))
        buf = torch.empty(min(c, max(b1.n, b2.n)), P, P, dtype=dt)
        g = torch.empty(P, dtype=dt)
        ptr = lambda t: t.data_ptr()  # noqa: E731
        with torch.no_grad():
            S = d.feat_offset[:, None] + d.area                             # (K, P): f_k(q)
            Ups = self.Ups.detach().contiguous()
            A = self.Phi.detach().T[S].transpose(1, 2).contiguous()          # A_k[p, q] = Phi[p, f_k(q)]
            B = self.FE.detach()[S].contiguous()                             # B_k[p, q] = FE[f_k(p), q]
            C = self.FF.detach()[S[:, :, None], S[:, None, :]].contiguous()  # C_k[p, q] = FF[f_k(p), f_k(q)]

            def chunks(b, u):
                cl = b.cluster.to(torch.int64).contiguous()
                for s in range(0, b.n, c):
                    L = buf[: min(c, b.n - s)]
                    logits_fn(P, L.shape[0], ptr(Ups), ptr(A), ptr(B), ptr(C), ptr(cl[s:]), ptr(u[s:]), ptr(L))
                    yield s, L.exp_(), cl

            views = []
            for b in (b1, b2):
                u = (b.zq.to(dt) * (~b.mask).to(dt)).contiguous()
                w = self.pool_weights(b).contiguous()
                kw = torch.empty(b.n, P, dtype=dt)
                for s, E, _ in chunks(b, u):
                    forward_fn(P, E.shape[0], ptr(E), ptr(w[s:]), ptr(kw[s:]))
                rep = torch.zeros(b.n, Nf, dtype=dt).scatter_add_(1, b.feat_idx, kw * u)
                views.append((b, u, w, rep))
        r1, r2 = views[0][3].requires_grad_(), views[1][3].requires_grad_()
        value = cl_loss(r1, r2, loss, tau, similarity)
        grads = torch.autograd.grad(value, (r1, r2))
        with torch.no_grad():
            dUps = torch.zeros(P, P, dtype=dt)
            dA, dB, dC = (torch.zeros(K, P, P, dtype=dt) for _ in range(3))
            for (b, u, w, _), gr in zip(views, grads):
                dkw = (gr.gather(1, b.feat_idx) * u).contiguous()             # dL/dkw[q] = u_q dL/drep[f(q)]
                for s, E, cl in chunks(b, u):
                    backward_fn(P, E.shape[0], ptr(E), ptr(cl[s:]), ptr(u[s:]), ptr(w[s:]), ptr(dkw[s:]),
                                ptr(dUps), ptr(dA), ptr(dB), ptr(dC), ptr(g))
            # back from the cluster matrices to the blocks: sums over the positions of each feature
            f = S.reshape(-1)
            dPhi = torch.zeros(Nf, P, dtype=dt).index_add_(0, f, dA.transpose(1, 2).reshape(K * P, P)).T
            dFE = torch.zeros(Nf, P, dtype=dt).index_add_(0, f, dB.reshape(K * P, P))
            rows = torch.zeros(K, Nf, P, dtype=dt).scatter_add_(1, S[:, :, None].expand(K, P, P), dC)
            dFF = torch.zeros(Nf, Nf, dtype=dt).index_add_(1, f, rows.transpose(0, 1).reshape(Nf, K * P))
        return value.detach(), [dFF, dFE, dPhi.contiguous(), dUps]


_SUFFIX = {torch.float32: "f32", torch.float64: "f64"}
_CHUNK_BYTES = 1 << 19        # one chunk's logits: half a MiB, in the cache with the (P, P) matrices


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
