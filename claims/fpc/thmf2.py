"""fpc.thmF.2: Theorem F.2 (Appendix F.1): for sufficiently large P, Hypothesis B.2 holds at
all iterations (Delta < 0). Items (a), (b) checked at every step over a sweep of P."""
from __future__ import annotations

from dataclasses import dataclass

from claims import Claim, Source, register

from ._common import DATA_ASSUMPTIONS
from ._stages import DynConfig
from .hypb1 import SIGN, delta_sign
from .thmf1 import SIZES, predictions, sweep


@dataclass(frozen=True)
class Config(DynConfig):
    kappa_c: float = 0.5
    kappa_s: float = 0.3
    P_values: tuple = (32, 48, 64, 96)
    steps: int = 150           # (a), (b) are checked over the whole run, whatever its length
    sign: int = 1


CLAIM = register(Claim(
    id="fpc.thmF.2",
    title="Theorem F.2 (Delta < 0): Hypothesis B.2 holds at all iterations for large P",
    kind="theorem",
    statement="For sufficiently large P (and suitable eta), Induction Hypothesis B.2 holds for all iterations "
              "when Delta < 0; checked for items (a) and (b) at every step, over a sweep of P.",
    source=Source("fpc", "Theorem F.2 (Appendix F.1)",
                  "Theorem F.2 (Negative Information Gap). For sufficiently large , , , B.2 holds for all iterations ."),
    assumptions=DATA_ASSUMPTIONS[1:] + (delta_sign(False), SIGN, SIZES),
    depends_on=("fpc.hypB.2", "fpc.lemD.3", "fpc.lemE.3"),
    config=Config,
    profiles={"quick": {}, "full": {"P_values": (64, 128, 256, 512, 1024), "n_samples": 512, "steps": 1500}},
    predictions=predictions, check=sweep,
    not_algebraic="a statement about GD trajectories",
))
