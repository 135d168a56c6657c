"""fpc.lemC.16: end of Phase I (Lemma C.16, Appendix C.2.4): Hypothesis C.2 (items a, b)
holds through Phase I and Phase I ends (the switch T1 is reached) for every local pair."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from claims import Claim, Measurement, Prediction, Source, register

from ._common import DATA_ASSUMPTIONS
from ._runs import trajectory
from ._stages import DynConfig, monotone_counts, rate_series, signed, stages
from .hypb1 import SIGN, delta_sign, item_a_derivation, item_a_note


@dataclass(frozen=True)
class Config(DynConfig):
    kappa_c: float = 0.9        # Delta = +0.6
    kappa_s: float = 0.2
    sign: int = 1               # -1 asserts the opposite directions (wrong-sign control)


def stage_predictions(cfg, stage: str, end: str):
    return (
        Prediction("a_violations", f"(a) target FP never decreases during {stage}", "<=", 0,
                   by_construction=item_a_note(cfg)),
        Prediction("b_violations", f"(b) global FP of local queries never increases during {stage}", "<=", 0),
        Prediction("frac_stage_ends", end, ">=", 1.0),
    )


def predictions(cfg):
    return stage_predictions(cfg, "Phase I [0, T1)", "every local pair reaches the end of Phase I (0 < T1)")


def stage_measure(cfg, ctx, lo_of, hi_of, ends_of) -> Measurement:
    tr = trajectory(cfg, ctx.seed, ctx.device)
    st = stages(tr)                       # stages from the true run; the sign flips only the items
    c = monotone_counts(signed(tr, cfg.sign), lo_of(st), hi_of(st), "local")
    ends = ends_of(tr, st)
    return Measurement({"a_violations": c["a_violations"], "b_violations": c["b_violations"],
                        "frac_stage_ends": float(np.mean(ends))},
                       {"counts": c, "t1_quantiles": np.percentile(st["t1"], [0, 50, 100]).tolist(),
                        "t2_quantiles": np.percentile(st["t2"], [0, 50, 100]).tolist()},
                       series={"rates": rate_series(tr)})


def check(cfg, ctx) -> Measurement:
    return stage_measure(cfg, ctx, lambda st: np.zeros_like(st["t1"]), lambda st: np.maximum(st["t1"], 0),
                         lambda tr, st: st["t1"] > 0)


CLAIM = register(Claim(
    id="fpc.lemC.16",
    title="End of Phase I (Delta > 0): Hypothesis C.2 holds and the switch is reached",
    statement="For Delta > 0 and p local in k, Hypothesis C.2 (target FP increasing, global FP decreasing) "
              "holds for every iteration of Phase I, and Phase I ends at a finite T1.",
    source=Source("fpc", "Lemma C.16 (Appendix C.2.4)",
                  "Lemma C.16. C.2 holds for all iteration , and at iteration , we have - a. ; - b. ."),
    assumptions=DATA_ASSUMPTIONS + (delta_sign(True), SIGN),
    depends_on=("fpc.lem5.3", "fpc.lem5.1", "fpc.lem5.2", "fpc.lemA.6"),
    config=Config,
    profiles={"quick": {}, "full": {"P": 256, "n_samples": 512, "steps": 1500}},
    predictions=predictions, check=check,
    derive=item_a_derivation,
    notes="Items a, b of the lemma (the values at the stage's end) are lost in the seed; stage 2 of "
          "Phase I cannot be separated from stage 1 (its boundary is lost), so the whole of Phase I is used.",
))
