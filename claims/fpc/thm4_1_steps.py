"""fpc.thm4.1-steps: the number of GD steps Theorem 4.1 needs to reach max_p L_p - L_p* <= eps
grows polynomially in P (and in 1/eps): measured over a sweep of P on held-out images, with the
polynomial and the exponential model compared explicitly."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np
import torch
from scipy import stats

from claims import Assumption, Claim, Measurement, Prediction, Regime, Source, register
from models.attention import ReducedMIM
from models.data import Batch, DataConfig, Distribution
from models.mim import patch_stats_chunked
from models.train import gradient_descent

from ._cost import BY_P, Work
from ._fit import exp_fit, power_fit
from ._sweep import SweepData, data_dict, largest
from ._training import on_model, reduced_model

LOG2 = math.log(2.0)


@dataclass(frozen=True)
class Config(SweepData):
    kappa_pairs: tuple = ((0.9, 0.2), (0.5, 0.3))   # Delta = +0.6 and -0.3
    P_values: tuple = (16, 32, 64, 128, 256)   # doubling sizes (5: see notes); the full profile reaches 1024
    eps: float = 0.01            # the theorem's epsilon for the sweep over P
    eps_values: tuple = (0.02, 0.01, 0.005)   # for the 1/eps sweep at the largest P
    K: int = 2
    n_samples: int = 192         # training images (fixed sample, full-batch GD)
    n_eval: int = 192            # held-out images on which max_p L_p - L_p* is measured
    max_steps: int = 400         # budget; a run that does not reach every eps leaves the regime unmet
    lr: float = 10.0
    exp_factor: float = LOG2     # the exponential term may change T by at most this log-factor over the sweep
    lr_halving: float = 0.0      # lr * 2^(-P/lr_halving) if > 0: an exponentially slower schedule (control)

    @property
    def P(self) -> int:          # the largest size reached (the runner's scale)
        return largest(self.P_values)


EVAL_RESOLUTION = 100     # the held-out gap is evaluated at every step up to 2 x this one, then on a grid of
                          # relative spacing <= 1/EVAL_RESOLUTION; a crossing is then located exactly by replay


def step_size(cfg, P: int) -> float:
    """The GD step size at size ``P``: ``lr``, times 2^(-P/lr_halving) if ``lr_halving`` > 0 (the
    exponentially slower control schedule)."""
    return cfg.lr * (2.0 ** (-P / cfg.lr_halving) if cfg.lr_halving > 0 else 1.0)


def on_eval_grid(step: int, max_steps: int) -> bool:
    """Steps at which ``steps_to_eps`` evaluates the held-out gap while training: every
    (step // EVAL_RESOLUTION)-th step (every step below 2 x EVAL_RESOLUTION; spacing <= 1% of the
    step after it), and the last one."""
    return step % max(1, step // EVAL_RESOLUTION) == 0 or step == max_steps


def grid_evaluations(max_steps: int) -> int:
    """How many grid evaluations a run to ``max_steps`` makes."""
    return sum(on_eval_grid(s, max_steps) for s in range(max_steps + 1))


class _Run(NamedTuple):
    """A GD run of :func:`steps_to_eps` set up and not yet started (:func:`_training_run`)."""
    dist: Distribution
    g: torch.Generator           # seeded with the run's seed; its next draw follows the training images
    model: ReducedMIM
    tb: Batch                    # the training images, on the model's device
    params: list
    loss: Callable[[], torch.Tensor]
    grad_fn: Callable


def _training_run(data: dict, n: int, seed: int, device: str) -> _Run:
    """The GD run of ``steps_to_eps`` before its first step: ``n`` training images drawn from
    ``seed``, a reduced model from Q = 0, its parameters, loss and closed-form gradient. Also the
    setup of the estimator's kernel :func:`train_steps`."""
    dist = Distribution(DataConfig(**data))
    g = torch.Generator().manual_seed(seed)
    train_b = dist.sample(n, g)
    model = reduced_model(dist, torch.float32, device, fast=True)
    tb = on_model(train_b, model)
    return _Run(dist, g, model, tb, [model.Phi, model.Ups], lambda: model(tb).loss, model.grad_fn(model.prepare(tb)))


def _record_crossings(hit: dict, gap: float, step: int, eps_values) -> list:
    """Record ``step`` in ``hit`` (keyed by ``str(eps)``) for every eps of ``eps_values`` that
    ``hit`` lacks and ``gap`` meets (gap <= eps); returns those eps."""
    met = [e for e in eps_values if str(e) not in hit and gap <= e]
    for e in met:
        hit[str(e)] = step
    return met


def steps_to_eps(data: dict, n: int, n_eval: int, max_steps: int, lr: float, eps_values: tuple, seed: int,
                 device: str = "cpu") -> dict:
    """GD from Q = 0; max_p (L_p - L_p*) on held-out images (Theorem 4.1 (1)) and the first step
    at which it is <= each eps (None if never within max_steps).

    The gap is evaluated on the grid of :func:`on_eval_grid` (an evaluation costs about 2/3 of a
    step); when an eps is first met at a grid step s, the steps between the previous grid step s'
    and s are replayed from the parameters saved at s' (full-batch GD repeats them bit for bit on
    the CPU; on a GPU up to round-off) and evaluated one by one, so the count is the first step at
    which the gap is <= eps, as with an evaluation after every step, unless the gap dipped below eps
    and came back above between two earlier grid steps (a dip shorter than 1% of the run).
    ``steps_run`` is the grid step at which training stopped (every eps met, or max_steps)."""
    run = _training_run(data, n, seed, device)
    dist, model, params = run.dist, run.model, run.params
    eval_b = dist.sample(n_eval, run.g)   # the held-out images: drawn after the training images
    eval_prep = model.prepare(eval_b)    # held-out statistics chunk by chunk, never the (n_eval, m, P) attention
    hit, gaps, replays, last = {}, [], {}, {}

    def gap_now() -> float:
        with torch.no_grad():
            return float(patch_stats_chunked(dist, eval_b, model, eval_prep).gap.max())

    def evaluate(step, state):
        if not on_eval_grid(step, max_steps):
            return False
        gap = gap_now()
        gaps.append((step, gap))
        for e in _record_crossings(hit, gap, step, eps_values):
            if last and last["step"] < step - 1:          # one replay per interval, for every eps met in it
                replays.setdefault(step, (last["step"], last["params"], []))[2].append(e)
        last.update(step=step, params=[p.detach().clone() for p in params])
        return len(hit) == len(eps_values)

    gradient_descent(params, run.loss, steps=max_steps, lr=lr, callbacks=[evaluate], grad_fn=run.grad_fn)
    replayed = 0
    for s1, (s0, saved, eps_met) in replays.items():      # the exact first steps in (s0, s1]
        with torch.no_grad():
            for p, v in zip(params, saved):
                p.copy_(v)

        found = {}                                       # eps met at a replayed step; the others keep s1

        def first_below(k, state, s0=s0, eps_met=eps_met, found=found):
            if k > 0:
                _record_crossings(found, gap_now(), s0 + k, eps_met)
            return len(found) == len(eps_met)
        gradient_descent(params, run.loss, steps=s1 - s0 - 1, lr=lr, callbacks=[first_below], grad_fn=run.grad_fn)
        hit.update(found)
        replayed += s1 - s0 - 1
    return {"P": dist.P, "lr": lr, "steps_to": {str(e): hit.get(str(e)) for e in eps_values},
            "gap_start": gaps[0][1], "gap_end": gaps[-1][1], "steps_run": gaps[-1][0],
            "evaluations": len(gaps), "replayed_steps": replayed}


def train_steps(data: dict, n: int, lr: float, steps: int, seed: int = 0, device: str = "cpu") -> None:
    """The estimator's kernel for ``steps_to_eps``'s GD steps alone (no evaluation): the same
    setup (:func:`_training_run`), then ``steps`` steps."""
    run = _training_run(data, n, seed, device)
    gradient_descent(run.params, run.loss, steps=steps, lr=lr, grad_fn=run.grad_fn)


def held_out_evaluations(data: dict, n_eval: int, evals: int, seed: int = 0, device: str = "cpu") -> None:
    """The estimator's kernel for ``steps_to_eps``'s evaluations: ``evals`` of them on one prepared
    held-out sample."""
    dist = Distribution(DataConfig(**data))
    model = reduced_model(dist, torch.float32, device, fast=True)
    eval_b = dist.sample(n_eval, torch.Generator().manual_seed(seed))
    prep = model.prepare(eval_b)
    with torch.no_grad():
        for _ in range(evals):
            patch_stats_chunked(dist, eval_b, model, prep)


def thm4_1_steps_cost(cfg) -> list[Work]:
    """Upper bound: every run to ``max_steps`` (a run stops at the first grid step at which it has
    met every eps), its grid evaluations, and a replay of at most one grid interval per eps."""
    kc, ks = cfg.kappa_pairs[0]
    runs = len(cfg.kappa_pairs)
    bound = "every run counted to max_steps; a run stops once it has met every eps"
    out = []
    for P in cfg.P_values:
        n_eps = len(set(cfg.eps_values) | {cfg.eps}) if P == cfg.P else 1
        replay = n_eps * max(1, cfg.max_steps // EVAL_RESOLUTION)
        data = data_dict(cfg, P=P, kappa_c=kc, kappa_s=ks)
        out.append(Work("claims.fpc.thm4_1_steps:train_steps",
                        {"data": data, "n": cfg.n_samples, "lr": step_size(cfg, P)},
                        count=(cfg.max_steps + replay) * runs, points=runs, steps_arg="steps", scale=BY_P,
                        upper_bound=bound))
        out.append(Work("claims.fpc.thm4_1_steps:held_out_evaluations", {"data": data, "n_eval": cfg.n_eval},
                        count=(grid_evaluations(cfg.max_steps) + replay) * runs, points=runs, steps_arg="evals",
                        scale=BY_P, upper_bound=bound))
    return out


def poly_exp_fit(x, T) -> dict:
    """log T = a + b log x + c x: the polynomial model is c = 0, an exponential one c > 0.
    Returns c (max x - min x) (the log-factor the exponential term adds over the sweep) with its
    95% interval (Student t, n - 3 degrees of freedom; nan with 3 points)."""
    x, y = np.asarray(x, float), np.log(np.asarray(T, float))
    span = x.max() - x.min()
    A = np.vstack([np.ones_like(x), np.log(x), (x - x.min()) / span]).T
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    dof = len(x) - 3
    if dof > 0:
        resid = y - A @ coef
        cov = float(resid @ resid) / dof * np.linalg.inv(A.T @ A)
        hw = float(stats.t.ppf(0.975, dof)) * math.sqrt(cov[2, 2])
        ci = (float(coef[2] - hw), float(coef[2] + hw))
    else:
        ci = (float("nan"), float("nan"))
    return {"exp_log_factor": float(coef[2]), "ci95": ci, "power": float(coef[1]), "dof": dof}


def offset_free_fit(x, T) -> dict | None:
    """The joint fit of :func:`poly_exp_fit` on the increments of ``T`` between consecutive sizes,
    which a constant term (the burn-in steps every run takes) does not enter: for T = a + b x^k on
    sizes x with a constant ratio the increments are b (1 - r^-k) x^k, a pure power of the upper
    size (exponential term 0); for T = a + b e^{cx} they are b e^{cx} (1 - e^{-c dx}), whose fit
    gives part of the growth to the power term, so its exponential term reads below c (compare it
    with :func:`offset_free_threshold`, not with the raw threshold). ``exp_log_factor`` and its
    interval are scaled to the span of the whole sweep. None where it cannot be formed: fewer than
    3 increments, sizes without a constant ratio, or an increment <= 0."""
    order = np.argsort(np.asarray(x, float))
    x, T = np.asarray(x, float)[order], np.asarray(T, float)[order]
    d = np.diff(T)
    ratios = x[1:] / x[:-1]
    if len(d) < 3 or not np.allclose(ratios, ratios[0], rtol=1e-9) or d.min() <= 0:
        return None
    f = poly_exp_fit(x[1:], d)
    scale = (x[-1] - x[0]) / (x[-1] - x[1])
    f["exp_log_factor"] *= scale
    f["ci95"] = tuple(v * scale for v in f["ci95"])
    return {**f, "increments": d.tolist()}


def offset_free_threshold(x, threshold: float) -> float:
    """What :func:`offset_free_fit` reads for growth exactly at the threshold, T = e^{threshold (x -
    x_min) / (x_max - x_min)} (a factor e^threshold over the sweep, no constant): the increments' fit
    gives part of an exponential to its power term, so a fails needs the increments' exponential
    term above this (about 0.53 for log 2 on doubling sizes), not above ``threshold`` itself."""
    x = np.sort(np.asarray(x, float))
    f = offset_free_fit(x, np.exp(threshold * (x - x[0]) / (x[-1] - x[0])))
    return f["exp_log_factor"] if f is not None else float("nan")


def _fails_needs_offset_free(name: str, raw: float, x, T, threshold: float, what: str) -> str | None:
    """Why a ``fails`` of ``name`` (raw exponential log-factor ``raw`` > ``threshold``) cannot be
    read off this replicate, or None when it can: the joint model has no constant term, so a
    polynomial plus a constant reads as exponential; the fails must survive the increments' fit."""
    if raw <= threshold:
        return None
    inc = offset_free_fit(x, T)
    steps = ", ".join(str(int(t)) for t in T)
    if inc is None:
        return (f"{name}: the joint model's exponential term ({raw:.3g} > {threshold:.3g}) cannot be told "
                f"from a polynomial plus a constant (burn-in steps) with these {what} (T = {steps}): that "
                "takes at least 4 sizes with a constant ratio and T increasing")
    at = offset_free_threshold(x, threshold)
    if not inc["exp_log_factor"] > at:
        return (f"{name}: the joint model's exponential term ({raw:.3g} > {threshold:.3g}) comes from a "
                f"constant term: the increments of T = {steps} between consecutive {what}, which a constant "
                f"does not enter, fit a polynomial (exponential term {inc['exp_log_factor']:.3g}, at most "
                f"{at:.3g}, what growth by a factor e^{threshold:.3g} reads there; power {inc['power']:.3g}), "
                "as T = a + b x^k does")
    return None


def _key(kc, ks) -> str:
    return f"kc={kc},ks={ks}"


def predictions(cfg):
    out = []
    for kc, ks in cfg.kappa_pairs:
        out.append(Prediction(f"exp_factor_P[{_key(kc, ks)}]", f"({kc}, {ks}): steps to max_p L_p - L_p* <= {cfg.eps} "
                              f"grow polynomially in P: in log T = a + b log P + c P the exponential term changes T by "
                              f"at most a factor e^{cfg.exp_factor:.3g} over the sweep", "<=", cfg.exp_factor,
                              trend=True))
        out.append(Prediction(f"exp_factor_eps[{_key(kc, ks)}]", f"({kc}, {ks}): at the largest P, steps grow "
                              f"polynomially in 1/eps (the same model in 1/eps)", "<=", cfg.exp_factor))
    return tuple(out)


def regime(cfg):
    return (Regime("reached", f"every run reached every eps within max_steps = {cfg.max_steps} (a size that "
                   "did not has no step count; censored counts would bias the fit)", ">=", 1.0, instrument=True),)


def _fits(xs, T) -> dict:
    """Power, exponential and joint fits of step counts T (>= 1) against xs."""
    T = [max(1, t) for t in T]
    return {"joint": poly_exp_fit(xs, T), "power": power_fit(xs, T).as_json(), "exponential": exp_fit(xs, T).as_json()}


def check(cfg, ctx) -> Measurement:
    eps_all = tuple(sorted(set(cfg.eps_values) | {cfg.eps}, reverse=True))
    pts = [{"data": data_dict(cfg, P=P, kappa_c=kc, kappa_s=ks), "n": cfg.n_samples, "n_eval": cfg.n_eval,
            "max_steps": cfg.max_steps, "lr": step_size(cfg, P), "eps_values": eps_all if P == cfg.P else (cfg.eps,),
            "seed": ctx.seed_for("thm4.1-steps", i, P), "device": ctx.device}
           for i, (kc, ks) in enumerate(cfg.kappa_pairs) for P in cfg.P_values]
    rows = ctx.map(steps_to_eps, pts, desc="steps to eps")
    values, intervals, per, ys, n_hit, n_all, undecided = {}, {}, [], {}, 0, 0, {}
    nP = len(cfg.P_values)
    for i, (kc, ks) in enumerate(cfg.kappa_pairs):
        rs, k = rows[i * nP:(i + 1) * nP], _key(kc, ks)
        T = [r["steps_to"][str(float(cfg.eps))] for r in rs]
        Te = [rs[-1]["steps_to"][str(e)] for e in cfg.eps_values]
        reached = [t is not None for t in T + Te]
        n_hit, n_all = n_hit + sum(reached), n_all + len(reached)
        T_fit = [t if t is not None else cfg.max_steps for t in T]      # censored: the regime withdraws the verdict
        Te_fit = [t if t is not None else cfg.max_steps for t in Te]
        inv_eps = [1 / e for e in cfg.eps_values]
        fP, fe = _fits(cfg.P_values, T_fit), _fits(inv_eps, Te_fit)
        values[f"exp_factor_P[{k}]"] = fP["joint"]["exp_log_factor"]
        values[f"exp_factor_eps[{k}]"] = fe["joint"]["exp_log_factor"]
        for name, f, x, Tv, what in ((f"exp_factor_P[{k}]", fP, cfg.P_values, T_fit, "sizes P"),
                                     (f"exp_factor_eps[{k}]", fe, inv_eps, Te_fit, "values of 1/eps")):
            if f["joint"]["dof"] > 0:
                intervals[name] = tuple(f["joint"]["ci95"])
            f["offset_free"] = offset_free_fit(x, Tv)
            f["offset_free_threshold"] = offset_free_threshold(x, cfg.exp_factor)
            why = _fails_needs_offset_free(name, values[name], x, Tv, cfg.exp_factor, what)
            if why:
                undecided[name] = why
        per.append({"kappa_c": kc, "kappa_s": ks, "Delta": (1 - ks) - 2 * (1 - kc), "T": T, "fits_P": fP,
                    "doubling_ratios": [b / a for a, b in zip(T_fit, T_fit[1:])],
                    "T_vs_eps": dict(zip(map(str, cfg.eps_values), Te)), "fits_inv_eps": fe})
        ys[f"kc={kc}, ks={ks}"] = T_fit
    values["reached"] = n_hit / n_all
    return Measurement(
        values, {"pairs": per, "rows": rows}, intervals=intervals, scale={"P": list(cfg.P_values)},
        undecided=undecided,
        series={"steps_to_eps_vs_P": {"x": list(cfg.P_values), "ys": ys, "xlabel": "P",
                                      "ylabel": f"GD steps to max_p L_p - L_p* <= {cfg.eps}", "logx": True,
                                      "logy": True, "kind": "line"}},
        notes="Per pair: the joint fit log T = a + b log x + c x (x = P or 1/eps), the same fit on the increments "
              "of T between consecutive sizes ('offset_free', blind to a constant term), and the separate "
              "power-law and exponential fits, are in evidence.pairs; 'exp_factor' = c (max x - min x).")


CLAIM = register(Claim(
    id="fpc.thm4.1-steps",
    cost=thm4_1_steps_cost,
    title="Theorem 4.1: the steps needed to reach a loss gap eps grow polynomially in P and 1/eps",
    kind="theorem",
    statement="GD with a suitable eta reaches max_p L_p - L_p* <= eps after poly(P, 1/eps) steps, for either sign "
              "of Delta.",
    statement_latex=(
        r"For either sign of $\Delta$, GD with a suitable $\eta$ reaches $\max_p L_p(Q^{(T)}) - L_p^* \le "
        r"\varepsilon$ after $T = \mathrm{poly}(P, 1/\varepsilon)$ steps."),
    source=Source("fpc", "Theorem 4.1 (Section 4); Theorems F.3, F.4 item 1",
                  "The loss converges: after iterations, , where is the global minimum of patch-level "
                  "construction loss in (4.2)."),
    assumptions=(Assumption.range("eps", 0, 1), Assumption.math(
        "lr_halving == 0", text="the step size does not decay exponentially with P: lr_halving = 0"),
        Assumption.relation("at least 3 sizes, each twice the previous", ("P_values",),
                            lambda ps: len(ps) >= 3 and all(b == 2 * a for a, b in zip(ps, ps[1:]))),
        Assumption.relation("at least 3 distinct eps in (0, 1)", ("eps_values",),
                            lambda es: len(set(es)) >= 3 and all(0 < e < 1 for e in es)),
        Assumption.range("exp_factor", 0, None)),
    depends_on=("fpc.thm4.1", "fpc.lemC.30", "fpc.lemD.3", "fpc.lemE.3"),
    config=Config,
    profiles={"quick": {}, "full": {"P_values": (32, 64, 128, 256, 512, 1024), "n_samples": 1024, "n_eval": 1024,
                                    "max_steps": 4000, "eps_values": (0.01, 0.005, 0.0025, 0.00125, 0.000625)}},
    predictions=predictions, check=check, regime=regime,
    asymptotic_in=("P",), scale_fields=("P_values", "n_samples", "n_eval", "max_steps"),
    not_algebraic="a rate: measured over a sweep of P and eps",
    interpretation="poly(P) against exponential: in the joint model log T = a + b log P + c P (c = 0 is a "
                   "polynomial, c > 0 an exponential), the exponential term may change T by at most a factor 2 "
                   "over the sweep (c (P_max - P_min) <= log 2). An interval straddling log 2 means the sizes "
                   "cannot separate the two models: inconclusive. A fails must also survive the same fit on the "
                   "increments of T between consecutive sizes, which a constant term does not enter: the joint "
                   "model has no constant, so a polynomial plus the burn-in steps every run takes (T = a + b x^k, "
                   "still poly(P, 1/eps)) reads as exponential; where the increments fit a polynomial, or there are "
                   "fewer than 4 sizes to form them, the replicate cannot decide (inconclusive). eta is fixed "
                   "across P; the gap is Theorem 4.1's max over patches of L_p - L_p*, on held-out images.",
    notes="Rule added after seeing a result (December 2026): the first replicate of the full profile measured "
          "exp_factor_eps = 1.12 > log 2 for (0.9, 0.2) with T = 60, 74, 107, 183, 385 at eps = 0.01 ... 0.000625, "
          "which T = 51 + 0.021 (1/eps)^1.31 (a polynomial in 1/eps plus a constant) matches to within 2%; the "
          "increments of T fit a power 1.13 with exponential term 0.32. A fails now needs the increments' fit to "
          "agree (offset_free_fit), its exponential term above what growth by exactly e^exp_factor reads there "
          "(offset_free_threshold, about 0.53 for log 2: the increments' fit gives part of an exponential to its "
          "power term, so comparing with log 2 itself, as first written, let exponentials up to a factor 2.46 "
          "through; a review caught it); the rule can only turn a fails into inconclusive, never make a holds. "
          "The quick profile gained P = 256 with this rule (5 sizes instead of 4), since on 4 sizes the "
          "increments' fit has no degree of freedom left and one replicate's noise decides it. With "
          "it, 3 sizes can no longer show exponential growth (3 points fit a + b x^k exactly), so the false-case "
          "test now sweeps 5 sizes. "
          "Replaces (rule changed after seeing the numbers T = 27 -> 48 and 62 -> 61 over P = 16..128, where an "
          "exponential fit was as good as the power fit and passed the former 'doubling ratio grows by <= 0.5' "
          "rule) the doubling-ratio rule and the training-batch average gap. The 1/eps prediction is read at one "
          "size (the largest P), so at reduced scale a fail there is inconclusive. The held-out gap is "
          "evaluated after every step up to step 200 and on a grid of <= 1% relative spacing after it, each "
          "crossing located exactly by replaying the steps since the previous grid step (steps_to_eps): changed "
          "to cut the cost of the long full-profile runs by about 40%, before any full-profile result; the quick "
          "profile's counts (all below 200 steps) are unchanged.",
))
