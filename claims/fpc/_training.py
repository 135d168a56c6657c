"""Training runs of the reduced model shared by the fpc dynamics claims.

``train_reduced`` runs full-batch GD from Q = 0 (Phi = Ups = 0) on a fixed sample of
masked images (the empirical version of the population objective (2.8)) and records, at
every ``record_every`` steps, the loss, Phi, its gradient, and summaries of Ups.
``Trajectory`` then reads the quantities the paper talks about off the record:
target FP correlation Phi_{p->v_{k,j}} (j = area of p in cluster k), global FP
Phi_{p->v_{k,1}}, PP correlations, per-patch loss gaps and own-area attention.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from models.attention import ReducedMIM
from models.data import Batch, Distribution
from models.fastmim import FastReducedMIM
from models.mim import PatchStats, patch_stats
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
    fast: bool = False          # closed-form gradient (models/fastmim.py, = autograd to round-off);
                                # own_attn / global_attn are then not recorded (NaN)


@dataclass
class Trajectory:
    dist: Distribution
    batch: Batch
    model: ReducedMIM
    steps: np.ndarray                 # (T,)
    loss: np.ndarray                  # (T,)
    Phi: np.ndarray                   # (T, P, Nf)
    gPhi: np.ndarray                  # (T, P, Nf) gradient dL/dPhi
    Ups: np.ndarray | None            # (T, P, P) or None
    gUps: np.ndarray | None           # (T, P, P) or None
    ups_absmax: np.ndarray            # (T,) max |Ups|
    own_attn: np.ndarray              # (T, P) mean attention of masked p to its own area's unmasked patches
    global_attn: np.ndarray           # (T, P) same, to the global area (own area excluded)
    final: PatchStats = field(default=None)

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
        src = self.gPhi if grad else self.Phi
        P = self.dist.P
        return src[:, np.arange(P)[:, None], self.own_feature()]

    def global_fp(self, grad: bool = False) -> np.ndarray:
        """(T, P, K) Phi_{p -> v_{k,1}} (or its gradient)."""
        src = self.gPhi if grad else self.Phi
        return src[:, :, self.global_feature()]


def train_reduced(dist: Distribution, spec: TrainSpec, g: torch.Generator, *, device: str = "cpu",
                  steps_iter=range, batch: Batch | None = None) -> Trajectory:
    dtype = {"float32": torch.float32, "float64": torch.float64}[spec.dtype]
    b = batch if batch is not None else dist.sample(spec.n_samples, g)
    model = reduced_model(dist, dtype, device, fast=spec.fast)
    b_dev = on_model(b, model)

    P = dist.P
    pos = b.masked_idx.reshape(-1).to(device)
    counts = torch.zeros(P, dtype=torch.float64, device=device).index_add_(
        0, pos, torch.ones_like(pos, dtype=torch.float64))

    def per_position(values):  # (n, m) -> (P,) mean over the masked occurrences of each position
        s = torch.zeros(P, dtype=torch.float64, device=device).index_add_(
            0, pos, values.detach().reshape(-1).to(torch.float64))
        return s / counts.clamp_min(1)

    nan = torch.full((P,), float("nan"), dtype=torch.float64)

    def fn(state):
        row = {"loss": state.loss, "Phi": state.params[0], "gPhi": state.grads[0],
               "ups_absmax": float(state.params[1].detach().abs().max()), "own_attn": nan, "global_attn": nan}
        if state.aux is not None:
            fwd = state.aux
            A_own = fwd.A.gather(2, fwd.own[..., None])[..., 0]
            A_glob = torch.where(fwd.own == 0, torch.zeros_like(A_own), fwd.A[..., 0])
            row.update(own_attn=per_position(A_own), global_attn=per_position(A_glob))
        if spec.keep_ups:
            row["Ups"] = state.params[1]
            row["gUps"] = state.grads[1]
        return row

    rec = Recorder(fn)
    def loss_fn():
        fwd = model(b_dev)
        return fwd.loss, fwd

    grad_fn = model.grad_fn(model.prepare(b)) if spec.fast else None
    gradient_descent([model.Phi, model.Ups], loss_fn, steps=spec.steps, lr=spec.lr,
                     callbacks=[rec], record_every=spec.record_every, steps_iter=steps_iter,
                     frozen=[model.Phi] if spec.freeze_phi else [], grad_fn=grad_fn)
    with torch.no_grad():
        fwd = model(b_dev)
    final = patch_stats(dist, b, to_cpu(fwd))
    st = lambda k: rec.stacked(k).to(torch.float64).numpy()  # noqa: E731
    return Trajectory(dist, b, model, np.asarray(rec.steps), st("loss"), st("Phi"), st("gPhi"),
                      st("Ups") if spec.keep_ups else None, st("gUps") if spec.keep_ups else None,
                      st("ups_absmax"), st("own_attn"), st("global_attn"), final)


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
