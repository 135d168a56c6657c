"""fpc.thmF.4: Theorem F.4 (Delta < 0), item 3 (Appendix F.3; Section 5.4): every area
learns its FP correlation in one phase, other FP and PP correlations staying near 0."""
from __future__ import annotations

from dataclasses import dataclass

from claims import Claim, Measurement, Prediction, Source, register

from ._common import DATA_ASSUMPTIONS
from ._stages import DynConfig
from .hypb1 import delta_sign
from .thmf3 import phase_values, small_predictions


@dataclass(frozen=True)
class Config(DynConfig):
    kappa_c: float = 0.5        # Delta = -0.3
    kappa_s: float = 0.3


def predictions(cfg):
    return (
        Prediction("frac_local_one_phase", "every local pair is one-phase: target growth dominates the "
                   "global decoupling from the first step", ">=", 1.0),
        Prediction("frac_global_one_phase", "every global-area pair is one-phase", ">=", 1.0),
    ) + small_predictions(cfg)


def check(cfg, ctx) -> Measurement:
    v, e, s = phase_values(cfg, ctx)
    return Measurement(v, e, s, notes="Phases per claims/fpc/_phases.py.")


CLAIM = register(Claim(
    id="fpc.thmF.4",
    title="Theorem F.4 (Delta < 0): one phase for every area",
    kind="theorem",
    statement="For Delta < 0, for every p and k, the increase of the target FP correlation dominates throughout "
              "training, whereas all other FP correlations and the PP correlations remain close to 0.",
    source=Source("fpc", "Theorem F.4, item 3 (Appendix F.3); Section 5.4",
                  "All areas learning feature attention correlation through one-phase: given , throughout the "
                  "training, the increase of dominates, whereas all with and position attention correlations "
                  "remain close to ."),
    assumptions=DATA_ASSUMPTIONS + (delta_sign(False),),
    depends_on=("fpc.lemD.3", "fpc.lemE.3", "fpc.thmF.2", "fpc.lemA.9", "fpc.lemA.10", "fpc.eq4.1"),
    config=Config,
    profiles={"quick": {}, "full": {"P": 256, "n_samples": 512, "steps": 1500}},
    predictions=predictions, check=check,
    not_algebraic="a statement about a GD trajectory",
    notes="'Close to 0' is fixed as at most small_ratio (1/3) of the smallest learned target FP.",
))
