"""fpc.lemC.16: end of Phase I (Lemma C.16, Appendix C.2.4): Hypothesis C.2 (items a, b)
holds through Phase I and Phase I ends (the switch T1 is reached) for every local pair."""
from __future__ import annotations

import numpy as np

from claims import Claim, Measurement, Source, register

from ._common import DATA_ASSUMPTIONS
from ._cost import trajectory_cost
from ._hypotheses import DYNAMICS, SIGN, PositiveGap, delta_sign, stage_measure, stage_predictions

Config = PositiveGap


def predictions(cfg):
    return stage_predictions(cfg, "Phase I [0, T1)", "every local pair reaches the end of Phase I (0 < T1)")


def check(cfg, ctx) -> Measurement:
    return stage_measure(cfg, ctx, lambda st: np.zeros_like(st["t1"]), lambda st: np.maximum(st["t1"], 0),
                         lambda tr, st: st["t1"] > 0)


CLAIM = register(Claim(
    id="fpc.lemC.16",
    cost=trajectory_cost,
    title="End of Phase I (Delta > 0): Hypothesis C.2 holds and the switch is reached",
    statement="For Delta > 0 and p local in k, Hypothesis C.2 (target FP increasing, global FP decreasing) "
              "holds for every iteration of Phase I, and Phase I ends at a finite T1.",
    statement_latex=(
        r"For $\Delta > 0$ and $p$ in a local area $\mathcal{P}_{k,j}$ ($j \neq 1$), Hypothesis C.2 "
        r"($\Phi^{(t)}_{p \to v_{k,j}}$ increasing, $\Phi^{(t)}_{p \to v_{k,1}}$ decreasing) holds for "
        r"every iteration $t < T_1$ of Phase I, and Phase I ends at a finite $T_1$."),
    source=Source("fpc", "Lemma C.16 (Appendix C.2.4)",
                  "Lemma C.16. C.2 holds for all iteration , and at iteration , we have - a. ; - b. ."),
    assumptions=DATA_ASSUMPTIONS + (delta_sign(True), SIGN),
    depends_on=("fpc.lem5.3", "fpc.lem5.1", "fpc.lem5.2", "fpc.lemA.6"),
    config=Config, predictions=predictions, check=check, **DYNAMICS,
    notes="Items a, b of the lemma (the values at the stage's end) are lost in the seed; stage 2 of "
          "Phase I cannot be separated from stage 1 (its boundary is lost), so the whole of Phase I is used.",
))
