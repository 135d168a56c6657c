"""Sweeps of the local area size together with P, for the fpc statements about small PP
correlations and gradients (Lemma 5.2's key observation, Theorems F.3/F.4, Section 5.4).

SPEC "Where the asymptotics begin": those statements are for P -> infinity with local areas of
Theta(P^kappa_s) patches; at toy sizes the areas have 2-3 patches, a whole area is often masked
(Lemma A.7: probability prod_{i<C} (gamma P - i)/(P - i) <= gamma^C) and its gradient terms
dominate. A check therefore sweeps the local area size (through ``c_local``) together with P,
judges the trend over area size, and reads the values the statement is about at its largest
areas, with the regime condition that those areas are rarely wholly masked.

``area_points`` builds the sweep's data configurations through ``data_config`` (so every data
field of the claim's configuration, ``c_local`` included, reaches the sweep), ``dynamics_point``
is the sweep function of the training claims (one GD run, its read-outs), ``grouped_slope`` the
exponent fit with one intercept per group (the exponent in area size at fixed P, or in P at
fixed ``c_local``).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from claims import Regime
from models.data import DataConfig, Distribution

from ._common import data_config

MASKED_AREA_BOUND = 0.01    # regime: the smallest local area is wholly masked with probability <= 1%
CONVERGED_ATTN = 0.9        # regime: mean own-area attention at the end (the convergence stage, Sec. 5.3)


@dataclass(frozen=True)
class AreaSweep:
    """Fields of the area-size sweep shared by the claims of this module."""

    area_factors: tuple = (0.5, 1.0)   # the sweep runs c_local * f for each f (1.0: the configured areas)
    smaller_P: tuple = ()              # further sizes below P for the trend in P (full profile)


def p_area_masked(P: int, gamma: float, C: int) -> float:
    """Lemma A.7, exact: probability that a given set of C positions is wholly masked when
    round(gamma P) of the P positions are masked uniformly."""
    m = round(gamma * P)
    return float(math.prod(max(m - i, 0) / (P - i) for i in range(C)))


def min_local_size(dc: DataConfig) -> int:
    return int(min(Distribution(dc).sizes_per_area[1:]))


def area_points(cfg, **changes) -> list[dict]:
    """Data configurations (as dicts) of the sweep: every P in smaller_P + (P,) and every area
    factor, each with the claim's data fields and ``c_local = cfg.c_local * f``."""
    out = []
    for P in sorted({*cfg.smaller_P, cfg.P}):
        for f in sorted(cfg.area_factors):
            dc = data_config(cfg, P=P, c_local=cfg.c_local * f, **changes)
            out.append({"data": dataclasses.asdict(dc), "P": P, "factor": f})
    return out


def regime_values(dc: DataConfig) -> dict:
    C = min_local_size(dc)
    return {"min_local_area": C, "p_area_masked": p_area_masked(dc.P, dc.gamma, C)}


def grouped_slope(x, y, groups) -> dict:
    """Least squares of log y on log x with one intercept per group: the common exponent, its
    standard error and 95% interval (nan with no residual degrees of freedom)."""
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    labels = sorted(set(groups))
    G = np.array([[g == lab for lab in labels] for g in groups], float)
    X = np.column_stack([lx, G])
    coef, *_ = np.linalg.lstsq(X, ly, rcond=None)
    df = len(ly) - X.shape[1]
    rank = np.linalg.matrix_rank(X)
    if rank < X.shape[1]:
        return {"slope": float("nan"), "stderr": float("nan"), "ci95": [float("nan")] * 2, "n": len(ly), "df": df}
    if df > 0:
        resid = ly - X @ coef
        cov = float(resid @ resid) / df * np.linalg.inv(X.T @ X)
        se = math.sqrt(cov[0, 0])
        q = float(stats.t.ppf(0.975, df))
        ci = [float(coef[0] - q * se), float(coef[0] + q * se)]
    else:
        se, ci = float("nan"), [float("nan"), float("nan")]
    return {"slope": float(coef[0]), "stderr": se, "ci95": ci, "n": len(ly), "df": df}


def dynamics_point(data: dict, spec: dict, seed: int, device: str = "cpu") -> dict:
    """One reduced-model GD run (closed-form gradients) and what Theorems F.3/F.4 and Section 5.4
    read off it: phase fractions, the 'small' ratios at the end, own-area attention, area sizes."""
    import torch

    from ._stages import query_end_stats, smallness, stages
    from ._training import TrainSpec, train_reduced
    dc = DataConfig(**data)
    tr = train_reduced(Distribution(dc), TrainSpec(**spec), torch.Generator().manual_seed(seed), device=device)
    st, end, q = stages(tr), smallness(tr), query_end_stats(tr)
    tf = end["target_fp_min"]
    every = max(1, len(tr.steps) // 60)                                     # about 60 points per curve
    attn = [v["own_attn_mean"] for v in q.values() if v["queries"] and not math.isnan(v["own_attn_mean"])]
    return {"P": dc.P, "K": dc.K, "c_local": dc.c_local, **regime_values(dc),
            "frac_local_two_phase": st["local"]["fractions"]["two-phase"],
            "frac_local_one_phase": st["local"]["fractions"]["one-phase"],
            "frac_global_one_phase": st["global"]["fractions"]["one-phase"],
            "pp_over_target": end["pp_absmax"] / tf, "projected_pp_over_target": end["projected_pp_absmax"] / tf,
            "other_fp_over_target": end["other_fp_absmax"] / tf, "target_fp_min": tf,
            "own_attn_end": float(min(attn)) if attn else float("nan"),
            "pp_curve": (tr.ups_absmax / np.maximum(tr.target_fp().min(axis=(1, 2)), 1e-12)).tolist()[::every],
            "steps": tr.steps.tolist()[::every]}


def slope_in_P(rows: list[dict], key: str) -> dict | None:
    """Exponent of ``key`` in P at fixed area factor (c_local), or None with one P."""
    if len({r["P"] for r in rows}) < 2:
        return None
    return grouped_slope([r["P"] for r in rows], [r[key] for r in rows], [r["c_local"] for r in rows])


def configured_and_fit(rows: list[dict], cfg, key: str) -> tuple[dict, dict]:
    """The row of the configured run (``cfg.P``, ``cfg.c_local``) and the exponent fit of ``key`` in
    the smallest local area size, one intercept per P (``grouped_slope``)."""
    base = next(r for r in rows if r["P"] == cfg.P and r["c_local"] == cfg.c_local)
    fit = grouped_slope([r["min_local_area"] for r in rows], [r[key] for r in rows], [r["P"] for r in rows])
    return base, fit


def fit_interval(name: str, fit: dict) -> dict:
    """The 95% interval of a fitted exponent as a measurement interval (none without residual freedom)."""
    return {name: tuple(fit["ci95"])} if fit["df"] > 0 else {}


def sweep_scale(rows: list[dict], keys: tuple = ("P",)) -> dict:
    """The run's scale: the sizes ``keys`` the sweep reached and its smallest local areas."""
    return {**{k: sorted({r[k] for r in rows}) for k in keys},
            "local_area": sorted({r["min_local_area"] for r in rows})}


def area_regime(why: str = "", which: str = "") -> tuple:
    """The regime conditions of an area sweep: the configured local areas are rarely wholly masked
    (Lemma A.7, exact) and every run reached the convergence stage; ``why`` and ``which`` complete
    the second condition's text (why the whole run matters, which queries are averaged)."""
    return (
        Regime("p_area_masked", "local areas large enough: the smallest local area of the configured run is "
               f"wholly masked with probability <= {MASKED_AREA_BOUND:g} (Lemma A.7, exact)", "<=", MASKED_AREA_BOUND),
        Regime("own_attn_end", f"every run of the sweep reached the convergence stage{why}: mean own-area attention "
               f"of masked queries{which} >= {CONVERGED_ATTN:g} at the end", ">=", CONVERGED_ATTN, instrument=True),
    )


def area_series(rows: list[dict], key: str, ylabel: str, fit: dict) -> dict:
    """Plot data: ``key`` against the smallest local area, one curve per P, with the fit."""
    ys = {}
    for P in sorted({r["P"] for r in rows}):
        at = sorted((r for r in rows if r["P"] == P), key=lambda r: r["min_local_area"])
        ys[f"P={P}"] = {"x": [r["min_local_area"] for r in at], "y": [r[key] for r in at]}
    return {"kind": "line", "x": sorted({r["min_local_area"] for r in rows}), "ys": ys, "logx": True, "logy": True,
            "xlabel": "smallest local area (patches)", "ylabel": ylabel,
            "fit": {"label": "exponent in area size (fixed P)", "slope": fit["slope"], "stderr": fit["stderr"]}}
