"""Pieces shared by the ``fpc`` claims: the data-model configuration fields, the standard
assumptions of Def 2.1 / Assumptions 2.2-2.3 / Def 2.5, and builders."""
from __future__ import annotations

from dataclasses import dataclass

from claims._base import _latex_num
from claims._data import DATA_ASSUMPTIONS, MIMConfig, data_config  # noqa: F401  (re-exported to fpc claims)
from models.data import Distribution


@dataclass(frozen=True)
class SmallMIM(MIMConfig):
    """The small data model of the exact (formula and identity) claims: P = 24, K = 2, Delta = +0.35."""

    P: int = 24
    K: int = 2
    kappa_c: float = 0.8
    kappa_s: float = 0.25


def make_dist(cfg, **changes) -> Distribution:
    return Distribution(data_config(cfg, **changes))


def line_plot(x, ys: dict, xlabel: str, ylabel: str, **options) -> dict:
    """A measurement's line plot: curves ``ys`` (label -> values) over ``x``; ``options`` such as
    ``logx=True``, ``logy=True``."""
    return {"kind": "line", "x": x, "ys": ys, "xlabel": xlabel, "ylabel": ylabel, **options}


def latex_num(x) -> str:
    """A number as the report's LaTeX writes it (0.3333333 -> 0.333333, 1e-10 -> 1 \\times 10^{-10})."""
    return _latex_num(x)
