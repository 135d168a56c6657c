"""The closed-form step as of commit 600db43 (``fast_v1``), kept only so that
``bench_mim.py`` can time it side by side with ``models/fastmim.py``; not used by any claim.

Analytic, vectorised loss and gradient of the reduced model (an opt-in fast path).

Same objective as :class:`models.attention.ReducedMIM` (eq. 3.2 logits, loss (2.8) summed
over masked patches and averaged over images), with the gradient written out instead of
taken by autograd. Per masked query ``p`` of image ``i`` (``fpc`` Lemmas 5.1, 5.2), with
``G_a = dL/dA_a = z_a^2 (A_a - 1{a=j}) / n`` and ``s = sum_a G_a A_a``:

* ``dL/dPhi_{p->v_{k,a}} = z_a A_a (G_a - s)``   (Lemma 5.1: ``-z_a A_a D_a / n``)
* ``dL/dUps_{p->q} = attn_{p->q} (G_{a(q)} 1{q unmasked} - s)``   (Lemma 5.2)

Two forms, equal to round-off:

* ``"logits"``: the softmax of the (n, m, P) logits, as in ReducedMIM.
* ``"exp"``: factor each unnormalised weight as ``exp(Ups_{pq}) * exp(z_a Phi_{p,a})`` and
  sum ``E = exp(Ups)`` (P x P, once per step) over the keys of each class (area a if
  unmasked, "masked" otherwise) with one sparse (n*(N+1), P) one-hot times dense (P, P)
  product; the backward pass is the transposed product. Nothing of size (n, m, P) is
  formed; the per-query work is on (n, N+1, m) tensors, class-major. It is used when the
  logits' spread keeps ``exp`` in range (checked every step: 40 in float32, 400 in
  float64); otherwise the ``"logits"`` form runs.

``FastReducedMIM(dist).loss_and_grad(prep)`` returns ``(loss, dPhi, dUps)`` for a batch
prepared once with :meth:`prepare` (full-batch GD reuses it every step).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import torch

from models.attention import ReducedMIM
from models.data import Batch, Distribution
from models.errors import InvalidParameter

FORMS = ("auto", "exp", "logits")


@dataclass
class Prepared:
    """Index tensors of one batch, built once. m = masked patches per image, N = areas."""

    mi: torch.Tensor        # (n, m)     masked positions
    cls: torch.Tensor       # (n, P)     key class: area index if unmasked, N if masked
    onehot: torch.Tensor    # (n, P, N+1) one-hot of cls (model dtype)
    w_cp: torch.Tensor      # sparse CSR (n*(N+1), P): [(i, c), q] = 1{cls[i, q] = c}
    w_pc: torch.Tensor      # sparse CSR (P, n*(N+1)): its transpose
    amp: torch.Tensor       # (n, P)     z of key q if unmasked, else 0
    feat: torch.Tensor      # (n, P)     global feature index of key q
    z: torch.Tensor         # (n, N)     amplitudes z_a
    target: torch.Tensor    # (n, m, N)  one-hot of the query's own area j
    phi_idx: torch.Tensor   # (n, m, N)  flat index p * Nf + f(k, a) into Phi
    n: int
    # class-major copies for the "exp" form
    mi_t: torch.Tensor      # (n, N+1, m) masked positions, expanded over classes
    phi_idx_t: torch.Tensor  # (n, N, m)
    target_t: torch.Tensor  # (n, N, m)
    z_t: torch.Tensor       # (n, N, 1)
    zz_t: torch.Tensor      # (n, N, 1) z_a^2
    phi_row: torch.Tensor   # (n*m,) row p * K + k of Phi viewed as (P*K, N)


class FastReducedMIM(ReducedMIM):
    """:class:`ReducedMIM` (same parameters, same autograd ``forward``) plus
    :meth:`loss_and_grad` in closed form."""

    def __init__(self, dist: Distribution, dtype=torch.float32, device="cpu", form: str = "auto"):
        if form not in FORMS:
            raise InvalidParameter("form", form, f"must be one of {FORMS}")
        super().__init__(dist, dtype=dtype, device=device)
        self.form = form
        # exp() of a spread larger than this could overflow or lose all of a row
        self._max_spread = 40.0 if dtype in (torch.float32, torch.float16, torch.bfloat16) else 400.0

    def prepare(self, b: Batch) -> Prepared:
        dt, dev = self.Phi.dtype, self.Phi.device
        N, Nf = self.dist.N, self.dist.n_features
        b = b.to(device=dev)
        n, m = b.masked_idx.shape
        cls = torch.where(b.mask, torch.full_like(b.area_idx, N), b.area_idx)        # (n, P)
        onehot = torch.nn.functional.one_hot(cls, N + 1).to(dt)                      # (n, P, N+1)
        amp = (b.zq * (~b.mask)).to(dt)                                              # (n, P)
        own = b.area_idx.gather(1, b.masked_idx)                                     # (n, m)
        target = torch.nn.functional.one_hot(own, N).to(dt)                          # (n, m, N)
        off = self.dist.feat_offset.to(dev)[b.cluster]                               # (n,)
        areas = torch.arange(N, device=dev)
        phi_idx = b.masked_idx[..., None] * Nf + (off[:, None, None] + areas)        # (n, m, N)
        w = onehot.permute(0, 2, 1).reshape(n * (N + 1), -1)                          # (n*(N+1), P)
        with warnings.catch_warnings():  # "sparse CSR support is in beta"
            warnings.simplefilter("ignore", UserWarning)
            w_cp, w_pc = w.to_sparse_csr(), w.T.contiguous().to_sparse_csr()
        z = b.z.to(dt)
        return Prepared(b.masked_idx, cls, onehot, w_cp, w_pc, amp, b.feat_idx, z, target, phi_idx, n,
                        b.masked_idx[:, None, :].expand(n, N + 1, m).contiguous(),
                        phi_idx.transpose(1, 2).contiguous(), target.transpose(1, 2).contiguous(),
                        z[..., None], z[..., None] ** 2,
                        (b.masked_idx * self.dist.K + b.cluster[:, None]).reshape(-1))

    # ------------------------------------------------------------------------- forward
    def _loss_and_grad_exp(self, pr: Prepared):
        """The "exp" form, class-major (n, C, m) layout; None when exp() is unsafe."""
        Ups, Phi = self.Ups.detach(), self.Phi.detach()
        N, P, n = self.dist.N, self.dist.P, pr.n
        hi = Ups.amax(1, keepdim=True)                                               # (P, 1)
        zphi = pr.z_t * Phi.take(pr.phi_idx_t)                                       # (n, N, m)
        zlo, zhi = torch.aminmax(zphi)
        # spread of the logits of one row (bounded above by the global minimum of Ups)
        if max(float(hi.max() - Ups.min()), 2 * float(max(-zlo, zhi))) > self._max_spread:
            return None
        Et = (Ups - hi).T.contiguous().exp_()                                        # (P, P): E^T
        T = (pr.w_cp @ Et).view(n, N + 1, P)                     # [i, c, p] = sum_{q in c} E[p, q]
        u = T.gather(2, pr.mi_t)                                                     # (n, N+1, m)
        w = zphi.exp_()                                                              # exp(z_a Phi_{p,a})
        u[:, :N] *= w                                                                # unnormalised A
        Z = u.sum(1, keepdim=True)                                                   # (n, 1, m)
        A = u[:, :N] / Z                                                             # (3.1)
        diff = A - pr.target_t
        G = diff * pr.zz_t / n                                                       # dL/dA
        loss = 0.5 * (G * diff).sum()                                                # (2.8)
        r = torch.empty_like(u)                                                      # dL/du, (n, N+1, m)
        s = torch.sum(G * A, 1, keepdim=True, out=r[:, N:])                          # (n, 1, m)
        torch.sub(G, s, out=r[:, :N])
        r[:, N:].neg_()
        r.div_(Z)
        dPhi = torch.zeros(P * self.dist.K, N, dtype=A.dtype, device=A.device)      # rows (p, k)
        dPhi.index_add_(0, pr.phi_row, (r[:, :N] * u[:, :N]).mul_(pr.z_t).transpose(1, 2).reshape(-1, N))
        r[:, :N] *= w                                                                # dL/dS
        D = torch.zeros(n, N + 1, P, dtype=A.dtype, device=A.device).scatter_(2, pr.mi_t, r)
        dEt = pr.w_pc @ D.view(n * (N + 1), P)                                       # (P, P): dL/dE^T
        return loss, dPhi.view(P, -1), dEt.mul_(Et).T.contiguous()

    def loss_and_grad(self, pr: Prepared, form: str | None = None):
        """(loss, dL/dPhi (P, Nf), dL/dUps (P, P)), all detached."""
        form = form or self.form
        out = self._loss_and_grad_exp(pr) if form in ("auto", "exp") else None
        if out is None and form == "exp":
            raise InvalidParameter("form", "exp", "the logits' spread is too large for exp()",
                                   "use form='auto' or 'logits'")
        return out if out is not None else self._loss_and_grad_logits(pr)

    def _loss_and_grad_logits(self, pr: Prepared):
        Ups, Phi = self.Ups.detach(), self.Phi.detach()
        N, P, n = self.dist.N, self.dist.P, pr.n
        logits = Ups[pr.mi]                                                          # (n, m, P)
        logits.addcmul_(pr.amp[:, None, :], Phi[pr.mi[..., None], pr.feat[:, None, :]])
        attn = torch.softmax(logits, -1)                                             # eq. (3.2)
        A = torch.bmm(attn, pr.onehot)[..., :N]                                      # (n, m, N), (3.1)
        zz = pr.z[:, None, :] ** 2
        loss = 0.5 * (zz * (pr.target - A) ** 2).sum((1, 2)).mean()
        G = zz * (A - pr.target) / n
        s = (G * A).sum(-1, keepdim=True)
        Gk = torch.bmm(torch.cat([G, torch.zeros_like(s)], -1), pr.onehot.transpose(1, 2))  # (n, m, P)
        dlogit = attn.mul_(Gk.sub_(s))                                               # Lemma 5.2
        dUps = torch.zeros(P, P, dtype=A.dtype, device=A.device).index_add_(0, pr.mi.reshape(-1),
                                                                            dlogit.reshape(-1, P))
        dPhi = torch.zeros(P * self.dist.n_features, dtype=A.dtype, device=A.device)
        dPhi.index_add_(0, pr.phi_idx.reshape(-1), (pr.z[:, None, :] * A * (G - s)).reshape(-1))  # Lemma 5.1
        return loss, dPhi.view(P, -1), dUps

    def grad_fn(self, pr: Prepared):
        """``() -> (loss, (dPhi, dUps))`` for ``models.train.gradient_descent(grad_fn=...)``
        with params ``[self.Phi, self.Ups]``."""
        def fn():
            loss, gP, gU = self.loss_and_grad(pr)
            return loss, (gP, gU)
        return fn

    def step(self, pr: Prepared, lr: float) -> float:
        """One GD step in place; returns the loss before it."""
        loss, gP, gU = self.loss_and_grad(pr)
        with torch.no_grad():
            self.Phi.sub_(lr * gP)
            self.Ups.sub_(lr * gU)
        return float(loss)
