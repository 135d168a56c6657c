"""fpc.thmF.1: Theorem F.1 (Appendix F.1): for sufficiently large P, Hypothesis B.1 holds at
all iterations (Delta > 0). Items (a), (b) checked at every step over a sweep of P."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from claims import Claim, Measurement, Prediction, Source, register
from claims._base import Assumption

from ._common import DATA_ASSUMPTIONS
from ._training import TrainSpec, train_reduced
from ._stages import DynConfig, monotone_counts, signed
from .hypb1 import SIGN, delta_sign
from models.data import DataConfig, Distribution


@dataclass(frozen=True)
class Config(DynConfig):
    kappa_c: float = 0.9
    kappa_s: float = 0.2
    P_values: tuple = (32, 48, 64, 96)
    steps: int = 150           # (a), (b) are checked over the whole run, whatever its length
    sign: int = 1


def run_point(P: int, K: int, kappa_c: float, kappa_s: float, gamma: float, n: int, steps: int,
              lr: float, sign: int, seed: int, device: str = 'cpu') -> dict:
    dist = Distribution(DataConfig(P=P, K=K, kappa_c=kappa_c, kappa_s=kappa_s, gamma=gamma))
    tr = train_reduced(dist, TrainSpec(n_samples=n, steps=steps, lr=lr, record_every=1, keep_ups=False),
                       torch.Generator().manual_seed(seed), device=device)
    tr = signed(tr, sign)
    loc, glo = monotone_counts(tr, which="local"), monotone_counts(tr, which="global")
    return {"P": P, "a_violations": loc["a_violations"] + glo["a_violations"],
            "a_checked": loc["a_checked"] + glo["a_checked"], "b_violations": loc["b_violations"],
            "b_checked": loc["b_checked"], "final_loss": float(tr.loss[-1])}


def predictions(cfg):
    return (
        Prediction("a_violations_largest_P", f"(a) holds at every step at the largest P = {max(cfg.P_values)}",
                   "<=", 0),
        Prediction("b_violations_largest_P", "(b) holds at every step at the largest P", "<=", 0),
    )


def sweep(cfg, ctx) -> Measurement:
    pts = [{"P": P, "K": cfg.K, "kappa_c": cfg.kappa_c, "kappa_s": cfg.kappa_s, "gamma": cfg.gamma,
            "n": cfg.n_samples, "steps": cfg.steps, "lr": cfg.lr, "sign": cfg.sign,
            "seed": ctx.seed * 1_000_003 + P, "device": ctx.device} for P in sorted(cfg.P_values)]
    rows = ctx.map(run_point, pts, desc="hypothesis over P")
    last = rows[-1]
    return Measurement({"a_violations_largest_P": last["a_violations"], "b_violations_largest_P": last["b_violations"]},
                       {"rows": rows, "Delta": (1 - cfg.kappa_s) - 2 * (1 - cfg.kappa_c)},
                       series={"violations_vs_P": {"x": [r["P"] for r in rows],
                               "ys": {"(a) violations": [r["a_violations"] for r in rows],
                                      "(b) violations": [r["b_violations"] for r in rows]},
                               "xlabel": "P", "ylabel": "steps x pairs violating", "logx": True, "kind": "line"}})


SIZES = Assumption.relation("P_values: integers >= 16", ("P_values",),
                            lambda ps: len(ps) >= 1 and all(isinstance(p, int) and p >= 16 for p in ps))

CLAIM = register(Claim(
    id="fpc.thmF.1",
    title="Theorem F.1 (Delta > 0): Hypothesis B.1 holds at all iterations for large P",
    kind="theorem",
    statement="For sufficiently large P (and suitable eta), Induction Hypothesis B.1 holds for all iterations "
              "when Delta > 0; checked for items (a) and (b) at every step, over a sweep of P.",
    source=Source("fpc", "Theorem F.1 (Appendix F.1)",
                  "Theorem F.1 (Positive Information Gap). For sufficiently large , , , B.1 holds for all iterations ."),
    assumptions=DATA_ASSUMPTIONS[1:] + (delta_sign(True), SIGN, SIZES),
    depends_on=("fpc.hypB.1", "fpc.lemC.16", "fpc.lemC.23", "fpc.lemC.30", "fpc.lemE.3"),
    config=Config,
    profiles={"quick": {}, "full": {"P_values": (64, 128, 256, 512, 1024), "n_samples": 512, "steps": 1500}},
    predictions=predictions, check=sweep,
    not_algebraic="a statement about GD trajectories",
))
