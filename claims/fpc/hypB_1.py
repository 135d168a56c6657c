"""fpc.hypB.1: Induction Hypothesis B.1 (positive information gap), items (a) and (b),
checked at every recorded GD step (Appendix B.1)."""
from __future__ import annotations

from dataclasses import dataclass

from claims import Claim, Prediction, Source, register

from ._common import DATA_ASSUMPTIONS
from ._hypotheses import SIGN, common_predictions, delta_sign, hypothesis_check, item_a_derivation
from ._stages import DynConfig


@dataclass(frozen=True)
class Config(DynConfig):
    kappa_c: float = 0.9        # Delta = +0.6
    kappa_s: float = 0.2
    sign: int = 1               # -1 asserts the opposite directions (wrong-sign control)


def predictions(cfg):
    return common_predictions(cfg) + (
        Prediction("frac_two_phase", "Delta > 0 (what sets B.1 apart from B.2): every local pair is decoupled "
                   "first: the global FP's decoupling gradient dominates at the start and is overtaken later "
                   "(two phases, T1 > 0)", ">=", 1.0),)


CLAIM = register(Claim(
    id="fpc.hypB.1",
    title="Induction Hypothesis B.1 (Delta > 0): target FP increasing, global FP decreasing",
    kind="hypothesis",
    statement="For Delta > 0, at every step t: (a) the target FP correlation Phi_{p->v_{k,j}} is monotonically "
              "increasing; (b) if p is in a local area of k, Phi_{p->v_{k,1}} is monotonically decreasing.",
    statement_latex=(
        r"For $\Delta > 0$, at every step $t$: (a) the target FP correlation $\Phi^{(t)}_{p \to v_{k,j}}$ "
        r"is monotonically increasing; (b) if $p \in \mathcal{P}_{k,j}$ with $j \neq 1$ (a local area of "
        r"$k$), $\Phi^{(t)}_{p \to v_{k,1}}$ is monotonically decreasing."),
    source=Source("fpc", "Induction Hypothesis B.1 (Appendix B.1)",
                  "Induction Hypothesis B.1. For , given , for , the following holds - a. is monotonically "
                  "increasing, and ; - b. if , then is monotonically decreasing and ; - c. for ; - d. for , ; - e. ."),
    assumptions=DATA_ASSUMPTIONS + (delta_sign(True), SIGN),
    depends_on=("fpc.lem5.1", "fpc.lem5.2"),
    config=Config,
    profiles={"quick": {}, "full": {"P": 256, "n_samples": 512, "steps": 1500}},
    predictions=predictions, check=hypothesis_check, derive=item_a_derivation,
    notes="The bounds after 'and' in (a), (b) and items (c)-(e) are lost in the seed. Item (a) is proved "
          "symbolically and cannot fail numerically (by construction); item (b) is the measured statement. "
          "Items (a), (b) read the same for B.1 and B.2 in the seed, so each gets the phase item of its sign "
          "of Delta (two phases for B.1, one phase for B.2; claims/fpc/_phases.py), as fpc.thmF.1/F.2.",
))
