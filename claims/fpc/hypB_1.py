"""fpc.hypB.1: Induction Hypothesis B.1 (positive information gap), items (a) and (b),
checked at every recorded GD step (Appendix B.1)."""
from __future__ import annotations

from claims import Claim, Prediction, Source, register

from ._common import DATA_ASSUMPTIONS
from ._cost import trajectory_cost
from ._hypotheses import (
    HYPOTHESIS_B,
    HYPOTHESIS_B_NOTES,
    SIGN,
    PositiveGap,
    common_predictions,
    delta_sign,
    hypothesis_b_statement,
)

Config = PositiveGap


def predictions(cfg):
    return common_predictions(cfg) + (
        Prediction("frac_two_phase", "Delta > 0 (what sets B.1 apart from B.2): every local pair is decoupled "
                   "first: the global FP's decoupling gradient dominates at the start and is overtaken later "
                   "(two phases, T1 > 0)", ">=", 1.0),)


CLAIM = register(Claim(
    id="fpc.hypB.1",
    cost=trajectory_cost,
    title="Induction Hypothesis B.1 (Delta > 0): target FP increasing, global FP decreasing",
    **hypothesis_b_statement(positive=True),
    source=Source("fpc", "Induction Hypothesis B.1 (Appendix B.1)",
                  "Induction Hypothesis B.1. For , given , for , the following holds - a. is monotonically "
                  "increasing, and ; - b. if , then is monotonically decreasing and ; - c. for ; - d. for , ; - e. ."),
    assumptions=DATA_ASSUMPTIONS + (delta_sign(True), SIGN),
    config=Config, predictions=predictions, **HYPOTHESIS_B,
    notes=HYPOTHESIS_B_NOTES + "each gets the phase item of its sign of Delta (two phases for B.1, one phase for "
          "B.2; claims/fpc/_phases.py), as fpc.thmF.1/F.2.",
))
