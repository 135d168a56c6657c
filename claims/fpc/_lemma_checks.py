"""Shared machinery of the gradient-lemma claims (A.1, A.8, 5.1, 5.2): a configuration,
random states away from initialisation, and the worst relative error of a formula
against autograd over those states."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from claims import Assumption, Measurement
from models.attention import FullMIM, ReducedMIM

from ._common import DATA_ASSUMPTIONS, SmallMIM, latex_num, make_dist
from ._gradients import random_state


@dataclass(frozen=True)
class LemmaConfig(SmallMIM):
    n_samples: int = 32          # images per state
    n_states: int = 4            # random (Phi, Ups) states compared, plus the zero state
    scale_phi: float = 1.0       # std of random Phi entries
    scale_ups: float = 1.0       # std of random Ups entries
    perturb: float = 0.0         # falsification control: perturbs the formula under test (0 = as stated)
    tol: float = 1e-10           # relative agreement required in float64


LEMMA_ASSUMPTIONS = DATA_ASSUMPTIONS + (
    Assumption.integer("n_samples", 1),
    Assumption.integer("n_states", 1),
)
FULL_PROFILE = {"P": 96, "K": 4, "n_samples": 64, "n_states": 8}


def states(cfg, ctx):
    """Yield (dist, batch, reduced model, full model) at the zero state and random states."""
    dist = make_dist(cfg)
    g = ctx.torch_generator()
    for s in range(cfg.n_states + 1):
        b = dist.sample(cfg.n_samples, g)
        if s == 0:
            Phi = torch.zeros(dist.P, dist.n_features, dtype=torch.float64)
            Ups = torch.zeros(dist.P, dist.P, dtype=torch.float64)
        else:
            Phi, Ups = random_state(dist, g, cfg.scale_phi, cfg.scale_ups)
        red = ReducedMIM(dist, dtype=torch.float64)
        with torch.no_grad():
            red.Phi.copy_(Phi)
            red.Ups.copy_(Ups)
        full = FullMIM(dist, generator=g)
        full.set_from_correlations(Phi, Ups)
        yield dist, b, red, full


def rel_err(formula: torch.Tensor, reference: torch.Tensor) -> float:
    formula, reference = formula.detach(), reference.detach()
    return float((formula - reference).abs().max() / reference.abs().max().clamp_min(1e-300))


def worst_over_states(cfg, ctx, compare: Callable) -> tuple[float, list[float]]:
    """max over states of compare(dist, b, red, full) -> relative error."""
    errs = [compare(*st) for st in ctx.tqdm(states(cfg, ctx), desc="states", total=cfg.n_states + 1)]
    return max(errs), errs


def against_autograd(param: str, formula: Callable, perturb: float = 0.0) -> Callable:
    """A ``compare`` for ``worst_over_states``: a gradient formula of ``_gradients`` against autograd's
    gradient of the loss with respect to ``param``: Q of the full model, called as
    ``formula(full, b, fwd, perturb)``, or Phi / Ups of the reduced one, ``formula(dist, b, fwd, perturb)``."""
    def compare(dist, b, red, full):
        model = full if param == "Q" else red
        fwd = model(b)
        grad, = torch.autograd.grad(fwd.loss, getattr(model, param))
        with torch.no_grad():
            return rel_err(formula(full if param == "Q" else dist, b, fwd, perturb), grad)
    return compare


def gradient_check(param: str, formula: Callable) -> Callable:
    """The check of a gradient-formula claim: ``formula`` (perturbed by ``cfg.perturb``) against
    autograd (``against_autograd``) at the zero state and random states."""
    def check(cfg, ctx) -> Measurement:
        return max_rel_err_check(cfg, ctx, against_autograd(param, formula, cfg.perturb))
    return check


def max_rel_err_check(cfg, ctx, compare: Callable) -> Measurement:
    """The measurement of a formula claim: the worst relative error over the states, and each state's."""
    worst, errs = worst_over_states(cfg, ctx, compare)
    return Measurement({"max_rel_err": worst}, evidence={"rel_err_per_state": errs})


def threshold_latex(x) -> str:
    """A threshold in LaTeX: 1e-10 -> 10^{-10}."""
    m = latex_num(x)
    return m[len("1 \\times "):] if m.startswith("1 \\times ") else m
