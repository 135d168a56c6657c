"""fpc.thmF.3: Theorem F.3 (Delta > 0), items 3 and 4 (Appendix F.2; Section 5 overview):
local queries learn their target FP correlation in two phases, global-area queries in one,
with the other FP and the PP correlations nearly unchanged."""
from __future__ import annotations

from dataclasses import dataclass

from claims import Claim, Measurement, Prediction, Source, register

from ._common import DATA_ASSUMPTIONS
from ._runs import trajectory
from ._stages import DynConfig, rate_series, series_of, smallness, stages
from .hypb1 import delta_sign


@dataclass(frozen=True)
class Config(DynConfig):
    kappa_c: float = 0.9        # Delta = +0.6
    kappa_s: float = 0.2


def phase_values(cfg, ctx) -> tuple[dict, dict, dict]:
    tr = trajectory(cfg, ctx.seed, ctx.device)
    st = stages(tr)
    end = smallness(tr)
    values = {"frac_local_two_phase": st["local"]["fractions"]["two-phase"],
              "frac_local_one_phase": st["local"]["fractions"]["one-phase"],
              "frac_global_one_phase": st["global"]["fractions"]["one-phase"],
              "pp_over_target": end["pp_absmax"] / end["target_fp_min"],
              "other_fp_over_target": end["other_fp_absmax"] / end["target_fp_min"]}
    evidence = {"local_label": st["local"]["label"], "global_label": st["global"]["label"],
                "local_fractions": st["local"]["fractions"], "global_fractions": st["global"]["fractions"],
                "end_state": end, "Delta": (1 - cfg.kappa_s) - 2 * (1 - cfg.kappa_c)}
    series = {"correlations": series_of(tr), "rates": rate_series(tr)}
    return values, evidence, series


def small_predictions(cfg):
    return (
        Prediction("pp_over_target", f"PP correlations stay nearly unchanged: max |Ups| <= {cfg.small_ratio:.3g} "
                   "x the smallest target FP correlation at the end", "<=", cfg.small_ratio),
        Prediction("other_fp_over_target", f"other FP correlations stay nearly unchanged: <= {cfg.small_ratio:.3g} "
                   "x the smallest target FP correlation at the end", "<=", cfg.small_ratio),
    )


def predictions(cfg):
    return (
        Prediction("frac_local_two_phase", "3: every local pair is two-phase (global FP decoupling "
                   "dominates first, then target growth)", ">=", 1.0),
        Prediction("frac_global_one_phase", "4: every global-area pair is one-phase (target growth "
                   "dominates every other FP gradient from the start)", ">=", 1.0),
    ) + small_predictions(cfg)


def check(cfg, ctx) -> Measurement:
    v, e, s = phase_values(cfg, ctx)
    return Measurement(v, e, s, notes="Phases per claims/fpc/_phases.py; items 1-2 of the theorem are "
                                      "Theorem 4.1 (fpc.thm4.1) and Lemmas C.30/E.3.")


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
    assumptions=DATA_ASSUMPTIONS + (delta_sign(True),),
    depends_on=("fpc.lem5.3", "fpc.lemC.16", "fpc.lemC.23", "fpc.lemC.30", "fpc.lemE.3", "fpc.thmF.1",
                "fpc.lemA.9", "fpc.lemA.10"),
    config=Config,
    profiles={"quick": {}, "full": {"P": 256, "n_samples": 512, "steps": 1500}},
    predictions=predictions, check=check,
    not_algebraic="a statement about a GD trajectory",
    notes="'Nearly unchanged' is fixed as at most small_ratio (1/3) of the smallest learned target FP.",
))
