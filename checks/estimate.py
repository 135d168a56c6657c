"""Projected run time of a claim from its declared cost and measured per-step costs.

A claim declares what one replicate of its check runs (``Claim.cost(cfg) -> list[Work]``, see
``claims/_cost.py``). Here each distinct (kernel, sizes) is timed on this machine, one torch
thread as the executor pins a sweep point, with ``time.thread_time`` (CPU time of the calling
thread, so other load on the machine does not inflate it): a step kernel at two step counts
(per-step and fixed cost), a call kernel once. A kernel that would take longer than the
measuring budget at its real size is timed at 1/4 and 1/2 of its first ``scale`` field and
extrapolated along it (exponent declared or fitted from the two sizes); the result says so.

Measurements are cached in the user's cache folder (``$XDG_CACHE_HOME/mlclaims`` or
``~/.cache/mlclaims``; ``MLCLAIMS_CACHE`` overrides), keyed by kernel, sizes, machine and torch
version, so ``checks show`` reads them without measuring.

Projection of one claim: CPU seconds = replicates x sum over its work of
(points x fixed + count x per-step) (a call kernel: count x per-call); the wall time divides
each work's CPU time over ``min(workers, points)`` processes as the executor spreads sweep
points (works of one kernel are one sweep: its wall time is the larger of its CPU time over
``min(workers, points)`` and its longest point), replicates one after another.
GPU per-step costs are read from ``benchmarks/gpu_steps.json`` when that file exists (GPU
points run one at a time, so one worker).
"""
from __future__ import annotations

import datetime
import importlib
import inspect
import json
import math
import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from claims._cost import Work

SCHEMA = 1
BUDGET_S = 20.0            # the longest a single timing at the real size may take before extrapolating
GPU_TABLE = Path(__file__).resolve().parent.parent / "benchmarks" / "gpu_steps.json"
GROUPS = ("fpc", "ssl")    # the papers the full-profile time target covers
EXCLUDED = ("fpc.thm4.1",)  # reported separately from that total


# ----------------------------------------------------------------------------- machine and cache
def machine() -> str:
    """CPU model and cores this process may use, e.g. ``Intel(R) Xeon(R) Processor x2``."""
    from .executors import cpu_count
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model} x{cpu_count()}"


def torch_version() -> str:
    import torch
    return torch.__version__


def cache_path() -> Path:
    root = os.environ.get("MLCLAIMS_CACHE")
    if root:
        return Path(root) / "step_costs.json"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mlclaims" / "step_costs.json"


def cache_key(work: Work, where: str | None = None, torch_v: str | None = None) -> str:
    return json.dumps([work.key(), where or machine(), torch_v or torch_version()])


def load_cache(path: Path | None = None) -> dict:
    path = path or cache_path()
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return doc.get("entries", {}) if doc.get("schema") == SCHEMA else {}


def save_cache(entries: dict, path: Path | None = None) -> Path:
    path = path or cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"schema": SCHEMA, "entries": entries}, indent=1, sort_keys=True))
    os.replace(tmp, path)
    return path


# ----------------------------------------------------------------------------- measuring
def _kernel(name: str) -> Callable:
    module, fn = name.split(":", 1)
    return getattr(importlib.import_module(module), fn)


def _timed(fn: Callable, kwargs: dict, clock=time.thread_time) -> float:
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        params = inspect.signature(fn).parameters
        takes = "seed" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
        if takes and "seed" not in kwargs:
            kwargs = {**kwargs, "seed": 0}
        t0 = clock()
        fn(**kwargs)
        return clock() - t0
    finally:
        torch.set_num_threads(threads)


def _step_counts(sizes) -> tuple[int, int]:
    r = int(sizes.get("record_every", 1) or 1)
    return (r, 2 * r) if r > 1 else (2, 6)


def time_once(work: Work, sizes: dict, clock=time.thread_time) -> tuple[float, float]:
    """(per-step s, fixed s) of ``work``'s kernel at ``sizes``; a call kernel: (0, per-call s)."""
    fn = _kernel(work.kernel)
    if not work.steps_arg:
        return 0.0, _timed(fn, dict(sizes), clock)
    s1, s2 = _step_counts(sizes)
    t1 = _timed(fn, {**sizes, work.steps_arg: s1}, clock)
    t2 = _timed(fn, {**sizes, work.steps_arg: s2}, clock)
    step = max(t2 - t1, 0.0) / (s2 - s1)
    return step, max(t1 - s1 * step, 0.0)


def _at(sizes: dict, name: str, value):
    return {**sizes, name: type(sizes[name])(value)}


def _exponent(x1, x2, y1, y2, declared) -> float:
    if declared is not None:
        return float(declared)
    if y1 > 0 and y2 > 0 and x2 != x1:
        return math.log(y2 / y1) / math.log(x2 / x1)
    return 1.0


def measure(work: Work, budget_s: float = BUDGET_S, clock=time.thread_time) -> dict:
    """A table entry for ``work``'s kernel at its sizes: measured there, or (when that would take
    longer than ``budget_s``) extrapolated from 1/4 and 1/2 of its first ``scale`` field."""
    sizes = dict(work.sizes)
    today = datetime.date.today().isoformat()
    big = [f for f in work.scale if isinstance(sizes.get(f), (int, float)) and sizes[f] >= 4]
    if not big:
        step, fixed = time_once(work, sizes, clock)
        return {"step_s": step, "fixed_s": fixed, "how": "measured at size", "date": today}
    f = big[0]
    real = sizes[f]
    xs = [max(1, real // d) if isinstance(real, int) else real / d for d in (4, 2)]
    s1, s2 = _step_counts(sizes) if work.steps_arg else (0, 0)

    def cost_to_measure(step, fixed):       # what timing at the real size would take
        return (s1 + s2) * step + 2 * fixed if work.steps_arg else fixed

    small = time_once(work, _at(sizes, f, xs[0]), clock)
    guess = 4.0 ** (work.scale[f] if work.scale[f] is not None else 1.0)
    if cost_to_measure(small[0] * guess, small[1] * guess) <= budget_s:
        step, fixed = time_once(work, sizes, clock)
        return {"step_s": step, "fixed_s": fixed, "how": "measured at size", "date": today}
    half = time_once(work, _at(sizes, f, xs[1]), clock)
    a_step = _exponent(xs[0], xs[1], small[0], half[0], work.scale[f])
    a_fix = _exponent(xs[0], xs[1], small[1], half[1], work.scale[f])
    grow = real / xs[1]
    step, fixed = half[0] * grow ** a_step, half[1] * grow ** a_fix
    if cost_to_measure(step, fixed) <= budget_s:
        step, fixed = time_once(work, sizes, clock)
        return {"step_s": step, "fixed_s": fixed, "how": "measured at size", "date": today}
    return {"step_s": step, "fixed_s": fixed, "date": today,
            "how": f"extrapolated along {f} from {xs[0]}, {xs[1]} to {real} (exponent {a_step:.2f})"}


def run_check(claim: str, profile: str, seed: int = 0) -> None:
    """A kernel for cheap checks (``claims._cost.whole_check``): one replicate of ``claim``'s whole
    check at ``profile``, its sweeps run serially in this process."""
    from claims import _registry

    from .executors import SerialExecutor
    from .runner import RunContext
    c = _registry.get(claim)
    c.check(c.resolve_config(profile), RunContext(seed=seed, profile=profile, executor=SerialExecutor()))


# ----------------------------------------------------------------------------- projecting
@dataclass
class Projection:
    claim: str
    profile: str
    replicates: int
    workers: int
    cpu_s: float = 0.0            # CPU seconds, all work, all replicates
    wall_s: float = 0.0           # with ``workers`` processes
    how: set = field(default_factory=set)
    missing: list = field(default_factory=list)      # Work without a table entry
    works: list = field(default_factory=list)        # (Work, entry, cpu s per replicate)
    memory_gb: float | None = None

    @property
    def complete(self) -> bool:
        return not self.missing

    def how_text(self) -> str:
        if not self.how:
            return "-"
        return "extrapolated" if any(h.startswith("extrapolated") for h in self.how) else "measured at size"


def replicates_for(claim, profile: str, replicates: int | None = None) -> int:
    from .runner import default_replicates
    if claim.deterministic:
        return 1
    return int(replicates) if replicates is not None else default_replicates(profile)


def default_workers() -> int:
    from .executors import cpu_count
    return max(1, cpu_count())


def works_of(claim, profile: str) -> list[Work]:
    if claim.cost is None or claim.check is None:
        return []
    return list(claim.cost(claim.resolve_config(profile)))


def project(claim, profile: str, lookup: Callable[[Work], dict | None], *, replicates: int | None = None,
            workers: int | None = None) -> Projection:
    """The projected time of ``claim`` at ``profile`` from table entries ``lookup(work)``."""
    workers = workers or default_workers()
    R = replicates_for(claim, profile, replicates)
    pr = Projection(claim.id, profile, R, workers)
    if claim.memory_gb is not None:
        pr.memory_gb = float(claim.memory_gb(claim.resolve_config(profile)))
    groups: dict[str, list] = {}            # works of one kernel run in one sweep (one ctx.map)
    for w in works_of(claim, profile):
        e = lookup(w)
        if e is None:
            pr.missing.append(w)
            continue
        cpu = (w.points * e["fixed_s"] + w.count * e["step_s"]) if w.steps_arg else w.count * e["fixed_s"]
        groups.setdefault(w.kernel, []).append((w.points, cpu))
        pr.cpu_s += R * cpu
        pr.how.add(e.get("how", "measured at size"))
        pr.works.append((w, e, cpu))
    for rows in groups.values():            # points spread over the workers: at least the longest point
        total = sum(c for _, c in rows)
        n = sum(p for p, _ in rows)
        pr.wall_s += R * max(total / min(workers, n), max(c / p for p, c in rows))
    return pr


def cpu_lookup(entries: dict) -> Callable[[Work], dict | None]:
    where, tv = machine(), torch_version()
    return lambda w: entries.get(cache_key(w, where, tv))


def gpu_table(path: Path = GPU_TABLE) -> dict | None:
    """``{"device": ..., "entries": {work key: {"step_s", "fixed_s"}}}`` or None when not recorded."""
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc.get("entries"), dict) else None


def measure_missing(claims, profiles: Sequence[str], entries: dict, budget_s: float = BUDGET_S,
                    say: Callable[[str], None] = print) -> int:
    """Time every (kernel, sizes) of ``claims`` at ``profiles`` not in ``entries``; returns how many."""
    where, tv = machine(), torch_version()
    done = 0
    for c in claims:
        for prof in profiles:
            for w in works_of(c, prof):
                key = cache_key(w, where, tv)
                if key in entries:
                    continue
                say(f"timing {c.id} ({prof}): {w.describe()}")
                t0 = time.perf_counter()
                try:
                    entries[key] = {**measure(w, budget_s), "kernel": w.kernel}
                except Exception as exc:  # noqa: BLE001  (a kernel that cannot be timed stays untimed)
                    say(f"  could not time it: {type(exc).__name__}: {exc}")
                    continue
                entries[key]["timing_wall_s"] = round(time.perf_counter() - t0, 2)
                save_cache(entries)
                done += 1
    return done


# ----------------------------------------------------------------------------- text
def hours(s: float) -> str:
    return f"{s / 3600:.2f} h" if s >= 36 else f"{s:.0f} s"


def cpu_line(pr: Projection) -> str:
    if pr.missing:
        return (f"CPU: not measured yet ({len(pr.missing)} kernel size(s) untimed; "
                f"`python -m checks estimate --claim {pr.claim} --profile {pr.profile}`)")
    how = ("projected from measured per-step cost" if pr.how_text() == "measured at size"
           else "projected from per-step cost extrapolated from smaller sizes")
    par = "serial" if pr.workers == 1 else f"{pr.workers} workers"
    return (f"CPU: {hours(pr.wall_s)} {how} (this machine, {par}; {pr.replicates} replicate(s); "
            f"{hours(pr.cpu_s)} CPU in all)")


def gpu_line(claim, profile: str, replicates: int | None = None, table: dict | None = None) -> str:
    table = table if table is not None else gpu_table()
    if table is None:
        return "GPU: not measured — no GPU benchmark recorded (benchmarks/gpu_steps.json)"
    pr = project(claim, profile, lambda w: table["entries"].get(w.key()), replicates=replicates, workers=1)
    if pr.missing:
        return f"GPU: not measured for {len(pr.missing)} kernel size(s) of this claim"
    return f"GPU: {hours(pr.wall_s)} projected from per-step cost on {table.get('device', 'a GPU')}"


def show_lines(claim) -> list[str]:
    """The estimate lines of ``checks show``: quick and full, from the cache only (never measures)."""
    if claim.check is None:
        return []
    if claim.cost is None:
        return ["estimated time: no declared cost (Claim.cost)"]
    entries = load_cache()
    out = []
    for prof in ("quick", "full"):
        if prof not in claim.profiles:
            continue
        pr = project(claim, prof, cpu_lookup(entries))
        mem = f"; peak memory {pr.memory_gb:.1f} GB per point" if pr.memory_gb is not None else ""
        out.append(f"estimated time ({prof}): {cpu_line(pr)}{mem}")
        out.append(f"  {gpu_line(claim, prof)}")
    return out


def render_table(rows: dict[str, list[Projection]], where: str) -> str:
    """One line per claim (wall hours per profile, how obtained, peak memory), then the totals of
    the fpc and ssl claims without ``EXCLUDED`` and the excluded ones on their own."""
    profs = list(rows)
    first = rows[profs[0]]
    workers = first[0].workers if first else default_workers()
    width = max([len(p.claim) for p in first] + [5])
    head = f"{'claim':<{width}} " + " ".join(f"{p:>10}" for p in profs) + "  obtained          peak GB"
    lines = [f"projected wall time on {where}, {workers} worker(s) "
             f"({'serial' if workers == 1 else 'sweep points spread over the workers'}); replicates "
             + ", ".join(f"{p} {max((pr.replicates for pr in rows[p]), default='-')}" for p in profs)
             + " (deterministic claims: 1)", head]
    for i, p0 in enumerate(first):
        cells = []
        for p in profs:
            pr = rows[p][i]
            cells.append(f"{hours(pr.wall_s):>10}" if pr.complete else f"{'untimed':>10}")
        mem = rows[profs[-1]][i].memory_gb
        lines.append(f"{p0.claim:<{width}} " + " ".join(cells)
                     + f"  {rows[profs[-1]][i].how_text():<17} {'' if mem is None else f'{mem:.1f}'}")
    for label, pick in ((f"total {'+'.join(GROUPS)} without {', '.join(EXCLUDED)}",
                         lambda c: c.split('.')[0] in GROUPS and c not in EXCLUDED),
                        (f"{', '.join(EXCLUDED)}", lambda c: c in EXCLUDED)):
        chosen = {p: [pr for pr in rows[p] if pick(pr.claim)] for p in profs}
        if not chosen[profs[0]]:
            continue
        cells = []
        for p in profs:
            tot = sum(pr.wall_s for pr in chosen[p])
            gap = "+" if any(not pr.complete for pr in chosen[p]) else ""
            cells.append(f"{hours(tot):>9}{gap or ' '}")
        lines.append(f"{label}: " + " ".join(cells) + ("  (+: some kernels untimed)" if "+" in "".join(cells) else ""))
    return "\n".join(lines)
