"""tlc.lem4.6: the conclusion of Lemma 4.6, "optimal a_j is proportional to u'_j^T X_{0,i}",
for the regularised reconstruction (11) in general (LayerNorm visible features)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from claims import Assumption, Claim, Measurement, Prediction, Source, register

from . import _ridge as R
from ._common import int_matrix, minimal_counterexample


@dataclass(frozen=True)
class Config:
    N: int = 8                 # visible patches
    F: int = 12                # features per patch
    lams: tuple = (0.1, 1.0, 10.0)   # regularisation strengths lambda
    n_trials: int = 50
    features: str = "layernorm"      # "layernorm" (general) | "orthogonal" (U' U'^T = c I)


def _trials(N, F, lam, n_trials, features, seed):
    rng = np.random.default_rng(seed)
    cos = []
    for _ in range(n_trials):
        U, x = R.draw_features(features, N, F, rng), rng.standard_normal(F)
        cos.append(R.cosine(R.joint_optimum(U, x, lam), U @ x))
    return {"lam": lam, "min_cos": float(min(cos)), "median_cos": float(np.median(cos))}


def predictions(cfg):
    return (Prediction("one_minus_min_cos", "the optimum a of (11) is proportional to (u'_j^T X_{0,i})_j: "
                       "1 - min cosine over draws and lambdas", "<=", 1e-9,
                       math=(r"1 - \min_{\lambda, U', X_{0,i}} \cos\left(\hat{\mathbf{a}}, U' X_{0,i}\right) "
                             r"\le 10^{-9}")),)


def check(cfg, ctx) -> Measurement:
    rows = ctx.map(_trials, [dict(N=cfg.N, F=cfg.F, lam=lam, n_trials=cfg.n_trials, features=cfg.features,
                                  seed=ctx.seed_for("lem4.6", i)) for i, lam in enumerate(cfg.lams)])

    def is_cex(t):
        U, x = np.array(t[0], float), np.array(t[1], float)
        b = U @ x
        if np.linalg.norm(b) == 0:
            return False
        return 1 - R.cosine(R.joint_optimum(U, x, 1.0), b) > 1e-6
    from hypothesis import strategies as st
    pairs = st.tuples(int_matrix(2, 2, -2, 2), st.lists(st.integers(-2, 2), min_size=2, max_size=2))
    cex = minimal_counterexample(pairs, is_cex)
    ev = {"rows": rows}
    if cex is not None:
        U, x = np.array(cex[0], float), np.array(cex[1], float)
        ev["minimal_counterexample"] = {"U": cex[0], "x": cex[1], "lambda": 1.0,
                                        "optimum_a": R.joint_optimum(U, x, 1.0).tolist(), "U_x": (U @ x).tolist()}
    return Measurement(
        values={"one_minus_min_cos": 1 - min(r["min_cos"] for r in rows)}, evidence=ev,
        series={"cosine": {"x": [r["lam"] for r in rows], "ys": {"min cos": [r["min_cos"] for r in rows],
                           "median cos": [r["median_cos"] for r in rows]}, "xlabel": "lambda",
                           "ylabel": "cos(a*, U'x)", "logx": True, "kind": "line"}},
        notes="The optimum is (U'U'^T + lambda I)^-1 U' X_{0,i}: proportional to U' X_{0,i} only if U' X_{0,i} "
              "is an eigenvector of the Gram matrix U'U'^T (e.g. U'U'^T = c I), or in the limit lambda -> inf "
              "(see tlc.lem4.6.cond).")


CLAIM = register(Claim(
    id="tlc.lem4.6",
    title="Lemma 4.6: optimal a_j is proportional to u'_j^T X_{0,i}",
    kind="lemma",
    statement="For the regularised reconstruction (11) of a masked patch X_{0,i} from visible representations "
              "u'_j (LayerNorm outputs), the optimal coefficients satisfy a_j proportional to u'_j^T X_{0,i}.",
    statement_latex=(
        r"Lemma 4.6: for the regularised reconstruction $\operatorname*{argmin}_{\mathbf{a}} \left\| "
        r"\sum_j a_j u'_j - X_{0,i} \right\|_F^2 + \lambda \sum_j a_j^2$ (11) of a masked patch $X_{0,i}$ "
        r"from the visible representations $u'_j$ (LayerNorm outputs), the optimal coefficients satisfy "
        r"$a_j \propto u'^{\top}_j X_{0,i}$."),
    source=Source("tlc", "Lemma 4.6",
                  "**Lemma 4.6.** *Optimal a_j is proportional to patch similarity $u'_j{}^\\top X_{0,i}$.*"),
    assumptions=(Assumption.integer("N", 2), Assumption.integer("F", 2),
                 Assumption.math("lam > 0", each=("lams", "lam"), text="every lambda > 0"),
                 Assumption.relation("features = 'layernorm' (the lemma's setting)", ("features",),
                                     lambda f: f == "layernorm")),
    depends_on=("tlc.lem4.6.steps", "tlc.eq13"),
    config=Config,
    profiles={"quick": {}, "full": {"N": 64, "F": 192, "lams": (0.01, 0.1, 1.0, 10.0, 100.0), "n_trials": 200}},
    deterministic=True, predictions=predictions, check=check,
    not_algebraic="the conclusion is checked numerically; its algebraic steps are tlc.lem4.6.steps",
))
