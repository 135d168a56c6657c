"""Cached training runs and the per-pair quantities the fpc dynamics claims read off them.

Several claims (Lemma 5.3, Theorems F.1-F.4, Hypotheses B.1/B.2, the end-of-stage lemmas)
look at the same kind of run; ``trajectory`` trains once per (data, spec, seed) in a process
and keeps the last few runs, within a byte bound. ``TrainFields`` are the configuration fields these claims add
to ``MIMConfig``.
"""
from __future__ import annotations

import dataclasses
import os
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch

from models.data import DataConfig, Distribution
from models.seeds import derive_seed
from models.util import torch_threads

from ._common import data_config
from ._training import TrainSpec, Trajectory, train_reduced


@dataclass(frozen=True)
class TrainFields:
    n_samples: int = 256        # images (with masks) in the fixed training sample
    steps: int = 400            # GD steps
    lr: float = 10.0            # step size eta
    record_every: int = 1       # phases are short at lr = 10: record every step
    train_seed: int = 0         # offset of the sample's generator


def spec_of(cfg, **changes) -> TrainSpec:
    names = {f.name for f in dataclasses.fields(TrainSpec)}
    values = {k: getattr(cfg, k) for k in names if hasattr(cfg, k)}
    values.update(changes)
    return TrainSpec(**values)


MAX_RUNS = 6                        # runs kept in a process ...
RUN_CACHE_GB = 10.0                 # ... and at most this much of their records (the newest is always kept):
                                    # the full profile's 5 replicate runs of the dynamics claims (1.9 GB each)
_RUNS: OrderedDict = OrderedDict()  # (data, spec, seed, device) -> Trajectory, oldest first


def run_cache_bytes() -> int:
    """The byte bound of the in-process cache: ``$MLCLAIMS_RUN_CACHE_GB`` (GiB) or ``RUN_CACHE_GB``."""
    return int(float(os.environ.get("MLCLAIMS_RUN_CACHE_GB") or RUN_CACHE_GB) * 2 ** 30)


def record_bytes(tr: Trajectory) -> int:
    """Bytes of a run's per-step records (the arrays that grow with the steps)."""
    arrays = [tr.loss, tr.ups_absmax, tr.Phi, tr.gPhi, tr.Ups, tr.gUps, *(tr.pairs or {}).values()]
    return sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))


def expected_record_bytes(dc: DataConfig, spec: TrainSpec) -> int:
    """:func:`record_bytes` of the run of ``spec`` on ``dc``, before it runs (float64 records)."""
    dist = Distribution(dc)
    T = spec.steps // spec.record_every + 1 + (spec.steps % spec.record_every != 0)
    per = 2 + (5 * dist.P * dist.K if spec.record_pairs else 2 * dist.P * dist.n_features)
    per += 2 * dist.P * dist.P if spec.keep_ups else 0
    return 8 * T * per


def runs_kept(dc: DataConfig, spec: TrainSpec) -> int:
    """How many runs like this one the cache holds at once (what the estimator counts on)."""
    return max(1, min(MAX_RUNS, run_cache_bytes() // max(1, expected_record_bytes(dc, spec))))


def _cached(dc: DataConfig, spec: TrainSpec, seed: int, device: str) -> Trajectory:
    """The run, trained once per process and key while it stays in the cache: the last
    ``MAX_RUNS`` runs, fewer where their records would exceed :func:`run_cache_bytes` (at the full
    profile one dynamics run's records are about 1.9 GB)."""
    key = (dc, spec, seed, device)
    if key in _RUNS:
        _RUNS.move_to_end(key)
        return _RUNS[key]
    g = torch.Generator().manual_seed(seed)
    with torch_threads(1):          # small matrices: one thread is faster than two contended ones
        tr = train_reduced(Distribution(dc), spec, g, device=device)
    _RUNS[key] = tr
    limit = run_cache_bytes()
    while len(_RUNS) > 1 and (len(_RUNS) > MAX_RUNS or sum(map(record_bytes, _RUNS.values())) > limit):
        _RUNS.popitem(last=False)
    return tr


def trajectory(cfg, seed: int, device: str = "cpu", **spec_changes) -> Trajectory:
    """The (cached) reduced-model GD run for ``cfg``'s data fields and training fields."""
    dc = data_config(cfg)
    spec = spec_of(cfg, **spec_changes)
    return _cached(dc, spec, derive_seed(seed, "train", int(getattr(cfg, "train_seed", 0))), device)


# ----------------------------------------------------------------------------- read-outs
def rates(tr: Trajectory) -> tuple[np.ndarray, np.ndarray]:
    """(T, P, K) growth = -dL/dPhi_target and decoupling = +dL/dPhi_global (see _phases)."""
    return -tr.target_fp(grad=True), tr.global_fp(grad=True)


def local_pairs(tr: Trajectory) -> np.ndarray:
    """(P, K) bool: p lies in a local area of cluster k."""
    return tr.is_local()


def other_fp(tr: Trajectory) -> np.ndarray:
    """(T,) max |Phi_{p->v}| over features v that are neither p's target nor (for local p)
    the global feature of the same cluster, nor any feature of another cluster."""
    Phi = tr.Phi                                                   # (T, P, Nf)
    mask = np.ones(Phi.shape[1:], dtype=bool)                      # (P, Nf)
    P = tr.dist.P
    mask[np.arange(P)[:, None], tr.own_feature()] = False
    mask[:, tr.global_feature()] = False
    return np.abs(Phi[:, mask]).max(axis=1) if mask.any() else np.zeros(len(Phi))


def area_onehot(dist: Distribution) -> np.ndarray:
    """(K, P, N) membership of positions in the areas of each cluster."""
    return np.eye(dist.N)[dist.area.numpy()]


def projected_pp(U: np.ndarray, dist: Distribution) -> np.ndarray:
    """(T, P, K, N) projected PP correlation (5.1): mean of U_{p->q} over q in P_{k,a}."""
    W = area_onehot(dist)                                          # (K, P, N)
    sizes = W.sum(1)                                               # (K, N)
    return np.einsum("tpq,kqa->tpka", U, W) / sizes[None, None]


def target_index(tr: Trajectory) -> np.ndarray:
    """(P, K) own area index j(p, k)."""
    return tr.dist.area.T.numpy()
