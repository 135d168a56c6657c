"""fpc.hypB.2: Induction Hypothesis B.2 (negative information gap), items (a) and (b),
checked at every recorded GD step (Appendix B.2)."""
from __future__ import annotations

from claims import Claim, Prediction, Source, register

from ._common import DATA_ASSUMPTIONS
from ._cost import trajectory_cost
from ._hypotheses import (
    HYPOTHESIS_B,
    HYPOTHESIS_B_NOTES,
    SIGN,
    NegativeGap,
    common_predictions,
    delta_sign,
    hypothesis_b_statement,
)

Config = NegativeGap


def predictions(cfg):
    return common_predictions(cfg) + (
        Prediction("frac_one_phase", "Delta < 0 (what sets B.2 apart from B.1): every local pair's target FP "
                   "gradient dominates the global decoupling from the first step (one phase, T1 = 0)", ">=", 1.0),)


CLAIM = register(Claim(
    id="fpc.hypB.2",
    cost=trajectory_cost,
    title="Induction Hypothesis B.2 (Delta < 0): target FP increasing, global FP decreasing",
    **hypothesis_b_statement(positive=False),
    source=Source("fpc", "Induction Hypothesis B.2 (Appendix B.2)",
                  "Now we turn to the case that . Induction Hypothesis B.2. For , given , for , the following "
                  "holds - a. is monotonically increasing, and ; - b. if , then is monotonically decreasing "
                  "and ; - c. for ; - d. for , ; - e. ."),
    assumptions=DATA_ASSUMPTIONS + (delta_sign(False), SIGN),
    config=Config, predictions=predictions, **HYPOTHESIS_B,
    notes=HYPOTHESIS_B_NOTES + "B.2 gets the one-phase item of its sign of Delta (claims/fpc/_phases.py), as "
          "fpc.thmF.2.",
))
