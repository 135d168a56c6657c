"""fpc.lemC.30: end of the convergence stage for local queries with Delta > 0 (Lemma C.30,
Appendix C.4.4): Hypothesis C.4 (a, b) holds on [T2, end]; at the end the own-area attention
of masked local queries is >= 1 - eps and their loss gap <= eps."""
from __future__ import annotations

from dataclasses import dataclass

from claims import Claim, Measurement, Prediction, Source, register
from claims._base import Assumption

from ._common import DATA_ASSUMPTIONS
from ._runs import trajectory
from ._stages import DynConfig, converged, monotone_counts, query_end_stats, series_of, signed, stages
from .hypb1 import SIGN, delta_sign, item_a_derivation, item_a_note


@dataclass(frozen=True)
class Config(DynConfig):
    kappa_c: float = 0.9        # Delta = +0.6
    kappa_s: float = 0.2
    sign: int = 1
    eps: float = 0.1            # the target accuracy of the lemma


def predictions(cfg):
    return (
        Prediction("a_violations", "(a) target FP never decreases during the convergence stage", "<=", 0,
                   by_construction=item_a_note(cfg)),
        Prediction("b_violations", "(b) global FP of local queries never increases during it", "<=", 0),
        Prediction("own_attn_deficit", "2: masked queries attend to their area's unmasked patches: "
                   "1 - mean attn_{p->P_{k,j} cap U} <= eps", "<=", cfg.eps),
        Prediction("loss_gap", "1: mean per-query loss gap L_p - L_p* <= eps", "<=", cfg.eps),
    )


def end_measure(cfg, ctx, which: str, use_stage: bool) -> Measurement:
    tr = trajectory(cfg, ctx.seed, ctx.device)
    st = stages(tr)
    lo = st["t2"] if use_stage else None
    c = monotone_counts(signed(tr, cfg.sign), lo, None, which)
    q = query_end_stats(tr)[which]
    conv, change = converged(tr)
    undecided = {} if conv else {n: f"the loss still moved by {change:.2e} (relative) over the last 10% of "
                                    "the run: raise steps" for n in ("own_attn_deficit", "loss_gap")}
    values = {"a_violations": c["a_violations"], "own_attn_deficit": 1 - q["own_attn_mean"],
              "loss_gap": q["gap_mean"]}
    if "b_violations" in c:
        values["b_violations"] = c["b_violations"]
    return Measurement(values, {"counts": c, "end_queries": q, "loss_change_last_10pct": change,
                                "final_step": int(tr.steps[-1])},
                       series={"correlations": series_of(tr, loc_only=(which == "local"))}, undecided=undecided)


def check(cfg, ctx) -> Measurement:
    return end_measure(cfg, ctx, "local", True)


EPS = Assumption.range("eps", 0, 1)

CLAIM = register(Claim(
    id="fpc.lemC.30",
    title="End of training for local queries (Delta > 0): area-wide attention and small loss gap",
    statement="For Delta > 0 and p local in k, Hypothesis C.4 holds through the convergence stage and at its "
              "end the loss gap is at most eps and, if p is masked, attn_{p->P_{k,j} cap U} >= 1 - O(eps).",
    source=Source("fpc", "Lemma C.30 (Appendix C.4.4)",
                  "Lemma C.30. For , and , suppose . Then C.4 holds for all , and at iteration , we have - 1. ; "
                  "- 2. If , we have ."),
    assumptions=DATA_ASSUMPTIONS + (delta_sign(True), SIGN, EPS),
    depends_on=("fpc.lemC.23", "fpc.lemA.9", "fpc.lemA.10"),
    config=Config,
    profiles={"quick": {}, "full": {"P": 256, "n_samples": 512, "steps": 1500}},
    predictions=predictions, check=check,
    derive=item_a_derivation,
    notes="Items 1-2 are reconstructed from their use in the proof of Theorem F.3 (loss gap and area "
          "attention); O(eps) is read with constant 1. Verdict inconclusive when the loss has not settled.",
))
