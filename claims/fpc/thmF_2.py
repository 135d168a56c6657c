"""fpc.thmF.2: Theorem F.2 (Appendix F.1): for sufficiently large P, Hypothesis B.2 holds at
all iterations (Delta < 0). Items (a), (b) checked at every step over a sweep of P, plus the
item that makes B.2 the Delta < 0 hypothesis: the target grows from the start (one phase)."""
from __future__ import annotations

from dataclasses import dataclass

from claims import Claim, Prediction, Source, register

from ._common import DATA_ASSUMPTIONS
from ._cost import p_sweep_cost
from ._hypotheses import SIGN, delta_sign
from ._thm_f import AB_ITEMS_LATEX, P_SWEEP, SIZES, PSweepConfig, ab_predictions


@dataclass(frozen=True)
class Config(PSweepConfig):
    kappa_c: float = 0.5
    kappa_s: float = 0.3


def predictions(cfg):
    return ab_predictions(cfg) + (
        Prediction("frac_one_phase_largest_P", "Delta < 0 (what B.2 adds to B.1): every local query's target "
                   "FP gradient dominates the global decoupling from the first step (one phase, T1 = 0), at "
                   "the largest P", ">=", 1.0),)


CLAIM = register(Claim(
    id="fpc.thmF.2",
    cost=p_sweep_cost,
    title="Theorem F.2 (Delta < 0): Hypothesis B.2 holds at all iterations for large P",
    statement="For sufficiently large P (and suitable eta), Induction Hypothesis B.2 holds for all iterations "
              "when Delta < 0; checked for items (a) and (b) at every step, over a sweep of P, with the single "
              "phase of local queries that sets B.2 apart from B.1.",
    statement_latex=(
        r"For sufficiently large $P$ and a suitable $\eta$, when $\Delta < 0$ Induction Hypothesis B.2 "
        r"holds for all iterations $t$: " + AB_ITEMS_LATEX + r"; checked at every step over a sweep of $P$, "
        r"with the single phase of local queries ($T_1 = 0$) that sets B.2 apart from B.1."),
    source=Source("fpc", "Theorem F.2 (Appendix F.1)",
                  "Theorem F.2 (Negative Information Gap). For sufficiently large , , , "
                  "B.2 holds for all iterations ."),
    assumptions=DATA_ASSUMPTIONS[1:] + (delta_sign(False), SIGN, SIZES),
    depends_on=("fpc.hypB.2", "fpc.lemD.3", "fpc.lemE.3"),
    config=Config, predictions=predictions, **P_SWEEP,
))
