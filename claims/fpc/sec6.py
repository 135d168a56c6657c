"""fpc.sec6: the masked model has the most diverse last-layer attention (Section 6, Figure 3),
re-run on small ViTs trained here on scikit-learn's bundled digits with three objectives."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from claims import Assumption, Claim, Measurement, Prediction, Regime, Source, register
from models.images import load_digits_images, split
from models.metrics import attention_distance, attention_diversity, attention_nmi, grid_coords
from models.vit import MAE, TrainConfig, ViTConfig, pretrain_mae
from models.vit_objectives import (
    OBJECTIVES,
    ContrastiveViT,
    SupervisedViT,
    last_layer_attention,
    train_contrastive,
    train_supervised,
)

from ._cost import Work
from ._training import to_cpu

OTHERS = ("contrastive", "supervised")


@dataclass(frozen=True)
class Config:
    img_size: int = 8            # digits are 8x8; larger sizes resize them
    patch: int = 2               # 4 x 4 grid of 16 patches
    dim: int = 32
    depth: int = 2
    heads: int = 4
    steps: int = 800             # AdamW steps per model (warm-up + cosine, as the MAE recipe)
    batch_size: int = 64
    lr: float = 3e-3
    mask_ratio: float = 0.75     # MAE masking ratio (He et al.)
    tau: float = 0.2             # InfoNCE temperature (MoCo v3)
    n_eval: int = 150            # held-out images whose attention is measured (Figure 3: 152)
    top_k: int = 3               # top-k keys per query (Figure 3: top-10 of 196 patches)
    min_accuracy: float = 0.9    # regime: the supervised model is trained (held-out accuracy)
    settle_tol: float = 0.05     # regime: share of the loss's total fall left for the second half
    perturb: str = ""            # control: "collapse_mae" gives every MAE query the mean map


def settle_change(loss: list[float]) -> float:
    """Fraction of the run's total loss decrease that still happens in the second half of the
    run: from the window [45%, 55%) of the steps to the last 10% (> 0: still falling). The
    middle of a cosine schedule still has half the peak step size, so a loss that is still
    learning falls there; the last 10% alone would look flat because the step size is ~0."""
    T = len(loss)
    if T < 20:
        return 1.0                       # too short to tell: not settled
    mid, end = float(np.mean(loss[int(0.45 * T):int(0.55 * T)])), float(np.mean(loss[int(0.9 * T):]))
    drop = float(np.mean(loss[:max(1, T // 20)])) - end
    return (mid - end) / drop if drop > 0 else 1.0


def train_point(*, objective: str, seed: int, vit: dict, train: dict, tau: float, n_eval: int,
                top_k: int, perturb: str, device: str = "cpu") -> dict:
    """Train one model, measure its last-layer attention on held-out digits."""
    torch.manual_seed(seed)
    cfg = ViTConfig(**vit)
    data = load_digits_images(cfg.img_size)
    tr, te = split(data, seed=0)
    tc = TrainConfig(**train)
    if objective == "mae":
        model = MAE(cfg)
        loss = pretrain_mae(model, tr.images, tc, seed=seed, device=device)["loss"]
        enc = model.encoder
    elif objective == "contrastive":
        model = ContrastiveViT(cfg)
        loss = train_contrastive(model, tr.images, tc, tau=tau, seed=seed, device=device)
        enc = model.encoder
    else:
        model = SupervisedViT(cfg)
        loss = train_supervised(model, tr.images, tr.labels, tc, seed=seed, device=device)
        enc = model.encoder
    imgs = te.images[:n_eval].to(device)
    A = last_layer_attention(enc, imgs).to(torch.float64)               # (n, heads, T, T)
    if perturb == "collapse_mae" and objective == "mae":
        A = A.mean(-2, keepdim=True).expand_as(A)                       # every query: same map
    C = grid_coords(cfg.grid)
    out = {"objective": objective, "seed": seed,
           "diversity": attention_diversity(A, C, k=top_k).tolist(),    # (n, heads)
           "nmi": attention_nmi(A).tolist(), "distance": attention_distance(A, C).tolist(),
           "loss_first": loss[0] if loss else None, "loss_last": float(np.mean(loss[-10:])) if loss else None,
           "settle": settle_change(loss)}
    if objective == "supervised":
        with torch.no_grad():
            pred = to_cpu(model(te.images.to(device)).argmax(1))
            out["test_accuracy"] = float((pred == te.labels).float().mean())
    return out


def predictions(cfg):
    return (Prediction("diversity_margin", "the median attention diversity (over held-out images and last-layer "
                       "heads) of the MAE model exceeds that of the contrastive and of the supervised model; "
                       "value = MAE median - best other median", ">", 0.0),)


def regime(cfg):
    return (
        Regime("supervised_accuracy", "the supervised model (the DeiT stand-in) is trained: held-out accuracy "
               f">= {cfg.min_accuracy}", ">=", cfg.min_accuracy, instrument=True),
        Regime("max_settle_change", "every model's training loss has settled: it falls by at most "
               f"{cfg.settle_tol} of its total fall over the second half of training (from the [45%, 55%) "
               "window of the steps to the last 10%)", "<=", cfg.settle_tol, instrument=True),
    )


def check(cfg, ctx) -> Measurement:
    vit = {"img_size": cfg.img_size, "patch": cfg.patch, "dim": cfg.dim, "depth": cfg.depth,
           "heads": cfg.heads, "dec_dim": 16, "dec_heads": 2}
    train = {"steps": cfg.steps, "batch_size": cfg.batch_size, "lr": cfg.lr, "mask_ratio": cfg.mask_ratio}
    pts = [{"objective": o, "seed": ctx.seed_for("sec6", o), "vit": vit, "train": train, "tau": cfg.tau,
            "n_eval": cfg.n_eval, "top_k": cfg.top_k, "perturb": cfg.perturb, "device": ctx.device}
           for o in OBJECTIVES]
    by = {r["objective"]: r for r in ctx.map(train_point, pts, desc="ViT objectives")}
    med = {o: float(np.median(by[o]["diversity"])) for o in OBJECTIVES}
    summary = {o: {"diversity_median": med[o],
                   "diversity_quartiles": np.percentile(by[o]["diversity"], [25, 50, 75]).tolist(),
                   "nmi_median": float(np.median(by[o]["nmi"])),
                   "distance_median": float(np.median(by[o]["distance"])),
                   "loss_first_last": (by[o]["loss_first"], by[o]["loss_last"]),
                   "settle_change": by[o]["settle"]} for o in OBJECTIVES}
    summary["supervised"]["test_accuracy"] = by["supervised"]["test_accuracy"]
    heads = {f"{o} h{h}": np.asarray(by[o]["diversity"])[:, h].round(4).tolist()
             for o in OBJECTIVES for h in range(cfg.heads)}
    return Measurement(
        values={"diversity_margin": med["mae"] - max(med[o] for o in OTHERS),
                "supervised_accuracy": by["supervised"]["test_accuracy"],
                "max_settle_change": max(by[o]["settle"] for o in OBJECTIVES),
                **{f"diversity_median_{o}": med[o] for o in OBJECTIVES},
                **{f"nmi_median_{o}": summary[o]["nmi_median"] for o in OBJECTIVES}},
        evidence={"per_objective": summary, "grid": cfg.img_size // cfg.patch},
        series={"diversity_by_objective": {"kind": "box", "x": list(OBJECTIVES),
                                           "ys": {o: np.asarray(by[o]["diversity"]).ravel().round(4).tolist()
                                                  for o in OBJECTIVES},
                                           "xlabel": "objective", "ylabel": f"attention diversity (top-{cfg.top_k})",
                                           "title": "last layer, all heads, held-out digits"},
                "diversity_by_head": {"kind": "box", "x": list(heads), "ys": heads,
                                      "xlabel": "objective, head", "ylabel": "attention diversity",
                                      "title": "as Figure 3: one box per head"},
                "nmi_by_objective": {"kind": "box", "x": list(OBJECTIVES),
                                     "ys": {o: np.asarray(by[o]["nmi"]).ravel().round(6).tolist() for o in OBJECTIVES},
                                     "xlabel": "objective", "ylabel": "NMI of attention maps (Park et al. 2023)"}},
        notes="Diversity ignores how peaked a map is: near-uniform maps get a top-k order from tiny "
              "differences; the NMI (0 = the same map for every query) is reported beside it.")


# ----------------------------------------------------------------------------- declared cost
def sec6_cost(cfg) -> list[Work]:
    vit = {"img_size": cfg.img_size, "patch": cfg.patch, "dim": cfg.dim, "depth": cfg.depth,
           "heads": cfg.heads, "dec_dim": 16, "dec_heads": 2}
    train = {"batch_size": cfg.batch_size, "lr": cfg.lr, "mask_ratio": cfg.mask_ratio}
    return [Work("claims.fpc.sec6:vit_point", {"objective": o, "vit": vit, "train": train, "tau": cfg.tau,
                                                "n_eval": cfg.n_eval, "top_k": cfg.top_k, "perturb": cfg.perturb,
                                                "record_every": 50},
                 count=cfg.steps, steps_arg="steps") for o in OBJECTIVES]


def vit_point(*, train: dict, steps: int, record_every: int = 50, seed: int = 0, **kw) -> None:
    """sec6's ``train_point`` with ``steps`` training steps (``record_every`` only sets how many
    steps the estimator times)."""
    train_point(train={**train, "steps": steps}, seed=seed, **kw)


CLAIM = register(Claim(
    id="fpc.sec6",
    cost=sec6_cost,
    title="MAE-trained ViTs have the most diverse last-layer attention (Figure 3)",
    kind="empirical",
    statement="On held-out images, the attention diversity metric of the last-layer heads of a masked "
              "autoencoder is higher than that of a contrastive and of a supervised model of the same "
              "architecture (MoCo v3 / DeiT stand-ins trained here).",
    statement_latex=(
        r"On held-out images, the attention diversity of the last-layer heads of a masked autoencoder is "
        r"higher than that of a contrastive (MoCo v3) and of a supervised (DeiT) model of the same "
        r"architecture: $\mathrm{div}_{\mathrm{MAE}} > \mathrm{div}_{\mathrm{MoCo}}$ and "
        r"$\mathrm{div}_{\mathrm{MAE}} > \mathrm{div}_{\mathrm{DeiT}}$ (stand-ins trained here)."),
    source=Source("fpc", "Section 6, Figure 3",
                  "It can be seen that the MIM model is particularly effective in learning more diverse "
                  "attention patterns, setting it apart from other models that prioritize a uniform "
                  "global information with less attention diversity."),
    assumptions=(
        Assumption.integer("steps", 1), Assumption.integer("n_eval", 2),
        Assumption.math("min_accuracy >= 0.9 & settle_tol <= 0.05",
                        text="the regime bounds are the stated ones: min_accuracy >= 0.9, settle_tol <= 0.05"),
        Assumption.relation("1 <= top_k <= number of patches", ("top_k", "img_size", "patch"),
                            lambda k, s, p: isinstance(k, int) and 1 <= k <= (s // p) ** 2),
        Assumption.range("mask_ratio", 0, 1),
        Assumption.relation("the attention maps are the trained models' own (perturb empty)",
                            ("perturb",), lambda p: p == ""),
    ),
    depends_on=(),
    config=Config,
    profiles={"quick": {}, "full": {"img_size": 16, "patch": 2, "dim": 96, "depth": 4, "heads": 4,
                                    "steps": 3000, "batch_size": 128, "lr": 1e-3, "top_k": 5}},
    predictions=predictions, check=check, regime=regime,
    reduced_scale="2-layer ViTs (dim 32, 16 patches) trained here on 8x8 digits, not ViT-B/16 on ImageNet",
    scale_fields=("steps", "dim", "depth", "img_size"),
    not_algebraic="An empirical comparison of trained models.",
    notes="Pretrained ViT-B/16 weights (the paper's MAE, MoCo v3, DINO, DeiT) cannot be downloaded here; "
          "the suite trains small ViTs with the MAE recipe's optimiser on the bundled digits. DINO is "
          "not re-implemented. Quick profile: 16 patches, top-3 (about the paper's fraction of top-10 "
          "of 196 is 5%; 3 of 16 is the smallest k with a rank order beyond the first two). "
          "Rule changed after seeing results: at 200 steps (lr 1e-3, batch 64) the models were undertrained "
          "(supervised accuracy 51-69%, NMI 1e-4 to 8e-3, attention distance about 2.0 for all three). Two "
          "regime conditions (instrument conditions: an untrained model makes a holds as meaningless as a "
          "fails) now come first: supervised held-out accuracy >= 0.9, and every loss settled. Settling was "
          "first read from the last 10% of steps; with a cosine schedule the step size is near 0 there, so "
          "that reading called a 400-step contrastive model settled although its loss still fell from 2.6 "
          "to 1.5 with longer training. It is now the fall over the second half of the run (from the [45%, "
          "55%) window to the last 10%) as a share of the total fall, <= 0.05. Probes at seed 0: the "
          "contrastive loss is still falling at 1000-2000 steps (share 0.15-0.17), while the MAE (0.001-"
          "0.005) and supervised (0.02) losses settle; the MAE's median diversity moved between 0.5 and 3.3 "
          "across recipes (400-2000 steps) with its last-layer maps nearly query-independent (NMI 1e-4 to "
          "4e-3), so the metric is read off near-uniform maps and the verdict hinges on training length. "
          "The quick recipe (800 steps, lr 3e-3, batch 64) is what the time budget allows; the full profile "
          "(3000 steps) is the run that may settle the contrastive model. The old per-claim seeds loop is gone: "
          "each replicate trains one model per objective.",
))
