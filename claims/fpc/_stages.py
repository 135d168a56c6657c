"""Stage read-outs of a recorded run for the fpc dynamics claims (Appendices B-F).

Everything is per (p, k) pair: p a position, k a cluster; "local pairs" have p in a local
area of k, "global pairs" in the global area. Stages follow ``_phases``: Phase I is
[0, T1), the rapid-growth stage of Phase II is [T1, T2], the convergence stage [T2, end].
Monotonicity items (a) and (b) of the hypotheses B.1/B.2, C.1-C.4, D.1-D.2, E.1-E.2 are
the only items whose text survives in the seed:
  (a) the target FP correlation Phi_{p->v_{k,j}} is monotonically increasing,
  (b) for local pairs, the global FP correlation Phi_{p->v_{k,1}} is monotonically decreasing.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from models.mim import own_area_unmasked_count

from . import _phases as ph
from ._common import MIMConfig, line_plot
from ._runs import TrainFields, local_pairs, other_fp, projected_pp, rates
from ._training import on_model, to_cpu

MONO_TOL = 1e-7     # float32 training: increments smaller than this are round-off


@dataclass(frozen=True)
class DynConfig(MIMConfig, TrainFields):
    """Data + training fields of the dynamics claims (quick scale)."""

    lr: float = 3.0             # stretches Phase I over several steps (it lasts 1-3 steps at lr = 10)
    steps: int = 600
    small_ratio: float = 1 / 3  # "small": at most this fraction of the dominant correlation


# the profiles of the claims that read one recorded run at the DynConfig scale
DYN_PROFILES = {"quick": {}, "full": {"P": 256, "n_samples": 512, "steps": 1500}}


def rival_rate(tr) -> np.ndarray:
    """(T, P, K) largest |dL/dPhi_{p->v_{k,a}}| over the non-target features a of cluster k."""
    if tr.pairs is not None:
        return tr.pairs["g_rival"]
    g = np.abs(tr.gPhi)                                             # (T, P, Nf)
    N = tr.dist.N
    out = np.empty(g.shape[:2] + (tr.dist.K,))
    own = tr.dist.area.T.numpy()                                    # (P, K)
    for k in range(tr.dist.K):
        block = g[:, :, k * N:(k + 1) * N].copy()                   # (T, P, N)
        block[:, np.arange(tr.dist.P), own[:, k]] = -np.inf
        out[:, :, k] = block.max(-1)
    return out


def stages(tr) -> dict:
    """Switch and growth-peak indices of the local pairs, one-phase status of global pairs."""
    grow, dec = rates(tr)
    loc = local_pairs(tr)
    res = ph.classify_run(grow[:, loc], dec[:, loc])
    t1 = res["t1"]
    t2 = ph.growth_peak_index(grow[:, loc], t1)
    rival = rival_rate(tr)
    glob = ph.classify_run(grow[:, ~loc], rival[:, ~loc])
    return {"local": res, "t1": t1, "t2": t2, "global": glob, "loc": loc}


def monotone_counts(tr, lo=None, hi=None, which: str = "local") -> dict:
    """Violations of (a) and (b) within [lo, hi) per pair (arrays over the chosen pairs)."""
    loc = local_pairs(tr)
    sel = loc if which == "local" else ~loc
    tf, gf = tr.target_fp()[:, sel], tr.global_fp()[:, sel]
    a = ph.monotone_violations(tf, True, lo, hi, MONO_TOL)
    out = {"a_violations": a[0], "a_checked": a[1]}
    if which == "local":
        b = ph.monotone_violations(gf, False, lo, hi, MONO_TOL)
        out.update(b_violations=b[0], b_checked=b[1])
    return out


def smallness(tr, t: int | None = None) -> dict:
    """At record index t (default: last): the dominant correlation and the 'small' ones."""
    t = len(tr.steps) - 1 if t is None else t
    loc = local_pairs(tr)
    tf = tr.target_fp()[t]
    pp = projected_pp(tr.Ups[t:t + 1], tr.dist)[0]
    return {"target_fp_min": float(tf.min()), "target_fp_mean": float(tf.mean()),
            "target_fp_local_mean": float(tf[loc].mean()) if loc.any() else float("nan"),
            "other_fp_absmax": float(other_fp(tr)[t]), "pp_absmax": float(np.abs(tr.Ups[t]).max()),
            "projected_pp_absmax": float(np.abs(pp).max())}


def series_of(tr, loc_only: bool = True) -> dict:
    """Mean target/global FP, max |Ups|, other FP and growth/decoupling rates per record."""
    grow, dec = rates(tr)
    loc = local_pairs(tr)
    sel = loc if loc_only else np.ones_like(loc)
    return line_plot(tr.steps.tolist(), {
        "target FP (mean)": tr.target_fp()[:, sel].mean(1).tolist(),
        "global FP (mean, local p)": tr.global_fp()[:, loc].mean(1).tolist(),
        "max |PP|": tr.ups_absmax.tolist(), "max |other FP|": other_fp(tr).tolist()}, "GD step", "correlation")


def rate_series(tr) -> dict:
    grow, dec = rates(tr)
    loc = local_pairs(tr)
    return line_plot(tr.steps.tolist(), {"growth -dL/dPhi_target (local)": grow[:, loc].mean(1).tolist(),
                                         "decoupling +dL/dPhi_global (local)": dec[:, loc].mean(1).tolist()},
                     "GD step", "gradient (mean over local pairs)", logy=True)


def signed(tr, sign: int):
    """A view of ``tr`` whose Phi (and gradients) are multiplied by ``sign``: sign = -1 asserts
    the opposite direction of every monotonicity item (the wrong-sign control)."""
    if sign == 1:
        return tr
    import copy
    t = copy.copy(tr)
    if tr.pairs is not None:        # the rival rate is a magnitude: unchanged
        t.pairs = {k: v if k == "g_rival" else sign * v for k, v in tr.pairs.items()}
    else:
        t.Phi, t.gPhi = sign * tr.Phi, sign * tr.gPhi
    return t


def converged(tr, window: float = 0.1, rel: float = 1e-3) -> tuple[bool, float]:
    """Whether the loss changed by less than ``rel`` (relative) over the last ``window`` of
    the run; returns (flag, relative change)."""
    T = len(tr.loss)
    i = max(0, int(T * (1 - window)) - 1)
    change = float((tr.loss[i] - tr.loss[-1]) / max(abs(tr.loss[-1]), 1e-12))
    return change < rel, change


def per_query(model, dist, b) -> dict:
    """One forward pass of ``model`` on ``b`` (on the model's device), read back on the CPU, per
    masked query: area attentions ``A`` (n, m, N), ``own`` area, own-area attention ``a_own``,
    ``reach`` (the own area has an unmasked patch) and the loss ``gap`` loss_q - 1/2 z_j^2
    1{own area fully masked} (the per-query L_p - L_p*), all (n, m)."""
    with torch.no_grad():
        fwd = to_cpu(model(on_model(b, model)))
    own, A = fwd.own, fwd.A.double()
    a_own = A.gather(2, own[..., None])[..., 0]
    reach = own_area_unmasked_count(dist, b, own) > 0
    zj = b.z.double().gather(1, own)
    gap = fwd.loss_q.double() - 0.5 * zj ** 2 * (~reach).double()
    return {"A": A, "own": own, "a_own": a_own, "reach": reach, "gap": gap}


def query_end_stats(tr) -> dict:
    """At the end of the run, per class of masked query (local / global in its cluster):
    mean own-area attention over queries whose area has an unmasked patch, and the mean
    loss gap loss_q - 1/2 z_j^2 1{area fully masked} (the per-query L_p - L_p*)."""
    q = per_query(tr.model, tr.dist, tr.batch)
    own, a_own, reach, gap = q["own"], q["a_own"], q["reach"], q["gap"]
    out = {}
    for name, sel in (("local", own != 0), ("global", own == 0)):
        r = sel & reach
        out[name] = {"own_attn_mean": float(a_own[r].mean()) if r.any() else float("nan"),
                     "own_attn_min": float(a_own[r].min()) if r.any() else float("nan"),
                     "gap_mean": float(gap[sel].mean()) if sel.any() else float("nan"),
                     "queries": int(sel.sum())}
    return out
