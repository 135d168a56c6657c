"""fpc.lemA.6: the unmasked count |P_{k,a} cap U| of an area concentrates around (1-gamma) C
with probability 1 - 2 exp(-2 delta^2 (1-gamma)^2 C) (Lemma A.6 via Prop A.5, Appendix A.2)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from claims import Assumption, Claim, Measurement, Prediction, Source, register

from ._common import make_dist
from ._cost import whole_check
from ._fit import linear_fit


@dataclass(frozen=True)
class Config:
    gamma: float = 0.5
    delta: float = 0.5               # relative deviation: |X - (1-gamma) C| >= delta (1-gamma) C
    P_values: tuple = (64, 128, 256, 512, 1024, 2048)
    kappas: tuple = (0.2, 0.5, 0.9)  # area sizes C = round(P^kappa)
    rate_P: int = 4096               # population for the exponential-rate fit over C
    rate_C: tuple = (8, 16, 32, 64, 96, 128, 192, 256)
    bound_scale: float = 1.0         # multiplies the Hoeffding exponent; > 1 is a wrong bound
    n_sample: int = 4000             # images for the sampled check of the masking sampler
    sample_P: int = 256


def two_sided_tail(P: int, C: int, m: int, delta: float, gamma: float) -> float:
    """P(|X - (1-gamma)C| >= delta (1-gamma) C), X ~ Hyper(P, C, P - m) unmasked in the area."""
    X = stats.hypergeom(P, C, P - m)
    mu, dev = (1 - gamma) * C, delta * (1 - gamma) * C
    lo, hi = np.floor(mu - dev + 1e-12), np.ceil(mu + dev - 1e-12)
    return float(X.cdf(lo) + X.sf(hi - 1))


def tail_point(P: int, kappa: float, gamma: float, delta: float, scale: float) -> dict:
    C = max(1, int(round(P ** kappa)))
    m = round(gamma * P)
    tail = two_sided_tail(P, C, m, delta, gamma)
    bound = min(1.0, 2 * np.exp(-2 * scale * (delta * (1 - gamma)) ** 2 * C))
    return {"P": P, "kappa": kappa, "C": C, "tail": tail, "bound": bound}


TEXTBOOK = "textbook Hoeffding bound (sampling without replacement), not the paper's lost statement (A.3)/(A.4)"
SAMPLER = "a check of this suite's masking sampler, not a statement of the paper"


def predictions(cfg):
    hoeff = 2 * (cfg.delta * (1 - cfg.gamma)) ** 2
    why = TEXTBOOK if cfg.bound_scale == 1.0 else ""       # the control (bound_scale > 1) is a wrong bound
    return (
        Prediction("max_tail_over_bound", "exact two-sided tail <= 2 exp(-2 delta^2 (1-gamma)^2 C) "
                   "for every (P, C) of the sweep", "<=", 1.0, by_construction=why),
        Prediction("decay_rate", f"the exact tail decays exponentially in C at rate >= {hoeff:.4g} "
                   "(Hoeffding's rate; fitted slope of -log tail vs C)", ">=", hoeff * cfg.bound_scale,
                   by_construction=why),
        Prediction("sampler_tv_over_noise", "the model's masks give hypergeometric unmasked counts "
                   "(total variation / its 3-sigma sampling noise)", "<=", 1.0, by_construction=SAMPLER),
    )


def check(cfg, ctx) -> Measurement:
    pts = [{"P": P, "kappa": k, "gamma": cfg.gamma, "delta": cfg.delta, "scale": cfg.bound_scale}
           for P in cfg.P_values for k in cfg.kappas]
    rows = ctx.map(tail_point, pts, desc="unmasked-count tails")
    ratio = max(r["tail"] / r["bound"] for r in rows)
    m = round(cfg.gamma * cfg.rate_P)
    tails = [two_sided_tail(cfg.rate_P, C, m, cfg.delta, cfg.gamma) for C in cfg.rate_C]
    fit = linear_fit(cfg.rate_C, -np.log(tails))
    # the model's sampler: unmasked counts of the global area of cluster 0
    dist = make_dist(cfg, P=cfg.sample_P, kappa_c=0.9, kappa_s=0.2)     # gamma from cfg, the rest default
    b = dist.sample(cfg.n_sample, ctx.torch_generator(11), cluster=0)
    area0 = (dist.area[0] == 0)
    counts = ((~b.mask) & area0[None]).sum(1).numpy()
    C0 = int(area0.sum())
    pmf = stats.hypergeom(cfg.sample_P, C0, cfg.sample_P - dist.cfg.n_masked).pmf(np.arange(C0 + 1))
    emp = np.bincount(counts, minlength=C0 + 1) / cfg.n_sample
    tv = 0.5 * np.abs(emp - pmf).sum()
    noise = 0.5 * 3 * np.sqrt(pmf * (1 - pmf) / cfg.n_sample).sum()
    return Measurement(
        {"max_tail_over_bound": float(ratio), "decay_rate": fit.slope, "sampler_tv_over_noise": float(tv / noise)},
        {"rows": rows, "rate_fit": fit.as_json(), "rate_tails": tails, "sampler": {"C": C0, "tv": float(tv),
                                                                                  "noise_3sigma": float(noise)}},
        series={"tail_vs_C": {"x": list(cfg.rate_C), "ys": {"exact tail": tails,
                "Hoeffding bound": [min(1, 2 * np.exp(-2 * (cfg.delta * (1 - cfg.gamma)) ** 2 * C))
                                    for C in cfg.rate_C]},
                "xlabel": "area size C", "ylabel": "P(relative deviation >= delta)", "logy": True, "kind": "line"}})


CLAIM = register(Claim(
    id="fpc.lemA.6",
    cost=whole_check("fpc.lemA.6"),
    title="Unmasked patch counts per area concentrate (high-probability event)",
    statement="For an area of C patches and masking ratio gamma, X = |P_{k,a} cap U| ~ Hyper(P, C, (1-gamma)P) "
              "satisfies P(|X - (1-gamma)C| >= delta (1-gamma) C) <= 2 exp(-2 delta^2 (1-gamma)^2 C): the "
              "event of (A.3) holds with probability 1 - exp(-Omega(P^kappa)) for an area of size P^kappa.",
    statement_latex=(
        r"For an area of $C$ patches and masking ratio $\gamma$, $X = |\mathcal{P}_{k,a} \cap \mathcal{U}| "
        r"\sim \operatorname{Hyper}(P, C, (1 - \gamma) P)$ satisfies $\Pr\left[|X - (1 - \gamma) C| \ge "
        r"\delta (1 - \gamma) C\right] \le 2 \exp\left(-2 \delta^2 (1 - \gamma)^2 C\right)$: for an area "
        r"of size $C = P^{\kappa}$ the event of (A.3) holds with probability $1 - "
        r"\exp(-\Omega(P^{\kappa}))$."),
    source=Source("fpc", "Lemma A.6 (Appendix A.2)",
                  "We then utilize this property to prove the high-probability set introduced in Section 5.1. "
                  "Lemma A.6. For , define | (A.3) | we have | (A.4) | where is some constant. Proof. Under "
                  "the random masking strategy, given and , follows the hypergeometric distribution, i.e. . "
                  "Then by tail bounds, for , we have: Letting , we have ∎"),
    assumptions=(Assumption.range("gamma", 0, 1), Assumption.range("delta", 0, 1, hi_open=False),
                 Assumption.math("bound_scale == 1", text="the bound is Hoeffding's: bound_scale = 1")),
    depends_on=("fpc.propA.5",),
    config=Config,
    profiles={"quick": {}, "full": {"P_values": (64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384),
                                    "n_sample": 40000, "sample_P": 1024}},
    predictions=predictions, check=check,
    not_algebraic="a probability of a finite distribution: computed exactly (SciPy hypergeometric)",
    notes="The seed lost (A.3)/(A.4); the event is reconstructed as a relative deviation delta of every "
          "area's unmasked count, bounded by Prop A.5 (Hoeffding) with C draws. What is checked is therefore "
          "the textbook Hoeffding inequality for the hypergeometric distribution on a reconstructed event, "
          "not the paper's statement: its predictions are marked by construction and are not counted as "
          "support for the paper (the sampler prediction tests this suite's code).",
    interpretation="(A.3)/(A.4) are lost: the event is read as |X - (1-gamma)C| < delta (1-gamma) C for the "
                   "unmasked count X of an area of C patches, with Hoeffding's bound 2 exp(-2 delta^2 "
                   "(1-gamma)^2 C) standing in for the lost (A.4)",
))
