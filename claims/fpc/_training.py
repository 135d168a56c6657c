"""Training runs of the reduced model shared by the fpc dynamics claims.

``train_reduced`` runs full-batch GD from Q = 0 (Phi = Ups = 0) on a fixed sample of
masked images (the empirical version of the population objective (2.8)), with the closed-form
gradient of ``models.fastmim`` (autograd on ``ReducedMIM`` with ``fast=False``), and records, at
every ``record_every`` steps, the loss, Phi and its gradient (or, with ``record_pairs``, only the
per-pair read-outs of them), Ups and its gradient (``keep_ups``) and max |Ups|. ``Trajectory``
then reads the quantities the paper talks about off the record: target FP correlation
Phi_{p->v_{k,j}} (j = area of p in cluster k), global FP Phi_{p->v_{k,1}}, their rates, PP
correlations; ``final`` holds the per-patch loss gaps and own-area attention at the end.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import torch

from claims.errors import NotRecorded
from models.attention import ReducedMIM
from models.data import Batch, Distribution
from models.fastmim import FastReducedMIM
from models.mim import PatchStats, patch_stats_chunked
from models.train import Recorder, gradient_descent


@dataclass(frozen=True)
class TrainSpec:
    n_samples: int = 512        # images (with their masks) in the fixed training sample
    steps: int = 1000           # GD steps
    lr: float = 5.0             # step size eta
    record_every: int = 10
    dtype: str = "float32"
    freeze_phi: bool = False    # positional-only attention (Section 3.1): Phi stays 0
    keep_ups: bool = True       # store the full Ups matrix at each record (P*P floats)
    fast: bool = True           # closed-form gradient (models/fastmim.py, = autograd to round-off);
                                # False: autograd on ReducedMIM (the reference the tests compare with)
    record_pairs: bool = False  # record only the (P, K) per-pair read-outs (PAIR_KEYS), not Phi and its
                                # gradient (P x K*N each): what the P sweeps read, in bounded memory


# the per-pair read-outs ``record_pairs`` keeps at each record, each (P, K): the target FP
# Phi_{p->v_{k,j(p,k)}}, the global FP Phi_{p->v_{k,1}}, their gradients, and the largest |dL/dPhi|
# over the other features of cluster k (the rival rate)
PAIR_KEYS = ("target", "global", "g_target", "g_global", "g_rival")


@dataclass
class Trajectory:
    dist: Distribution
    batch: Batch
    model: ReducedMIM
    steps: np.ndarray                 # (T,)
    loss: np.ndarray                  # (T,)
    Phi: np.ndarray | Unrecorded      # (T, P, Nf); with record_pairs an Unrecorded (reading it raises)
    gPhi: np.ndarray | Unrecorded     # (T, P, Nf) gradient dL/dPhi; likewise
    Ups: np.ndarray | None            # (T, P, P) or None
    gUps: np.ndarray | None           # (T, P, P) or None
    ups_absmax: np.ndarray            # (T,) max |Ups|
    final: PatchStats = field(default=None)   # per-position statistics at the end of the run
    pairs: dict | None = None         # with record_pairs: PAIR_KEYS -> (T, P, K)

    # -- indices of the paper's correlations -------------------------------------------------
    def own_feature(self) -> np.ndarray:
        """(P, K) global feature index f(k, j(p,k)) of each position's own area per cluster."""
        d = self.dist
        return (d.feat_offset[None, :] + d.area.T).numpy()

    def global_feature(self) -> np.ndarray:
        """(K,) feature index of each cluster's global area v_{k,1}."""
        return self.dist.feat_offset.numpy().copy()

    def is_local(self) -> np.ndarray:
        """(P, K) True where p lies in a local area of cluster k."""
        return (self.dist.area.T != 0).numpy()

    def target_fp(self, grad: bool = False) -> np.ndarray:
        """(T, P, K) Phi_{p -> v_{k, j}} (or its gradient) for p's own area j in cluster k."""
        if self.pairs is not None:
            return self.pairs["g_target" if grad else "target"]
        src = self.gPhi if grad else self.Phi
        P = self.dist.P
        return src[:, np.arange(P)[:, None], self.own_feature()]

    def global_fp(self, grad: bool = False) -> np.ndarray:
        """(T, P, K) Phi_{p -> v_{k,1}} (or its gradient)."""
        if self.pairs is not None:
            return self.pairs["g_global" if grad else "global"]
        src = self.gPhi if grad else self.Phi
        return src[:, :, self.global_feature()]


class Unrecorded:
    """Stands in a :class:`Trajectory` for a record the run did not keep: indexing it, converting it
    to an array, or reading an attribute raises :class:`claims.errors.NotRecorded` naming the record
    and the option that keeps it (instead of a ``NoneType`` error far from the cause)."""

    def __init__(self, what: str, why: str, fix: str):
        self._args = (what, why, fix)

    def _raise(self, *_, **__):
        raise NotRecorded(*self._args)

    __getitem__ = __array__ = __iter__ = __len__ = __float__ = _raise

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        self._raise()

    def __repr__(self) -> str:
        return f"<{self._args[0]}: not recorded>"


def _not_kept(what: str) -> Unrecorded:
    return Unrecorded(what, "record_pairs=True keeps only the per-pair read-outs " + ", ".join(PAIR_KEYS),
                      "train with TrainSpec(record_pairs=False) to read it, or read "
                      "target_fp() / global_fp() / pairs")


def train_reduced(dist: Distribution, spec: TrainSpec, g: torch.Generator, *, device: str = "cpu",
                  steps_iter=range, batch: Batch | None = None) -> Trajectory:
    dtype = {"float32": torch.float32, "float64": torch.float64}[spec.dtype]
    b = batch if batch is not None else dist.sample(spec.n_samples, g)
    model = reduced_model(dist, dtype, device, fast=spec.fast)
    b_dev = on_model(b, model)

    read_pairs = pair_reader(dist, device) if spec.record_pairs else None

    def fn(state):
        row = {"loss": state.loss, "ups_absmax": state.params[1].detach().abs().max()}
        if read_pairs is not None:
            row.update(read_pairs(state.params[0].detach(), state.grads[0]))
        else:
            row.update(Phi=state.params[0], gPhi=state.grads[0])
        if spec.keep_ups:
            row["Ups"] = state.params[1]
            row["gUps"] = state.grads[1]
        return row

    rec = Recorder(fn)
    def loss_fn():
        return model(b_dev).loss

    prepared = model.prepare(b) if spec.fast else None
    gradient_descent([model.Phi, model.Ups], loss_fn, steps=spec.steps, lr=spec.lr,
                     callbacks=[rec], record_every=spec.record_every, steps_iter=steps_iter,
                     frozen=[model.Phi] if spec.freeze_phi else [],
                     grad_fn=model.grad_fn(prepared) if spec.fast else None)
    # the end-of-run statistics chunk by chunk on the run's device (never the (n, m, P) attention),
    # then on the CPU with the batch
    final = patch_stats_chunked(dist, b, model, prepared)
    final = dataclasses.replace(final, **{f.name: to_cpu(getattr(final, f.name)) for f in dataclasses.fields(final)})
    st = lambda k: rec.stacked(k).to(torch.float64).numpy()  # noqa: E731
    full = not spec.record_pairs
    return Trajectory(dist, b, model, np.asarray(rec.steps), st("loss"), st("Phi") if full else _not_kept("Phi"),
                      st("gPhi") if full else _not_kept("gPhi"), st("Ups") if spec.keep_ups else None,
                      st("gUps") if spec.keep_ups else None, st("ups_absmax"), final,
                      None if full else {k: st(k) for k in PAIR_KEYS})


def pair_reader(dist: Distribution, device: str = "cpu"):
    """``(Phi, gPhi) -> {PAIR_KEYS: (P, K)}`` computed where Phi lives; the same numbers as
    ``Trajectory.target_fp``/``global_fp`` and ``_stages.rival_rate`` read off a full record."""
    P, K, N = dist.P, dist.K, dist.N
    own = (dist.feat_offset[None, :] + dist.area.T).to(device)           # (P, K) target feature
    glob = dist.feat_offset.to(device)                                   # (K,) global feature
    own_in_block = dist.area.T.to(device)                                # (P, K) index within cluster k's block
    rows = torch.arange(P, device=device)[:, None]

    def read(Phi, gPhi):
        block = gPhi.abs().reshape(P, K, N).clone()                     # cluster k's features k*N .. (k+1)*N
        block.scatter_(2, own_in_block[..., None], float("-inf"))
        return {"target": Phi[rows, own], "global": Phi[:, glob], "g_target": gPhi[rows, own],
                "g_global": gPhi[:, glob], "g_rival": block.amax(2)}
    return read


# -- devices: a run trains on its device (``ctx.device``); its read-outs come back through ``to_cpu``
def to_cpu(x):
    """A result moved off the run's device, detached: a tensor, or a model's ``Forward`` field by
    field. The one place the fpc claims bring results to the CPU."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu()
    from models.attention import Forward
    return Forward(*(to_cpu(getattr(x, f)) for f in ("attn", "A", "own", "loss_q", "loss")))


def on_model(b: Batch, model: ReducedMIM) -> Batch:
    """``b`` on the device and in the dtype of ``model``'s parameters."""
    return b.to(device=model.Phi.device, dtype=model.Phi.dtype)


def reduced_model(dist: Distribution, dtype: torch.dtype, device: str = "cpu", fast: bool = False) -> ReducedMIM:
    """A reduced model from Q = 0 on ``device`` (``FastReducedMIM``, closed-form gradients, with
    ``fast``), its distribution's index tensors on the same device."""
    cls = FastReducedMIM if fast else ReducedMIM
    return cls(dist_on(dist, device) if device != "cpu" else dist, dtype=dtype, device=device)


def dist_on(dist: Distribution, device: str) -> Distribution:
    """A shallow copy of ``dist`` whose index tensors live on ``device``."""
    import copy
    d = copy.copy(dist)
    d.area = dist.area.to(device)
    d.feat_offset = dist.feat_offset.to(device)
    return d
