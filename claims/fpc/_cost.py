"""Declared costs of the fpc checks (``Claim.cost``): the work one replicate runs, for
``python -m checks estimate`` (``checks/estimate.py``) to time and project.

Each cost names the sweep's own point function as its kernel (``"claims.fpc.MODULE:function"``)
with the point's arguments, seeds left out, so the estimator times exactly what the check runs;
a point whose step count sits inside a spec dict goes through :func:`spec_point`. Runs that stop
early once they reach their target are counted at their step limit, so their projection is an
upper bound: thm4.1 is timed with a target it never reaches (``NEVER``), plus the window it trains
after reaching it; thm4.1-steps declares its steps and its held-out evaluations separately (in its
module).
"""
from __future__ import annotations

import dataclasses

import torch

from claims._cost import Work, whole_check  # noqa: F401  (whole_check re-exported to the fpc claims)
from models.seeds import derive_seed

NEVER = -1.0        # a target gap no run reaches: an early-stopping run is timed to its step limit


def _data(cfg, **changes) -> dict:
    from claims._data import data_config
    return dataclasses.asdict(data_config(cfg, **changes))


def spec_point(*, kind: str, data: dict, spec: dict, steps: int, seed: int = 0, **kw) -> None:
    """A sweep point whose steps are ``spec["steps"]``, run with ``steps`` steps (the estimator's
    kernel): ``kind`` is ``"areas"`` (``_areas.dynamics_point``) or ``"train"``
    (``_training.train_reduced``, the cached run of ``_runs.trajectory`` and lem5.1's run)."""
    spec = {**spec, "steps": steps}
    if kind == "areas":
        from ._areas import dynamics_point
        dynamics_point(data, spec, seed, **kw)
    elif kind == "train":
        import torch

        from models.data import DataConfig, Distribution

        from ._training import TrainSpec, train_reduced
        train_reduced(Distribution(DataConfig(**data)), TrainSpec(**spec), torch.Generator().manual_seed(seed))
    else:
        raise ValueError(f"spec_point: unknown kind {kind!r}")


# the training kernels grow with P (attention over P x P patch pairs): one too slow to time at its
# P is timed at P/4 and P/2 and extrapolated with the fitted exponent (checks/estimate.py)
BY_P = {"data.P": None}


def _spec_work(kind: str, data: dict, spec: dict, points: int = 1, kernel: str = "claims.fpc._cost:spec_point",
               **kw) -> Work:
    """A sweep point run through ``kernel`` (default :func:`spec_point`, which reads ``kind``) with
    ``spec["steps"]`` steps."""
    spec = dict(spec)
    steps = spec.pop("steps")
    args = {"kind": kind} if kernel.endswith(":spec_point") else {}
    return Work(kernel, {**args, "data": data, "spec": spec, **kw},
                count=steps * points, points=points, steps_arg="steps", scale=BY_P)


def _record_every(spec: dict) -> dict:
    return {**spec, "record_every": spec.get("record_every", 1)}


# ----------------------------------------------------------------------------- per claim family
def trajectory_cost(cfg) -> list[Work]:
    """One ``_runs.trajectory`` run (the dynamics lemmas, hypotheses B.1/B.2, eq. 5.1, ...), run in
    the check's process through its in-process cache (``_runs._cached``: up to 6 runs, fewer where
    their records would exceed its byte bound)."""
    from claims._data import data_config

    from ._runs import runs_kept, spec_of
    spec = spec_of(cfg)
    w = _spec_work("train", _data(cfg), _record_every(dataclasses.asdict(spec)))
    return [dataclasses.replace(w, memo=f"claims.fpc._runs.trajectory/{runs_kept(data_config(cfg), spec)}")]


def lem5_1_cost(cfg) -> list[Work]:
    """The float64 GD run and the formula-against-autograd comparison at ``n_states + 1`` states."""
    spec = {"n_samples": cfg.train_samples, "steps": cfg.train_steps, "lr": cfg.lr, "record_every": 5,
            "dtype": "float64", "keep_ups": False, "fast": False}
    return [_spec_work("train", _data(cfg), spec),
            Work("claims.fpc._cost:lem5_1_states", {"cfg": dataclasses.asdict(cfg)})]


class KernelContext:
    """What checks' helpers read of a run's context (``seed_for``, ``torch_generator``, ``tqdm``,
    ``device``), for building or timing their work outside a run; the seeds follow
    ``RunContext``'s rule."""

    device = "cpu"

    def __init__(self, seed: int = 0):
        self.seed = seed

    def seed_for(self, *keys) -> int:
        return derive_seed(self.seed, *keys)

    def torch_generator(self, offset: int = 0) -> torch.Generator:
        return torch.Generator().manual_seed(derive_seed(self.seed, "torch", offset))

    @staticmethod
    def tqdm(iterable, **_):
        return iterable


def lem5_1_states(*, cfg: dict, seed: int = 0) -> None:
    """lem5.1's comparison of Lemma 5.1's dL/dPhi with autograd's over its states (a kernel)."""
    from claims import _registry

    from ._gradients import lemma_5_1_grad_Phi
    from ._lemma_checks import against_autograd, worst_over_states
    c = _registry.get("fpc.lem5.1").config(**cfg)
    worst_over_states(c, KernelContext(seed), against_autograd("Phi", lemma_5_1_grad_Phi, c.perturb))


def p_sweep_cost(cfg) -> list[Work]:
    """thmF.1/F.2: ``_thm_f.run_point`` at every P."""
    return [Work("claims.fpc._thm_f:run_point", {"data": _data(cfg, P=P), "n": cfg.n_samples, "lr": cfg.lr,
                                                  "sign": cfg.sign},
                 count=cfg.steps, steps_arg="steps", scale=BY_P) for P in sorted(cfg.P_values)]


def area_sweep_cost(cfg) -> list[Work]:
    """thmF.3/F.4: ``_areas.dynamics_point`` at every (P, area factor) of ``area_points``."""
    from ._areas import area_points
    from ._runs import spec_of
    spec = _record_every(dataclasses.asdict(spec_of(cfg, fast=True)))
    return [_spec_work("areas", p["data"], spec) for p in area_points(cfg)]


def sec3_1_cost(cfg) -> list[Work]:
    return [Work("claims.fpc.sec3_1:run_K", {"data": _data(cfg, K=K), "n": cfg.n_samples, "lr": cfg.lr,
                                             "freeze_phi": cfg.freeze_phi},
                 count=cfg.steps, steps_arg="steps", scale=BY_P) for K in cfg.K_values]


def eq4_1_cost(cfg) -> list[Work]:
    """``init_ratio`` per (P, kappa pair): exact expectations; and the Monte Carlo cross-check at the
    smallest P, linear in ``n``."""
    kc, ks = cfg.kappa_pairs[0]
    exact = [Work("claims.fpc.eq4_1:init_ratio", {"data": _data(cfg, P=P, kappa_c=kc, kappa_s=ks)},
                  count=len(cfg.kappa_pairs), points=len(cfg.kappa_pairs)) for P in cfg.P_values]
    P0 = min(cfg.P_values)
    return exact + [Work("claims.fpc.eq4_1:init_ratio_mc", {"data": _data(cfg, P=P0, kappa_c=kc, kappa_s=ks),
                                                              "n": cfg.n_samples}, scale={"n": 1.0})]
