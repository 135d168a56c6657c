"""ssl.mae-near-optimal: MAE's per-patch loss approaches its infimum L_p* for both signs of
Delta (seed 000, Key Results; fpc Theorem 4.1 (1), Lemma A.9)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from claims import Assumption, Claim, Measurement, Prediction, Source, register

from ._common import REGIMES, RegimeConfig, mae_claim_fields, mae_cost, mae_runs, regime_deltas


@dataclass(frozen=True)
class Config(RegimeConfig):
    eps_loss: float = 0.05       # L_p - L_p* <= eps_loss for every patch p (Theorem 4.1 (1))
    settle_tol: float = 0.05     # regime: the mean loss gap fell by <= this share of its fall in the last 10%
    freeze_phi: bool = False     # control: positional-only attention (fpc Section 3.1)


def predictions(cfg):
    return [Prediction(f"max_gap_{r}", f"Delta={delta:+.2f}: max over patches p of L_p - L_p* "
                       f"after {cfg.mae_steps} GD steps", "<=", cfg.eps_loss,
                       math=(rf"\max_p \left(L_p(Q) - L_p^*\right) \le {cfg.eps_loss:g} "
                             rf"\quad (\Delta = {delta:+.2f})"))
            for r, delta in regime_deltas(cfg)]


def check(cfg, ctx) -> Measurement:
    runs = mae_runs(cfg, ctx)
    values, evidence, boxes, curves = {}, {}, {}, {}
    steps = [c[0] for c in runs[0]["curve"]]
    for r, x in zip(REGIMES, runs):
        gap, star = np.asarray(x["gap"]), np.asarray(x["loss_star"])    # (P,)
        values[f"max_gap_{r}"] = float(gap.max())
        values[f"settle_{r}"] = x["settle"]
        evidence[r] = {"delta": x["delta"], "area_sizes": x["sizes"], "mean_gap": float(gap.mean()),
                       "initial_max_gap": x["curve"][0][1], "mean_L_star": float(star.mean()),
                       "relative_excess": float(gap.mean() / star.mean())}
        boxes[f"{r} (Delta={x['delta']:+.2f})"] = gap.round(6).tolist()
        curves[r] = [max(c[1], 1e-12) for c in x["curve"]]
    return Measurement(
        values=values, evidence=evidence, scale={"P": cfg.P},
        series={"gap_per_patch": {"kind": "box", "x": list(boxes), "ys": boxes, "xlabel": "regime",
                                  "ylabel": "L_p - L_p* (per patch)"},
                "max_gap_vs_step": {"kind": "line", "x": steps, "ys": curves, "xlabel": "GD step",
                                    "ylabel": "max_p (L_p - L_p*)", "logy": True}},
        notes=f"Gaps measured on {cfg.n_eval} fresh images (L_p and L_p* are expectations over "
              "images and masks given p masked); a small negative gap is sampling noise.")


CLAIM = register(Claim(
    id="ssl.mae-near-optimal",
    cost=mae_cost,
    title="MAE's per-patch loss approaches its infimum L_p*, for both signs of Delta",
    kind="theorem",
    statement="GD on the MAE objective from Q = 0 reaches L_p(Q) - L_p* <= eps for every patch p "
              "(L_p* = E[1/2 z_j^2 1{own area fully masked} | p masked], Lemma A.9), for Delta > 0 and "
              "for Delta < 0.",
    statement_latex=(
        r"Gradient descent on the MAE objective from $Q = 0$ reaches $L_p(Q) - L_p^* \le \varepsilon$ for "
        r"every patch $p$, where $L_p^* = \mathbb{E}\left[\frac{1}{2} z_j^2 \, \mathbf{1}\{\text{own area "
        r"fully masked}\} \mid p \text{ masked}\right]$ (Lemma A.9), for $\Delta > 0$ and for $\Delta < "
        r"0$."),
    source=Source("ssl", "Key Results; Theorem 4.1 (1) of fpc, extended in v3",
                  "MAE converges to near-optimal reconstruction while preserving local attention "
                  "diversity, whereas CL converges to global-only attention"),
    depends_on=("fpc.eq3.2", "ssl.mae-diverse"),
    config=Config,
    predictions=predictions, check=check,
    not_algebraic="A training outcome; L_p* itself is the exact expectation of Lemma A.9 per sample.",
    notes="eps_loss = 0.05 was fixed before running. Why this value: Theorem 4.1 (1) holds for any eps in "
          "(0, 1) with polynomially many steps, so a check must pick one eps its step budget can reach; the "
          "scale is the gap at Q = 0, about 1/2 E[z^2] = 7/6 for a local patch (z uniform on [1, 2]), and "
          "0.05 is about 4% of it. It is also the loss-side counterpart of ssl.mae-diverse's eps_attn = 0.1: "
          "by Lemma A.10 (as encoded) the gap is at most U^2 E[d^2] with attention deficit d, and d <= 0.1 "
          "gives 4 * 0.01 = 0.04 <= 0.05. The measured gaps (about 0.001-0.004 at the quick size) are an order "
          "of magnitude below it, so the verdict does not hinge on the choice; a tenfold smaller eps (0.005) "
          "would still hold. Control: without training (mae_steps = 0) the largest gap is about 1.0 and it fails. The "
          "old per-claim seeds loop is now the runner's replicates.",
    **mae_claim_fields(Assumption.range("eps_loss", 0)),
))
