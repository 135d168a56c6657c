"""fpc.lem5.2: PP-correlation gradients -dl/dUps_{p->q} = attn_{p->q} D(q), and the comparison of the
projected PP gradient with the FP gradient."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp
import torch

from claims import Claim, Derivation, Measurement, Prediction, Source, register
from claims._sym import identity

from . import _symbolic as S
from ._common import make_dist
from ._gradients import lemma_5_2_grad_Ups
from ._lemma_checks import FULL_PROFILE, LEMMA_ASSUMPTIONS, LemmaConfig, rel_err, worst_over_states
from ._training import TrainSpec, train_reduced


@dataclass(frozen=True)
class Config(LemmaConfig):
    train_steps: int = 300
    train_samples: int = 256
    lr: float = 5.0


def derive(cfg) -> Derivation:
    q = S.build()
    pert = sp.nsimplify(cfg.perturb)
    obs = []
    for k, (area, masked) in enumerate(S.KEYS):
        D = S.D_masked_paper(q, pert) if masked else S.D_paper(q, area, pert)
        obs.append(identity(f"pp_grad_key{k}", -q.d(q.loss, q.Ups[k]), q.attn[k] * D,
                            f"-dl/dUps_{{p->q{k}}} = attn_{{p->q{k}}} D(q{k}), q{k} "
                            + ("masked" if masked else f"unmasked in area {area}"), simplifier=S.rational_simplify))
    return Derivation(tuple(obs), note="D(q) = D_a for an unmasked key of area a (Lemma 5.1) and "
                      "-z_j^2 A_j(1-A_j) + sum_{b!=j} z_b^2 A_b^2 for a masked key.")


def predictions(cfg):
    return (
        Prediction("max_rel_err", "Lemma 5.2's formula equals autograd's dL/dUps at zero and random states", "<=", cfg.tol),
        Prediction("max_projected_ratio", "along GD, |d/dt of the projected PP correlation onto the own area| <= "
                   "|d/dt of the target FP correlation| at every recorded step, for every p and k "
                   "(the 'key observation' after Lemma 5.2)", "<=", 1.0),
    )


def check(cfg, ctx) -> Measurement:
    def compare(dist, b, red, full):
        fwd = red(b)
        gU, = torch.autograd.grad(fwd.loss, red.Ups)
        with torch.no_grad():
            return rel_err(lemma_5_2_grad_Ups(dist, b, fwd, cfg.perturb), gU)
    worst, errs = worst_over_states(cfg, ctx, compare)

    dist = make_dist(cfg)
    tr = train_reduced(dist, TrainSpec(n_samples=cfg.train_samples, steps=cfg.train_steps, lr=cfg.lr,
                                       record_every=5, dtype="float64", keep_ups=True),
                       ctx.torch_generator(1), steps_iter=lambda n: ctx.trange(n, "GD"))
    area = dist.area.numpy()                                           # (K, P)
    # projected PP gradient (5.1): mean of dL/dUps_{p->q} over q in P_{k,j(p)}
    onehot = np.stack([(area[k][None, :] == area[k][:, None]) for k in range(dist.K)], axis=-1)  # (P, P, K)
    proj = np.einsum("tpq,pqk->tpk", tr.gUps, onehot) / onehot.sum(axis=1)[None]                  # (T, P, K)
    fp = tr.target_fp(grad=True)                                                                   # (T, P, K)
    live = np.abs(fp) > 1e-12 * np.abs(fp).max()
    ratio = np.abs(proj)[live] / np.abs(fp)[live]
    return Measurement(
        values={"max_rel_err": worst, "max_projected_ratio": float(ratio.max())},
        evidence={"rel_err_per_state": errs, "median_projected_ratio": float(np.median(ratio)),
                  "fraction_ratio_below_1": float((ratio <= 1).mean()), "K": dist.K},
        series={"projected_vs_fp": {"kind": "line", "x": tr.steps.tolist(), "xlabel": "GD step",
                                    "ylabel": "|grad| (max over p, k)", "logy": True,
                                    "ys": {"projected PP (own area)": np.abs(proj).max(axis=(1, 2)).tolist(),
                                           "target FP": np.abs(fp).max(axis=(1, 2)).tolist()}}},
    )


CLAIM = register(Claim(
    id="fpc.lem5.2",
    title="PP correlation gradients (Lemma 5.2)",
    kind="lemma",
    statement="For masked p in P_{k,j}: -dl/dUps_{p->q} = attn_{p->q} D(q), with D(q) = D_a for an unmasked key "
              "in area a and D(q) = -z_j^2 A_j(1-A_j) + sum_{b!=j} z_b^2 A_b^2 for a masked key; the gradient of "
              "the projected PP correlation is smaller in magnitude than the corresponding FP gradient.",
    source=Source("fpc", "Lemma 5.2 (Section 5.1); eq. (5.1)",
                  "The key observation by comparing Lemma 5.1 and 5.2 is that the gradient of projected PP "
                  "attention is smaller than the corresponding FP gradient in magnitude since ."),
    assumptions=LEMMA_ASSUMPTIONS,
    depends_on=("fpc.lemA.1", "fpc.lem5.1", "fpc.eq3.2"),
    config=Config, profiles={"quick": {}, "full": {**FULL_PROFILE, "train_steps": 2000, "train_samples": 1024}},
    predictions=predictions, check=check, derive=derive,
    notes="Projected PP correlation taken as the mean of Ups_{p->q} over q in the own area of cluster k; its "
          "gradient is the mean of dL/dUps_{p->q} over those q (all clusters contribute, since positions are shared).",
))
