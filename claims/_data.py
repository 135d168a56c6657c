"""The data model shared by the claims of the papers on it (Def 2.1 of fpc, the same model in
ssl): its configuration fields, the standard assumptions, and the one helper that builds
``models.data.DataConfig`` from a claim's configuration (every field it has reaches the model)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from claims._base import Assumption
from models.data import DataConfig


@dataclass(frozen=True)
class SizeFields:
    """The sizes of the data model."""

    P: int = 64                 # patches
    K: int = 2                  # clusters


@dataclass(frozen=True)
class AreaFields:
    """The area exponents of the data model (Assumption 2.2)."""

    kappa_c: float = 0.9        # global area ~ P^kappa_c
    kappa_s: float = 0.2        # local areas ~ P^kappa_s


@dataclass(frozen=True)
class DrawFields:
    """How an image is drawn: masking ratio, feature magnitudes, area scales and the partition."""

    gamma: float = 0.5          # masking ratio
    z_low: float = 1.0          # L
    z_high: float = 2.0         # U
    z_dist: str = "uniform"
    c_global: float = 1.0
    c_local: float = 1.0
    partition_seed: int = 0


@dataclass(frozen=True)
class MIMConfig(DrawFields, AreaFields, SizeFields):
    """Fields of the data model (see models/data.py) shared by the claim configs, in the order
    P, K, kappa_c, kappa_s, gamma, z_low, z_high, z_dist, c_global, c_local, partition_seed.
    A config that sets the area exponents otherwise (a sweep, two regimes) composes
    ``DrawFields`` and ``SizeFields`` without ``AreaFields``."""


def data_config(cfg, **changes) -> DataConfig:
    names = {f.name for f in dataclasses.fields(DataConfig)}
    values = {k: getattr(cfg, k) for k in names if hasattr(cfg, k)}
    values.update(changes)
    return DataConfig(**values)


DATA_ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption.integer("P", 4),
    Assumption.integer("K", 1),
    Assumption.range("gamma", 0, 1),
    Assumption.math("0 < kappa_s < kappa_c <= 1", text="0 < kappa_s < kappa_c <= 1 (Assumption 2.2)"),
    Assumption.math("0 < z_low <= z_high", text="0 < z_low <= z_high: z in [L, U] with L, U = Theta(1) (Def 2.1)"),
)
