"""fpc.lemC.23: end of the rapid-growth stage of Phase II (Lemma C.23, Appendix C.3.4):
Hypothesis C.3 (items a, b) holds on [T1, T2] and the growth then decelerates."""
from __future__ import annotations

import numpy as np

from claims import Claim, Measurement, Source, register

from ._common import DATA_ASSUMPTIONS
from ._cost import trajectory_cost
from ._hypotheses import DYNAMICS, SIGN, PositiveGap, delta_sign, stage_measure, stage_predictions
from ._runs import rates

Config = PositiveGap


def predictions(cfg):
    return stage_predictions(cfg, "the rapid-growth stage [T1, T2]",
                             "the stage ends: after the growth peak T2 the growth rate falls below half its peak")


def decelerates(tr, st) -> np.ndarray:
    grow = rates(tr)[0][:, st["loc"]]                                 # (T, n)
    n = grow.shape[1]
    peak = grow[st["t2"], np.arange(n)]
    return (st["t1"] >= 0) & (grow[-1] < 0.5 * peak)


def check(cfg, ctx) -> Measurement:
    return stage_measure(cfg, ctx, lambda st: np.maximum(st["t1"], 0), lambda st: st["t2"] + 1, decelerates)


CLAIM = register(Claim(
    id="fpc.lemC.23",
    cost=trajectory_cost,
    title="End of Phase II rapid growth (Delta > 0): Hypothesis C.3 holds, then growth decelerates",
    statement="For Delta > 0 and p local in k, Hypothesis C.3 (target FP increasing, global FP decreasing) "
              "holds through the rapid-growth stage of Phase II, which ends.",
    statement_latex=(
        r"For $\Delta > 0$ and $p$ in a local area $\mathcal{P}_{k,j}$ ($j \neq 1$), Hypothesis C.3 "
        r"($\Phi^{(t)}_{p \to v_{k,j}}$ increasing, $\Phi^{(t)}_{p \to v_{k,1}}$ decreasing) holds for "
        r"$T_1 \le t \le T_2$ (the rapid-growth stage of Phase II), which ends."),
    source=Source("fpc", "Lemma C.23 (Appendix C.3.4)",
                  "Lemma C.23. C.3 holds for all , and at iteration , we have - a. ; - b. if ."),
    assumptions=DATA_ASSUMPTIONS + (delta_sign(True), SIGN),
    depends_on=("fpc.lemC.16", "fpc.lem5.1", "fpc.lem5.2"),
    config=Config, predictions=predictions, check=check, **DYNAMICS,
    notes="Stage boundaries are lost in the seed; the rapid-growth stage is [T1, T2] with T2 the peak of the "
          "target growth rate after T1 (claims/fpc/_phases.py). Items a, b of the lemma are lost.",
))
