"""fpc.thmF.3: Theorem F.3 (Delta > 0), items 3 and 4 (Appendix F.2; Section 5 overview):
local queries learn their target FP correlation in two phases, global-area queries in one,
with the other FP and the PP correlations nearly unchanged.

The statement is for P -> infinity with local areas of Theta(P^kappa_s) patches. The check
sweeps the local area size (c_local * area_factors) together with P (``smaller_P``, full
profile) and reads the theorem's items off the run with the configured (largest) areas; the
trend of the PP ratio over area size is judged on its own (SPEC "Where the asymptotics begin").
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from claims import Claim, Measurement, Prediction, Source, register
from claims._base import Assumption, Regime

from ._areas import (CONVERGED_ATTN, MASKED_AREA_BOUND, AreaSweep, area_points, area_series, dynamics_point,
                     grouped_slope, slope_in_P)
from ._common import DATA_ASSUMPTIONS
from ._runs import spec_of
from ._stages import DynConfig
from .hypb1 import delta_sign

SWEEP_ASSUMPTIONS = (
    Assumption.relation("area_factors: at least two, in (0, 1], including 1 (the configured areas)",
                        ("area_factors",), lambda fs: len(set(fs)) >= 2 and 1.0 in fs and all(0 < f <= 1 for f in fs)),
    Assumption.relation("smaller_P: sizes below P", ("smaller_P", "P"), lambda ps, P: all(4 <= q < P for q in ps)),
)
BASE_KEYS = ("frac_local_two_phase", "frac_local_one_phase", "frac_global_one_phase", "pp_over_target",
             "other_fp_over_target", "own_attn_end", "p_area_masked", "min_local_area")


@dataclass(frozen=True)
class Config(DynConfig, AreaSweep):
    kappa_c: float = 0.9        # Delta = +0.6
    kappa_s: float = 0.2
    c_local: float = 3.5        # local areas of 8-11 patches at P = 64 (2 patches at c_local = 1)
    smaller_P: tuple = (32,)


def sweep(cfg, ctx) -> tuple[dict, list[dict], dict]:
    """Run the area sweep; return (the base run: P and c_local as configured, all rows, fit)."""
    spec = dataclasses.asdict(spec_of(cfg, fast=True))
    pts = [{"data": p["data"], "spec": spec, "device": ctx.device,
            "seed": ctx.seed_for("sample", p["P"], p["data"]["K"], cfg.train_seed)} for p in area_points(cfg)]
    rows = ctx.map(dynamics_point, pts, desc="area sweep")
    base = next(r for r in rows if r["P"] == cfg.P and r["c_local"] == cfg.c_local)
    fit = grouped_slope([r["min_local_area"] for r in rows], [r["pp_over_target"] for r in rows],
                        [r["P"] for r in rows])
    return base, rows, fit


def measure(cfg, ctx, extra: dict | None = None) -> Measurement:
    base, rows, fit = sweep(cfg, ctx)
    values = {k: base[k] for k in BASE_KEYS}
    values.update(pp_exponent_in_area=fit["slope"], own_attn_end=min(r["own_attn_end"] for r in rows))
    values.update(extra or {})
    intervals = {"pp_exponent_in_area": tuple(fit["ci95"])} if fit["df"] > 0 else {}
    table = [{k: v for k, v in r.items() if k not in ("pp_curve", "steps")} for r in rows]
    series = {"pp_over_target_vs_area": area_series(rows, "pp_over_target", "max |Ups| / min target FP at the end",
                                                     fit),
              "pp_ratio_during_training": {
        "kind": "line", "x": base["steps"], "xlabel": "GD step", "ylabel": "max |Ups| / min target FP",
        "ys": {f"P={r['P']}, area {r['min_local_area']}": r["pp_curve"] for r in rows}}}
    evidence = {"rows": table, "fit_pp_in_area": fit,
                "fit_pp_in_P_at_fixed_c_local": slope_in_P(rows, "pp_over_target")}
    return Measurement(values, evidence, series, intervals=intervals,
                       scale={"P": sorted({r["P"] for r in rows}),
                              "local_area": sorted({r["min_local_area"] for r in rows})},
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
    return (
        Regime("p_area_masked", "local areas large enough: the smallest local area of the configured run is "
               f"wholly masked with probability <= {MASKED_AREA_BOUND:g} (Lemma A.7, exact)", "<=", MASKED_AREA_BOUND),
        Regime("own_attn_end", "every run of the sweep reached the convergence stage: mean own-area attention "
               f"of masked queries (local and global, each) >= {CONVERGED_ATTN:g} at the end", ">=", CONVERGED_ATTN,
               instrument=True),
    )


def predictions(cfg):
    return (
        Prediction("frac_local_two_phase", "3: every local pair is two-phase (global FP decoupling "
                   "dominates first, then target growth)", ">=", 1.0),
        Prediction("frac_global_one_phase", "4: every global-area pair is one-phase (target growth "
                   "dominates every other FP gradient from the start)", ">=", 1.0),
    ) + small_predictions(cfg)


def check(cfg, ctx) -> Measurement:
    return measure(cfg, ctx)


SCALE_FIELDS = ("P", "c_local", "area_factors", "smaller_P", "n_samples", "steps")
NOTES = ("'Nearly unchanged' is fixed as at most small_ratio (1/3) of the smallest learned target FP. Sizes: "
         "the quick profile runs P = 32, 64 with c_local 3.5 and 1.75 (local areas of 9-11 and 4 patches); only "
         "the full profile reaches P = 256 (P = 64, 128, 256; the exponent in P at fixed c_local is reported in "
         "the evidence, not judged). History: with c_local = 1 (2-patch areas at P = 64) max |Ups| reached "
         "0.94 x the target FP and the claim was reported failing; a sweep over area size shows that ratio "
         "falling with area size (0.94, 0.42, 0.26 at 2, 5, 11 patches, P = 64) - a small-area effect "
         "(SPEC 'Where the asymptotics begin'). Rule changed after seeing that result: c_local 3.5 by default, "
         "the regime conditions and the trend prediction were added; the bound on the masked-area probability "
         "is taken from Lemma A.7, not from the ratio.")

CLAIM = register(Claim(
    id="fpc.thmF.3",
    title="Theorem F.3 (Delta > 0): two phases for local queries, one phase for global-area queries",
    kind="theorem",
    statement="For Delta > 0: (3) for p local in k, Phi_{p->v_{k,1}} first decreases quickly while the other "
              "correlations barely change, then the growth of Phi_{p->v_{k,j}} dominates until convergence with "
              "all other FP and PP correlations nearly unchanged; (4) for p in the global area of k the growth "
              "of Phi_{p->v_{k,1}} dominates throughout, other FP and PP correlations staying close to 0.",
    source=Source("fpc", "Theorem F.3, items 3-4 (Appendix F.2); Section 5 overview",
                  "Local area learning feature attention correlation through two-phase: given , if , then we "
                  "have - (a) first quickly decrease with all other , not changing much; - (b) after some point, "
                  "the increase of takes dominance. Such will keep growing until convergence with all other "
                  "feature and positional attention correlations nearly unchanged. - (a) - 4. Core area "
                  "learning feature attention correlation through one-phase: given , if , throughout the "
                  "training, the increase of dominates, whereas all with and position attention correlations "
                  "remain close to ."),
    assumptions=DATA_ASSUMPTIONS + SWEEP_ASSUMPTIONS + (delta_sign(True),),
    depends_on=("fpc.lem5.3", "fpc.lemC.16", "fpc.lemC.23", "fpc.lemC.30", "fpc.lemE.3", "fpc.thmF.1",
                "fpc.lemA.9", "fpc.lemA.10", "fpc.lem5.2-key"),
    config=Config,
    profiles={"quick": {}, "full": {"P": 256, "n_samples": 512, "steps": 1500, "smaller_P": (64, 128),
                                    "area_factors": (0.25, 0.5, 1.0)}},
    predictions=predictions, check=check, regime=regime,
    scale_fields=SCALE_FIELDS, asymptotic_in=("P",),
    not_algebraic="a statement about a GD trajectory",
    notes=NOTES,
))
