"""Cached training runs and the per-pair quantities the fpc dynamics claims read off them.

Several claims (Lemma 5.3, Theorems F.1-F.4, Hypotheses B.1/B.2, the end-of-stage lemmas)
look at the same kind of run; ``trajectory`` trains once per (data, spec, seed) in a process
and keeps the last few runs. ``TrainFields`` are the configuration fields these claims add
to ``MIMConfig``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache

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


@lru_cache(maxsize=6)
def _cached(dc: DataConfig, spec: TrainSpec, seed: int, device: str) -> Trajectory:
    g = torch.Generator().manual_seed(seed)
    with torch_threads(1):          # small matrices: one thread is faster than two contended ones
        return train_reduced(Distribution(dc), spec, g, device=device)


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
