"""fpc.thm4.1-steps: the number of GD steps Theorem 4.1 needs to reach a loss gap eps grows
polynomially in P (and in 1/eps): measured over a sweep of P and fitted, power law against
exponential."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from claims import Claim, Measurement, Prediction, Source, register
from claims._base import Assumption
from models.data import DataConfig, Distribution

from ._fit import exp_fit, power_fit
from ._training import TrainSpec, train_reduced


@dataclass(frozen=True)
class Config:
    kappa_pairs: tuple = ((0.9, 0.2), (0.5, 0.3))   # Delta = +0.6 and -0.3
    P_values: tuple = (16, 32, 64, 128)     # doubling sizes
    eps: float = 0.01            # per masked query: (loss - L*)/m <= eps
    eps_values: tuple = (0.05, 0.02, 0.01, 0.005)   # for the 1/eps fit at the largest P
    K: int = 2
    gamma: float = 0.5
    n_samples: int = 96
    steps: int = 200             # budget; a size that does not reach eps leaves the fit undecided
    lr: float = 3.0
    lr_halving: float = 0.0      # lr * 2^(-P/lr_halving) if > 0: an exponentially slower schedule (control)


def steps_to_eps(P: int, kappa_c: float, kappa_s: float, K: int, gamma: float, n: int, steps: int,
                 lr: float, eps_values: tuple, seed: int, device: str = 'cpu') -> dict:
    dist = Distribution(DataConfig(P=P, K=K, kappa_c=kappa_c, kappa_s=kappa_s, gamma=gamma))
    tr = train_reduced(dist, TrainSpec(n_samples=n, steps=steps, lr=lr, record_every=1, keep_ups=False),
                       torch.Generator().manual_seed(seed), device=device)
    b = tr.batch
    own = b.area_idx.gather(1, b.masked_idx)
    star = float((0.5 * b.z.gather(1, own) ** 2 * (~tr.final.reachable_q).double()).sum(1).mean())
    gap = (tr.loss - star) / dist.cfg.n_masked                              # per masked query
    hit = {str(e): (int(tr.steps[np.argmax(gap <= e)]) if (gap <= e).any() else None) for e in eps_values}
    return {"P": P, "kappa_c": kappa_c, "kappa_s": kappa_s, "lr": lr, "steps_to": hit,
            "gap_start": float(gap[0]), "gap_end": float(gap[-1])}


def predictions(cfg):
    return (Prediction("max_ratio_growth", "polynomial, not exponential, growth in P: along the doubling sweep "
                       "the ratio T(2P)/T(P) does not grow (last ratio - first ratio, worst pair)", "<=", 0.5),)


def check(cfg, ctx) -> Measurement:
    eps_all = tuple(sorted(set(cfg.eps_values) | {cfg.eps}, reverse=True))
    pts = [{"P": P, "kappa_c": kc, "kappa_s": ks, "K": cfg.K, "gamma": cfg.gamma, "n": cfg.n_samples,
            "steps": cfg.steps, "lr": cfg.lr * (2.0 ** (-P / cfg.lr_halving) if cfg.lr_halving > 0 else 1.0),
            "eps_values": eps_all, "seed": ctx.seed * 1_000_003 + P, "device": ctx.device}
           for kc, ks in cfg.kappa_pairs for P in cfg.P_values]
    rows = ctx.map(steps_to_eps, pts, desc="steps to eps")
    per, worst, undecided, ys = [], -np.inf, {}, {}
    nP = len(cfg.P_values)
    for i, (kc, ks) in enumerate(cfg.kappa_pairs):
        rs = rows[i * nP:(i + 1) * nP]
        T = [r["steps_to"][str(cfg.eps)] for r in rs]
        ys[f"kc={kc}, ks={ks}"] = T
        entry = {"kappa_c": kc, "kappa_s": ks, "Delta": (1 - ks) - 2 * (1 - kc), "T": T}
        if all(t is not None and t > 0 for t in T):
            fp, fe = power_fit(cfg.P_values, T), exp_fit(cfg.P_values, T)
            ratios = [b / a for a, b in zip(T, T[1:])]
            entry.update(power=fp.as_json(), exponential=fe.as_json(), doubling_ratios=ratios)
            worst = max(worst, ratios[-1] - ratios[0])
        else:
            undecided["max_ratio_growth"] = f"some P did not reach eps={cfg.eps} in {cfg.steps} steps"
        Te = [rs[-1]["steps_to"][str(e)] for e in cfg.eps_values]
        entry["T_vs_eps"] = dict(zip(map(str, cfg.eps_values), Te))
        if all(t is not None and t > 0 for t in Te):
            inv = [1 / e for e in cfg.eps_values]
            entry.update(eps_power=power_fit(inv, Te).as_json(), eps_exponential=exp_fit(inv, Te).as_json())
        per.append(entry)
    return Measurement(
        {"max_ratio_growth": float(worst) if np.isfinite(worst) else float("nan")},
        {"pairs": per, "rows": rows},
        series={"steps_to_eps_vs_P": {"x": list(cfg.P_values), "ys": ys, "xlabel": "P",
                                      "ylabel": f"GD steps to gap <= {cfg.eps}", "logx": True, "logy": True,
                                      "kind": "line"}},
        undecided=undecided,
        notes="Exponents (with 95% intervals) of T vs P and of T vs 1/eps, and the power-law and exponential "
              "fits, are in evidence.pairs.")


CLAIM = register(Claim(
    id="fpc.thm4.1-steps",
    title="Theorem 4.1: the steps needed to reach a loss gap eps grow polynomially in P and 1/eps",
    kind="theorem",
    statement="GD with a suitable eta reaches L_p - L_p* <= eps after poly(P, 1/eps) steps, for either sign of Delta.",
    source=Source("fpc", "Theorem 4.1 (Section 4); Theorems F.3, F.4 item 1",
                  "The loss converges: after iterations, , where is the global minimum of patch-level "
                  "construction loss in (4.2)."),
    assumptions=(Assumption.range("eps", 0, 1), Assumption.relation(
        "the step size does not decay exponentially with P: lr_halving = 0", ("lr_halving",), lambda h: h == 0),
        Assumption.relation("at least 3 sizes, each twice the previous", ("P_values",),
                            lambda ps: len(ps) >= 3 and all(b == 2 * a for a, b in zip(ps, ps[1:])))),
    depends_on=("fpc.thm4.1", "fpc.lemC.30", "fpc.lemD.3", "fpc.lemE.3"),
    config=Config,
    profiles={"quick": {}, "full": {"P_values": (32, 64, 128, 256, 512, 1024), "n_samples": 512, "steps": 2000}},
    predictions=predictions, check=check,
    not_algebraic="a rate: measured over a sweep of P and eps",
    notes="The batch gap (loss - L*)/m per masked query stands for max_p L_p - L_p*; eta is fixed across P.",
))
