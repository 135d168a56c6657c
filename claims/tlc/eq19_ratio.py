"""tlc.eq19.ratio: the sentence after (19), "N/N_0 = 1 - mask_ratio" (Section 5.1)."""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from claims import Assumption, Claim, Derivation, Measurement, Prediction, Source, register
from claims._sym import identity


@dataclass(frozen=True)
class Config:
    tokens: tuple = (16, 64, 196)                     # T = N + N_0 (MAE masking of T patches)
    mask_ratios: tuple = (0.5, 0.6, 0.7, 0.75, 0.8, 0.9)
    visible_over: str = "masked"                      # "masked": N/N_0 (as written); "all": N/(N + N_0)


def predictions(cfg):
    return (Prediction("max_gap", "N/N_0 = 1 - mask_ratio for the MAE's masking (max |gap|, "
                       "allowing the integer rounding of N = int(T(1 - m)))", "<=", 0.0,
                       math=r"\max_{\rho} \left|\frac{N}{N_0} - (1 - \rho)\right| \le 0"),)


def check(cfg, ctx) -> Measurement:
    import torch

    from models.vit import random_masking
    rows = []
    for T in cfg.tokens:
        for m in cfg.mask_ratios:
            _, mask, _ = random_masking(1, T, m, torch.Generator().manual_seed(ctx.seed))
            N0 = int(mask.sum())
            N = T - N0
            val = N / N0 if cfg.visible_over == "masked" else N / T
            rounding = 1.0 / T                               # int() moves N by < 1 token
            rows.append({"T": T, "mask_ratio": m, "N": N, "N0": N0, "value": val, "one_minus_m": 1 - m,
                         "gap": max(0.0, abs(val - (1 - m)) - rounding), "N_over_T": N / T})
    worst = max(rows, key=lambda r: r["gap"])
    return Measurement(values={"max_gap": worst["gap"]}, evidence={"rows": rows, "worst": worst},
                       series={"ratio": {"x": [r["mask_ratio"] for r in rows], "ys": {
                           "N/N_0": [r["N"] / r["N0"] for r in rows], "1 - m": [r["one_minus_m"] for r in rows],
                           "N/(N+N_0)": [r["N_over_T"] for r in rows]}, "xlabel": "mask ratio", "kind": "scatter"}})


def derive(cfg) -> Derivation:
    m, T = sp.symbols("m T", positive=True)
    N, N0 = (1 - m) * T, m * T
    lhs = N / N0 if cfg.visible_over == "masked" else N / (N + N0)
    return Derivation((identity("ratio", lhs, 1 - m, f"{'N/N_0' if cfg.visible_over == 'masked' else 'N/(N+N_0)'}"
                                " = 1 - m with N = (1-m)T visible and N_0 = mT masked tokens",
                                constraint=lambda pt: 0 < pt[m] < 1),),
                      note="N/N_0 = (1-m)/m; the residual (1-m)/m - (1-m) = (1-m)^2/m vanishes for no 0 < m < 1. "
                           "The corrected statement N/(N + N_0) = 1 - m holds.")


CLAIM = register(Claim(
    id="tlc.eq19.ratio",
    title="The sentence after (19): N/N_0 = 1 - mask_ratio",
    kind="assertion",
    statement="With N visible and N_0 masked tokens at mask ratio m, N/N_0 = 1 - m.",
    statement_latex=(
        r"With $N$ visible and $N_0$ masked tokens at mask ratio $\rho$, $\frac{N}{N_0} = 1 - \rho$ (the "
        r"sentence after (19), as written)."),
    source=Source("tlc", "Section 5.1, after eq. (19)",
                  "As $\\frac{N}{N_0} = 1 - \\text{mask_ratio}$, s is thus determined by the masking ratio."),
    assumptions=(Assumption.relation("visible_over = 'masked' (the sentence as written)", ("visible_over",),
                                     lambda v: v == "masked"),
                 Assumption.math("0 < rho < 1", each=("mask_ratios", "rho"),
                                 text="every mask ratio rho lies in (0, 1)")),
    depends_on=("tlc.eq19",),
    config=Config,
    profiles={"quick": {}, "full": {"tokens": (16, 64, 196, 576)}},
    deterministic=True, predictions=predictions, check=check, derive=derive,
    notes="s is still a function of the mask ratio, s proportional to (1-m)/m, so the conclusion of the "
          "sentence survives with the corrected ratio.",
))
