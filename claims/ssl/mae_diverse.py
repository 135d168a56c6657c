"""ssl.mae-diverse: MAE learns the FP correlations of every area, global and local, for both
signs of Delta (seed 000, Key Results; fpc Theorem 4.1 (2) extended to both regimes in v3)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from claims import Assumption, Claim, Measurement, Prediction, Source, register

from ._common import REGIMES, RegimeConfig, mae_claim_fields, mae_cost, mae_runs, regime_deltas


@dataclass(frozen=True)
class Config(RegimeConfig):
    eps_attn: float = 0.1        # area-wide attention: own-area attention >= 1 - eps_attn
    settle_tol: float = 0.05     # regime: the mean loss gap fell by <= this share of its fall in the last 10%
    freeze_phi: bool = False     # control: positional-only attention (Phi stays 0, fpc Sec. 3.1)


def predictions(cfg):
    out = []
    for r, delta in regime_deltas(cfg):
        dl = f"Delta={delta:+.2f}"
        out += [
            Prediction(f"own_attn_q_min_{r}", f"{dl}: every masked query (each image and mask) whose own area "
                       "has an unmasked patch, of every area of every cluster, puts >= 1 - eps_attn of its "
                       "attention on its own area's unmasked patches", ">=", 1 - cfg.eps_attn,
                       math=(r"\min_{p \in \mathcal{P}_{k,j} \text{ masked}} "
                             r"\sum_{q \in \mathcal{P}_{k,j} \text{ unmasked}} \mathrm{attn}_{p,q} "
                             rf"\ge {1 - cfg.eps_attn:g} \quad (\Delta = {delta:+.2f})")),
            Prediction(f"fp_own_max_frac_{r}", f"{dl}: for every position and cluster the FP correlation "
                       "to its own area's feature is the largest of that cluster's", ">=", 1.0,
                       math=(r"\text{fraction of } (p, k) \text{ whose own-area FP correlation is the largest} "
                             rf"\ge 1 \quad (\Delta = {delta:+.2f})")),
        ]
    return out


def check(cfg, ctx) -> Measurement:
    runs = mae_runs(cfg, ctx, attn_floor=1 - cfg.eps_attn)
    values, evidence, boxes = {}, {}, {}
    for r, x in zip(REGIMES, runs):
        own = np.asarray(x["own_attn"])                                  # (P, K) mean per position, cluster
        glob = np.asarray(x["area"]) == 0
        values[f"own_attn_q_min_{r}"] = x["q_all"]["min"]
        values[f"fp_own_max_frac_{r}"] = float(np.asarray(x["fp_own_is_max"]).mean())
        values[f"settle_{r}"] = x["settle"]
        evidence[r] = {"delta": x["delta"], "area_sizes": x["sizes"],
                       "per_query": {k: x[f"q_{k}"] for k in ("all", "global", "local")},
                       "typical_reading_min_of_mean_per_position_cluster": float(np.nanmin(own)),
                       "own_attn_median": float(np.nanmedian(own)),
                       "unreached_positions": int(np.isnan(own).sum())}
        boxes[f"{r} global"] = own[glob].round(5).tolist()
        boxes[f"{r} local"] = own[~glob].round(5).tolist()
    return Measurement(
        values=values, evidence=evidence, scale={"P": cfg.P},
        series={"own_area_attention": {
            "kind": "box", "x": list(boxes), "ys": boxes, "xlabel": "regime, area of the query",
            "ylabel": "mean attention of a masked query to its own area (per position, cluster)",
            "title": "MAE: own-area attention, both signs of Delta"}},
        notes=f"One training run per regime per replicate; statistics on {cfg.n_eval} fresh images.")


CLAIM = register(Claim(
    id="ssl.mae-diverse",
    cost=mae_cost,
    title="MAE learns the FP correlations of every area, global and local, for both signs of Delta",
    kind="theorem",
    statement="GD on the MAE objective from Q = 0 drives every masked query p in area P_{k,j} to put "
              "attention >= 1 - O(eps) on the unmasked patches of its own area, global and local alike, "
              "with its own-area FP correlation the largest, whether Delta > 0 or Delta < 0.",
    statement_latex=(
        r"Gradient descent on the MAE objective from $Q = 0$ drives every masked query $p \in "
        r"\mathcal{P}_{k,j}$ to put attention $\sum_{q \in \mathcal{P}_{k,j},\, q \text{ unmasked}} "
        r"\mathrm{attn}_{p,q} \ge 1 - O(\varepsilon)$ on the unmasked patches of its own area, global and "
        r"local areas alike, with its own-area feature-position correlation the largest, whether $\Delta >"
        r" 0$ or $\Delta < 0$."),
    source=Source("ssl", "Key Results; Theorem 4.1 (fpc) extended in v3",
                  "MAE maintains diverse attention patterns by capturing both global and local "
                  "feature-position correlations"),
    depends_on=("fpc.eq3.2",),
    config=Config,
    predictions=predictions, check=check,
    not_algebraic="A training outcome: measured by GD on the exact reduced model.",
    interpretation="'every' reading: Theorem 4.1 (2) and the sentence after it ('for any masked query patch "
                   "... the transformer exhibits an area-wide pattern of attention') speak of each masked "
                   "query, so the check takes the minimum over every masked query of every image and mask "
                   "(own area not fully masked), not over per-position averages. The proof holds on the "
                   "high-probability event of Lemma A.6, whose complement vanishes only as P grows, so a "
                   "failure at small P (areas of 2-4 patches) is reduced scale, not a refutation.",
    notes="eps_attn = 0.1 is the O(eps) of Theorem 4.1 (2), fixed before running. Loss normaliser as in "
          "fpc: sum over masked patches of an image, averaged over images. Rule changed after an audit: the "
          "check used to take the minimum over (position, cluster) of the MEAN own-area attention (0.971 / "
          "0.974 at the quick size), which measures the 'typical' query, not 'every' query as the prediction "
          "said; per query the minimum is lower (0.878 / 0.745 at seed 0 with the old seeding, 0.1% / 1.05% "
          "of queries below 0.9). "
          "The typical reading is kept as evidence. The quick profile (P = 32, local areas of 2-4 patches) is "
          "reduced scale; the full profile (P = 128) decides. The old per-claim seeds loop is now the runner's "
          "replicates.",
    **mae_claim_fields(Assumption.range("eps_attn", 0, 1)),
))
