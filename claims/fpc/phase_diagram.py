"""fpc.phase-diagram: over a grid of (kappa_c, kappa_s), the observed phase behaviour of
local queries (one or two phases, claims/fpc/_phases.py) against the sign of the information
gap Delta (Sections 5.2-5.4; Theorems F.3/F.4)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from claims import Claim, Measurement, Prediction, Source, register
from claims._base import Assumption
from models.data import DataConfig, Distribution

from . import _phases as ph
from ._runs import local_pairs, rates
from ._training import TrainSpec, train_reduced


@dataclass(frozen=True)
class Config:
    P: int = 64
    K: int = 2
    gamma: float = 0.5
    kappa_c_values: tuple = (0.5, 0.6, 0.7, 0.8, 0.9)
    kappa_s_values: tuple = (0.1, 0.2, 0.3, 0.4)
    margin: float = 0.2         # |Delta| >= margin: the theorem's |Delta| = Omega(1), made concrete
    n_samples: int = 192
    steps: int = 60             # phases are decided early (the switch happens within ~15 steps at lr 3)
    lr: float = 3.0
    delta_offset: float = 0.0   # predict with Delta + offset (a wrong formula, control)


def classify_point(P: int, K: int, gamma: float, kappa_c: float, kappa_s: float, n: int, steps: int,
                   lr: float, seed: int, device: str = 'cpu') -> dict:
    dist = Distribution(DataConfig(P=P, K=K, kappa_c=kappa_c, kappa_s=kappa_s, gamma=gamma))
    tr = train_reduced(dist, TrainSpec(n_samples=n, steps=steps, lr=lr, record_every=1, keep_ups=False),
                       torch.Generator().manual_seed(seed), device=device)
    grow, dec = rates(tr)
    loc = local_pairs(tr)
    res = ph.classify_run(grow[:, loc], dec[:, loc])
    return {"kappa_c": kappa_c, "kappa_s": kappa_s, "label": res["label"], "fractions": res["fractions"],
            "t1_median": float(np.median(res["t1"]))}


def predictions(cfg):
    return (Prediction("agreement", f"at every grid point with |Delta| >= {cfg.margin}, local queries are "
                       "two-phase iff Delta > 0 (majority of local pairs)", ">=", 1.0),)


def check(cfg, ctx) -> Measurement:
    grid = [(kc, ks) for ks in cfg.kappa_s_values for kc in cfg.kappa_c_values if ks < kc]
    pts = [{"P": cfg.P, "K": cfg.K, "gamma": cfg.gamma, "kappa_c": kc, "kappa_s": ks, "n": cfg.n_samples,
            "steps": cfg.steps, "lr": cfg.lr, "seed": ctx.seed * 1_000_003 + i, "device": ctx.device} for i, (kc, ks) in enumerate(grid)]
    rows = ctx.map(classify_point, pts, desc="phase diagram")
    agree, decided, all_agree, all_n = 0, 0, 0, 0
    z = [[None] * len(cfg.kappa_c_values) for _ in cfg.kappa_s_values]
    zpred = [[None] * len(cfg.kappa_c_values) for _ in cfg.kappa_s_values]
    for r in rows:
        delta = (1 - r["kappa_s"]) - 2 * (1 - r["kappa_c"])
        pred = ph.TWO if delta + cfg.delta_offset > 0 else ph.ONE
        r.update(Delta=delta, predicted=pred, agrees=r["label"] == pred)
        i, j = cfg.kappa_s_values.index(r["kappa_s"]), cfg.kappa_c_values.index(r["kappa_c"])
        z[i][j] = ph.LABEL_CODE[r["label"]]
        zpred[i][j] = ph.LABEL_CODE[pred]
        if abs(delta) >= 0.1 - 1e-9:
            all_n += 1
            all_agree += int(r["agrees"])
        if abs(delta) >= cfg.margin - 1e-9:
            decided += 1
            agree += int(r["agrees"])
    xs = np.linspace(min(cfg.kappa_c_values), max(cfg.kappa_c_values), 50)
    line = {"x": xs.tolist(), "y": (2 * xs - 1).tolist()}            # Delta = 0  <=>  kappa_s = 2 kappa_c - 1
    undecided = {} if decided else {"agreement": f"no grid point has |Delta| >= {cfg.margin}"}
    return Measurement(
        {"agreement": agree / decided if decided else float("nan"), "points_decided": decided,
         "agreement_all_abs_delta_ge_0.1": all_agree / all_n if all_n else float("nan")},
        {"points": rows, "codes": {"2": "two-phase", "1": "one-phase", "0": "mixed/undetermined"}},
        series={"phase_diagram": {"kind": "heatmap", "x": list(cfg.kappa_c_values), "y": list(cfg.kappa_s_values),
                                  "z": z, "z_predicted": zpred, "lines": {"Delta = 0": line},
                                  "xlabel": "kappa_c", "ylabel": "kappa_s",
                                  "zlabel": "observed phases of local queries (2 = two, 1 = one)"}},
        undecided=undecided)


CLAIM = register(Claim(
    id="fpc.phase-diagram",
    title="Phase diagram: two phases for local queries iff Delta > 0",
    kind="assertion",
    statement="Local queries learn their target FP correlation in two phases (global decoupling first) when "
              "Delta > 0 and in one phase when Delta < 0; over a grid of (kappa_c, kappa_s) the observed "
              "behaviour agrees with the sign of Delta.",
    source=Source("fpc", "Section 5 overview; Section 5.4; Theorems F.3, F.4",
                  "Our characterization of training phases differentiates between whether is located in the "
                  "global or local areas and further varies based on whether is positive or negative."),
    assumptions=(Assumption.integer("P", 16), Assumption.range("margin", 0, None),
                 Assumption.relation("the predicted boundary is Delta = 0: delta_offset = 0", ("delta_offset",),
                                     lambda d: d == 0)),
    depends_on=("fpc.thmF.3", "fpc.thmF.4", "fpc.eq4.1"),
    config=Config,
    profiles={"quick": {}, "full": {"P": 512, "n_samples": 512, "steps": 200,
                                    "kappa_c_values": (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9),
                                    "kappa_s_values": (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)}},
    predictions=predictions, check=check,
    not_algebraic="a classification of GD trajectories",
))
