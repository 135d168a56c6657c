"""fpc.lem5.3: switching of the dominant effect for Delta > 0 (Lemma 5.3, Section 5.2,
Appendix C.2): after the global FP correlation of a local query has decreased, the target
FP gradient overtakes the global one at some T1, while the other FP correlations and the
projected PP correlations are still small."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from claims import Claim, Measurement, Prediction, Source, register

from ._common import DATA_ASSUMPTIONS
from ._cost import trajectory_cost
from ._hypotheses import delta_sign
from ._runs import projected_pp, target_index, trajectory
from ._stages import DYN_PROFILES, DynConfig, rate_series, stages


@dataclass(frozen=True)
class Config(DynConfig):
    kappa_c: float = 0.9        # Delta = +0.6
    kappa_s: float = 0.2


def at_switch(tr, st) -> dict:
    """Per local pair, the correlations at its own switch index T1."""
    loc = st["loc"]
    P, K = loc.shape
    pp_idx, k_idx = np.nonzero(loc)                                   # local pairs, in loc order
    t1 = st["t1"]
    ok = t1 > 0
    t = np.maximum(t1, 0)
    N = tr.dist.N
    own = target_index(tr)                                           # (P, K)
    phi_t = tr.Phi[t, pp_idx]                                        # (n, Nf) at T1 of each pair
    cols = k_idx[:, None] * N + np.arange(N)[None, :]                # features of cluster k
    block = np.take_along_axis(phi_t, cols, 1)                       # (n, N)
    glob, targ = block[:, 0], block[np.arange(len(t)), own[pp_idx, k_idx]]
    rest = block.copy()
    rest[:, 0] = 0
    rest[np.arange(len(t)), own[pp_idx, k_idx]] = 0
    ups = projected_pp(tr.Ups[t], tr.dist)                           # (n, P, K, N) at each pair's T1
    pp = np.abs(ups[np.arange(len(t)), pp_idx, k_idx]).max(-1)       # (n,)
    scale = np.maximum(np.abs(glob), 1e-12)
    return {"ok": ok, "glob": glob, "targ": targ, "other_ratio": np.abs(rest).max(-1) / scale,
            "pp_ratio": pp / scale}


DECOUPLED_FIRST = (
    "follows from the definition of T1 under plain GD from Phi(0) = 0 with every step recorded: before T1 the "
    "decoupling rate exceeds the growth rate at every step, so -Phi_global(T1) = eta sum_{t<T1} decoupling(t) >= "
    "eta sum_{t<T1} growth(t) = Phi_target(T1) for every pair with T1 > 0")


def predictions(cfg):
    return (
        Prediction("frac_switch", "every local pair has a Phase I that ends: 0 < T1 within the run", ">=", 1.0),
        Prediction("frac_decoupled_first", "at T1 the global FP has decreased by more than the target FP "
                   "has grown (-Phi_global(T1) >= Phi_target(T1)), among the pairs with a switch", ">=", 1.0,
                   by_construction=DECOUPLED_FIRST),
        Prediction("max_other_fp_ratio", f"(b) other FP correlations at T1 are small: <= {cfg.small_ratio:.3g} "
                   "|Phi_global(T1)|", "<=", cfg.small_ratio),
        Prediction("max_projected_pp_ratio", f"(c) projected PP correlations at T1 are small: <= "
                   f"{cfg.small_ratio:.3g} |Phi_global(T1)|", "<=", cfg.small_ratio),
    )


def check(cfg, ctx) -> Measurement:
    tr = trajectory(cfg, ctx.seed, ctx.device)
    st = stages(tr)
    s = at_switch(tr, st)
    ok = s["ok"]
    # without a switch the smallness items are undecided; 0.0 is a placeholder (the judge needs a number)
    sel = lambda a: a[ok] if ok.any() else np.array([0.0])  # noqa: E731
    undecided = {} if ok.any() else {n: "no local pair has a Phase I, so there is no T1 to look at"
                                     for n in ("frac_decoupled_first", "max_other_fp_ratio", "max_projected_pp_ratio")}
    first = float((-s["glob"][ok] >= s["targ"][ok]).mean()) if ok.any() else 1.0   # among pairs with a T1
    return Measurement(
        {"frac_switch": float(ok.mean()), "frac_decoupled_first": first,
         "max_other_fp_ratio": float(np.max(sel(s["other_ratio"]))),
         "max_projected_pp_ratio": float(np.max(sel(s["pp_ratio"])))},
        {"t1_steps_quantiles": np.percentile(tr.steps[np.maximum(st["t1"], 0)], [0, 25, 50, 75, 100]).tolist(),
         "phi_global_at_t1_median": float(np.median(sel(s["glob"]))) if ok.any() else None,
         "phi_target_at_t1_median": float(np.median(sel(s["targ"]))) if ok.any() else None,
         "Delta": (1 - cfg.kappa_s) - 2 * (1 - cfg.kappa_c), "local_pairs": int(st["loc"].sum())},
        series={"rates": rate_series(tr),
                "t1_histogram": {"x": sorted(set(tr.steps[np.maximum(st["t1"], 0)].tolist())),
                                 "ys": {"pairs": [int((tr.steps[np.maximum(st["t1"], 0)] == v).sum()) for v in
                                                  sorted(set(tr.steps[np.maximum(st["t1"], 0)].tolist()))]},
                                 "xlabel": "switch step T1", "ylabel": "local pairs", "kind": "scatter"}},
        undecided=undecided,
        notes="T1 = first recorded step with -dL/dPhi_target >= +dL/dPhi_global (claims/fpc/_phases.py).")


CLAIM = register(Claim(
    id="fpc.lem5.3",
    cost=trajectory_cost,
    title="Switching of dominant effects (Delta > 0): the target FP gradient overtakes the global one",
    statement="Under the conditions of Theorem 4.1 with Delta > 0, for p in a local area of k there is T1 at "
              "which (a) the global FP correlation has decreased and the target FP gradient dominates, (b) all "
              "other FP correlations are small, (c) all projected PP correlations are small.",
    statement_latex=(
        r"Under the conditions of Theorem 4.1 with $\Delta > 0$, for $p$ in a local area "
        r"$\mathcal{P}_{k,j}$ ($j \neq 1$) there is $T_1$ at which (a) $\Phi^{(T_1)}_{p \to v_{k,1}}$ has "
        r"decreased and $-\frac{\partial L}{\partial \Phi_{p \to v_{k,j}}}$ dominates; (b) every other FP "
        r"correlation $\Phi^{(T_1)}_{p \to v_{k,a}}$ ($a \notin \{1, j\}$) is small; (c) every projected "
        r"PP correlation $\bar\Upsilon^{(T_1)}_{p \to k,a}$ is small."),
    source=Source("fpc", "Lemma 5.3 (Section 5.2; Appendix C.2)",
                  "Lemma 5.3 (Switching of dominant effects (See Section C.2)). Under the same conditions as "
                  "Theorem 4.1, for , there exists , such that at iteration , we have - a. , and ; - b. all "
                  "other FP correlations with are small; - c. all projected PP correlations are small."),
    assumptions=DATA_ASSUMPTIONS + (delta_sign(True),),
    depends_on=("fpc.lem5.1", "fpc.lem5.2", "fpc.lem5.2-key", "fpc.eq5.1", "fpc.eq4.1", "fpc.lemA.6"),
    config=Config,
    profiles=DYN_PROFILES,
    predictions=predictions, check=check,
    not_algebraic="a statement about a GD trajectory",
    asymptotic_in=("P",), scale_fields=("steps", "n_samples"),
    notes="'Small' is fixed as at most small_ratio (1/3) of |Phi_global(T1)|, the correlation that moved "
          "in Phase I. The part of (a) that says the global FP has decreased first cannot fail given T1's "
          "definition (marked by construction); what can fail is that a switch exists (frac_switch: it does "
          "not for Delta < 0) and the two smallness items. These are read at one P, a few steps into training "
          "(T1 is 6-12 steps at the quick size), and the lemma is for large P: the quick profile (P = 64, "
          "local areas of 2-3 patches) is reduced scale, so a smallness failure there is inconclusive; the "
          "full profile (P = 256) decides.",
))
