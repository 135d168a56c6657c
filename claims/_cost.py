"""The declared cost of a claim's check: the units of work it runs for a configuration.

A claim declares ``cost=fn`` with ``fn(cfg) -> list[Work]``: what one replicate of its check
runs (sweep points x training steps x sizes; evaluation passes where they matter). Replicates
are not in it: ``checks/estimate.py`` multiplies by the profile's replicate count (unless the
claim is deterministic) and by measured per-step (or per-call) costs of each kernel.

A kernel is a module-level function, named ``"package.module:function"``, that the estimator
calls with ``sizes`` as keyword arguments (plus ``seed=0`` when it takes one):

* with ``steps_arg`` (e.g. ``"steps"``), ``count`` is the number of steps over all ``points``
  and the estimator times the function at two step counts: per-step cost and fixed cost (set-up
  and evaluation) per run;
* without, ``count`` is the number of calls, each timed whole.

``per_replicate=False`` marks work a run does once, whatever the replicates (the symbolic
derivation, added by the estimator to every claim with ``derive``). ``min_steps`` is the smallest
step count worth timing a step kernel at (one that always trains a fixed window on top of its
steps, e.g. thm4.1's 200 steps, must be timed where the window is a fixed share of the run).

``scale`` names size fields the cost grows along (``{"n": 1.0}``; ``None`` = fit the exponent):
a kernel too slow to time at its real size is timed at smaller values of the first such field
and extrapolated along it (the result says so).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class Work:
    """One kind of work in one replicate of a check.

    kernel:    ``"module:function"``, called with ``sizes`` (see the module docstring).
    sizes:     the keyword arguments that set the cost (JSON-able; seeds left out).
    count:     steps summed over every point (with ``steps_arg``), else calls.
    points:    independent sweep points (runs) the work is split across; they run in parallel
               when the executor has several workers, and each pays the kernel's fixed cost once.
    steps_arg: the argument of ``kernel`` that is its number of steps, or "" (timed per call).
    scale:     size fields the cost grows along, with its exponent (None: fitted), for
               timing at a smaller size and extrapolating.
    per_replicate: False for work a run does once (the symbolic derivation).
    min_steps: the smallest step count to time a step kernel at (0: the estimator's choice).
    upper_bound: why the projection of this work is an upper bound (runs that stop early are
               counted to their step limit), or "": ``checks show`` and the table say so.
    memo:      ``"name/size"`` when the check runs this work through an in-process cache of
               ``size`` runs keyed by sizes and replicate seed (``_runs.trajectory``): claims run one
               after another in one process then share it (the estimator's total counts it so).
    """

    kernel: str
    sizes: Mapping[str, Any]
    count: float = 1
    points: int = 1
    steps_arg: str = ""
    scale: Mapping[str, float | None] = field(default_factory=dict)
    per_replicate: bool = True
    min_steps: int = 0
    memo: str = ""
    upper_bound: str = ""

    def __post_init__(self):
        if ":" not in self.kernel:
            raise ValueError(f"Work.kernel must be 'module:function', got {self.kernel!r}")
        if not self.count > 0 or not self.points >= 1:
            raise ValueError(f"Work {self.kernel}: count must be > 0 and points >= 1 "
                             f"(got count={self.count}, points={self.points})")

    def key(self) -> str:
        """What identifies one measurement: the kernel, its sizes and how steps are counted."""
        return json.dumps([self.kernel, _plain(self.sizes), self.steps_arg]
                          + ([self.min_steps] if self.min_steps else []), sort_keys=True)

    def describe(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(self.sizes.items()) if not isinstance(v, dict))
        unit = "steps" if self.steps_arg else "calls"
        return f"{self.kernel.rsplit(':', 1)[-1]}({shown}) x {self.count:g} {unit} over {self.points} point(s)"


def _plain(x):
    """JSON-able, with tuples as lists (so a key does not depend on tuple vs list)."""
    if isinstance(x, Mapping):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


def whole_check(claim_id: str):
    """``cost=`` for a cheap check: its whole check, timed once per profile by the estimator's
    ``run_check`` kernel. The configuration is read for its profile only (equal to the quick
    one: quick; otherwise full, the larger)."""
    def cost(cfg) -> list[Work]:
        from ._registry import get
        c = get(claim_id)
        prof = "quick" if "quick" in c.profiles and c.resolve_config("quick") == cfg else "full"
        return [Work("checks.estimate:run_check", {"claim": claim_id, "profile": prof})]
    return cost
