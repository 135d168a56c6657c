"""fpc.thmF.1: Theorem F.1 (Appendix F.1): for sufficiently large P, Hypothesis B.1 holds at
all iterations (Delta > 0). Items (a), (b) checked at every step over a sweep of P, plus the
item that makes B.1 the Delta > 0 hypothesis: local queries go through two phases."""
from __future__ import annotations

from dataclasses import dataclass

from claims import Claim, Prediction, Source, register

from ._common import DATA_ASSUMPTIONS
from ._cost import p_sweep_cost
from ._hypotheses import SIGN, delta_sign
from ._thm_f import AB_ITEMS_LATEX, P_SWEEP, SIZES, PSweepConfig, ab_predictions


@dataclass(frozen=True)
class Config(PSweepConfig):
    kappa_c: float = 0.9
    kappa_s: float = 0.2


def predictions(cfg):
    return ab_predictions(cfg) + regime_item(cfg)


def regime_item(cfg):
    return (Prediction("frac_two_phase_largest_P", "Delta > 0 (what B.1 adds to B.2): every local query's "
                       "global FP correlation is decoupled first: the decoupling gradient dominates the target "
                       "growth at the start and is overtaken later (two phases, T1 > 0), at the largest P",
                       ">=", 1.0),)


CLAIM = register(Claim(
    id="fpc.thmF.1",
    cost=p_sweep_cost,
    title="Theorem F.1 (Delta > 0): Hypothesis B.1 holds at all iterations for large P",
    statement="For sufficiently large P (and suitable eta), Induction Hypothesis B.1 holds for all iterations "
              "when Delta > 0; checked for items (a) and (b) at every step, over a sweep of P, with the two "
              "phases of local queries that set B.1 apart from B.2.",
    statement_latex=(
        r"For sufficiently large $P$ and a suitable $\eta$, when $\Delta > 0$ Induction Hypothesis B.1 "
        r"holds for all iterations $t$: " + AB_ITEMS_LATEX + r"; checked at every step over a sweep of $P$, "
        r"with the two phases of local queries ($T_1 > 0$) that set B.1 apart from B.2."),
    source=Source("fpc", "Theorem F.1 (Appendix F.1)",
                  "Theorem F.1 (Positive Information Gap). For sufficiently large , , , "
                  "B.1 holds for all iterations ."),
    assumptions=DATA_ASSUMPTIONS[1:] + (delta_sign(True), SIGN, SIZES),
    depends_on=("fpc.hypB.1", "fpc.lemC.16", "fpc.lemC.23", "fpc.lemC.30", "fpc.lemE.3"),
    config=Config, predictions=predictions, **P_SWEEP,
))
