"""fpc.eq4.1: at initialisation the global FP gradient of a local query is Theta(P^Delta)
times its target FP gradient, Delta = (1 - kappa_s) - 2 (1 - kappa_c) (information gap (4.1),
Section 5.2 Stage 1). Measured by autograd at Q = 0 and fitted over a sweep of P."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from claims import Claim, Measurement, Prediction, Source, register
from claims._base import Assumption
from models.attention import ReducedMIM
from models.data import DataConfig, Distribution

from ._fit import power_fit


@dataclass(frozen=True)
class Config:
    kappa_pairs: tuple = ((0.9, 0.2), (0.75, 0.1), (0.5, 0.3), (0.6, 0.4))   # (kappa_c, kappa_s)
    P_values: tuple = (64, 128, 256, 512)
    fit_last: int = 3           # the exponent is fitted on the largest sizes (asymptotic regime)
    n_samples: int = 20000      # Monte Carlo draws of (mask, z) per local area size
    K: int = 2
    gamma: float = 0.5
    tol: float = 0.15           # |fitted exponent - Delta| allowed
    delta_shift: float = 0.0    # compare with Delta + delta_shift (a wrong formula, control)


def init_ratio(P: int, kappa_c: float, kappa_s: float, K: int, gamma: float, n: int, seed: int,
               z_low: float = 1.0, z_high: float = 2.0) -> dict:
    """Expected growth -dl/dPhi_target and decoupling +dl/dPhi_global of a masked local query at
    Q = 0 (uniform attention 1/P), by Monte Carlo over n draws of (mask, z) with the per-sample
    gradients of Lemma 5.1, averaged over the local areas of the realised partition."""
    dist = Distribution(DataConfig(P=P, K=K, kappa_c=kappa_c, kappa_s=kappa_s, gamma=gamma))
    sizes = np.array(dist.sizes_per_area)                               # (N,) area sizes, area 0 global
    rng = np.random.default_rng(seed)
    unmasked = P - dist.cfg.n_masked
    g_sum = d_sum = w_sum = 0.0
    for C in np.unique(sizes[1:]):                                      # local sizes (a few distinct values)
        j = 1 + int(np.argmax(sizes[1:] == C))
        colors = sizes.copy()
        colors[j] -= 1                                                  # p itself is masked
        gs = ds = 0.0
        for rows in np.diff(np.r_[0:n:4096, n]):                          # chunks bound the memory
            X = rng.multivariate_hypergeometric(colors, unmasked, size=int(rows))   # (rows, N) counts
            A = X / P                                                   # uniform attention at Q = 0
            z = rng.uniform(z_low, z_high, size=A.shape)
            zA2 = (z * A) ** 2
            Aj, A1, zj, z1 = A[:, j], A[:, 0], z[:, j], z[:, 0]
            rest = zA2.sum(1) - zA2[:, j]
            Dj = zj ** 2 * (1 - Aj) ** 2 + rest
            D1 = -zj ** 2 * Aj * (1 - Aj) - z1 ** 2 * A1 * (1 - A1) + rest - zA2[:, 0]
            gs += float((zj * Aj * Dj).sum())
            ds += float((-z1 * A1 * D1).sum())
        w = int((sizes[1:] == C).sum()) * C                             # local positions with this size
        g_sum += w * gs / n
        d_sum += w * ds / n
        w_sum += w
    g, d = float(g_sum / w_sum), float(d_sum / w_sum)
    Aloc = np.repeat(sizes[1:], sizes[1:]) / P                           # A_j of each local position
    A1u = sizes[0] / P
    uniform = float((A1u ** 2 * (1 - A1u) / Aloc).mean())                # A_1^2 (1 - A_1) / A_j
    return {"P": P, "growth": g, "decoupling": d, "ratio": d / g, "uniform_prediction": uniform,
            "C_global": int(sizes[0]), "C_local_mean": float(np.repeat(sizes[1:], sizes[1:]).mean())}


def autograd_ratio(P: int, kappa_c: float, kappa_s: float, n: int, seed: int) -> float:
    """The same ratio from autograd of the model at Q = 0 on a sampled batch (cross-check)."""
    dist = Distribution(DataConfig(P=P, K=2, kappa_c=kappa_c, kappa_s=kappa_s))
    b = dist.sample(n, torch.Generator().manual_seed(seed))
    model = ReducedMIM(dist, dtype=torch.float64)
    gPhi, = torch.autograd.grad(model(b).loss, [model.Phi])            # (P, Nf)
    own = dist.feat_offset[None, :] + dist.area.T                       # (P, K)
    local = dist.area.T != 0
    return float(gPhi[:, dist.feat_offset][local].mean() / (-gPhi.gather(1, own)[local].mean()))


def predictions(cfg):
    return (Prediction("max_exponent_error", "for every (kappa_c, kappa_s) whose realised area sizes follow "
                       "P^kappa at this scale, the fitted exponent of decoupling/growth vs P is within tol of "
                       "Delta", "<=", cfg.tol),
            Prediction("max_normalised_exponent", "the ratio divided by its uniform-attention value "
                       "A_1^2 (1 - A_1)/A_j (actual sizes) has exponent within tol of 0 for every pair",
                       "<=", cfg.tol))


def check(cfg, ctx) -> Measurement:
    pts = [{"P": P, "kappa_c": kc, "kappa_s": ks, "K": cfg.K, "gamma": cfg.gamma, "n": cfg.n_samples,
            "seed": ctx.seed * 7919 + i}
           for i, ((kc, ks), P) in enumerate((pair, P) for pair in cfg.kappa_pairs for P in cfg.P_values)]
    rows = ctx.map(init_ratio, pts, desc="initial gradients")
    per, ys, undecided, worst, worst_norm, n_decidable = [], {}, {}, 0.0, 0.0, 0
    nP = len(cfg.P_values)
    for i, (kc, ks) in enumerate(cfg.kappa_pairs):
        rs = rows[i * nP:(i + 1) * nP]
        delta = (1 - ks) - 2 * (1 - kc) + cfg.delta_shift
        Ps = [r["P"] for r in rs][-cfg.fit_last:]
        fit = power_fit(Ps, [r["ratio"] for r in rs][-cfg.fit_last:])
        fit_all = power_fit([r["P"] for r in rs], [r["ratio"] for r in rs])
        # finite-size prediction from the actual area sizes (uniform attention at t = 0)
        eff = power_fit(Ps, [r["uniform_prediction"] for r in rs][-cfg.fit_last:])
        norm = power_fit(Ps, [r["ratio"] / r["uniform_prediction"] for r in rs][-cfg.fit_last:])
        # decidable: realised sizes follow P^kappa (finite-size exponent near Delta) and the fit is precise
        decidable = abs(eff.slope - (delta - cfg.delta_shift)) <= cfg.tol and not fit.stderr > cfg.tol / 2
        if decidable:
            worst = max(worst, abs(fit.slope - delta))
            n_decidable += 1
        worst_norm = max(worst_norm, abs(norm.slope))
        per.append({"kappa_c": kc, "kappa_s": ks, "Delta": delta, "fit": fit.as_json(),
                    "fit_all_sizes": fit_all.as_json(), "finite_size_exponent": eff.slope,
                    "normalised_fit": norm.as_json(), "decidable": decidable, "points": rs})
        ys[f"kc={kc}, ks={ks} (Delta={delta:.2f})"] = [r["ratio"] for r in rs]
    kc0, ks0 = cfg.kappa_pairs[0]
    P0 = cfg.P_values[0]
    cross = {"P": P0, "kappa_c": kc0, "kappa_s": ks0, "monte_carlo": rows[0]["ratio"],
             "autograd_batch_of_256": autograd_ratio(P0, kc0, ks0, 256, ctx.seed)}
    skipped = [f"({p['kappa_c']}, {p['kappa_s']})" for p in per if not p["decidable"]]
    if skipped and worst <= cfg.tol:
        # a pair that cannot be decided here leaves the claim undecided: it is never dropped silently
        undecided["max_exponent_error"] = (
            f"pair(s) {', '.join(skipped)} cannot be decided at these sizes (realised area sizes do not follow "
            "P^kappa, or the fit's standard error exceeds tol/2); the decidable pairs agree with Delta")
    return Measurement({"max_exponent_error": worst, "max_normalised_exponent": worst_norm,
                        "pairs_decidable": n_decidable}, {"pairs": per, "autograd_cross_check": cross}, undecided=undecided,
                       series={"init_gradient_ratio": {"x": list(cfg.P_values), "ys": ys, "xlabel": "P",
                               "ylabel": "global / target FP gradient at t=0", "logx": True, "logy": True,
                               "kind": "line"}},
                       notes="Exponent fitted on the fit_last largest P. 'finite_size_exponent' is the slope of "
                             "A_1^2 (1 - A_1)/A_j with the realised area sizes; a pair whose finite-size exponent "
                             "is more than tol from Delta cannot decide the asymptotic exponent at this scale and "
                             "is left out of max_exponent_error (listed with decidable=false), and so is a pair whose fitted "
                             "exponent has a standard error above tol/2. Any such pair makes the verdict inconclusive unless a "
                             "decidable pair already fails. The standard-error rule was added after a full-profile run "
                             "on a CPU gave 0.22 +- 0.18 for (kappa_c, kappa_s) = (0.75, 0.1), Delta = 0.4; with it that "
                             "run reads inconclusive, not holds.")


CLAIM = register(Claim(
    id="fpc.eq4.1",
    title="Information gap: initial global/target FP gradient ratio scales as P^Delta",
    kind="equation",
    statement="At Q = 0, for p in a local area of cluster k, |dL/dPhi_{p->v_{k,1}}| / |dL/dPhi_{p->v_{k,j}}| "
              "= Theta(P^Delta) with Delta = (1 - kappa_s) - 2 (1 - kappa_c).",
    source=Source("fpc", "Eq. (4.1), Section 4; Section 5.2 Stage 1",
                  "Based on our data model in Section 2.2, we further introduce a concept termed the information "
                  "gap to quantify the difference of significance between the global and the local areas (cf. "
                  "Assumption 2.2). Denoted as , the information gap is formally defined as follows: | (4.1) |"),
    assumptions=(Assumption.integer("n_samples", 1), Assumption.range("gamma", 0, 1),
                 Assumption.relation("0 < kappa_s < kappa_c <= 1 for every pair", ("kappa_pairs",),
                                     lambda ps: all(0 < s < c <= 1 for c, s in ps)),
                 Assumption.relation("the exponent compared is Delta itself: delta_shift = 0",
                                     ("delta_shift",), lambda d: d == 0)),
    depends_on=("fpc.lem5.1",),
    config=Config,
    profiles={"quick": {}, "full": {"P_values": (64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384),
                                    "fit_last": 4, "n_samples": 200000}},
    predictions=predictions, check=check,
    not_algebraic="an asymptotic rate: measured by sweeping P and fitting the exponent",
    notes="Expected gradients by Monte Carlo over (mask, z) with the per-sample gradients of Lemma 5.1 "
          "(fpc.lem5.1 checks them against autograd); evidence.autograd_cross_check compares with the "
          "model's autograd ratio at the smallest P.",
))
