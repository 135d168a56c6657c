"""fpc.propA.5: exponential tail bounds for the hypergeometric distribution (Prop A.5,
Appendix A.2; Greene & Wellner 2017): Hoeffding's and Serfling's forms, checked exactly
over every (N, K, n, x) of a grid."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from claims import Assumption, Claim, Measurement, Prediction, Source, register

from ._cost import whole_check
from ._hypergeom import exact_ratio, hoeffding, hyper_points, serfling, smallest_counterexample, upper_tails

FORMS = ("hoeffding", "serfling")


@dataclass(frozen=True)
class Config:
    N_max: int = 60             # every population size 2..N_max, every K, n and threshold x
    chunk: int = 15             # population sizes per sweep point
    scale: float = 1.0          # multiplies the exponent; != 1 is a wrong bound (control)
    search_N_max: int = 2000    # hypothesis search for counterexamples beyond the grid
    search_examples: int = 200


def grid_worst(N_lo: int, N_hi: int, scale: float) -> dict:
    """Largest tail / bound over N in [N_lo, N_hi) and all K, n, x with t = x/n - K/N > 0."""
    out = {f: {"ratio": -1.0, "at": None} for f in FORMS}
    checked = 0
    for N in range(max(N_lo, 2), N_hi):
        tails = upper_tails(N)                                      # (K, n, x)
        r = np.arange(N + 1)
        K, n, x = np.meshgrid(r, r, r, indexing="ij")
        t = np.where(n > 0, x / np.maximum(n, 1) - K / N, -1.0)
        ok = (n >= 1) & (x <= n) & (t > 0)
        checked += int(ok.sum())
        for form in FORMS:
            bound = hoeffding(n, t, scale) if form == "hoeffding" else serfling(N, n, t, scale)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                ratio = np.where(ok, tails / bound, -1.0)
            i = np.unravel_index(int(ratio.argmax()), ratio.shape)
            if ratio[i] > out[form]["ratio"]:
                out[form] = {"ratio": float(ratio[i]), "at": [N, int(i[0]), int(i[1]), int(i[2])]}
    out["checked"] = checked
    return out


def breaks(form: str, scale: float):
    def fn(pt):
        N, K, n, x = pt
        return Fraction(x, n) > Fraction(K, N) and exact_ratio(N, K, n, x, form, scale) > 1.0
    return fn


BOUNDS = {"hoeffding": r"e^{-2 c n t^2}", "serfling": r"e^{-2 c n t^2 / (1 - (n-1)/N)}"}


def predictions(cfg):
    c = rf",\quad c = {cfg.scale:g}"
    return tuple(Prediction(f"max_ratio_{f}", f"P(X - nK/N >= tn) <= {f} bound for every grid point "
                            "(tail / bound <= 1, worst case recomputed exactly)", "<=", 1.0,
                            math=rf"\max_{{N \le {cfg.N_max},\ K,\ n,\ x:\ t = x/n - K/N > 0}} "
                                 rf"\frac{{\Pr[X - nK/N \ge tn]}}{{{BOUNDS[f]}}} \le 1" + c)
                 for f in FORMS) + tuple(
        Prediction(f"counterexamples_{f}", f"a hypothesis search up to N = {cfg.search_N_max} finds no "
                   f"counterexample to the {f} bound", "<=", 0,
                   math=rf"\#\left\{{\text{{counterexamples to }} \Pr[X - nK/N \ge tn] \le {BOUNDS[f]} "
                        rf"\text{{ found with }} N \le {cfg.search_N_max}\right\}} \le 0" + c)
        for f in FORMS)


def check(cfg, ctx) -> Measurement:
    pts = [{"N_lo": lo, "N_hi": min(lo + cfg.chunk, cfg.N_max + 1), "scale": cfg.scale}
           for lo in range(2, cfg.N_max + 1, cfg.chunk)]
    res = ctx.map(grid_worst, pts, desc="hypergeometric grid")
    values, evidence, ys = {}, {"checked_points": sum(r["checked"] for r in res)}, {}
    for form in FORMS:
        best = max((r[form] for r in res), key=lambda w: w["ratio"])
        N, K, n, x = best["at"]
        exact = exact_ratio(N, K, n, x, form, cfg.scale)                # exact tail, 50-digit bound
        values[f"max_ratio_{form}"] = exact
        evidence[f"worst_{form}"] = {"N": N, "K": K, "n": n, "x": x, "t": x / n - K / N,
                                     "ratio_float": best["ratio"], "ratio_exact": exact}
        ys[form] = [r[form]["ratio"] for r in res]
        found = smallest_counterexample(hyper_points(cfg.search_N_max), breaks(form, cfg.scale),
                                        cfg.search_examples)
        values[f"counterexamples_{form}"] = int(found is not None)
        evidence[f"smallest_counterexample_{form}"] = (
            None if found is None else {"N": found[0], "K": found[1], "n": found[2], "x": found[3],
                                        "ratio_exact": exact_ratio(*found, form, cfg.scale)})
    return Measurement(values, evidence, series={"worst_ratio_per_chunk": {
        "x": [p["N_lo"] for p in pts], "ys": ys, "xlabel": "smallest N of chunk",
        "ylabel": "max tail / bound", "kind": "scatter", "logy": True}})


CLAIM = register(Claim(
    id="fpc.propA.5",
    cost=whole_check("fpc.propA.5"),
    title="Exponential tail bounds for the hypergeometric distribution (Hoeffding, Serfling)",
    kind="proposition",
    statement="For X ~ Hyper(N, K, n) and t > 0: P(X - nK/N >= tn) <= exp(-2 n t^2) (Hoeffding, "
              "sampling without replacement) and <= exp(-2 n t^2 / (1 - (n-1)/N)) (Serfling).",
    statement_latex=r"For $X \sim \operatorname{Hyper}(N, K, n)$ and $t > 0$: $\Pr[X - nK/N \ge tn] \le "
                    r"e^{-2 n t^2}$ (Hoeffding, sampling without replacement) and $\Pr[X - nK/N \ge tn] \le "
                    r"e^{-2 n t^2 / (1 - (n-1)/N)}$ (Serfling).",
    source=Source("fpc", "Proposition A.5 (Appendix A.2)",
                  "We first introduce the following exponential bounds for the hypergeometric distribution "
                  "Hyper . Hyper describes the probability of certain successes (random draws for which the "
                  "object drawn has a specified feature) in draws, without replacement, from a finite "
                  "population of size that contains exactly objects with that feature, wherein each draw is "
                  "either a success or a failure. Proposition A.5 ([17]). Suppose Hyper with . Define . "
                  "Then for all"),
    assumptions=(Assumption.integer("N_max", 2), Assumption.integer("chunk", 1),
                 Assumption.math("scale == 1", text="the bound is the stated one: scale = 1")),
    config=Config,
    profiles={"quick": {}, "full": {"N_max": 160, "chunk": 10}},
    predictions=predictions, check=check, deterministic=True,
    not_algebraic="a bound on finite sums of binomials: checked exactly on a grid, not derived",
    notes="The seed lost the formula; the two standard forms of Greene & Wellner (2017) are checked. "
          "Grid: every N <= N_max, K, n, and every attainable threshold x (t = x/n - K/N > 0).",
))
