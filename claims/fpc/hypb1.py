"""fpc.hypB.1: Induction Hypothesis B.1 (positive information gap), items (a) and (b),
checked at every recorded GD step (Appendix B.1)."""
from __future__ import annotations

from dataclasses import dataclass

from claims import Claim, Measurement, Prediction, Source, register
from claims._base import Assumption

from ._common import DATA_ASSUMPTIONS
from ._runs import trajectory
from ._stages import DynConfig, monotone_counts, series_of, signed, smallness


@dataclass(frozen=True)
class Config(DynConfig):
    kappa_c: float = 0.9        # Delta = +0.6
    kappa_s: float = 0.2
    sign: int = 1               # -1 asserts the opposite directions (wrong-sign control)


def predictions(cfg):
    return (
        Prediction("a_violations", "(a) Phi_{p->v_{k,j}} never decreases, for every (p, k) and step", "<=", 0),
        Prediction("b_violations", "(b) for p local in k, Phi_{p->v_{k,1}} never increases", "<=", 0),
    )


def hypothesis_check(cfg, ctx) -> Measurement:
    tr = signed(trajectory(cfg, ctx.seed, ctx.device), cfg.sign)
    loc = monotone_counts(tr, which="local")
    glo = monotone_counts(tr, which="global")
    return Measurement(
        {"a_violations": loc["a_violations"] + glo["a_violations"], "b_violations": loc["b_violations"]},
        {"local": loc, "global": glo, "end_state": smallness(tr), "Delta": (1 - cfg.kappa_s) - 2 * (1 - cfg.kappa_c),
         "steps_recorded": len(tr.steps)},
        series={"correlations": series_of(tr)},
        notes="Items (c)-(e) of the hypothesis lost their formulas in the seed; their subject "
              "(other FP and PP correlations stay small) is measured in end_state and judged by "
              "fpc.sec5.4-pp.")


def delta_sign(positive: bool) -> Assumption:
    if positive:
        return Assumption.relation("information gap Delta = (1-kappa_s) - 2(1-kappa_c) > 0",
                                   ("kappa_c", "kappa_s"), lambda c, s: (1 - s) - 2 * (1 - c) > 0)
    return Assumption.relation("information gap Delta = (1-kappa_s) - 2(1-kappa_c) < 0",
                               ("kappa_c", "kappa_s"), lambda c, s: (1 - s) - 2 * (1 - c) < 0)


SIGN = Assumption.relation("the directions are the stated ones: sign = 1", ("sign",), lambda s: s == 1)

CLAIM = register(Claim(
    id="fpc.hypB.1",
    title="Induction Hypothesis B.1 (Delta > 0): target FP increasing, global FP decreasing",
    kind="hypothesis",
    statement="For Delta > 0, at every step t: (a) the target FP correlation Phi_{p->v_{k,j}} is monotonically "
              "increasing; (b) if p is in a local area of k, Phi_{p->v_{k,1}} is monotonically decreasing.",
    source=Source("fpc", "Induction Hypothesis B.1 (Appendix B.1)",
                  "Induction Hypothesis B.1. For , given , for , the following holds - a. is monotonically "
                  "increasing, and ; - b. if , then is monotonically decreasing and ; - c. for ; - d. for , ; - e. ."),
    assumptions=DATA_ASSUMPTIONS + (delta_sign(True), SIGN),
    depends_on=("fpc.lem5.1", "fpc.lem5.2"),
    config=Config,
    profiles={"quick": {}, "full": {"P": 256, "n_samples": 512, "steps": 1500}},
    predictions=predictions, check=hypothesis_check,
    not_algebraic="a statement about a GD trajectory: checked at every recorded step",
    notes="The bounds after 'and' in (a), (b) and items (c)-(e) are lost in the seed.",
))
