"""Pieces shared by the ``fpc`` claims: the data-model configuration fields, the standard
assumptions of Def 2.1 / Assumptions 2.2-2.3 / Def 2.5, and builders."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch

from claims import Assumption
from claims._base import _latex_num
from models.data import DataConfig, Distribution


@dataclass(frozen=True)
class MIMConfig:
    """Fields of the data model (see models/data.py) shared by every fpc claim config."""

    P: int = 64                 # patches
    K: int = 2                  # clusters
    kappa_c: float = 0.9        # global area ~ P^kappa_c
    kappa_s: float = 0.2        # local areas ~ P^kappa_s
    gamma: float = 0.5          # masking ratio
    z_low: float = 1.0          # L
    z_high: float = 2.0         # U
    z_dist: str = "uniform"
    c_global: float = 1.0
    c_local: float = 1.0
    partition_seed: int = 0


def data_config(cfg, **changes) -> DataConfig:
    names = {f.name for f in dataclasses.fields(DataConfig)}
    values = {k: getattr(cfg, k) for k in names if hasattr(cfg, k)}
    values.update(changes)
    return DataConfig(**values)


def make_dist(cfg, **changes) -> Distribution:
    return Distribution(data_config(cfg, **changes))


def dtype_of(name: str):
    return {"float64": torch.float64, "float32": torch.float32}[name]


DATA_ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption.integer("P", 4),
    Assumption.integer("K", 1),
    Assumption.range("gamma", 0, 1),
    Assumption.math("0 < kappa_s < kappa_c <= 1", text="0 < kappa_s < kappa_c <= 1 (Assumption 2.2)"),
    Assumption.math("0 < z_low <= z_high", text="0 < z_low <= z_high: z in [L, U] with L, U = Theta(1) (Def 2.1)"),
)


def latex_num(x) -> str:
    """A number as the report's LaTeX writes it (0.3333333 -> 0.333333, 1e-10 -> 1 \\times 10^{-10})."""
    return _latex_num(x)
