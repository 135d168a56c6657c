"""Shared parts of Theorems F.1-F.4 (Appendix F): the sweep over P of the hypothesis items (F.1,
F.2) and the area sweep with its regime conditions (F.3, F.4; also used by Lemma 5.2's key
claim and Section 5.4's PP claim)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch

from claims import Assumption, Measurement, Prediction
from models.data import DataConfig, Distribution

from . import _phases as ph
from ._areas import (
    AreaSweep,
    area_points,
    area_regime,
    area_series,
    configured_and_fit,
    dynamics_point,
    fit_interval,
    slope_in_P,
    sweep_scale,
)
from ._common import data_config
from ._hypotheses import item_a_derivation, item_a_note
from ._runs import spec_of
from ._stages import DynConfig, monotone_counts, signed, stages
from ._training import TrainSpec, train_reduced


def run_point(data: dict, n: int, steps: int, lr: float, sign: int, seed: int, device: str = 'cpu') -> dict:
    dist = Distribution(DataConfig(**data))
    tr = train_reduced(dist, TrainSpec(n_samples=n, steps=steps, lr=lr, record_every=1, keep_ups=False,
                                       record_pairs=True),
                       torch.Generator().manual_seed(seed), device=device)
    frac = stages(tr)["local"]["fractions"]              # phases of the true run (sign flips items only)
    tr = signed(tr, sign)
    loc, glo = monotone_counts(tr, which="local"), monotone_counts(tr, which="global")
    return {"P": dist.P, "a_violations": loc["a_violations"] + glo["a_violations"],
            "a_checked": loc["a_checked"] + glo["a_checked"], "b_violations": loc["b_violations"],
            "b_checked": loc["b_checked"], "final_loss": float(tr.loss[-1]),
            "frac_two_phase": frac[ph.TWO], "frac_one_phase": frac[ph.ONE]}


def ab_predictions(cfg):
    """Items (a), (b) of Theorems F.1/F.2 at the largest P of the sweep."""
    P = max(cfg.P_values)
    return (
        Prediction("a_violations_largest_P", f"(a) holds at every step at the largest P = {P}", "<=", 0,
                   by_construction=item_a_note(cfg)),
        Prediction("b_violations_largest_P", "(b) holds at every step at the largest P", "<=", 0),
    )


def p_sweep(cfg, ctx) -> Measurement:
    pts = [{"data": dataclasses.asdict(data_config(cfg, P=P)), "n": cfg.n_samples, "steps": cfg.steps,
            "lr": cfg.lr, "sign": cfg.sign, "seed": ctx.seed_for("thmF", P), "device": ctx.device}
           for P in sorted(cfg.P_values)]
    rows = ctx.map(run_point, pts, desc="hypothesis over P")
    last = rows[-1]
    return Measurement({"a_violations_largest_P": last["a_violations"], "b_violations_largest_P": last["b_violations"],
                        "frac_two_phase_largest_P": last["frac_two_phase"],
                        "frac_one_phase_largest_P": last["frac_one_phase"]},
                       {"rows": rows, "Delta": (1 - cfg.kappa_s) - 2 * (1 - cfg.kappa_c)},
                       series={"violations_vs_P": {"x": [r["P"] for r in rows],
                               "ys": {"(a) violations": [r["a_violations"] for r in rows],
                                      "(b) violations": [r["b_violations"] for r in rows]},
                               "xlabel": "P", "ylabel": "steps x pairs violating", "logx": True, "kind": "line"},
                               "phases_vs_P": {"x": [r["P"] for r in rows],
                               "ys": {"two-phase local pairs": [r["frac_two_phase"] for r in rows],
                                      "one-phase local pairs": [r["frac_one_phase"] for r in rows]},
                               "xlabel": "P", "ylabel": "fraction of local pairs", "logx": True, "kind": "line"}},
                       scale={"P": sorted(cfg.P_values)})


SIZES = Assumption.math("P >= 16", each=("P_values", "P"), integer=("P",), text="P_values: integers >= 16")


@dataclass(frozen=True)
class PSweepConfig(DynConfig):
    """The configuration of fpc.thmF.1/F.2 but for the sign of Delta (kappa_c, kappa_s)."""
    P_values: tuple = (32, 48, 64, 96)
    steps: int = 150           # (a), (b) are checked over the whole run, whatever its length
    sign: int = 1

F12_NOTES = ("Item (a) cannot fail (the target FP's descent direction is E[z_j A_j D_j] with D_j a sum of "
         "squares; proved in derive) and items (a), (b) read the same for B.1 and B.2 in the seed (their bounds "
         "are lost), so the check adds the item that is specific to the sign of Delta: B.1 (Delta > 0) is the "
         "two-phase hypothesis (Sections 5.2-5.3), B.2 (Delta < 0) the one-phase one (Section 5.4). Phases as "
         "in claims/fpc/_phases.py. Item (b) is a real test: at Delta = +0.6 with lr = 50 it breaks. Rule "
         "changed after an audit showed the old check also passed on a Delta < 0 setting.")

# items (a), (b) of Hypotheses B.1/B.2 as Theorems F.1/F.2 state them
AB_ITEMS_LATEX = (r"(a) $\Phi^{(t)}_{p \to v_{k,j}}$ is monotonically increasing; (b) for $p$ in a local area "
                  r"($j \neq 1$), $\Phi^{(t)}_{p \to v_{k,1}}$ is monotonically decreasing")

# the registration fields fpc.thmF.1 and fpc.thmF.2 share
P_SWEEP = {"kind": "theorem", "check": p_sweep, "derive": item_a_derivation, "notes": F12_NOTES,
           "profiles": {"quick": {}, "full": {"P_values": (64, 128, 256, 512, 1024), "n_samples": 512, "steps": 1500}},
           "unused_fields": {"P": "P is swept through P_values"}}


SWEEP_ASSUMPTIONS = (
    Assumption.relation("area_factors: at least two, in (0, 1], including 1 (the configured areas)",
                        ("area_factors",), lambda fs: len(set(fs)) >= 2 and 1.0 in fs and all(0 < f <= 1 for f in fs)),
    Assumption.relation("smaller_P: sizes below P", ("smaller_P", "P"), lambda ps, P: all(4 <= q < P for q in ps)),
)
BASE_KEYS = ("frac_local_two_phase", "frac_local_one_phase", "frac_global_one_phase", "pp_over_target",
             "other_fp_over_target", "own_attn_end", "p_area_masked", "min_local_area")


@dataclass(frozen=True)
class AreaConfig(DynConfig, AreaSweep):
    """The configuration of fpc.thmF.3 (Delta > 0); fpc.thmF.4 overrides the data fields."""
    kappa_c: float = 0.9        # Delta = +0.6
    kappa_s: float = 0.2
    c_local: float = 3.5        # local areas of 8-11 patches at P = 64 (2 patches at c_local = 1)
    smaller_P: tuple = (32,)


def area_sweep(cfg, ctx) -> tuple[dict, list[dict], dict]:
    """Run the area sweep; return (the base run: P and c_local as configured, all rows, fit)."""
    spec = dataclasses.asdict(spec_of(cfg, fast=True))
    pts = [{"data": p["data"], "spec": spec, "device": ctx.device,
            "seed": ctx.seed_for("sample", p["P"], p["data"]["K"], cfg.train_seed)} for p in area_points(cfg)]
    rows = ctx.map(dynamics_point, pts, desc="area sweep")
    base, fit = configured_and_fit(rows, cfg, "pp_over_target")
    return base, rows, fit


def measure(cfg, ctx, extra: dict | None = None) -> Measurement:
    base, rows, fit = area_sweep(cfg, ctx)
    values = {k: base[k] for k in BASE_KEYS}
    values.update(pp_exponent_in_area=fit["slope"], own_attn_end=min(r["own_attn_end"] for r in rows))
    values.update(extra or {})
    table = [{k: v for k, v in r.items() if k not in ("pp_curve", "steps")} for r in rows]
    series = {"pp_over_target_vs_area": area_series(rows, "pp_over_target", "max |Ups| / min target FP at the end",
                                                     fit),
              "pp_ratio_during_training": {
        "kind": "line", "x": base["steps"], "xlabel": "GD step", "ylabel": "max |Ups| / min target FP",
        "ys": {f"P={r['P']}, area {r['min_local_area']}": r["pp_curve"] for r in rows}}}
    evidence = {"rows": table, "fit_pp_in_area": fit,
                "fit_pp_in_P_at_fixed_c_local": slope_in_P(rows, "pp_over_target")}
    return Measurement(values, evidence, series, intervals=fit_interval("pp_exponent_in_area", fit),
                       scale=sweep_scale(rows),
                       notes="Phases per claims/fpc/_phases.py; items 1-2 of the theorem are Theorem 4.1 "
                             "(fpc.thm4.1) and Lemmas C.30/E.3.")


def small_predictions(cfg):
    return (
        Prediction("pp_over_target", f"PP correlations stay nearly unchanged: max |Ups| <= {cfg.small_ratio:.3g} "
                   "x the smallest target FP correlation at the end (configured local areas)", "<=", cfg.small_ratio),
        Prediction("other_fp_over_target", f"other FP correlations stay nearly unchanged: <= {cfg.small_ratio:.3g} "
                   "x the smallest target FP correlation at the end", "<=", cfg.small_ratio),
        Prediction("pp_exponent_in_area", "the PP ratio shrinks as the local areas grow (exponent of max |Ups| / "
                   "min target FP in the smallest local area size, at fixed P, < 0)", "<", 0.0, trend=True),
    )


def regime(cfg):
    return area_regime(which=" (local and global, each)")


SCALE_FIELDS = ("P", "c_local", "area_factors", "smaller_P", "n_samples", "steps")

# the registration fields fpc.thmF.3 and fpc.thmF.4 share
AREA_THEOREM = {"kind": "theorem", "check": measure, "regime": regime, "scale_fields": SCALE_FIELDS,
                "asymptotic_in": ("P",), "not_algebraic": "a statement about a GD trajectory",
                "profiles": {"quick": {}, "full": {"P": 256, "n_samples": 512, "steps": 1500, "smaller_P": (64, 128),
                                                   "area_factors": (0.25, 0.5, 1.0)}}}
