"""fpc.sec3.1: attention on positions alone (Phi frozen at 0, only the PP correlations
learn) reconstructs well when there is one cluster (K = 1) and not when clusters have
different partitions (K > 1) (Section 3.1)."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from claims import Claim, Measurement, Prediction, Source, register
from claims._base import Assumption
from models.data import DataConfig, Distribution

from ._common import DATA_ASSUMPTIONS, MIMConfig
from ._stages import query_end_stats
from ._training import TrainSpec, train_reduced


@dataclass(frozen=True)
class Config(MIMConfig):
    K_values: tuple = (1, 2, 3)
    n_samples: int = 256
    steps: int = 600
    lr: float = 3.0
    good: float = 0.05          # "reconstructs well": (loss - L*)/(loss_0 - L*) <= good
    bad: float = 0.2            # "does not": the same ratio >= bad for every K > 1
    freeze_phi: bool = True     # False trains the FP correlations too (a violated premise, control)


def run_K(P: int, K: int, kappa_c: float, kappa_s: float, gamma: float, n: int, steps: int, lr: float,
          freeze_phi: bool, seed: int, device: str = 'cpu') -> dict:
    dist = Distribution(DataConfig(P=P, K=K, kappa_c=kappa_c, kappa_s=kappa_s, gamma=gamma))
    tr = train_reduced(dist, TrainSpec(n_samples=n, steps=steps, lr=lr, record_every=max(1, steps // 50),
                                       keep_ups=False, freeze_phi=freeze_phi), torch.Generator().manual_seed(seed), device=device)
    b = tr.batch
    own = b.area_idx.gather(1, b.masked_idx)
    star = float((0.5 * b.z.gather(1, own) ** 2 * (~tr.final.reachable_q).double()).sum(1).mean())
    q = query_end_stats(tr)
    return {"K": K, "rel_gap": float((tr.loss[-1] - star) / (tr.loss[0] - star)), "loss_end": float(tr.loss[-1]),
            "L_star": star, "own_attn_local": q["local"]["own_attn_mean"], "own_attn_global": q["global"]["own_attn_mean"],
            "loss_curve": tr.loss.tolist(), "steps": tr.steps.tolist()}


def predictions(cfg):
    return (Prediction("rel_gap_K1", "K = 1: positional attention reconstructs well", "<=", cfg.good),
            Prediction("min_rel_gap_K_gt_1", "K > 1: it does not, for every K > 1 of the sweep", ">=", cfg.bad))


def check(cfg, ctx) -> Measurement:
    pts = [{"P": cfg.P, "K": K, "kappa_c": cfg.kappa_c, "kappa_s": cfg.kappa_s, "gamma": cfg.gamma,
            "n": cfg.n_samples, "steps": cfg.steps, "lr": cfg.lr, "freeze_phi": cfg.freeze_phi,
            "seed": ctx.seed * 1_000_003 + K, "device": ctx.device} for K in cfg.K_values]
    rows = ctx.map(run_K, pts, desc="positional-only attention")
    by = {r["K"]: r for r in rows}
    more = [r["rel_gap"] for r in rows if r["K"] > 1]
    series = {"loss_minus_Lstar": {"x": rows[0]["steps"], "ys": {f"K={r['K']}": [v - r["L_star"] for v in r["loss_curve"]]
                                                                for r in rows},
                                   "xlabel": "GD step", "ylabel": "loss - L* (Phi frozen at 0)", "logy": True,
                                   "kind": "line"}}
    for r in rows:
        del r["loss_curve"], r["steps"]
    return Measurement({"rel_gap_K1": by[1]["rel_gap"], "min_rel_gap_K_gt_1": min(more)},
                       {"rows": rows}, series=series)


CLAIM = register(Claim(
    id="fpc.sec3.1",
    title="Positional attention alone reconstructs for K = 1 but not for K > 1",
    kind="assertion",
    statement="With the FP correlations frozen at 0, GD on the PP correlations reaches near-optimal reconstruction "
              "when K = 1 and stays far from it when the clusters have different partitions (K > 1).",
    source=Source("fpc", "Section 3.1",
                  "Therefore, when various patterns appear in the data distribution (e.g., in our settings with "
                  "more than one cluster ), relying solely on positional correlations is insufficient."),
    assumptions=DATA_ASSUMPTIONS[2:] + (
        Assumption.relation("K_values contains 1 and some K > 1", ("K_values",),
                            lambda ks: 1 in ks and any(k > 1 for k in ks)),
        Assumption.relation("positional attention only: freeze_phi = True", ("freeze_phi",), lambda f: f is True)),
    depends_on=("fpc.eq3.2",),
    config=Config,
    profiles={"quick": {}, "full": {"P": 256, "n_samples": 1024, "steps": 3000, "K_values": (1, 2, 3, 4, 8)}},
    predictions=predictions, check=check,
    not_algebraic="a training outcome",
    notes="'Well' = (loss - L*)/(loss_0 - L*) <= 0.05 (L* the unavoidable error of the sample); "
          "'not well' = >= 0.2. PP logits do not see the mask, so positional attention to the own area is "
          "shared between its masked and unmasked patches: own_attn_local / own_attn_global in the evidence "
          "separate locating the area (which positions can do for K = 1) from reconstructing it.",
))
