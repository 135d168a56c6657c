"""Gradient descent with callbacks (cf. minGPT ``trainer.py``): the trainer knows nothing of
the quantities a claim wants; callbacks record them.

``gradient_descent`` runs full-batch GD ``theta <- theta - lr * grad L(theta)`` from the
parameters' current values. ``loss_fn()`` returns the scalar loss (and may return
``(loss, aux)``). A callback ``cb(step, state)`` is called at step 0, every ``record_every``
steps and at the end, *before* the update of that step; returning True stops training.
A non-finite loss or gradient raises :class:`NonFiniteValue` naming the step.
"""
from __future__ import annotations

import math
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
    """Callback that stores ``fn(state)`` (a dict of tensors/floats) at each call. Tensors are
    copied where they live (no host-device transfer inside the training loop); :meth:`stacked`
    returns them on the CPU."""

    fn: Callable[[StepState], dict]
    steps: list = field(default_factory=list)
    rows: list = field(default_factory=list)

    def __call__(self, step: int, state: StepState) -> bool:
        self.steps.append(step)
        self.rows.append({k: (v.detach().clone() if torch.is_tensor(v) else v)
                          for k, v in self.fn(state).items()})
        return False

    def stacked(self, key: str) -> torch.Tensor:
        """The recorded values of ``key`` stacked along a leading step axis, on the CPU."""
        return torch.stack([torch.as_tensor(r[key]).cpu() for r in self.rows])


def check_every_for(device) -> int:
    """How often a training loop reads its loss on the host: every step on the CPU, where the
    read is free; every 16 steps on a GPU, so that the host does not wait for the device."""
    return 1 if torch.device(device).type == "cpu" else 16


def device_generator(seed: int, device) -> torch.Generator:
    """A generator seeded with ``seed`` on ``device``: on the CPU the one ``torch.Generator()``
    always was (same streams), on a GPU one on the GPU, so that minibatch indices, masks and
    noise drawn inside a training loop need no copy from the host."""
    dev = torch.device(device)
    g = torch.Generator() if dev.type == "cpu" else torch.Generator(device=dev)
    return g.manual_seed(seed)


class LossTrace:
    """The per-step losses of a training loop, kept where they are computed.

    ``add(step, loss)`` records one step. On the CPU (``check_every`` 1) it reads the loss at
    once, as ``float(loss)``, and a non-finite one raises :class:`NonFiniteValue` before that
    step's update; elsewhere the losses stay on the device, and the host reads whether one was
    non-finite every ``check_every`` steps (the error names the first bad step). ``values()``
    reads them all (one transfer). ``what=None``: record only, never raise."""

    def __init__(self, device, what: str | None = None, hint: str = "lower lr", check_every: int | None = None):
        self.what, self.hint = what, hint
        self.every = check_every or check_every_for(device)
        if not (isinstance(self.every, int) and self.every >= 1):
            raise InvalidParameter("check_every", self.every, "must be a positive integer")
        self._vals: list = []
        self._first_bad = None          # on the device: the first step with a non-finite loss

    def add(self, step: int, loss: torch.Tensor) -> None:
        loss = loss.detach()
        if self.every == 1:
            if self.what is not None and not torch.isfinite(loss):
                raise NonFiniteValue(self.what, step, self.hint)
            self._vals.append(float(loss))
            return
        self._vals.append(loss)
        if self.what is not None:
            if self._first_bad is None:
                self._first_bad = torch.full((), -1, dtype=torch.int64, device=loss.device)
            self._first_bad = torch.where((self._first_bad < 0) & ~torch.isfinite(loss), step, self._first_bad)
            if len(self._vals) % self.every == 0:
                self.check()

    def check(self) -> None:
        """Raise for the first non-finite loss recorded so far (one host read)."""
        if self._first_bad is not None:
            bad = int(self._first_bad)
            if bad >= 0:
                raise NonFiniteValue(self.what, bad, self.hint)

    def values(self) -> list[float]:
        self.check()
        if self.every == 1 or not self._vals:
            return [float(v) for v in self._vals]
        return torch.stack(self._vals).tolist()


def gradient_descent(params: Sequence[torch.Tensor], loss_fn: Callable[[], Any], *, steps: int,
                     lr: float, callbacks: Iterable[Callable[[int, StepState], bool]] = (),
                     record_every: int = 1, steps_iter: Callable[[int], Iterable[int]] = range,
                     frozen: Sequence[torch.Tensor] = (),
                     grad_fn: Callable[[], tuple[Any, Sequence[torch.Tensor]]] | None = None,
                     check_every: int | None = None) -> StepState:
    """Full-batch GD. ``frozen`` parameters get gradients computed but are not updated
    (e.g. Phi frozen at 0 for positional-only attention). ``grad_fn()``, when given,
    returns ``(loss, grads)`` in closed form instead of autograd on ``loss_fn`` (e.g.
    ``models.fastmim.FastReducedMIM.grad_fn``). Returns the last state.

    Finiteness of the loss and gradients is tested every step on the parameters' device;
    the host reads the result every ``check_every`` steps (default: every step on the CPU,
    where reading costs nothing; every 16 steps on a GPU, so that the loop does not wait
    for the device) and at every callback step. The error names the first bad step."""
    if not (isinstance(steps, int) and steps >= 0):
        raise InvalidParameter("steps", steps, "must be a non-negative integer")
    if not lr > 0:
        raise InvalidParameter("lr", lr, "the step size must be positive")
    if not (isinstance(record_every, int) and record_every >= 1):
        raise InvalidParameter("record_every", record_every, "must be a positive integer")
    params = list(params)
    on_cpu = all(p.device.type == "cpu" for p in params)
    check_every = check_every or check_every_for("cpu" if on_cpu else params[0].device)
    if not (isinstance(check_every, int) and check_every >= 1):
        raise InvalidParameter("check_every", check_every, "must be a positive integer")
    frozen_ids = {id(p) for p in frozen}
    callbacks = list(callbacks)
    state = None
    dev = params[0].device if params else torch.device("cpu")
    first_bad = torch.full((2,), -1, dtype=torch.int64, device=dev)   # first step with a bad (loss, gradient)

    def raise_if_bad():
        bad = first_bad.tolist()                                      # the one host read
        if bad[0] >= 0 and (bad[1] < 0 or bad[0] <= bad[1]):
            raise NonFiniteValue("the training loss", bad[0])
        if bad[1] >= 0:
            raise NonFiniteValue("a gradient", bad[1])

    for step in steps_iter(steps + 1):
        if grad_fn is not None:
            (loss, grads), aux = grad_fn(), None
        else:
            out = loss_fn()
            loss, aux = (out if isinstance(out, tuple) else (out, None))
            grads = torch.autograd.grad(loss, params)
        loss_d = loss.detach()
        record = step % record_every == 0 or step == steps
        if check_every == 1 and on_cpu:                               # read at once: it costs nothing
            loss_v = _check_now(loss_d, grads, step)
        else:                                                         # flags on the device, read every k
            ok = torch.ones(2, dtype=torch.bool, device=dev)
            ok[0] = torch.isfinite(loss_d).all()
            for g in grads:
                ok[1] &= torch.isfinite(g).all()
            first_bad.copy_(torch.where((first_bad < 0) & ~ok, step, first_bad))
            if record or step % check_every == 0:
                raise_if_bad()
            loss_v = None
        stop = False
        if record:
            state = StepState(step, float(loss_d) if loss_v is None else loss_v, params, grads, aux)
            for cb in callbacks:
                stop = bool(cb(step, state)) or stop
        if stop or step == steps:
            break
        with torch.no_grad():
            for p, g in zip(params, grads):
                if id(p) not in frozen_ids:
                    p.sub_(lr * g)
    return state


def _check_now(loss: torch.Tensor, grads: Sequence[torch.Tensor], step: int) -> float:
    """The loss as a float; raises NonFiniteValue if it or a gradient is not finite. A gradient's
    sum is non-finite whenever one of its entries is (or when finite entries overflow the sum:
    then the entries are read one by one), so the common case is one reduction per gradient."""
    value = float(loss)
    if not math.isfinite(value):
        raise NonFiniteValue("the training loss", step)
    for g in grads:
        if not math.isfinite(float(g.sum())) and not bool(torch.isfinite(g).all()):
            raise NonFiniteValue("a gradient", step)
    return value
