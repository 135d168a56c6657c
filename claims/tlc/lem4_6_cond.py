"""tlc.lem4.6.cond: the conditions under which the conclusion of Lemma 4.6 holds:
(a) exactly when the visible features are orthogonal with equal norms (U'U'^T = c I), then
a = U' X_{0,i} / (lambda + c); (b) asymptotically for strong regularisation:
1 - cos(a, U' X_{0,i}) = Theta(lambda^-2) as lambda -> infinity."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from claims import Assumption, Claim, Derivation, Measurement, Prediction, Source, register
from claims._sym import identity

from . import _ridge as R
from ._common import fit_loglog


@dataclass(frozen=True)
class Config:
    N: int = 8
    F: int = 12
    lam: float = 1.0                 # lambda for the exact part (a)
    n_trials: int = 50
    features: str = "orthogonal"     # condition of part (a); "layernorm" is the false case
    lam_factors: tuple = (10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0)   # part (b): lambda / ||U'U'^T||_2


def _exact(N, F, lam, n_trials, features, seed):
    rng = np.random.default_rng(seed)
    cos_gap, coef_gap = 0.0, 0.0
    for _ in range(n_trials):
        U, x = R.draw_features(features, N, F, rng), rng.standard_normal(F)
        a, b = R.joint_optimum(U, x, lam), U @ x
        c = float(np.trace(U @ U.T)) / N
        cos_gap = max(cos_gap, 1 - R.cosine(a, b))
        coef_gap = max(coef_gap, R.rel(a, b / (lam + c)))
    return {"cos_gap": float(cos_gap), "coef_gap": float(coef_gap)}


def _large_lambda(N, F, lam_factors, seed):
    rng = np.random.default_rng(seed)
    U, x = R.layernorm_features(N, F, rng), rng.standard_normal(F)
    g = np.linalg.norm(U @ U.T, 2)
    b = U @ x
    return {"lam": [float(f * g) for f in lam_factors],
            "one_minus_cos": [float(max(1 - R.cosine(R.joint_optimum(U, x, f * g), b), 1e-300)) for f in lam_factors]}


def predictions(cfg):
    return (
        Prediction("cos_gap", "U'U'^T = c I: a is exactly proportional to U' X_{0,i} (1 - cos)", "<=", 1e-9,
                   math=r"U' U'^\top = c I \Rightarrow 1 - \cos(\hat{\mathbf{a}}, U' X_{0,i}) \le 10^{-9}"),
        Prediction("coef_gap", "U'U'^T = c I: a = U' X_{0,i} / (lambda + c) (relative)", "<=", 1e-9,
                   math=(r"\frac{\|\hat{\mathbf{a}} - U' X_{0,i} / (\lambda + c)\|}{\|\hat{\mathbf{a}}\|} "
                         r"\le 10^{-9}")),
        Prediction("lambda_exponent", "general U': 1 - cos(a, U'X_{0,i}) ~ lambda^p with p = -2 (fitted, "
                   "median over draws)", "between", (-2.2, -1.8),
                   math=(r"-2.2 \le \frac{d \log\left(1 - \cos(\hat{\mathbf{a}}, U' X_{0,i})\right)}{d \log \lambda} "
                         r"\le -1.8")),
    )


def check(cfg, ctx) -> Measurement:
    ex = _exact(cfg.N, cfg.F, cfg.lam, cfg.n_trials, cfg.features, ctx.seed)
    sweeps = ctx.map(_large_lambda, [dict(N=cfg.N, F=cfg.F, lam_factors=cfg.lam_factors, seed=ctx.seed_for("cond", i))
                                     for i in range(5)], desc="lambda sweep")
    slopes = [fit_loglog(s["lam"], s["one_minus_cos"]) for s in sweeps]
    med = float(np.median([s for s, _ in slopes]))
    return Measurement(
        values={"cos_gap": ex["cos_gap"], "coef_gap": ex["coef_gap"], "lambda_exponent": med},
        evidence={"exponents": [{"slope": s, "se": e} for s, e in slopes], "features": cfg.features},
        series={"large_lambda": {"x": list(cfg.lam_factors), "ys": {f"draw {i}": s["one_minus_cos"]
                                 for i, s in enumerate(sweeps)}, "xlabel": "lambda / ||U'U'^T||",
                                 "ylabel": "1 - cos(a*, U'x)", "logx": True, "logy": True, "kind": "line"}},
    )


def derive(cfg) -> Derivation:
    lam, c = sp.symbols("lambda c", positive=True)
    t = sp.Symbol("t", positive=True)            # t = 1/lambda
    b = sp.Matrix(2, 1, sp.symbols("b0 b1", real=True))
    G = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"g{min(i, j)}{max(i, j)}", real=True))
    a = (c * sp.eye(2) + lam * sp.eye(2)).inv() * b
    # series of a(t) = (G + I/t)^{-1} b = t b - t^2 G b + O(t^3)
    a_t = (G + sp.eye(2) / t).inv() * b
    ser = a_t.applyfunc(lambda e: sp.series(e, t, 0, 3).removeO())
    return Derivation((
        identity("orthogonal_case", sum(x ** 2 for x in (a - b / (lam + c))), 0,
                 "(U'U'^T + lambda I)^-1 U'x = U'x / (lambda + c) when U'U'^T = c I (N = 2)"),
        identity("large_lambda_series", sum(sp.expand(x) ** 2 for x in (ser - (t * b - t ** 2 * G * b))), 0,
                 "(G + lambda I)^-1 b = b/lambda - G b/lambda^2 + O(lambda^-3): the angle to b is O(1/lambda), "
                 "so 1 - cos = O(lambda^-2)"),
    ))


CLAIM = register(Claim(
    id="tlc.lem4.6.cond",
    title="Lemma 4.6 holds for orthogonal visible features, and as lambda -> infinity",
    kind="corollary",
    statement="(a) If U'U'^T = c I then the optimum of (11) is a = U'X_{0,i}/(lambda + c), proportional to "
              "u'_j^T X_{0,i}; (b) for any U', 1 - cos(a, U'X_{0,i}) = Theta(lambda^-2) as lambda -> infinity.",
    statement_latex=(
        r"(a) If $U' U'^\top = c I$, the optimum of (11) is $\mathbf{a} = \frac{U' X_{0,i}}{\lambda + c}$,"
        r" proportional to $u'^{\top}_j X_{0,i}$; (b) for any $U'$, $1 - \cos(\mathbf{a}, U' X_{0,i}) = "
        r"\Theta(\lambda^{-2})$ as $\lambda \to \infty$."),
    source=Source("tlc", "Lemma 4.6 (conditions for its conclusion)",
                  "**Lemma 4.6.** *Optimal a_j is proportional to patch similarity $u'_j{}^\\top X_{0,i}$.*"),
    assumptions=(Assumption.integer("N", 2), Assumption.integer("F", 2), Assumption.range("lam", 0),
                 Assumption.math("N <= F", text="N <= F (orthogonal rows exist)"),
                 Assumption.relation("features = 'orthogonal' (the condition of part (a))", ("features",),
                                     lambda f: f == "orthogonal")),
    depends_on=("tlc.lem4.6",),
    config=Config,
    profiles={"quick": {}, "full": {"N": 64, "F": 192, "n_trials": 200}},
    predictions=predictions, check=check, derive=derive,
))
