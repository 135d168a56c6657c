"""Gradient descent with callbacks (cf. minGPT ``trainer.py``): the trainer knows nothing of
the quantities a claim wants; callbacks record them.

``gradient_descent`` runs full-batch GD ``theta <- theta - lr * grad L(theta)`` from the
parameters' current values. ``loss_fn()`` returns the scalar loss (and may return
``(loss, aux)``). A callback ``cb(step, state)`` is called at step 0, every ``record_every``
steps and at the end, *before* the update of that step; returning True stops training.
A non-finite loss or gradient raises :class:`NonFiniteValue` naming the step.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import torch

from .errors import InvalidParameter, NonFiniteValue


@dataclass
class StepState:
    step: int
    loss: float
    params: Sequence[torch.Tensor]
    grads: Sequence[torch.Tensor]
    aux: Any = None


@dataclass
class Recorder:
    """Callback that stores ``fn(state)`` (a dict of tensors/floats) at each call."""

    fn: Callable[[StepState], dict]
    steps: list = field(default_factory=list)
    rows: list = field(default_factory=list)

    def __call__(self, step: int, state: StepState) -> bool:
        self.steps.append(step)
        self.rows.append({k: (v.detach().cpu().clone() if torch.is_tensor(v) else v)
                          for k, v in self.fn(state).items()})
        return False

    def stacked(self, key: str) -> torch.Tensor:
        return torch.stack([torch.as_tensor(r[key]) for r in self.rows])


def gradient_descent(params: Sequence[torch.Tensor], loss_fn: Callable[[], Any], *, steps: int,
                     lr: float, callbacks: Iterable[Callable[[int, StepState], bool]] = (),
                     record_every: int = 1, steps_iter: Callable[[int], Iterable[int]] = range,
                     frozen: Sequence[torch.Tensor] = (),
                     grad_fn: Callable[[], tuple[Any, Sequence[torch.Tensor]]] | None = None) -> StepState:
    """Full-batch GD. ``frozen`` parameters get gradients computed but are not updated
    (e.g. Phi frozen at 0 for positional-only attention). ``grad_fn()``, when given,
    returns ``(loss, grads)`` in closed form instead of autograd on ``loss_fn`` (e.g.
    ``models.fastmim.FastReducedMIM.grad_fn``). Returns the last state."""
    if not (isinstance(steps, int) and steps >= 0):
        raise InvalidParameter("steps", steps, "must be a non-negative integer")
    if not lr > 0:
        raise InvalidParameter("lr", lr, "the step size must be positive")
    if not (isinstance(record_every, int) and record_every >= 1):
        raise InvalidParameter("record_every", record_every, "must be a positive integer")
    params = list(params)
    frozen_ids = {id(p) for p in frozen}
    callbacks = list(callbacks)
    state = None
    for step in steps_iter(steps + 1):
        if grad_fn is not None:
            (loss, grads), aux = grad_fn(), None
        else:
            out = loss_fn()
            loss, aux = (out if isinstance(out, tuple) else (out, None))
            grads = torch.autograd.grad(loss, params)
        lv = float(loss.detach())
        if not torch.isfinite(loss.detach()):
            raise NonFiniteValue("the training loss", step)
        for p, g in zip(params, grads):
            if not bool(torch.isfinite(g).all()):
                raise NonFiniteValue("a gradient", step)
        state = StepState(step, lv, params, grads, aux)
        stop = False
        if step % record_every == 0 or step == steps:
            for cb in callbacks:
                stop = bool(cb(step, state)) or stop
        if stop or step == steps:
            break
        with torch.no_grad():
            for p, g in zip(params, grads):
                if id(p) not in frozen_ids:
                    p.sub_(lr * g)
    return state
