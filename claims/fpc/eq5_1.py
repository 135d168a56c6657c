"""fpc.eq5.1: the projected PP correlation (5.1) and its gradient (Section 5.1, (A.2)).

Ups-bar_{p->k,a} = (1/C_{k,a}) sum_{q in P_{k,a}} Ups_{p->q}. Per image of cluster k with p
masked, the logit of every unmasked key of area a is z_a Phi_{p->v_{k,a}} + Ups_{p->q}, so
    sum_{q in P_{k,a} cap U} dl/dUps_{p->q} = (1/z_a) dl/dPhi_{p->v_{k,a}}          (identity)
and the projected PP gradient, an average over C_{k,a} keys, is smaller than the FP gradient
("the gradient of projected PP attention is smaller than the corresponding FP gradient")."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp
import torch

from claims import Claim, Derivation, Measurement, Prediction, Source, register
from claims._sym import identity
from models.attention import ReducedMIM

from ._common import DATA_ASSUMPTIONS, line_plot, make_dist
from ._cost import trajectory_cost
from ._runs import area_onehot, trajectory
from ._stages import DYN_PROFILES, DynConfig


@dataclass(frozen=True)
class Config(DynConfig):
    kappa_c: float = 0.9
    kappa_s: float = 0.2
    n_single: int = 6            # single-image batches for the per-sample identity
    q_scale: float = 1.0
    perturb: float = 0.0         # compares with (1 + perturb)/z_a: a wrong identity (control)


def derive(cfg) -> Derivation:
    Phi, z = sp.symbols("Phi z_a", positive=True)
    u1, u2, u3, w = sp.symbols("U1 U2 U3 w")         # PP of two keys of area a, one other key
    l1, l2, l3 = z * Phi + u1, z * Phi + u2, w + u3   # logits of two unmasked keys of area a, one key elsewhere
    f = sp.Function("ell")(l1, l2, l3)                 # any loss of the logits
    lhs = sp.diff(f, u1) + sp.diff(f, u2)
    rhs = sp.diff(f, Phi) / z
    return Derivation((identity("pp_sum_equals_fp_over_z", lhs, rhs,
                                "sum over unmasked keys of area a of dl/dUps = (1/z_a) dl/dPhi_{p->v_a}"),),
                      note="Chain rule through the logits of eq. (3.2); 'ell' is an arbitrary function.")


def predictions(cfg):
    return (
        Prediction("identity_rel_residual", "per image, sum_{q in P_a cap U} dl/dUps_{p->q} = (1/z_a) dl/dPhi "
                   "(autograd, float64)", "<=", 1e-10),
    )


def check(cfg, ctx) -> Measurement:
    dist = make_dist(cfg)
    g = ctx.torch_generator(5)
    worst = 0.0
    for _ in range(cfg.n_single):
        b = dist.sample(1, g)
        m = ReducedMIM(dist, dtype=torch.float64)
        with torch.no_grad():
            m.Phi.normal_(0, cfg.q_scale, generator=g)
            m.Ups.normal_(0, cfg.q_scale, generator=g)
        gPhi, gUps = torch.autograd.grad(m(b).loss, [m.Phi, m.Ups])
        k = int(b.cluster[0])
        unm = (~b.mask[0]).double()                                       # (P,)
        W = torch.nn.functional.one_hot(dist.area[k], dist.N).double() * unm[:, None]   # (P, N)
        lhs = gUps @ W                                                     # (P, N)
        rhs = (1 + cfg.perturb) * gPhi[:, k * dist.N:(k + 1) * dist.N] / b.z[0][None, :]
        rows = b.masked_idx[0]
        worst = max(worst, float((lhs[rows] - rhs[rows]).abs().max() / rhs[rows].abs().max()))
    tr = trajectory(cfg, ctx.seed, ctx.device)
    W = area_onehot(tr.dist)                                               # (K, P, N)
    proj = np.einsum("tpq,kqa->tpka", tr.gUps, W) / W.sum(1)[None, None]  # (T, P, K, N)
    N = tr.dist.N
    fp = tr.gPhi.reshape(len(tr.steps), tr.dist.P, tr.dist.K, N)           # (T, P, K, N)
    own = tr.dist.area.T.numpy()                                           # (P, K)
    pi, ki = np.nonzero(np.ones_like(own, dtype=bool))
    sel_t = (pi, ki, own[pi, ki])
    ratio_t = (np.abs(proj[:, sel_t[0], sel_t[1], sel_t[2]]).mean(1)
               / np.abs(fp[:, sel_t[0], sel_t[1], sel_t[2]]).mean(1))
    ratio_g = np.abs(proj[:, :, :, 0]).mean((1, 2)) / np.abs(fp[:, :, :, 0]).mean((1, 2))
    ratio = np.maximum(ratio_t, ratio_g)
    return Measurement({"identity_rel_residual": worst},
                       {"max_mean_projected_over_mean_fp": float(ratio.max()),
                        "ratio_target_quantiles": np.percentile(ratio_t, [0, 50, 100]).tolist(),
                        "ratio_global_quantiles": np.percentile(ratio_g, [0, 50, 100]).tolist(),
                        "argmax_step": int(tr.steps[int(ratio.argmax())])},
                       series={"projected_pp_over_fp_gradient": line_plot(
                           tr.steps.tolist(), {"target area": ratio_t.tolist(), "global area": ratio_g.tolist()},
                           "GD step", "mean |grad proj. PP| / mean |grad FP|", logy=True)})


CLAIM = register(Claim(
    id="fpc.eq5.1",
    cost=trajectory_cost,
    title="Projected PP correlation: its gradient identity and its smaller gradient",
    kind="equation",
    statement="With Ups-bar_{p->k,a} = (1/C_{k,a}) sum_{q in P_{k,a}} Ups_{p->q} (5.1): per image, the PP gradients "
              "summed over the unmasked keys of area a equal (1/z_a) times the FP gradient of v_{k,a}; the "
              "projected PP gradient is smaller in magnitude than the corresponding FP gradient.",
    statement_latex=(
        r"With the projected PP correlation $\bar\Upsilon_{p \to k,a} = \frac{1}{C_{k,a}} \sum_{q \in "
        r"\mathcal{P}_{k,a}} \Upsilon_{p \to q}$ (5.1): per image, $\sum_{q \in \mathcal{P}_{k,a} \cap "
        r"\mathcal{U}} \frac{\partial \ell}{\partial \Upsilon_{p \to q}} = \frac{1}{z_a} \frac{\partial "
        r"\ell}{\partial \Phi_{p \to v_{k,a}}}$, and $\left|\frac{\partial L}{\partial \bar\Upsilon_{p \to "
        r"k,a}}\right| < \left|\frac{\partial L}{\partial \Phi_{p \to v_{k,a}}}\right|$."),
    source=Source("fpc", "Eq. (5.1), Section 5.1; (A.2)",
                  "Based on the above gradient update for , we further introduce the following auxiliary quantity , "
                  "which can be interpreted as the PP attention correlation “projected” on the -th cluster , and "
                  "will be useful in the later proof. | (5.1) | We can directly verify that . The key observation by "
                  "comparing Lemma 5.1 and 5.2 is that the gradient of projected PP attention is smaller than the "
                  "corresponding FP gradient in magnitude since ."),
    assumptions=DATA_ASSUMPTIONS,
    depends_on=("fpc.eq3.2", "fpc.lem5.1", "fpc.lem5.2"),
    config=Config, profiles=DYN_PROFILES, predictions=predictions, check=check, derive=derive,
    notes="The population gradient of Ups_{p->q} also collects images of other clusters and masked keys. The "
          "sentence 'the gradient of projected PP attention is smaller than the corresponding FP gradient' is judged "
          "pair by pair (every p, k, every recorded step) in fpc.lem5.2-key; here the ratio of the means over pairs is "
          "recorded as evidence only, so that one sentence has one verdict.",
))
