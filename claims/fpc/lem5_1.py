"""fpc.lem5.1: FP-correlation gradients -dl/dPhi_{p->v_{k,a}} = z_a A_a D_a, and their signs."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from claims import Assumption, Claim, Derivation, Measurement, Prediction, Source, register
from claims._sym import identity, nonnegative

from . import _symbolic as S
from ._common import make_dist
from ._cost import lem5_1_cost
from ._gradients import lemma_5_1_grad_Phi
from ._lemma_checks import (
    FULL_PROFILE,
    LEMMA_ASSUMPTIONS,
    LemmaConfig,
    against_autograd,
    threshold_latex,
    worst_over_states,
)
from ._training import TrainSpec, train_reduced


@dataclass(frozen=True)
class Config(LemmaConfig):
    train_steps: int = 1500      # GD run along which the signs are recorded (float64), into convergence
    train_samples: int = 256
    lr: float = 5.0
    global_sign: str = "decreasing"   # the lemma: global FP of a local query decreases ("increasing" = wrong sign)


def derive(cfg) -> Derivation:
    q = S.build()
    pert = sp.nsimplify(cfg.perturb)
    obs = [identity(f"fp_grad_{a}", -q.d(q.loss, q.Phi[a]), q.z[a] * q.A[a] * S.D_paper(q, a, pert),
                    f"-dl/dPhi_{{p->v_{a}}} = z_{a} A_{a} D_{a}" + (" (own area)" if a == "j" else ""),
                    simplifier=S.rational_simplify)
           for a in S.AREAS]
    z, A = sp.symbols("z_j z_b", positive=True), sp.symbols("A_j A_b", nonnegative=True)
    Dj = z[0] ** 2 * (1 - A[0]) ** 2 + z[1] ** 2 * A[1] ** 2
    obs.append(nonnegative("D_j_nonneg", Dj, "D_j = z_j^2(1-A_j)^2 + sum_{b!=j} z_b^2 A_b^2 >= 0, so the target FP "
                           "correlation never decreases", certificate=Dj))
    return Derivation(tuple(obs), note="Per sample; the lemma's expectation over X and M given p in M is linear.")


def predictions(cfg):
    grad = r"\left(-\frac{\partial L}{\partial \Phi^{(t)}_{p \to v_{k,%s}}}\right)"
    norm = r" \Big/ \max_{t'} \lVert \nabla_\Phi L^{(t')} \rVert_{\max}"
    preds = [
        Prediction("max_rel_err", "Lemma 5.1's formula equals autograd's dL/dPhi at zero and random states",
                   "<=", cfg.tol,
                   math=r"\max_{\text{states}} \frac{\lVert \mathbb{E}[z_a A_a D_a] + \nabla_\Phi L \rVert_{\max}}"
                        r"{\lVert \nabla_\Phi L \rVert_{\max}} \le " + threshold_latex(cfg.tol)),
        Prediction("min_target_descent", "along GD, the target FP correlation's update -eta dL/dPhi_{p->v_{k,j}} is "
                   ">= 0 at every recorded step, for every p and k (relative to the largest update)", ">=", -1e-9,
                   math=r"\min_{t, p, k} " + grad % "j" + norm + r" \ge -10^{-9}"),
    ]
    if cfg.global_sign == "decreasing":
        preds.append(Prediction("global_descent_extreme", "along GD, the global FP correlation of every local query "
                                "decreases: max of -dL/dPhi_{p->v_{k,1}} over steps, local p, k is <= 0", "<=", 1e-9,
                                math=r"\max_{t,\, k,\, p \notin \mathcal{P}_{k,1}} " + grad % "1" + norm
                                     + r" \le 10^{-9}"))
    else:
        preds.append(Prediction("global_descent_extreme", "(wrong sign) the global FP correlation of local queries "
                                "increases: min of -dL/dPhi_{p->v_{k,1}} >= 0", ">=", -1e-9,
                                math=r"\min_{t,\, k,\, p \notin \mathcal{P}_{k,1}} " + grad % "1" + norm
                                     + r" \ge -10^{-9}"))
    return tuple(preds)


def check(cfg, ctx) -> Measurement:
    worst, errs = worst_over_states(cfg, ctx, against_autograd("Phi", lemma_5_1_grad_Phi, cfg.perturb))

    dist = make_dist(cfg)
    # autograd, not the closed-form step: the signs checked here are those of the formula that step uses
    tr = train_reduced(dist, TrainSpec(n_samples=cfg.train_samples, steps=cfg.train_steps, lr=cfg.lr,
                                       record_every=5, dtype="float64", keep_ups=False, fast=False),
                       ctx.torch_generator(1), steps_iter=lambda n: ctx.trange(n, "GD"))
    scale = np.abs(tr.gPhi).max()
    target = -tr.target_fp(grad=True) / scale                     # (T, P, K) descent directions
    glob = (-tr.global_fp(grad=True) / scale)[:, tr.is_local()]   # (T, #local (p,k))
    other_mask = np.ones(tr.gPhi.shape[1:], dtype=bool)
    other_mask[np.arange(dist.P)[:, None], tr.own_feature()] = False
    other_mask[:, tr.global_feature()] = False
    other = (-tr.gPhi / scale)[:, other_mask]
    extreme = glob.max() if cfg.global_sign == "decreasing" else glob.min()
    return Measurement(
        values={"max_rel_err": worst, "min_target_descent": float(target.min()),
                "global_descent_extreme": float(extreme)},
        evidence={"rel_err_per_state": errs, "delta": dist.cfg.delta,
                  "fraction_other_fp_decreasing": float((other <= 0).mean()),
                  "final_loss": float(tr.loss[-1]), "initial_loss": float(tr.loss[0])},
        series={"fp_trajectories": {
            "kind": "line", "x": tr.steps.tolist(), "xlabel": "GD step", "ylabel": "FP correlation (mean over p, k)",
            "ys": {"target Phi_{p->v_{k,j}}": tr.target_fp().mean(axis=(1, 2)).tolist(),
                   "global Phi_{p->v_{k,1}} (local p)": tr.global_fp()[:, tr.is_local()].mean(axis=1).tolist()}}},
    )


CLAIM = register(Claim(
    id="fpc.lem5.1",
    cost=lem5_1_cost,
    title="FP correlation gradients (Lemma 5.1)",
    kind="lemma",
    statement="For masked p in P_{k,j}: -dl/dPhi_{p->v_{k,a}} = z_a A_a D_a with D_j = z_j^2(1-A_j)^2 + "
              "sum_{b!=j} z_b^2 A_b^2 >= 0 and, for a != j, D_a = -z_j^2 A_j(1-A_j) - z_a^2 A_a(1-A_a) + "
              "sum_{b not in {j,a}} z_b^2 A_b^2. Hence the target FP correlation increases monotonically and, "
              "for a local query, the global FP correlation decreases.",
    statement_latex=r"For a masked query $p \in \mathcal{P}_{k,j}$, per sample, $-\frac{\partial \ell}{\partial "
                    r"\Phi_{p \to v_{k,a}}} = z_a A_a D_a$ with $D_j = z_j^2 (1 - A_j)^2 + \sum_{b \neq j} z_b^2 A_b^2 "
                    r"\ge 0$ and, for $a \neq j$, $D_a = -z_j^2 A_j (1 - A_j) - z_a^2 A_a (1 - A_a) + "
                    r"\sum_{b \notin \{j, a\}} z_b^2 A_b^2$, where $A_a = \mathrm{attn}_{p \to \mathcal{P}_{k,a} \cap "
                    r"\mathcal{U}}$. Hence the target FP correlation $\Phi^{(t)}_{p \to v_{k,j}}$ increases "
                    r"monotonically and, for a local query ($j \neq 1$) when $\Delta > 0$, the global FP correlation "
                    r"$\Phi^{(t)}_{p \to v_{k,1}}$ decreases.",
    source=Source("fpc", "Lemma 5.1 (Section 5.1); Appendix A.1.1",
                  "From Lemma 5.1, it is observed that for , the feature correlation exhibits a monotonically "
                  "increasing trend over time because . Furthermore, if , i.e., is the local area, will "
                  "monotonically decrease."),
    assumptions=LEMMA_ASSUMPTIONS + (
        Assumption.relation("global_sign is 'decreasing' (as the lemma states) or 'increasing' (wrong-sign control)",
                            ("global_sign",), lambda s: s == "decreasing"),
        Assumption.math("(1 - kappa_s) - 2*(1 - kappa_c) > 0",
                        text="Delta = (1 - kappa_s) - 2(1 - kappa_c) > 0 for the global-FP sign statement "
                             "(Section 5.2)"),
    ),
    depends_on=("fpc.lemA.1", "fpc.lemA.8", "fpc.eq3.2"),
    config=Config, profiles={"quick": {}, "full": {**FULL_PROFILE, "train_steps": 2000, "train_samples": 1024}},
    predictions=predictions, check=check, derive=derive,
))
