"""Analytic, vectorised loss and gradient of the reduced model (the step the fpc training runs take).

Same objective as :class:`models.attention.ReducedMIM` (eq. 3.2 logits, loss (2.8) summed
over masked patches and averaged over images), with the gradient written out instead of
taken by autograd. Per masked query ``p`` of image ``i`` (``fpc`` Lemmas 5.1, 5.2), with
``G_a = dL/dA_a = z_a^2 (A_a - 1{a=j}) / n`` and ``s = sum_a G_a A_a``:

* ``dL/dPhi_{p->v_{k,a}} = z_a A_a (G_a - s)``   (Lemma 5.1: ``-z_a A_a D_a / n``)
* ``dL/dUps_{p->q} = attn_{p->q} (G_{a(q)} 1{q unmasked} - s)``   (Lemma 5.2)

Two forms, equal to round-off:

* ``"exp"``: factor each unnormalised weight as ``exp(Ups_{pq}) * exp(z_a Phi_{p,a})``. With
  ``E^T = exp(Ups - rowmax)^T`` (P x P, once per step), the sum of ``E`` over the unmasked keys
  of area ``a`` of image ``i`` is one sparse one-hot ``W`` (rows (a, i), nnz = unmasked keys) times
  ``E^T``, and over the masked keys one dense ``(n, P) x (P, P)`` product; both are read at the
  masked queries only. The backward pass is the transposed products. Nothing of size
  ``(n, m, P)`` is formed: the per-query work is on ``(N, c, m)`` tensors, class dimension first,
  for chunks of ``c`` images whose work buffers are allocated once per prepared batch (shape,
  device, dtype) and reused every step (no fresh memory, hence no page faults, per step).
  Indices are small: ``(c, m)`` masked positions broadcast over classes (stride-0 views), and
  ``Phi`` is read through its small class-major transpose ``(N, K*P)``.
  Each row of ``E`` is scaled by its own maximum; the form is used while the area weights
  ``exp(z_a Phi)`` stay in range, ``2 max |z_a Phi| <= 40`` in float32 (400 in float64), checked
  every step on the CPU and every ``guard_every`` steps elsewhere (see
  :attr:`FastReducedMIM.guard_every`); otherwise the ``"logits"`` form runs. On the CPU the
  per-query middle of a chunk (everything between the sparse products but ``exp``) runs as one
  fused C loop (``models/_fastkernel.py``) where a C compiler is available.
* ``"logits"``: the softmax of the (c, m, P) logits of a chunk of images, as in ReducedMIM.

``FastReducedMIM(dist).loss_and_grad(prep)`` returns ``(loss, dPhi, dUps)`` for a batch
prepared once with :meth:`prepare` (full-batch GD reuses it every step); :meth:`query_stats`
gives the per-query loss and own-area attention of a prepared batch (forward only, chunked).
On CUDA the step's float32 matmuls run in full float32 (TF32 off), whatever the global flag.
"""
from __future__ import annotations

import contextlib
import ctypes
import warnings
from dataclasses import dataclass, field

import torch

from .attention import ReducedMIM
from .data import Batch, Distribution
from .errors import InvalidParameter

FORMS = ("auto", "exp", "logits")
CHUNK_BYTES = {"cpu": 4 * 2 ** 20, "cuda": 512 * 2 ** 20}   # target size of one (N, c, P) buffer


@contextlib.contextmanager
def full_float32(device):
    """TF32 off for float32 matmuls on CUDA inside the block (results compared at 1e-3 must not
    carry TF32's 10-bit mantissa); a no-op elsewhere."""
    if torch.device(device).type != "cuda":
        yield
        return
    old = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = old


@dataclass
class Chunk:
    """Images ``i0:i1`` (c of them) of a prepared batch; class-first (a, i) row order."""

    i0: int
    i1: int
    W: torch.Tensor        # sparse CSR (N*c, P): [a*c + i, q] = 1{q unmasked, area_i(q) = a}
    WT: torch.Tensor       # sparse CSR (P, N*c): its transpose
    mi: torch.Tensor       # (c, m)     masked positions
    mi_b: torch.Tensor     # (N, c, m)  mi broadcast over classes (stride-0 view)
    col: torch.Tensor      # (c*m,)     k_i * P + mi_ij: column of Phi's (N, K*P) transpose
    z: torch.Tensor        # (N, c, 1)  z_a
    zn: torch.Tensor       # (N, c, 1)  z_a / n
    own: torch.Tensor      # (1, c, m)  own area j of each masked query
    zzo: torch.Tensor      # (1, c, m)  -z_j^2 / n (the 1{a=j} term of G)
    zc: torch.Tensor       # (c, N)     z, image-major (for the fused CPU loop)
    kP: torch.Tensor       # (c,)       k_i * P
    crow: torch.Tensor | None = None   # W's CSR row pointers and column indices (fused CPU loop)
    colq: torch.Tensor | None = None

    @property
    def c(self) -> int:
        return self.i1 - self.i0


@dataclass
class Prepared:
    """A batch made ready for the closed-form step: chunks, and the batch itself (device)."""

    b: Batch               # the batch on the model's device (model dtype)
    maskf: torch.Tensor    # (n, P) 1 at masked keys (the masked-key class: dense products)
    n: int
    m: int
    chunks: list
    zmax: float            # max z over the batch (bounds |z_a Phi| for the exp guard)
    ws: dict = field(default_factory=dict, repr=False)   # work buffers, allocated on first use


class FastReducedMIM(ReducedMIM):
    """:class:`ReducedMIM` (same parameters, same autograd ``forward``) plus
    :meth:`loss_and_grad` in closed form."""

    def __init__(self, dist: Distribution, dtype=torch.float32, device="cpu", form: str = "auto",
                 chunk_bytes: int | None = None):
        if form not in FORMS:
            raise InvalidParameter("form", form, f"must be one of {FORMS}")
        super().__init__(dist, dtype=dtype, device=device)
        # Ups stored column-major (a transposed view of a contiguous P x P buffer): the step works
        # on E^T and dL/dUps^T, which are then contiguous, and the GD update is a contiguous pass
        self.Ups = torch.nn.Parameter(self.Ups.detach().T.contiguous().T)
        self.form = form
        # bound on 2 max |z_a Phi| for the exp form (see _spread_ok)
        self._max_spread = 40.0 if dtype in (torch.float32, torch.float16, torch.bfloat16) else 400.0
        dev = torch.device(device).type
        self.chunk_bytes = chunk_bytes or CHUNK_BYTES.get(dev, CHUNK_BYTES["cuda"])
        # how often the exp form's range guard is read on the host: every step on the CPU (free);
        # on a GPU every 16 steps against half the limit, so that no step syncs; a step past the
        # full limit between two reads poisons its loss with NaN, which the trainer reports
        self.guard_every = 1 if dev == "cpu" else 16
        self._calls = 0
        self._exp_allowed = True
        self.use_kernel = True              # the fused CPU loop (models/_fastkernel.py) where it builds

    # ------------------------------------------------------------------------- preparation
    def chunk_size(self, m: int) -> int:
        item = torch.empty((), dtype=self.Phi.dtype).element_size()
        return max(1, int(self.chunk_bytes // (self.dist.N * self.dist.P * item)))

    def prepare(self, b: Batch, chunk: int | None = None) -> Prepared:
        dt, dev = self.Phi.dtype, self.Phi.device
        n, m = b.masked_idx.shape
        c_max = chunk or self.chunk_size(m)
        bc = b.to(device="cpu")
        chunks = []
        for i0 in range(0, n, c_max):
            i1 = min(n, i0 + c_max)
            chunks.append(self._chunk(bc, i0, i1, n, dt, dev))
        return Prepared(b.to(device=dev, dtype=dt), b.mask.to(dt).to(dev), n, m, chunks, float(b.z.max()))

    def _chunk(self, b: Batch, i0: int, i1: int, n: int, dt, dev) -> Chunk:
        N, P = self.dist.N, self.dist.P
        c = i1 - i0
        # int64 and contiguous whatever the batch holds: the fused C loop reads them as int64 arrays
        mask, area, mi = b.mask[i0:i1], b.area_idx[i0:i1].long(), b.masked_idx[i0:i1].long().contiguous()
        m = mi.shape[1]
        ii, qq = (~mask).nonzero(as_tuple=True)                       # unmasked (image, key) pairs
        rows = area[ii, qq] * c + ii                                   # class-first row a*c + i
        W = _csr(rows, qq, N * c, P, dt)
        WT = _csr(qq, rows, P, N * c, dt)
        z = b.z[i0:i1].to(dt).T.contiguous()[..., None]                # (N, c, 1)
        own = area.gather(1, mi)                                       # (c, m)
        zown = b.z[i0:i1].gather(1, own).to(dt)
        col = (b.cluster[i0:i1, None] * P + mi).reshape(-1)
        to = dict(device=dev)
        mi_d = mi.to(**to)
        return Chunk(i0, i1, W.to(**to), WT.to(**to), mi_d,
                     mi_d[None].expand(N, c, m), col.to(**to), z.to(**to), (z / n).to(**to),
                     own[None].to(**to), (-zown ** 2 / n)[None].to(**to),
                     b.z[i0:i1].to(dt).contiguous().to(**to), (b.cluster[i0:i1].long() * P).contiguous().to(**to))

    def _alloc(self, pr: Prepared):
        """(largest chunk, the model's dtype/device, an ``empty`` with them) for work buffers."""
        kw = dict(dtype=self.Phi.dtype, device=self.Phi.device)
        return max(ch.c for ch in pr.chunks), kw, lambda *s: torch.empty(*s, **kw)

    def _work(self, pr: Prepared) -> dict:
        """Work buffers of ``pr``, allocated once and reused by every step."""
        if pr.ws:
            return pr.ws
        N, P, K, m = self.dist.N, self.dist.P, self.dist.K, pr.m
        c, kw, e = self._alloc(pr)
        pr.ws.update(Et=e(P, P), dEt=e(P, P), hi=e(P), PhiNK=e(N, K * P), dPhiNK=e(N, K * P),
                     dPhi=e(P, K * N), dUpsT=e(P, P), Tm=e(pr.n, P), Dm=torch.zeros(pr.n, P, **kw),
                     U=e(N * c * m), Wx=e(N * c * m), Z=e(c * m), loss=e(()), lq=e(m), sk=e(m))
        return pr.ws

    def _path_work(self, pr: Prepared, fused: bool) -> dict:
        """The buffers only one path needs, added on its first use: the fused loop's row buffer and
        per-area scratch, or the eager ops' (N, c, P) products and (N, c, m) terms."""
        ws = self._work(pr)
        if ("row" if fused else "T") in ws:
            return ws
        N, P, m = self.dist.N, self.dist.P, pr.m
        c, kw, e = self._alloc(pr)
        if fused:
            ws.update(row=e(P), g1=e(m), g2=e(m))
        else:
            ws.update(T=e(N * c * P), D=torch.zeros(N * c * P, **kw), D_owner=None, Az=e(N * c * m),
                      G=e(N * c * m), tmp=e(N * c * m), um=e(c * m), s=e(c * m), go=e(c * m))
        return ws

    # ------------------------------------------------------------------------- the exp form
    def _spread_ok(self, pr: Prepared, limit: float, Et: torch.Tensor | None = None) -> torch.Tensor:
        """0-dim bool on the device: ``2 max |z_a Phi| <= limit``. That is the whole condition:
        each row of E is scaled by its own maximum (no overflow, and entries that underflow are
        below exp(-87) of their row, as in the softmax of the logits), and the area weights
        exp(z_a Phi) lie in [exp(-limit/2), exp(limit/2)], so the normaliser Z >= exp(-limit/2)
        and every intermediate stays below exp(limit) (40 in float32)."""
        lo, hi = torch.aminmax(self.Phi.detach())
        return 2 * pr.zmax * torch.maximum(hi, -lo) <= limit

    def _exp_transpose(self, ws: dict) -> torch.Tensor:
        """E^T[q, p] = exp(Ups[p, q] - max_q' Ups[p, q']) into ws["Et"] (softmax is shift-invariant)."""
        UpsT = self.Ups.detach().T                      # contiguous (see __init__)
        torch.amax(UpsT, 0, out=ws["hi"])
        return torch.sub(UpsT, ws["hi"], out=ws["Et"]).exp_()

    def _exp_pass(self, pr: Prepared, backward: bool = True, stats: tuple | None = None):
        """The exp form over all chunks. Returns (loss, dPhi, dUps) (work buffers) when ``backward``;
        with ``stats = (loss_q, A_own)`` ((n, m) each) fills those instead."""
        kern = self._kernel()
        ws = self._path_work(pr, kern is not None)
        Phi = self.Phi.detach()
        N, P, K = self.dist.N, self.dist.P, self.dist.K
        m = pr.m
        Et, dEt, PhiNK, dPhiNK = ws["Et"], ws["dEt"], ws["PhiNK"], ws["dPhiNK"]
        self._exp_transpose(ws)
        PhiNK.view(N, K, P).copy_(Phi.view(P, K, N).permute(2, 1, 0))  # [a, k*P + p] = Phi[p, k*N + a]
        loss = ws["loss"].zero_()
        closs = ctypes.c_double(0.0)
        torch.mm(pr.maskf, Et, out=ws["Tm"])                              # [i, p] = sum_{q masked in i} E[p, q]
        if backward:
            dEt.zero_()
            dPhiNK.zero_()
        for ch in pr.chunks:
            c = ch.c
            w = ws["Wx"][:N * c * m].view(N, c, m)
            torch.index_select(PhiNK, 1, ch.col, out=w.view(N, c * m))   # Phi_{p -> v_{k,a}}
            w.mul_(ch.z).exp_()                                           # exp(z_a Phi)
            if kern is not None:                                          # the rest of the chunk in one loop
                self._fused(kern, ch, pr, ws, w, backward, stats, closs)
                continue
            T = ws["T"][:N * c * P].view(N * c, P)
            torch.addmm(T, ch.W, Et, beta=0, out=T)                      # [a*c+i, p] = sum_{q in U_i, area a} E[p, q]
            um = torch.gather(ws["Tm"][ch.i0:ch.i1], 1, ch.mi, out=ws["um"][:c * m].view(c, m))
            u = torch.gather(T.view(N, c, P), 2, ch.mi_b, out=ws["U"][:N * c * m].view(N, c, m))
            u.mul_(w)                                                     # unnormalised area weights
            Zi = torch.sum(u, 0, out=ws["Z"][:c * m].view(c, m)).add_(um).reciprocal_()   # 1 / Z
            A = u.mul_(Zi)                                                # (3.1), (N, c, m)
            Az = torch.mul(A, ch.z, out=ws["Az"][:N * c * m].view(N, c, m))
            G = torch.mul(Az, ch.zn, out=ws["G"][:N * c * m].view(N, c, m))
            G.scatter_add_(0, ch.own, ch.zzo)                             # G = z^2 (A - 1{a=j}) / n
            tmp = torch.mul(G, A, out=ws["tmp"][:N * c * m].view(N, c, m))
            s = torch.sum(tmp, 0, out=ws["s"][:c * m].view(c, m))        # s = sum_a G_a A_a
            if stats is not None:
                self._chunk_stats(ch, A, tmp, stats)
                continue
            go = torch.gather(G, 0, ch.own, out=ws["go"][:c * m].view(1, c, m))
            loss.add_(s.sum() - go.sum(), alpha=0.5)                      # (2.8): 1/2 sum_a G_a (A_a - 1{a=j})
            if not backward:
                continue
            G.sub_(s)                                                     # G_a - s
            torch.mul(Az, G, out=tmp)                                     # z_a A_a (G_a - s): Lemma 5.1
            dPhiNK.index_add_(1, ch.col, tmp.view(N, c * m))
            G.mul_(w).mul_(Zi)                                            # dL/dT_a = (G_a - s) w_a / Z
            D = ws["D"][:N * c * P].view(N, c, P)
            if ws["D_owner"] is not ch:                                   # zero outside this chunk's queries
                if ws["D_owner"] is not None:
                    ws["D"].zero_()
                ws["D_owner"] = ch
            D.scatter_(2, ch.mi_b, G)
            dEt.addmm_(ch.WT, D.view(N * c, P))                          # dL/dE^T, unmasked keys
            ws["Dm"][ch.i0:ch.i1].scatter_(1, ch.mi, torch.mul(s, Zi, out=um).neg_())  # dL/dT_masked = -s/Z
        if kern is not None:
            loss.fill_(closs.value)
        if not backward:
            return loss
        dEt.addmm_(pr.maskf.T, ws["Dm"])                                  # masked keys
        dUpsT = torch.mul(dEt, Et, out=ws["dUpsT"])                       # dL/dUps^T = dL/dE^T * E^T (Lemma 5.2)
        ws["dPhi"].view(P, K, N).copy_(dPhiNK.view(N, K, P).permute(2, 1, 0))
        return loss, ws["dPhi"], dUpsT.T                                  # column-major, like Ups

    def _kernel(self):
        """The fused CPU loop (models/_fastkernel.py) when it applies, else None."""
        if self.Phi.device.type != "cpu" or self.Phi.dtype not in (torch.float32, torch.float64) or not self.use_kernel:
            return None
        from . import _fastkernel
        lib = _fastkernel.load()
        if lib is None:
            return None
        return lib.chunk_f32 if self.Phi.dtype == torch.float32 else lib.chunk_f64

    def _fused(self, kern, ch: Chunk, pr: Prepared, ws: dict, w, backward: bool, stats, closs):
        """The chunk's sparse products and per-query middle in one C call (see _fastkernel)."""
        N, P, K, m, c = self.dist.N, self.dist.P, self.dist.K, pr.m, ch.c
        item = w.element_size()
        ptr = lambda t, rows=0, width=0: t.data_ptr() + rows * width * item  # noqa: E731
        mode = 1 if stats is not None else (0 if backward else 2)
        if ch.crow is None:                                                # CSR indices, read once
            ch.crow, ch.colq = ch.W.crow_indices().contiguous(), ch.W.col_indices().contiguous()
        lq_, ao_ = (stats[0], stats[1]) if stats is not None else (ws["lq"], ws["lq"])
        kern(N, c, m, P, K * P, ws["Et"].data_ptr(), ch.crow.data_ptr(), ch.colq.data_ptr(),
             ptr(ws["Tm"], ch.i0, P), w.data_ptr(), ch.mi.data_ptr(), ch.kP.data_ptr(), ch.zc.data_ptr(),
             ch.own.data_ptr(), 1.0 / pr.n, ws["U"].data_ptr(), ws["Z"].data_ptr(), ws["sk"].data_ptr(),
             ws["lq"].data_ptr(), mode, ctypes.byref(closs), ws["dPhiNK"].data_ptr(), ws["dEt"].data_ptr(),
             ptr(ws["Dm"], ch.i0, P), ptr(lq_, ch.i0, m), ptr(ao_, ch.i0, m), ws["row"].data_ptr(),
             ws["g1"].data_ptr(), ws["g2"].data_ptr())

    @staticmethod
    def _chunk_stats(ch: Chunk, A, tmp, stats):
        loss_q, A_own = stats
        tmp.copy_(A).scatter_add_(0, ch.own, torch.full_like(ch.zzo, -1.0)).mul_(ch.z)  # z_a (A_a - 1{a=j})
        loss_q[ch.i0:ch.i1] = 0.5 * (tmp * tmp).sum(0)
        A_own[ch.i0:ch.i1] = A.gather(0, ch.own)[0]

    def _use_exp(self, pr: Prepared, form: str) -> bool:
        if form == "logits":
            return False
        if self.guard_every == 1:                                         # CPU: reading it costs nothing
            ok = bool(self._spread_ok(pr, self._max_spread))
        else:
            if self._calls % self.guard_every == 0:
                self._exp_allowed = bool(self._spread_ok(pr, self._max_spread / 2))
            self._calls += 1
            ok = self._exp_allowed
        if not ok and form == "exp":
            raise InvalidParameter("form", "exp", "the logits' spread is too large for exp()",
                                   "use form='auto' or 'logits'")
        return ok

    def _step_grads(self, pr: Prepared, form: str | None = None):
        """(loss, dPhi, dUps); the gradients are ``pr``'s work buffers, overwritten next call."""
        form = form or self.form
        with torch.no_grad(), full_float32(self.Phi.device):
            if self._use_exp(pr, form):
                loss, gP, gU = self._exp_pass(pr)
                if self.guard_every > 1:                                  # between reads: poison, never mislead
                    loss.add_(torch.where(self._spread_ok(pr, self._max_spread), 0.0, float("nan")))
                return loss, gP, gU
            return self._loss_and_grad_logits(pr)

    def loss_and_grad(self, pr: Prepared, form: str | None = None):
        """(loss, dL/dPhi (P, Nf), dL/dUps (P, P)), all detached, fresh tensors."""
        loss, gP, gU = self._step_grads(pr, form)
        return loss.clone(), gP.clone(), gU.clone()

    def query_stats(self, pr: Prepared) -> tuple[torch.Tensor, torch.Tensor]:
        """Per masked query (n, m) on the model's device: the loss 1/2 ||X_p - F_p||^2 and the
        own-area attention A_j; computed chunk by chunk, never the (n, m, P) attention."""
        dt, dev = self.Phi.dtype, self.Phi.device
        loss_q = torch.empty(pr.n, pr.m, dtype=dt, device=dev)
        A_own = torch.empty(pr.n, pr.m, dtype=dt, device=dev)
        with torch.no_grad(), full_float32(dev):
            if bool(self._spread_ok(pr, self._max_spread)):
                self._exp_pass(pr, backward=False, stats=(loss_q, A_own))
            else:
                for ch in pr.chunks:
                    sub = pr.b.subset(slice(ch.i0, ch.i1))
                    for j0, j1 in _ranges(ch.c, self._logit_chunk(pr.m)):
                        f = self.forward(sub.subset(slice(j0, j1)))
                        loss_q[ch.i0 + j0:ch.i0 + j1] = f.loss_q
                        A_own[ch.i0 + j0:ch.i0 + j1] = f.A.gather(2, f.own[..., None])[..., 0]
        return loss_q, A_own

    # ------------------------------------------------------------------------- the logits form
    def _logit_chunk(self, m: int) -> int:
        item = torch.empty((), dtype=self.Phi.dtype).element_size()
        return max(1, int(self.chunk_bytes // (m * self.dist.P * item)))

    def _loss_and_grad_logits(self, pr: Prepared):
        Ups, Phi = self.Ups.detach(), self.Phi.detach()
        N, P, n = self.dist.N, self.dist.P, pr.n
        dt, dev = Phi.dtype, Phi.device
        loss = torch.zeros((), dtype=dt, device=dev)
        dUps = torch.zeros(P, P, dtype=dt, device=dev)
        dPhi = torch.zeros(P * self.dist.n_features, dtype=dt, device=dev)
        Nf = self.dist.n_features
        for i0, i1 in _ranges(n, self._logit_chunk(pr.m)):
            b = pr.b.subset(slice(i0, i1))
            mi = b.masked_idx
            cls = torch.where(b.mask, torch.full_like(b.area_idx, N), b.area_idx)
            onehot = torch.nn.functional.one_hot(cls, N + 1).to(dt)                     # (c, P, N+1)
            amp = (b.zq * (~b.mask)).to(dt)
            target = torch.nn.functional.one_hot(b.area_idx.gather(1, mi), N).to(dt)     # (c, m, N)
            z = b.z.to(dt)
            logits = Ups[mi]                                                             # (c, m, P)
            logits.addcmul_(amp[:, None, :], Phi[mi[..., None], b.feat_idx[:, None, :]])
            attn = torch.softmax(logits, -1)                                             # eq. (3.2)
            A = torch.bmm(attn, onehot)[..., :N]                                         # (c, m, N), (3.1)
            zz = z[:, None, :] ** 2
            loss += 0.5 * (zz * (target - A) ** 2).sum() / n
            G = zz * (A - target) / n
            s = (G * A).sum(-1, keepdim=True)
            Gk = torch.bmm(torch.cat([G, torch.zeros_like(s)], -1), onehot.transpose(1, 2))  # (c, m, P)
            dlogit = attn.mul_(Gk.sub_(s))                                               # Lemma 5.2
            dUps.index_add_(0, mi.reshape(-1), dlogit.reshape(-1, P))
            phi_idx = mi[..., None] * Nf + (self.dist.feat_offset.to(dev)[b.cluster][:, None, None]
                                            + torch.arange(N, device=dev))
            dPhi.index_add_(0, phi_idx.reshape(-1), (z[:, None, :] * A * (G - s)).reshape(-1))  # Lemma 5.1
        return loss, dPhi.view(P, -1), dUps

    # ------------------------------------------------------------------------- training
    def grad_fn(self, pr: Prepared):
        """``() -> (loss, (dPhi, dUps))`` for ``models.train.gradient_descent(grad_fn=...)``
        with params ``[self.Phi, self.Ups]``. The tensors are work buffers of ``pr``, valid
        until the next call (the trainer uses them before it calls again)."""
        def fn():
            loss, gP, gU = self._step_grads(pr)
            return loss, (gP, gU)
        return fn

    def step(self, pr: Prepared, lr: float) -> torch.Tensor:
        """One GD step in place; returns the loss before it (a 0-dim tensor on the device)."""
        loss, gP, gU = self._step_grads(pr)
        with torch.no_grad():
            self.Phi.sub_(gP, alpha=lr)
            self.Ups.sub_(gU, alpha=lr)
        return loss

    # ------------------------------------------------------------------------- memory
    @staticmethod
    def memory_bytes(P: int, N: int, K: int, n: int, m: int, itemsize: int = 4,
                     chunk_bytes: int = CHUNK_BYTES["cpu"]) -> int:
        """Estimated bytes held by one prepared batch of ``n`` images and its work buffers
        (the batch in coordinates, sparse operators, chunk buffers, (n, P) and P x P matrices),
        for planning before a run."""
        c = max(1, min(n, chunk_bytes // (N * P * itemsize)))
        batch = 8 + N * 8 + P + m * 8 + 3 * P * 8                       # one image in coordinates
        per_img = (2 * batch + (P - m) * 2 * (itemsize + 8) + 2 * (N + 1) * 8   # + CSR W, W^T
                   + 3 * P * itemsize + m * 8 * 2 + N * itemsize * 2)     # + maskf, Tm, Dm; indices
        work = (2 * N * c * P + 5 * N * c * m + 5 * c * m) * itemsize
        mats = (5 * P * P + 3 * N * K * P) * itemsize
        return int(n * per_img + work + mats)


def training_memory_gb(P: int, N: int, K: int, m: int, n_train: int, n_eval: int, itemsize: int = 4) -> float:
    """Estimated peak (GB) of one process that trains the closed form on ``n_train`` images and
    evaluates it on ``n_eval`` (``patch_stats_chunked``): both prepared batches and their buffers,
    plus 0.5 GB for the interpreter, torch and the allocator's slack."""
    prep = FastReducedMIM.memory_bytes
    return 0.5 + (prep(P, N, K, n_train, m, itemsize) + prep(P, N, K, n_eval, m, itemsize)) / 1e9


def _csr(rows: torch.Tensor, cols: torch.Tensor, n_rows: int, n_cols: int, dtype) -> torch.Tensor:
    """0/1 CSR matrix with ones at (rows, cols) (distinct pairs), built without a dense copy."""
    order = torch.argsort(rows * n_cols + cols)
    r, cidx = rows[order], cols[order]
    crow = torch.zeros(n_rows + 1, dtype=torch.int64)
    crow[1:] = torch.bincount(r, minlength=n_rows).cumsum(0)
    with warnings.catch_warnings():  # "sparse CSR support is in beta"
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(crow, cidx, torch.ones(len(r), dtype=dtype), (n_rows, n_cols))


def _ranges(n: int, c: int):
    return [(i, min(n, i + c)) for i in range(0, n, c)]
