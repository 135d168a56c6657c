"""Pieces shared by the ``ssl`` claims: the data-model fields, the CL instantiation
(SPEC section 2, stated as assumptions), and the two training runs on the one-layer model
(MAE on the exact reduction of ``fpc`` eq. (3.2), CL on the exact reduction of
``models.contrastive``). The run functions are module-level so that ``ctx.map`` can call
them; each takes plain values (its own seed included) and returns plain numbers."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch

from claims import Assumption, Regime
from claims._data import DATA_ASSUMPTIONS, DrawFields, MIMConfig, SizeFields, data_config  # noqa: F401  (re-exported)
from models.attention import ReducedMIM
from models.contrastive import ReducedCL, two_views
from models.data import DataConfig, Distribution
from models.errors import InvalidParameter
from models.fastmim import FastReducedMIM
from models.mim import patch_stats, patch_stats_chunked
from models.train import gradient_descent
from models.util import torch_threads

# objective name -> (loss, similarity); taus come from the config
CL_OBJECTIVES = {"infonce-cosine": ("infonce", "cosine"), "infonce-dot": ("infonce", "dot"),
                 "spectral": ("spectral", "cosine")}

CL_INSTANTIATION = (
    "CL instantiation (SPEC section 2; the summary does not give the paper's objective): two views "
    "of each image by independent uniform masking of round(gamma*P) patches, the attention output "
    "of every query mean-pooled into one representation (exact in feature coordinates), and "
    "InfoNCE over the batch with cosine similarity (SimCLR / MoCo v3, temperature tau_cosine) or "
    "raw inner product (CPC, tau_dot), or the spectral contrastive loss (HaoChen et al. 2021); "
    "GD from Q = 0 on fresh batches of two-view pairs")


CL_READINGS = (
    "The seed (000, a summary) names no contrastive loss: each objective is a separate reading with its own "
    "predictions and verdict: 'infonce-cosine' (InfoNCE, cosine similarity, SimCLR / MoCo v3), 'infonce-dot' "
    "(InfoNCE, inner product, CPC), 'spectral' (HaoChen et al. 2021). 'Collapse to global attention' is read "
    "as: every local query puts >= share_min (0.5) of its attention on the global area and its own-area "
    "attention does not grow over its value at Q = 0.")


def cl_assumptions() -> tuple[Assumption, ...]:
    """The data model's assumptions and the CL instantiation's."""
    return DATA_ASSUMPTIONS + (
        Assumption.relation(CL_INSTANTIATION + f"; objectives among {tuple(CL_OBJECTIVES)}",
                            ("objectives",),
                            lambda o: len(o) > 0 and all(x in CL_OBJECTIVES for x in o)),
        Assumption.range("tau_cosine", 0), Assumption.range("tau_dot", 0),
        Assumption.integer("cl_batch", 2), Assumption.integer("cl_steps", 1),
    )


def data_fields(cfg, **changes) -> dict:
    """The data model of ``cfg`` as a plain dict (for ``ctx.map`` points), through the one
    helper ``claims._data.data_config``: every DataConfig field the config has reaches
    the model; ``DataConfig(**data)`` rebuilds it inside a sweep point."""
    return dataclasses.asdict(data_config(cfg, **changes))


def _generator(seed: int) -> torch.Generator:
    g = torch.Generator()
    g.manual_seed(int(seed))
    return g


def local_mask(dist: Distribution) -> np.ndarray:
    """(P, K) True where position p lies in a local area of cluster k."""
    return (dist.area.T != 0).numpy()


# ----------------------------------------------------------------------------- MAE
def run_mae(**kw) -> dict:
    """GD from Q = 0 on the MAE objective (2.8), reduced model, fixed training sample;
    statistics on a fresh evaluation sample. Arrays are (P, K): position x cluster.
    ``freeze_phi``: positional-only attention (fpc Section 3.1), a control."""
    with torch_threads(1):   # small kernels; the executor parallelises across points
        return _run_mae(**kw)


def _run_mae(*, data: dict, n_train: int, steps: int, lr: float, n_eval: int, record_every: int,
             seed: int, freeze_phi: bool = False, attn_floor: float = 0.9, fast: bool = True) -> dict:
    """``fast``: the closed-form step and statistics of ``models.fastmim`` (equal to autograd to
    round-off); False: autograd on ``ReducedMIM`` (kept for the tests that compare the two)."""
    dist = Distribution(DataConfig(**data))
    g = _generator(seed)
    train, held = dist.sample(n_train, g), dist.sample(n_eval, g)
    model = (FastReducedMIM if fast else ReducedMIM)(dist, dtype=torch.float32)
    pr_train, pr_held = (model.prepare(train), model.prepare(held)) if fast else (None, None)
    curve = []

    def stats():
        if fast:
            return patch_stats_chunked(dist, held, model, pr_held)
        with torch.no_grad():
            return patch_stats(dist, held, model(held))

    def record(step, state):
        st = stats()
        curve.append((step, float(st.gap.max()), float(st.gap.mean())))

    gradient_descent([model.Phi, model.Ups], lambda: model(train).loss, steps=steps, lr=lr,
                     callbacks=[record], record_every=record_every,
                     frozen=[model.Phi] if freeze_phi else [],
                     grad_fn=model.grad_fn(pr_train) if fast else None)
    st = stats()
    P, K = dist.P, dist.K
    # own-area attention per (position, cluster) over reachable masked occurrences
    pos = held.masked_idx                                              # (n, m)
    cl = held.cluster[:, None].expand_as(pos)
    w = st.reachable_q.to(torch.float64)
    s = torch.zeros(P, K, dtype=torch.float64).index_put_((pos, cl), st.own_attn_q * w, accumulate=True)
    c = torch.zeros(P, K, dtype=torch.float64).index_put_((pos, cl), w, accumulate=True)
    own = (s / c).numpy()
    Phi = model.Phi.detach().to(torch.float64)
    own_f = dist.feat_offset[None, :] + dist.area.T                    # (P, K)
    blocks = Phi.reshape(P, K, dist.N)                                 # (P, K, N) FP per cluster
    return {**per_query_stats(dist, held, st, attn_floor), "settle": settle_fraction(curve),
            "own_attn": own.tolist(), "gap": st.gap.tolist(), "loss": st.loss.tolist(),
            "loss_star": st.loss_star.tolist(), "area": dist.area.T.tolist(),
            "fp_own": Phi.gather(1, own_f).tolist(),
            "fp_own_is_max": (blocks.argmax(-1) == dist.area.T).tolist(),
            "curve": curve, "delta": dist.cfg.delta, "sizes": dist.sizes_per_area}


def per_query_stats(dist: Distribution, held, st, attn_floor: float) -> dict:
    """Own-area attention of every masked query whose own area has an unmasked patch (Theorem
    4.1 (2) speaks of each masked query): minimum, low quantiles, the share below
    ``attn_floor``, split into global-area and local-area queries."""
    own_area = dist.area[held.cluster[:, None], held.masked_idx]        # (n, m) area of each query
    a = st.own_attn_q.to(torch.float64)
    out = {}
    for name, sel in (("all", torch.ones_like(own_area, dtype=torch.bool)), ("global", own_area == 0),
                      ("local", own_area != 0)):
        v = a[sel & st.reachable_q]
        out[f"q_{name}"] = {"min": float(v.min()), "frac_below_floor": float((v < attn_floor).double().mean()),
                            "quantiles_0.1_1_5_50pct": torch.quantile(v, torch.tensor(
                                [0.001, 0.01, 0.05, 0.5], dtype=torch.float64)).tolist(),
                            "queries": int(v.numel())}
    return out


def settle_fraction(curve: list) -> float:
    """From a record of (step, max gap, mean gap): the fall of the mean gap over the last 10%
    of the steps as a fraction of its total fall (> 0: still falling)."""
    steps = [c[0] for c in curve]
    drop = curve[0][2] - curve[-1][2]
    if len(curve) < 3 or steps[-1] == 0 or drop <= 0:
        return 1.0                      # nothing trained or nothing fell: not settled
    i = next(k for k, t in enumerate(steps) if t >= 0.9 * steps[-1])
    i = min(i, len(curve) - 2)
    return float((curve[i][2] - curve[-1][2]) / drop)


# ----------------------------------------------------------------------------- CL
def cl_area_stats(dist: Distribution, b, A: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Mean over images of the global-area and own-area attention of each query, as
    (P, K) arrays (position x cluster). A: (n, P, N)."""
    own = A.gather(2, b.area_idx[..., None])[..., 0].to(torch.float64)   # (n, P)
    glob = A[..., 0].to(torch.float64)
    onehot = torch.nn.functional.one_hot(b.cluster, dist.K).to(torch.float64)  # (n, K)
    cnt = onehot.sum(0).clamp_min(1)
    return ((glob.T @ onehot) / cnt).numpy(), ((own.T @ onehot) / cnt).numpy()


def run_cl(**kw) -> dict:
    """GD from Q = 0 on a CL objective, fresh two-view batches each step; attention
    statistics of every query on a fresh evaluation sample, at Q = 0 and at the end."""
    with torch_threads(1):   # small kernels; the executor parallelises across points
        return _run_cl(**kw)


def _run_cl(*, data: dict, objective: str, tau: float, batch: int, steps: int, lr: float,
            n_eval: int, record_every: int, seed: int, pool: str = "all") -> dict:
    if objective not in CL_OBJECTIVES and objective != "mae":
        raise InvalidParameter("objective", objective, f"must be one of {tuple(CL_OBJECTIVES)} "
                               "(or 'mae', the control)")
    loss_name, sim = CL_OBJECTIVES.get(objective, ("mae", ""))
    dist = Distribution(DataConfig(**data))
    g = _generator(seed)
    held, _ = two_views(dist, n_eval, g)
    model = ReducedCL(dist, dtype=torch.float32, pool=pool)
    with torch.no_grad():
        glob0, own0 = cl_area_stats(dist, held, model(held).A)
    curve = []

    mim = ReducedMIM(dist, dtype=torch.float32) if objective == "mae" else None

    def loss_fn():                               # control: MAE (2.8) on fresh batches
        return mim(dist.sample(batch, g)).loss

    def grad_fn():                               # CL: fresh two-view batches, closed-form gradients
        b1, b2 = two_views(dist, batch, g)
        return model.loss_and_grads(b1, b2, loss_name, tau, sim)

    track = held.subset(slice(0, min(256, n_eval)))           # images for the trajectory
    loc = local_mask(dist)
    _, o0 = cl_area_stats(dist, track, model(track).A.detach())
    traj = []

    def record(step, state):
        curve.append((step, state.loss))
        with torch.no_grad():
            if mim is not None:
                model.Phi.copy_(mim.Phi)
                model.Ups.copy_(mim.Ups)
            gl, ow = cl_area_stats(dist, track, model(track).A)
        # (step, min global share of local queries, own-area gain of local queries)
        traj.append((step, float(gl[loc].min()), float(ow[loc].mean() / o0[loc].mean())))

    params = [mim.Phi, mim.Ups] if mim is not None else list(model.blocks().values())
    gradient_descent(params, loss_fn, steps=steps, lr=lr, callbacks=[record], record_every=record_every,
                     grad_fn=grad_fn if mim is None else None)
    if mim is not None:                          # masked queries see only (Phi, Ups): FF = FE = 0
        with torch.no_grad():
            model.Phi.copy_(mim.Phi)
            model.Ups.copy_(mim.Ups)
    with torch.no_grad():
        glob, own = cl_area_stats(dist, held, model(held).A)
    Phi = model.Phi.detach().to(torch.float64)
    own_f = dist.feat_offset[None, :] + dist.area.T
    return {"objective": objective, "global_attn": glob.tolist(), "own_attn": own.tolist(),
            "global_attn_init": glob0.tolist(), "own_attn_init": own0.tolist(),
            "fp_global": Phi[:, dist.feat_offset].tolist(), "fp_own": Phi.gather(1, own_f).tolist(),
            "local": loc.tolist(), "curve": curve, "trajectory": traj, "delta": dist.cfg.delta,
            "sizes": dist.sizes_per_area}


def collapse_summary(run: dict) -> dict:
    """Numbers of the collapse criterion from a ``run_cl`` result (local queries only)."""
    loc = np.asarray(run["local"], bool)
    glob = np.asarray(run["global_attn"])[loc]
    own, own0 = np.asarray(run["own_attn"])[loc], np.asarray(run["own_attn_init"])[loc]
    tr = np.asarray(run["trajectory"])                         # (T, 3): step, share, gain
    return {"global_share_min": float(glob.min()), "global_share_median": float(np.median(glob)),
            "own_gain": float(own.mean() / own0.mean()), "own_attn_mean": float(own.mean()),
            "global_attn_local_queries": glob.tolist(),
            "peak_global_share_min": float(tr[:, 1].max()), "peak_step": int(tr[tr[:, 1].argmax(), 0])}


@dataclass(frozen=True)
class MAEFields:
    """MAE training fields of the ssl claim configs (quick-profile defaults)."""

    n_train: int = 256          # images in the fixed training sample
    mae_steps: int = 300        # GD steps
    mae_lr: float = 5.0         # step size eta
    n_eval: int = 1024          # fresh images on which the statistics are measured
    record_every: int = 25


@dataclass(frozen=True)
class CLFields:
    """CL training fields of the ssl claim configs (quick-profile defaults)."""

    objectives: tuple = ("infonce-cosine", "infonce-dot", "spectral")
    tau_cosine: float = 0.1     # InfoNCE temperature, cosine similarity
    tau_dot: float = 1.0        # InfoNCE temperature, inner product
    cl_batch: int = 128         # two-view pairs per step (fresh each step)
    cl_steps: int = 300         # GD steps
    cl_lr: float = 5.0          # step size
    n_eval: int = 1024          # fresh images on which the attention is measured
    record_every: int = 25


# the full profile of the trained CL claims: the scale that decides (the statements are about P -> infinity)
CL_FULL = {"P": 128, "K": 3, "cl_batch": 256, "cl_steps": 3000, "n_eval": 2048}

SMALL_P_RULE = (
    "Rule added after seeing the quick results: the seed's statement is about the data model as P "
    "grows (like every result of this paper), so a reading that fails at the quick P = 32 (local areas "
    "of 2 patches) is withdrawn as reduced scale; the full profile (P = 128) decides. The cosine "
    "reading's mechanism (the normalisation removes the global amplitude) does not depend on P, so the "
    "quick run suggests it persists; that is a hypothesis until the full profile measures it.")


def cl_points(cfg, data: dict, ctx, *keys) -> list[dict]:
    """One point per objective; seeds derived from the replicate's seed, the objective and ``keys``."""
    out = []
    for obj in cfg.objectives:
        tau = cfg.tau_cosine if obj == "infonce-cosine" else cfg.tau_dot
        out.append({"data": data, "objective": obj, "tau": tau, "batch": cfg.cl_batch,
                    "steps": cfg.cl_steps, "lr": cfg.cl_lr, "n_eval": cfg.n_eval,
                    "record_every": cfg.record_every, "seed": ctx.seed_for("cl", obj, *keys)})
    return out


@dataclass(frozen=True)
class CLConfig(MIMConfig, CLFields):
    """The data model and the CL training fields of the CL claims (quick-profile defaults)."""

    P: int = 32                 # patches


def cl_runs(cfg, ctx, sweep: list[tuple], desc: str) -> list[tuple]:
    """One ``run_cl`` per data model and objective, all in one ``ctx.map``. ``sweep`` holds
    (label, data fields, seed keys) per data model; returns (label, objective, run) in that order."""
    points, where = [], []
    for label, data, keys in sweep:
        for q in cl_points(cfg, data, ctx, *keys):
            points.append(q)
            where.append((label, q["objective"]))
    return [(label, o, run) for (label, o), run in zip(where, ctx.map(run_cl, points, desc=desc))]


def cl_claim_fields(*assumptions: Assumption, full: dict | None = None, interpretation: str = "") -> dict:
    """The contract the CL claims share: the data and CL assumptions (then ``assumptions``), the
    full profile (``CL_FULL`` and ``full``), the scale, and the readings of the seed (then
    ``interpretation``)."""
    return {"assumptions": cl_assumptions() + assumptions,
            "profiles": {"quick": {}, "full": {**CL_FULL, **(full or {})}},
            "asymptotic_in": ("P",), "scale_fields": ("P", "K", "cl_steps", "cl_batch"),
            "interpretation": CL_READINGS + interpretation}


# ----------------------------------------------------------------------------- the two regimes
@dataclass(frozen=True)
class RegimeConfig(DrawFields, SizeFields, MAEFields):
    """The data model at one Delta > 0 and one Delta < 0 setting (quick-profile defaults)."""

    P: int = 32                 # patches
    kappa_pos: tuple = (0.9, 0.2)    # (kappa_c, kappa_s): Delta = 0.6 > 0 (two phases)
    kappa_neg: tuple = (0.55, 0.3)   # Delta = -0.2 < 0 (one phase)
    delta_min: float = 0.1      # |Delta| = Omega(1): |Delta| >= delta_min


def delta_of(kc: float, ks: float) -> float:
    """Information gap (4.1)."""
    return (1 - ks) - 2 * (1 - kc)


def regime_data(cfg, kappa: tuple) -> dict:
    return data_fields(cfg, kappa_c=float(kappa[0]), kappa_s=float(kappa[1]))


def regime_assumptions() -> tuple[Assumption, ...]:
    ok = lambda k: len(k) == 2 and 0 < k[1] < k[0] <= 1  # noqa: E731
    return (
        Assumption.integer("P", 4), Assumption.integer("K", 1), Assumption.range("gamma", 0, 1),
        Assumption.math("0 < z_low <= z_high", text="0 < z_low <= z_high: z in [L, U] with L, U = Theta(1) (Def 2.1)"),
        Assumption.relation("0 < kappa_s < kappa_c <= 1 in both regimes (Assumption 2.2)",
                            ("kappa_pos", "kappa_neg"), lambda a, b: ok(a) and ok(b)),
        Assumption.relation("Delta > 0 regime: Delta(kappa_pos) >= delta_min (|Delta| = Omega(1))",
                            ("kappa_pos", "delta_min"), lambda k, m: delta_of(*k) >= m > 0),
        Assumption.relation("Delta < 0 regime: Delta(kappa_neg) <= -delta_min (|Delta| = Omega(1))",
                            ("kappa_neg", "delta_min"), lambda k, m: delta_of(*k) <= -m < 0),
    )


def mae_points(cfg, ctx, freeze_phi: bool = False) -> list[dict]:
    """One MAE run per regime (Delta > 0, Delta < 0) for this replicate."""
    return [{"data": regime_data(cfg, kappa), "n_train": cfg.n_train, "steps": cfg.mae_steps,
             "lr": cfg.mae_lr, "n_eval": cfg.n_eval, "record_every": cfg.record_every,
             "seed": ctx.seed_for("mae", r), "freeze_phi": freeze_phi}
            for r, kappa in enumerate((cfg.kappa_pos, cfg.kappa_neg))]


# ----------------------------------------------------------------------------- the trained MAE claims
# their full profile, the scale fields a run records, and the conditions under which a run counts
MAE_FULL = {"P": 128, "K": 3, "n_train": 1024, "mae_steps": 1500, "n_eval": 4096}
MAE_SCALE_FIELDS = ("mae_steps", "n_train", "n_eval")
REGIMES = ("pos", "neg")


def mae_run_assumptions() -> tuple[Assumption, ...]:
    """Q is trained in full, and the settling bound is the stated one."""
    return (
        Assumption.relation("Q is trained in full (Phi not frozen; Assumption 2.4)", ("freeze_phi",),
                            lambda f: not f),
        Assumption.math("settle_tol <= 0.05", text="the settling bound is the stated one: settle_tol <= 0.05"),
    )


def regime_deltas(cfg) -> tuple[tuple[str, float], ...]:
    """(regime name, information gap Delta) for the Delta > 0 and the Delta < 0 regime."""
    return tuple((r, delta_of(*kappa)) for r, kappa in zip(REGIMES, (cfg.kappa_pos, cfg.kappa_neg)))


def mae_runs(cfg, ctx, **extra) -> list[dict]:
    """One ``run_mae`` per regime (in ``REGIMES`` order) for this replicate; ``extra`` reaches every run."""
    return ctx.map(run_mae, [dict(p, **extra) for p in mae_points(cfg, ctx, cfg.freeze_phi)], desc="MAE runs")


def mae_claim_fields(*assumptions: Assumption) -> dict:
    """The contract the trained MAE claims share: the regime assumptions (then ``assumptions``,
    then Q trained in full and the stated settling bound), the full profile, the scale, and the
    settling regime of each run."""
    return {"assumptions": regime_assumptions() + assumptions + mae_run_assumptions(),
            "profiles": {"quick": {}, "full": dict(MAE_FULL)}, "regime": settle_regimes,
            "asymptotic_in": ("P",), "scale_fields": MAE_SCALE_FIELDS}


def settle_regimes(cfg) -> tuple[Regime, ...]:
    """Each regime's MAE run has settled: ``settle_fraction`` of its curve is at most settle_tol."""
    return tuple(Regime(f"settle_{r}", f"the MAE run ({r}) has settled: the mean loss gap fell by at most "
                        f"{cfg.settle_tol} of its total fall over the last 10% of the steps", "<=", cfg.settle_tol)
                 for r in REGIMES)


# ----------------------------------------------------------------------------- declared cost
def mae_cost(cfg) -> list:
    """One replicate of a trained MAE claim: a ``run_mae`` per regime (``mae_points``)."""
    from claims._cost import Work
    sizes = {"data": regime_data(cfg, cfg.kappa_pos), "n_train": cfg.n_train, "n_eval": cfg.n_eval,
             "lr": cfg.mae_lr, "record_every": cfg.record_every, "freeze_phi": cfg.freeze_phi}
    return [Work("claims.ssl._common:run_mae", sizes, count=len(REGIMES) * cfg.mae_steps,
                 points=len(REGIMES), steps_arg="steps", scale={"n_train": 1.0})]


def cl_cost(cfg, models: int = 1) -> list:
    """One replicate of a trained CL claim: a ``run_cl`` per objective and data model (``models``
    of them, as ``cl_runs`` sweeps them in one map)."""
    from claims._cost import Work
    out = []
    for obj in cfg.objectives:
        tau = cfg.tau_cosine if obj == "infonce-cosine" else cfg.tau_dot
        sizes = {"data": data_fields(cfg), "objective": obj, "tau": tau, "batch": cfg.cl_batch,
                 "lr": cfg.cl_lr, "n_eval": cfg.n_eval, "record_every": cfg.record_every}
        out.append(Work("claims.ssl._common:run_cl", sizes, count=models * cfg.cl_steps, points=models,
                        steps_arg="steps", scale={"batch": 1.0}))
    return out
