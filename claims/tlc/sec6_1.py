"""tlc.sec6.1: Figure 2 on a small MAE trained here: the relative distance between the i-th
SVD components of the original masked patches X_0 and of the reconstruction grows with the
index i = 1..5, and more steeply at a higher mask ratio (Section 6.1)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from claims import Assumption, Claim, Measurement, Prediction, Regime, Source, register

from ._common import fit_line, pretrain_settled, window_change
from ._mae import photo_mae, reconstruct


@dataclass(frozen=True)
class Config:
    mask_ratios: tuple = (0.5, 0.7, 0.9)    # quick: 3 ratios (budget); full: the 5 of Figure 2
    steps: int = 300             # MAE pre-training steps per mask ratio
    n_components: int = 5        # i = 1..5 as in Figure 2
    index_order: str = "as_is"   # "reversed" relabels i -> 6 - i (a wrong-sign control)
    recon: str = "model"         # "noisy": X_0 plus 5% Gaussian noise instead of the MAE (a reconstructed control)
    max_distance: float = 0.9    # regime: every component's median distance below this (1 = predicting zero)
    settle_tol: float = 0.05     # regime: relative loss change over the last 10% of steps


def component_distances(X0: np.ndarray, Xh: np.ndarray, k: int) -> np.ndarray | None:
    """||s_i u_i v_i^T - s^_i u^_i v^_i^T||_2^2 / ||s_i u_i v_i^T||_2^2 for i = 1..k (spectral norm),
    or None when X_0 has fewer than k non-negligible singular values."""
    U, s, Vt = np.linalg.svd(X0, full_matrices=False)
    Uh, sh, Vth = np.linalg.svd(Xh, full_matrices=False)
    if len(s) < k or s[k - 1] <= 1e-6 * s[0]:
        return None
    return np.array([np.linalg.norm(s[i] * np.outer(U[:, i], Vt[i]) - sh[i] * np.outer(Uh[:, i], Vth[i]), 2) ** 2
                     / s[i] ** 2 for i in range(k)])


def distances_for_ratio(mask_ratio, steps, n_components, seed, recon="model", device="cpu"):
    t = photo_mae(mask_ratio, steps, seed, device)
    rows, loss = reconstruct(t.model, t.test.images, mask_ratio, seed + 7)
    if recon == "noisy":
        rng = np.random.default_rng(seed)
        rows = [(X0, X0 + 0.05 * X0.std() * rng.standard_normal(X0.shape)) for X0, _ in rows]
    d = [x for X0, Xh in rows if (x := component_distances(X0, Xh, n_components)) is not None]
    d = np.array(d)
    return {"mask_ratio": mask_ratio, "mean": d.mean(0).tolist(), "median": np.median(d, 0).tolist(),
            "n_images": len(d), "test_loss": loss, "final_train_loss": t.history["loss"][-1],
            "settle": window_change(t.history["loss"])}


def predictions(cfg):
    return (
        Prediction("min_index_slope", "at every mask ratio the median distance (over images) grows with the "
                   "index i (smallest least-squares slope over ratios)", ">", 0.0,
                   math=r"\min_{\rho} \frac{\partial \, \operatorname{median} d_i}{\partial i} > 0"),
        Prediction("ratio_slope", "the index slope grows with the mask ratio (least-squares slope of the "
                   "median-based index slopes on the mask ratio)", ">", 0.0,
                   math=r"\frac{\partial}{\partial \rho} \frac{\partial \, \operatorname{median} d_i}{\partial i} > 0"),
    )


def regime(cfg):
    return (
        Regime("max_median_distance", f"every component i = 1..{cfg.n_components} is reconstructed at every mask "
               f"ratio: its median relative distance is below {cfg.max_distance} (a reconstruction without that "
               "component scores 1)", "<", cfg.max_distance, instrument=True),
        pretrain_settled("max_settle", "every MAE's", cfg.settle_tol),
    )


def check(cfg, ctx) -> Measurement:
    rows = ctx.map(distances_for_ratio, [dict(mask_ratio=m, steps=cfg.steps, n_components=cfg.n_components,
                                              seed=ctx.seed, recon=cfg.recon, device=ctx.device)
                                         for m in cfg.mask_ratios],
                   desc="Figure 2")
    idx = np.arange(1, cfg.n_components + 1)
    if cfg.index_order == "reversed":
        idx = idx[::-1]
    slopes = [fit_line(idx, r["median"])[0] for r in rows]
    rs, _ = fit_line(list(cfg.mask_ratios), slopes)
    return Measurement(
        values={"min_index_slope": min(slopes), "ratio_slope": rs,
                "max_median_distance": max(max(r["median"]) for r in rows),
                "max_settle": max(r["settle"] for r in rows)},
        evidence={"rows": rows, "index_slopes": dict(zip(map(str, cfg.mask_ratios), slopes)),
                  "mean_index_slopes": [fit_line(idx, r["mean"])[0] for r in rows]},
        series={"figure2": {"x": idx.tolist(), "ys": {f"mask {r['mask_ratio']:.0%}": r["median"] for r in rows},
                            "xlabel": "component index i", "ylabel": "median relative distance", "kind": "line"}})


CLAIM = register(Claim(
    id="tlc.sec6.1",
    title="Figure 2: leading SVD components are reconstructed best, more so at high mask ratio",
    kind="empirical",
    statement="For an MAE, the relative distance between the i-th SVD components of X_0 and of its reconstruction "
              "increases with i = 1..5, with a steeper slope at a higher mask ratio.",
    statement_latex=(
        r"For an MAE with $X_0 = \sum_{i=1}^r \sigma_{0,i} u_i v_i^\top$ and $\hat{X}_0 = \sum_{i=1}^r "
        r"\hat{\sigma}_{0,i} \hat{u}_i \hat{v}_i^\top$, the relative distance $\frac{\|\sigma_{0,i} u_i "
        r"v_i^\top - \hat{\sigma}_{0,i} \hat{u}_i \hat{v}_i^\top\|_2^2}{\|\sigma_{0,i} u_i "
        r"v_i^\top\|_2^2}$ increases with $i = 1, \dots, 5$, with a steeper slope at a higher mask ratio."),
    source=Source("tlc", "Section 6.1, Figure 2",
                  'results demonstrate: 1. The reconstructed image is low-rank, since the distances'
                  ' are increasing with 272 index, which means that the leading components are more'
                  ' closely approximated. 2. A higher mask 273 ratio tends to have smaller number o'
                  'f clusters, as the slope is steeper when mask ratio is higher.'),
    assumptions=(Assumption.integer("steps", 1),
                 Assumption.relation("index_order = 'as_is'", ("index_order",), lambda o: o == "as_is"),
                 Assumption.relation("recon = 'model'", ("recon",), lambda r: r == "model"),
                 Assumption.math("2 <= n_components <= 8",
                                 text="2 <= n_components <= 8 (N_0 >= 8 at mask 0.5 of 16 tokens)")),
    depends_on=("tlc.asm4.1",),
    config=Config,
    profiles={"quick": {}, "full": {"steps": 4000, "mask_ratios": (0.5, 0.6, 0.7, 0.8, 0.9)}},
    predictions=predictions, regime=regime, check=check,
    scale_fields=("steps",),
    reduced_scale="2+1-block MAEs (width 48) pre-trained here on 16x16 grey crops of scikit-image photographs, "
                  "not ViT-Tiny on CIFAR-10",
    interpretation="'The average distance' is read robustly: the median over images per component (the mean is "
                   "kept as evidence).",
    not_algebraic="an empirical statement about trained MAEs",
    notes="Small MAE (16x16 grey crops of scikit-image photographs, 4x4 patches, 2+1 blocks, width 48) instead of "
          "ViT-Tiny on CIFAR-10; distances with the spectral norm as printed; flat crops are dropped. "
          "Rule changed after seeing results: the means over images were driven by outliers (mean distances "
          "1.0-2.3 for i = 2..5 against medians 1.00-1.01), so the predictions use medians; the medians showed "
          "components 2-5 are not reconstructed at all (distance 1.0, what predicting zero scores), which makes "
          "'grows with i' trivially true, so 'every component is reconstructed' became an instrument condition; "
          "the old '2 standard errors' rule is replaced by the runner's interval over replicates. The quick "
          "profile uses 3 mask ratios (0.5, 0.7, 0.9; shared with tlc.asm4.1, tlc.eq17, tlc.thm4.3) for the time "
          "budget, cut after seeing 5-ratio results; only the full profile reaches the 5 ratios of Figure 2 and "
          "4000 pre-training steps.",
))
