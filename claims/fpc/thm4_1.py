"""fpc.thm4.1: GD from Q = 0 reaches L_p - L_p* <= eps for every patch, with area-wide attention
attn_{p -> P_{k,j} cap U} >= 1 - O(eps) for masked p, for both signs of the information gap."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import sympy as sp
import torch

from claims import Assumption, Claim, Derivation, Measurement, Prediction, Source, register
from claims._sym import fact, identity
from models.data import DataConfig, Distribution
from models.fastmim import training_memory_gb
from models.mim import patch_stats_chunked
from models.train import gradient_descent

from ._common import data_config
from ._cost import NEVER, Work, _data
from ._training import on_model, reduced_model, to_cpu


@dataclass(frozen=True)
class Config:
    P: int = 64                                   # patches
    K_values: tuple = (1, 3)                      # numbers of clusters to train at
    gaps: tuple = ((0.9, 0.2), (0.5, 0.3))        # (kappa_c, kappa_s): Delta = +0.6 and -0.3
    gamma: float = 0.5
    z_low: float = 1.0
    z_high: float = 2.0
    z_dist: str = "uniform"                       # distribution of z on [z_low, z_high]
    c_global: float = 1.0                         # global area = c_global * P^kappa_c
    c_local: float = 1.0                          # local areas = c_local * P^kappa_s
    partition_seed: int = 0
    eps: float = 0.01                             # the theorem's epsilon
    attn_const: float = 1.0                       # the O(eps) constant C: predict attention >= 1 - C*eps
    n_samples: int = 512                          # fixed training sample (empirical GD)
    n_eval: int = 1024                            # held-out images for L_p, L_p*, attention
    lr: float = 10.0                              # eta
    max_steps: int = 4000                         # budget; the theorem allows poly(P, 1/eps)
    eval_every: int = 50
    freeze_fp: bool = False                       # violation control: GD on Ups only (Phi stays 0)
    dtype: str = "float32"
    fast_grad: bool = True                        # closed-form gradient (models/fastmim.py, = autograd to round-off)


def derive(cfg, S) -> Derivation:
    P, kc, ks = S["P"], S["kappa_c"], S["kappa_s"]          # the symbols the assumptions declare
    ratio = (P ** kc / P) ** 2 / (P ** ks / P)          # initial global / target FP gradient ~ A_1^2 / A_j
    exponent = sp.simplify(sp.expand_log(sp.log(ratio), force=True) / sp.log(P))
    delta = (1 - ks) - 2 * (1 - kc)
    obs = [identity("info_gap_exponent", exponent, delta,
                    "at Q = 0, (A_1^2)/(A_j) = P^Delta with A_1 = P^(kappa_c-1), A_j = P^(kappa_s-1): Delta = "
                    "(1 - kappa_s) - 2(1 - kappa_c)  (4.1)")]
    for kcv, ksv in cfg.gaps:
        d = delta.subs({kc: sp.nsimplify(kcv), ks: sp.nsimplify(ksv)})
        lim = sp.limit(ratio.subs({kc: sp.nsimplify(kcv), ks: sp.nsimplify(ksv)}), P, sp.oo)
        expected = sp.oo if d > 0 else 0
        obs.append(fact(f"regime_{kcv}_{ksv}", f"(kappa_c, kappa_s) = ({kcv}, {ksv}): Delta = {d}, "
                        f"ratio -> {'infinity (global decoupled first)' if d > 0 else '0 (target grows first)'}",
                        lim == expected, f"limit of the ratio as P -> oo is {lim}", lim))
    return Derivation(tuple(obs), note="The convergence statement itself is a training outcome, checked numerically.")


def predictions(cfg):
    return (
        Prediction("max_gap", f"after GD, L_p - L_p* <= eps = {cfg.eps} for every patch p, every K in "
                   f"{list(cfg.K_values)} and both signs of Delta (held-out images)", "<=", cfg.eps,
                   math=r"\max_{K,\, (\kappa_c, \kappa_s),\, p} \left(L_p(Q^{(T)}) - L_p^*\right) \le \varepsilon"
                        rf" = {cfg.eps:g}"),
        Prediction("min_own_attention", f"masked p attends to the unmasked patches of its own area with weight "
                   f">= 1 - {cfg.attn_const}*eps (mean over held-out masked occurrences whose area is not fully "
                   f"masked, worst position, all runs)", ">=", 1 - cfg.attn_const * cfg.eps,
                   math=r"\min_{K,\, (\kappa_c, \kappa_s),\, p} \mathbb{E}\left[\mathrm{attn}_{p \to "
                        r"\mathcal{P}_{k,j} \cap \mathcal{U}} \mid p \in \mathcal{M} \cap \mathcal{P}_{k,j},\ "
                        r"\mathcal{P}_{k,j} \not\subseteq \mathcal{M}\right] \ge 1 - C \varepsilon"
                        rf" = {1 - cfg.attn_const * cfg.eps:g}"),
    )


def window_length(reached_at: int) -> int:
    """Steps trained on after the criterion first holds: 25% more, at least 200 (issue: early
    stopping must not manufacture the threshold)."""
    return max(200, -(-reached_at // 4))


def train_one(data, eps, attn_const, n_samples, n_eval, lr, max_steps, eval_every, freeze_fp, dtype, seed,
              fast_grad=True, device="cpu") -> dict:
    """One GD run. When both statements first hold on held-out images (step s), training goes on
    for a fixed window of ``window_length(s)`` more steps (even past max_steps) and the run reports
    the worst gap and attention over that window, so the reported margin is not zero by
    construction. A run that never reaches them stops at max_steps and reports its last values."""
    dist = Distribution(DataConfig(**data))
    K = dist.cfg.K
    g = torch.Generator().manual_seed(seed)
    tdtype = {"float32": torch.float32, "float64": torch.float64}[dtype]
    train_b, eval_b = dist.sample(n_samples, g), dist.sample(n_eval, g)
    model = reduced_model(dist, tdtype, device, fast=fast_grad)
    tb = on_model(train_b, model)
    hist = {"step": [], "max_gap": [], "min_attn": [], "train_loss": [], "target_fp": [], "global_fp_local": [],
            "ups_absmax": []}
    reached = {"at": None}
    own_f = (dist.feat_offset[None, :] + dist.area.T)                   # (P, K)
    local = dist.area.T != 0                                            # (P, K)

    # evaluation in bounded memory on the run's device: chunked, never the (n_eval, m, P) attention
    eval_prep = model.prepare(eval_b) if fast_grad else None

    def evaluate(step, state):
        with torch.no_grad():
            st = patch_stats_chunked(dist, eval_b, model, eval_prep)
        gap, att = float(st.gap.max()), float(np.nanmin(st.own_attn.numpy()))
        Phi = to_cpu(model.Phi)
        hist["step"].append(step)
        hist["max_gap"].append(gap)
        hist["min_attn"].append(att)
        hist["train_loss"].append(state.loss)
        hist["target_fp"].append(float(Phi.gather(1, own_f).mean()))
        hist["global_fp_local"].append(float(Phi[:, dist.feat_offset][local].mean()) if local.any() else 0.0)
        hist["ups_absmax"].append(float(model.Ups.detach().abs().max()))
        if reached["at"] is None and gap <= eps and att >= 1 - attn_const * eps:
            reached["at"] = step
        if reached["at"] is None:
            return step >= max_steps
        return step >= reached["at"] + window_length(reached["at"])

    gradient_descent([model.Phi, model.Ups], lambda: model(tb).loss, steps=max_steps + window_length(max_steps),
                     lr=lr, callbacks=[evaluate], record_every=eval_every,
                     frozen=[model.Phi] if freeze_fp else [],
                     grad_fn=model.grad_fn(model.prepare(tb)) if fast_grad else None)
    at = reached["at"]
    win = [i for i, s in enumerate(hist["step"]) if at is not None and s >= at] or [len(hist["step"]) - 1]
    return {"K": K, "kappa_c": dist.cfg.kappa_c, "kappa_s": dist.cfg.kappa_s, "delta": dist.cfg.delta,
            "reached": at is not None, "steps": at if at is not None else hist["step"][-1],
            "window": [hist["step"][win[0]], hist["step"][win[-1]]],
            "final_max_gap": max(hist["max_gap"][i] for i in win),
            "final_min_attn": min(hist["min_attn"][i] for i in win),
            "global_size": dist.cfg.global_size, "area_sizes": dist.sizes_per_area, "history": hist}


def _still_improving(h: dict, key: str, sign: int) -> bool:
    """Did ``key`` improve by more than 5% (relative to its distance from the target) over the last
    quarter of the run? Decided by a fixed rule, so a budget shortfall reads inconclusive, a plateau fails."""
    v = np.asarray(h[key])
    if len(v) < 4:
        return True
    q = max(1, len(v) // 4)
    before, after = v[-q - 1], v[-1]
    return sign * (after - before) > 0.05 * abs(before)


def memory_gb(cfg) -> float:
    """Estimated peak (GB) of one training point: the closed form's prepared batches and buffers
    (``models.fastmim.training_memory_gb``); autograd on the (n, m, P) logits otherwise."""
    m = round(cfg.gamma * cfg.P)
    N = max(Distribution(DataConfig(**dataclasses.asdict(data_config(cfg, K=1, kappa_c=kc, kappa_s=ks)))).N
            for kc, ks in cfg.gaps)
    item = 4 if cfg.dtype == "float32" else 8
    if not cfg.fast_grad:
        return 0.5 + 8 * (cfg.n_samples + cfg.n_eval) * m * cfg.P * item / 1e9
    return training_memory_gb(cfg.P, N, max(cfg.K_values), m, cfg.n_samples, cfg.n_eval, item)


def check(cfg, ctx) -> Measurement:
    points = [dict(data=dataclasses.asdict(data_config(cfg, K=K, kappa_c=kc, kappa_s=ks)),
                   eps=cfg.eps, attn_const=cfg.attn_const, n_samples=cfg.n_samples, n_eval=cfg.n_eval, lr=cfg.lr,
                   max_steps=cfg.max_steps, eval_every=cfg.eval_every, freeze_fp=cfg.freeze_fp, dtype=cfg.dtype,
                   seed=ctx.seed_for("thm4.1", i), fast_grad=cfg.fast_grad, device=ctx.device)
              for i, (K, (kc, ks)) in enumerate((K, gap) for K in cfg.K_values for gap in cfg.gaps)]
    runs = ctx.map(train_one, points, desc="thm4.1 runs")
    undecided = {}
    short = [r for r in runs if not r["reached"]]
    if short and all(_still_improving(r["history"], "max_gap", -1) or
                     _still_improving(r["history"], "min_attn", +1) for r in short):
        why = (f"{len(short)} run(s) had not reached eps within max_steps={cfg.max_steps} but were still improving; "
               "the theorem allows poly(P, 1/eps) steps: rerun with a larger max_steps (full profile)")
        undecided = {"max_gap": why, "min_own_attention": why}
    table = [{k: r[k] for k in ("K", "kappa_c", "kappa_s", "delta", "reached", "steps", "window", "final_max_gap",
                                 "final_min_attn", "global_size")} for r in runs]
    series = {}
    for key, label, logy in (("max_gap", "max_p (L_p - L_p*)", True), ("min_attn", "min_p own-area attention", False),
                             ("target_fp", "mean target FP Phi_{p->v_{k,j}}", False),
                             ("global_fp_local", "mean global FP of local queries", False),
                             ("ups_absmax", "max |Ups|", False)):
        series[key] = {"kind": "line", "xlabel": "GD step", "ylabel": label, "logy": logy,
                       "prediction": {"max_gap": "max_gap", "min_attn": "min_own_attention"}.get(key),
                       "x": runs[0]["history"]["step"],
                       "xs": {f"K={r['K']}, Delta={r['delta']:+.2f}": r["history"]["step"] for r in runs},
                       "ys": {f"K={r['K']}, Delta={r['delta']:+.2f}": r["history"][key] for r in runs}}
    return Measurement(
        values={"max_gap": max(r["final_max_gap"] for r in runs),
                "min_own_attention": min(r["final_min_attn"] for r in runs)},
        evidence={"runs": table, "steps_to_eps": {f"K={r['K']},Delta={r['delta']:+.2f}": r["steps"] if r["reached"]
                                                  else None for r in runs}},
        series=series, undecided=undecided,
        notes="Per-run histories are in series; 'steps' is where both statements first held on held-out images; "
              "the reported values are the worst over the window trained after that step.",
        scale={"smallest_local_area": min(min(list(r["area_sizes"])[1:] or [0]) for r in runs)},
    )


# ----------------------------------------------------------------------------- declared cost
def thm4_1_cost(cfg) -> list[Work]:
    """Upper bound: every run to ``max_steps`` plus the window it trains after reaching eps (a run
    stops a window after it reaches eps; timed with an eps it never reaches, so a timed run is
    ``max_steps`` steps with its evaluations, no window)."""
    out = []
    for K in cfg.K_values:
        kc, ks = cfg.gaps[0]
        sizes = {"data": _data(cfg, K=K, kappa_c=kc, kappa_s=ks), "eps": NEVER, "attn_const": cfg.attn_const,
                 "n_samples": cfg.n_samples, "n_eval": cfg.n_eval, "lr": cfg.lr, "eval_every": cfg.eval_every,
                 "freeze_fp": cfg.freeze_fp, "dtype": cfg.dtype, "fast_grad": cfg.fast_grad}
        steps = cfg.max_steps + window_length(cfg.max_steps)
        out.append(Work("claims.fpc.thm4_1:train_one", sizes, count=steps * len(cfg.gaps), points=len(cfg.gaps),
                        steps_arg="max_steps", scale={"n_samples": 1.0},
                        upper_bound="every run counted to max_steps plus its window; a run stops a window after "
                                    "it meets eps"))
    return out


CLAIM = register(Claim(
    id="fpc.thm4.1",
    cost=thm4_1_cost,
    title="Global convergence and area-wide attention of MIM (Theorem 4.1)",
    kind="theorem",
    statement="If |Delta| = Omega(1), for any 0 < eps < 1, GD on (2.8) from Q = 0 with a suitable eta reaches, "
              "after poly(P, 1/eps) steps, for every patch p: (1) L_p(Q^(T)) - L_p* <= eps; (2) if p in P_{k,j} "
              "is masked, attn_{p -> P_{k,j} cap U} >= 1 - O(eps).",
    statement_latex=r"If $|\Delta| = \Omega(1)$ with $\Delta = (1 - \kappa_s) - 2(1 - \kappa_c)$, for any "
                    r"$0 < \varepsilon < 1$, GD on (2.8) from $Q^{(0)} = 0$ with a suitable $\eta$ reaches, after "
                    r"$T = \mathrm{poly}(P, 1/\varepsilon)$ steps, for every patch $p$: (1) "
                    r"$L_p(Q^{(T)}) - L_p^* \le \varepsilon$; (2) if $p \in \mathcal{P}_{k,j}$ is masked, "
                    r"$\mathrm{attn}_{p \to \mathcal{P}_{k,j} \cap \mathcal{U}} \ge 1 - O(\varepsilon)$.",
    source=Source("fpc", "Theorem 4.1 (Section 4)",
                  "Theorem 4.1 indicates that, at the end of the training, for any masked query patch in the -th "
                  "cluster, the transformer exhibits an area-wide pattern of attention, concentrating on those "
                  "unmasked patches within the area , i.e., the area in which is located."),
    assumptions=(
        Assumption.integer("P", 8),
        Assumption.math("K >= 1", each=("K_values", "K"), integer=("K",),
                        text="every K in K_values is an integer >= 1"),
        Assumption.math("0 < kappa_s < kappa_c < 1", each=("gaps", ("kappa_c", "kappa_s")),
                        text="every (kappa_c, kappa_s) in gaps has 0 < kappa_s < kappa_c < 1 (Assumption 2.2)"),
        Assumption.math("Abs(Delta) >= 1/10", each=("gaps", ("kappa_c", "kappa_s")),
                        defs={"Delta": "(1 - kappa_s) - 2*(1 - kappa_c)"},
                        text="|Delta| >= 0.1 for every gap, Delta = (1 - kappa_s) - 2(1 - kappa_c): "
                             "the theorem's |Delta| = Omega(1)"),
        Assumption.range("gamma", 0, 1),
        Assumption.range("eps", 0, 1),
        Assumption.math("0 < z_low <= z_high"),
        Assumption.relation("GD updates the whole of Q: freeze_fp is False (Assumption 2.4)", ("freeze_fp",),
                            lambda f: not f),
    ),
    depends_on=("fpc.lemA.8", "fpc.lemA.9", "fpc.lemA.10", "fpc.lem5.1", "fpc.lem5.2", "fpc.lem5.3",
                "fpc.eq3.2", "fpc.thmF.1", "fpc.thmF.2"),
    config=Config,
    profiles={"quick": {},
              "full": {"P": 1024, "K_values": (1, 2, 4, 8), "eps": 0.001, "n_samples": 2048, "n_eval": 4096,
                       "max_steps": 40000, "eval_every": 200}},
    predictions=predictions, check=check, derive=derive, memory_gb=memory_gb,
    asymptotic_in=("P",), scale_fields=("P", "n_samples", "max_steps"),
    notes="Both signs of Delta and several K are trained; the verdict is the worst case over all runs. "
          "L_p* is measured on the same held-out images as L_p: 1/2 z_j^2 when p's whole area is masked. "
          "Training goes on for a fixed window after both statements first hold (25% more steps, at least 200, "
          "even past max_steps) and the worst values over that window are reported (rule added after a review "
          "found the reported margin was zero by construction: 0.990002 against 0.99).",
))
