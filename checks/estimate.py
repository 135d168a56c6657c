"""Projected run time of a claim from its declared cost and measured per-step costs.

A claim declares what one replicate of its check runs (``Claim.cost(cfg) -> list[Work]``, see
``claims/_cost.py``). Here each distinct (kernel, sizes) is timed on this machine, one torch
thread as the executor pins a sweep point, with ``time.thread_time`` (CPU time of the calling
thread, so other load on the machine does not inflate it): a step kernel at two step counts
(per-step and fixed cost), a call kernel once. A kernel that would take longer than the
measuring budget at its real size is timed at 1/4 and 1/2 of its first ``scale`` field and
extrapolated along it (exponent declared or fitted from the two sizes); the result says so.

Measurements are cached in the user's cache folder (``$XDG_CACHE_HOME/mlclaims`` or
``~/.cache/mlclaims``; ``MLCLAIMS_CACHE`` overrides), keyed by kernel, sizes, machine, torch
version and the code that runs (:func:`code_version`: the source of the kernel's module and of every
project module it imports, transitively), so ``checks show`` reads them without measuring, a change
to that code makes them "not measured yet" instead of stale, and a change elsewhere keeps them.

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
import functools
import hashlib
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
from models.util import atomic_replace, cache_dir, torch_threads

from . import changed as _changed

SCHEMA = 2                 # 2: warm-up and adaptive step counts (schema-1 timings are dropped)
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
    return cache_dir() / "step_costs.json"


def cache_key(work: Work, where: str | None = None, torch_v: str | None = None, code: str | None = None) -> str:
    return json.dumps([work.key(), where or machine(), torch_v or torch_version(),
                       code or code_version(work.kernel)])


_ROOT = Path(__file__).resolve().parent.parent
_PACKAGES = ("models", "claims", "checks")   # the project's top-level packages (folders under _ROOT)


def _code_paths(folder: Path) -> list[Path]:
    """Every ``.py`` file under ``folder`` (recursively), dot-files (editor lock files) left out."""
    return [f for f in folder.rglob("*.py") if not f.name.startswith(".")]


def _import_graph(root: Path) -> tuple[dict, dict]:
    """``checks.changed.import_graph`` of ``root`` and its module -> file map, parsed again only
    when a source file changed."""
    stamp = []
    for pkg in _changed.PACKAGES:
        for f in sorted((root / pkg).rglob("*.py")):
            try:
                st = f.stat()
            except OSError:
                continue
            stamp.append((f.as_posix(), st.st_mtime_ns, st.st_size))
    return _import_graph_at(root, tuple(stamp))


@functools.lru_cache(maxsize=4)
def _import_graph_at(root: Path, stamp: tuple) -> tuple[dict, dict]:
    files = _changed.module_files(root)
    return _changed.import_graph(root, files), files


def code_files(kernel: str) -> list[Path]:
    """The Python source files a kernel's cost depends on, sorted.

    A kernel of ``checks`` runs whole claims: every file of ``models/``, ``checks/`` and ``claims/``.
    Any other kernel (``pkg.mod:fn``): the file of its module and of every project module (under
    ``models/``, ``claims/``, ``checks/``) it imports, transitively, found by a static scan of its
    ``import`` statements (anywhere in a file, relative ones resolved; importing ``a.b.c`` runs
    ``a/__init__.py`` and ``a/b/__init__.py`` too). A module not found as a file is left out. Where a
    file of that closure mentions ``importlib`` or ``__import__`` (imports the scan cannot see), every
    file of its folder, recursively, is added as well; those added files are hashed but their own
    imports are not followed (``claims/__init__.py`` imports the registry, which imports the paper
    packages by name: following them would put every claim's models into every kernel's code)."""
    module = kernel.split(":", 1)[0]
    if module.split(".")[0] == "checks":
        return sorted({f for folder in ("models", "checks", "claims") for f in _code_paths(_ROOT / folder)},
                      key=lambda f: f.relative_to(_ROOT).as_posix())
    files = set()
    graph, module_files = _import_graph(_ROOT)                  # the graph `run --changed` reads
    for name in _changed.closure(graph, module):
        f = module_files.get(name)
        if f is None or name.split(".")[0] not in _PACKAGES:    # not a module of the code a kernel runs
            continue
        files.add(f)
        try:
            text = f.read_text(encoding="utf-8", errors="replace")
        except OSError:                                          # removed while reading: not part of the code
            continue
        if "importlib" in text or "__import__" in text:
            files.update(_code_paths(f.parent))
    return sorted(files, key=lambda f: f.relative_to(_ROOT).as_posix())


@functools.lru_cache(maxsize=None)
def code_version(kernel: str) -> str:
    """A short hash of the Python source a kernel's cost depends on (:func:`code_files`, e.g.
    ``claims.fpc._thm_f:run_point`` -> its module, the ``claims`` and ``models`` modules it imports,
    transitively): an edit to a file the kernel cannot run leaves its timings valid."""
    h = hashlib.sha256()
    for f in code_files(kernel):
        if not f.is_file():                                    # dangling links, files removed since
            continue
        try:
            h.update(f.relative_to(_ROOT).as_posix().encode() + b"\0" + f.read_bytes())
        except OSError:                                        # removed while reading: not part of the code
            continue
    return h.hexdigest()[:12]


def gpu_key(work: Work) -> str:
    """The key of ``work`` in the GPU table: its sizes and the code that ran (the device is the table's)."""
    return json.dumps([work.key(), code_version(work.kernel)])


def load_cache(path: Path | None = None) -> dict:
    path = path or cache_path()
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return doc.get("entries", {}) if doc.get("schema") == SCHEMA else {}


def save_cache(entries: dict, path: Path | None = None) -> Path:
    """Write ``entries`` merged into what the cache holds now: two estimates running at once each
    add their timings instead of the later one writing back its start-time copy over the other's
    (a lock file serialises the read-merge-write)."""
    import fcntl
    path = path or cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        merged = {**load_cache(path), **entries}
        text = json.dumps({"schema": SCHEMA, "entries": merged}, indent=1, sort_keys=True)
        out = atomic_replace(path, lambda tmp: Path(tmp).write_text(text))
    entries.update(merged)
    return out


# ----------------------------------------------------------------------------- measuring
def _kernel(name: str) -> Callable:
    module, fn = name.split(":", 1)
    return getattr(importlib.import_module(module), fn)


def _timed(fn: Callable, kwargs: dict, clock=time.thread_time) -> float:
    with torch_threads(1):
        params = inspect.signature(fn).parameters
        takes = "seed" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
        if takes and "seed" not in kwargs:
            kwargs = {**kwargs, "seed": 0}
        t0 = clock()
        fn(**kwargs)
        return clock() - t0


def _unit(sizes) -> int:
    """Step counts are timed in multiples of the run's recording / evaluation interval, so that
    every timed run includes its evaluation passes."""
    return max(int(sizes.get("record_every", 1) or 1), int(sizes.get("eval_every", 1) or 1), 1)


def _step_counts(sizes, min_steps: int = 0) -> tuple[int, int]:
    """The first two step counts a step kernel is timed at (the second grows while the
    difference is too small to read, see :func:`time_once`)."""
    u = _unit(sizes)
    s1 = max(u if u > 1 else 2, -(-int(min_steps) // u) * u)
    return s1, 4 * s1


_LAST_FIRST_S = [0.0]
MIN_DELTA_S = 0.5          # a step kernel's two timings must differ by this much (or reach the real run)


def time_once(work: Work, sizes: dict, clock=time.thread_time, budget_s: float = BUDGET_S) -> tuple[float, float]:
    """(per-step s, fixed s) of ``work``'s kernel at ``sizes``; a call kernel: (0, per-call s).
    The first call's extra cost in a process (imports, compiled kernels) is left in
    ``_LAST_FIRST_S`` for :func:`measure` (a run pays it once per process that runs the kernel).

    A step kernel is run once untimed (first-call costs: imports, compiled kernels, caches are
    per process, see :func:`measure_startup`), then at ``s1`` steps and at ``s2 = 4 s1`` steps,
    ``s2`` growing fourfold while the two timings differ by less than ``MIN_DELTA_S`` and the
    next timing fits ``budget_s`` (never past the real run's steps per point)."""
    fn = _kernel(work.kernel)
    _LAST_FIRST_S[0] = 0.0
    if not work.steps_arg:
        return 0.0, _timed(fn, dict(sizes), clock)
    s1, s2 = _step_counts(sizes, work.min_steps)
    u = _unit(sizes)
    real = max(s1 + u, int(round(work.count / max(work.points, 1))))
    s2 = max(s1 + u, min(s2, real))
    t0 = _timed(fn, {**sizes, work.steps_arg: s1}, clock)            # warm-up, not counted
    # a slow kernel: its first-call cost is small beside it, so the warm-up is its first timing
    t1 = t0 if t0 > 4 * MIN_DELTA_S else _timed(fn, {**sizes, work.steps_arg: s1}, clock)
    _LAST_FIRST_S[0] = max(t0 - t1, 0.0)
    t2 = _timed(fn, {**sizes, work.steps_arg: s2}, clock)
    while t2 - t1 < MIN_DELTA_S and s2 < real:
        nxt = min(real, 4 * s2)
        per = max(t2 - t1, 1e-9) / (s2 - s1)
        if t1 + (nxt - s1) * per > budget_s:
            break
        s2, t2 = nxt, _timed(fn, {**sizes, work.steps_arg: nxt}, clock)
    step = max(t2 - t1, 0.0) / (s2 - s1)
    return step, max(t1 - s1 * step, 0.0)


def _get(sizes: dict, name: str):
    """``sizes[name]``; a dotted name reads a nested dict (``"data.P"``)."""
    head, _, rest = name.partition(".")
    v = sizes.get(head)
    return _get(v, rest) if rest and isinstance(v, dict) else (v if not rest else None)


def _at(sizes: dict, name: str, value):
    head, _, rest = name.partition(".")
    if rest:
        return {**sizes, head: _at(sizes[head], rest, value)}
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

    def at_size() -> dict:                  # timed at the real size
        step, fixed = time_once(work, sizes, clock, budget_s)
        return {"step_s": step, "fixed_s": fixed, "first_s": _LAST_FIRST_S[0], "how": "measured at size",
                "date": today}

    big = [f for f in work.scale if isinstance(_get(sizes, f), (int, float)) and _get(sizes, f) >= 4]
    if not big:
        return at_size()
    f = big[0]
    real = _get(sizes, f)
    xs = [max(1, real // d) if isinstance(real, int) else real / d for d in (4, 2)]
    s1, s2 = _step_counts(sizes, work.min_steps) if work.steps_arg else (0, 0)

    def cost_to_measure(step, fixed):       # what timing at the real size would take (warm-up, s1, s2)
        return (2 * s1 + s2) * step + 3 * fixed if work.steps_arg else fixed

    try:
        small = time_once(work, _at(sizes, f, xs[0]), clock, budget_s)
    except Exception:  # noqa: BLE001  (a size the kernel refuses: time it at its real size)
        return at_size()
    first = _LAST_FIRST_S[0]
    guess = 4.0 ** (work.scale[f] if work.scale[f] is not None else 1.0)
    if cost_to_measure(small[0] * guess, small[1] * guess) <= budget_s:
        return at_size()
    half = time_once(work, _at(sizes, f, xs[1]), clock, budget_s)
    a_step = _exponent(xs[0], xs[1], small[0], half[0], work.scale[f])
    a_fix = _exponent(xs[0], xs[1], small[1], half[1], work.scale[f])
    grow = real / xs[1]
    step, fixed = half[0] * grow ** a_step, half[1] * grow ** a_fix
    if cost_to_measure(step, fixed) <= budget_s:
        return at_size()
    return {"step_s": step, "fixed_s": fixed, "first_s": first, "date": today,
            "how": f"extrapolated along {f} from {xs[0]}, {xs[1]} to {real} (exponent {a_step:.2f})"}


def run_check(claim: str, profile: str, seed: int = 0) -> None:
    """A kernel for cheap checks (``claims._cost.whole_check``): one replicate of ``claim``'s whole
    check at ``profile``, its sweeps run serially in this process."""
    from claims import _registry

    from .executors import SerialExecutor
    from .runner import RunContext
    c = _registry.get(claim)
    c.check(c.resolve_config(profile), RunContext(seed=seed, profile=profile, executor=SerialExecutor()))


def run_derive(claim: str, profile: str) -> None:
    """A kernel: ``claim``'s symbolic derivation at ``profile`` (once per run, not per replicate)."""
    from claims import _registry
    c = _registry.get(claim)
    c.run_derive(c.resolve_config(profile))


# ----------------------------------------------------------------------------- start-up
STARTUP_KEY = "startup"
_STARTUP_MAIN = ("import checks.cli, checks.runner, torch\n"
                 "from claims import _registry\n"
                 "_registry.all_claims()\n")


def _proc_cpu(pid: int) -> float:
    """user+sys CPU seconds of a process from /proc (0 where unreadable)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _worker_cpu(i: int) -> tuple:
    """A sweep point for :func:`measure_startup`: this worker's and its fork server's pid and CPU."""
    import resource
    time.sleep(0.3)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return os.getpid(), ru.ru_utime + ru.ru_stime, os.getppid(), _proc_cpu(os.getppid())


def _pool_cpu(workers: int) -> tuple[float, float]:
    """CPU seconds to start a process pool of ``workers``: (fork server with its preloaded modules,
    one worker's start and a trivial point, averaged over the workers)."""
    from .executors import ProcessExecutor
    ex = ProcessExecutor(workers)
    try:
        rows = ex.map(_worker_cpu, [{"i": i} for i in range(2 * workers)])
    finally:
        ex.close()
    own = {pid: cpu for pid, cpu, _, _ in rows}
    servers = {ppid: cpu for _, _, ppid, cpu in rows if ppid != os.getpid()}
    return sum(servers.values()), sum(own.values()) / max(len(own), 1)


def measure_startup(workers: int) -> dict:
    """CPU seconds a run pays once: ``main_s``, a fresh interpreter importing the runner, torch and
    every claim (a subprocess, timed by its rusage); ``pool_s``, starting the worker pool of
    ``workers`` processes: ``server_s`` (fork server) plus ``worker_s`` per worker, paid only when
    some sweep has several points and there are several workers."""
    import resource
    import subprocess
    import sys
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", _STARTUP_MAIN], check=True,
                   cwd=str(Path(__file__).resolve().parent.parent))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    main = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    server, worker = _pool_cpu(max(2, workers))
    return {"main_s": main, "server_s": server, "worker_s": worker, "date": datetime.date.today().isoformat(),
            "how": "measured (subprocess and a worker pool)"}


def startup_key(where: str | None = None, torch_v: str | None = None) -> str:
    return json.dumps([STARTUP_KEY, where or machine(), torch_v or torch_version()])


def startup_cpu(entry: dict | None, workers: int, pool: bool) -> float | None:
    """CPU seconds a run with ``workers`` pays once (``pool``: it starts the worker pool)."""
    if entry is None:
        return None
    return entry["main_s"] + ((entry["server_s"] + workers * entry["worker_s"]) if pool and workers > 1 else 0.0)


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
    startup_cpu_s: float | None = None   # a run's start-up (interpreter, imports, pool): paid once per run
    uses_pool: bool = False              # some sweep has several points (the run starts a worker pool)
    bounds: set = field(default_factory=set)  # why the projection is an upper bound (Work.upper_bound)

    @property
    def alone_cpu_s(self) -> float:
        """CPU seconds of ``python -m checks run --claim ID`` alone: the work plus the start-up."""
        return self.cpu_s + (self.startup_cpu_s or 0.0)

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
    """The declared work of ``claim`` at ``profile`` and, when it has one, its symbolic derivation
    (timed whole, once per run)."""
    if claim.cost is None or claim.check is None:
        return []
    out = list(claim.cost(claim.resolve_config(profile)))
    if claim.derive is not None:
        out.append(Work("checks.estimate:run_derive", {"claim": claim.id, "profile": profile}, per_replicate=False))
    return out


def project(claim, profile: str, lookup: Callable[[Work], dict | None], *, replicates: int | None = None,
            workers: int | None = None, startup: dict | None = None) -> Projection:
    """The projected time of ``claim`` at ``profile`` from table entries ``lookup(work)``;
    ``startup`` (:func:`measure_startup`) sets what the claim run alone adds once."""
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
        reps = R if w.per_replicate else 1
        groups.setdefault((w.kernel, reps), []).append((w.points, cpu, e.get("first_s", 0.0)))
        pr.cpu_s += reps * cpu
        pr.how.add(e.get("how", "measured at size"))
        pr.works.append((w, e, cpu))
        if w.upper_bound:
            pr.bounds.add(w.upper_bound)
    for (_, reps), rows in groups.items():  # points spread over the workers: at least the longest point
        total = sum(c for _, c, _ in rows)
        n = sum(p for p, _, _ in rows)
        procs = min(workers, n)
        first = max(f for _, _, f in rows) * procs      # first-call cost, once in each process (workers persist)
        pr.uses_pool = pr.uses_pool or (n >= 2 and workers >= 2)
        pr.cpu_s += first
        pr.wall_s += reps * max(total / procs, max(c / p for p, c, _ in rows)) + first / procs
    startup = startup if startup is not None else getattr(lookup, "startup", None)
    pr.startup_cpu_s = startup_cpu(startup, workers, pr.uses_pool)
    return pr


class _Lookup:
    """``lookup(work)`` -> the cached entry of ``work`` on this machine; ``.startup``: the cached
    start-up entry (:func:`measure_startup`) or None."""

    def __init__(self, entries: dict):
        self.where, self.tv = machine(), torch_version()
        self.entries = entries
        self.startup = entries.get(startup_key(self.where, self.tv))

    def __call__(self, w: Work) -> dict | None:
        return self.entries.get(cache_key(w, self.where, self.tv))


def cpu_lookup(entries: dict) -> Callable[[Work], dict | None]:
    return _Lookup(entries)


def gpu_table(path: Path = GPU_TABLE) -> dict | None:
    """``{"device": ..., "entries": {gpu_key(work): {"step_s", "fixed_s"}}}`` or None when not recorded."""
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
    if startup_key(where, tv) not in entries:
        say("timing a run's start-up (interpreter, imports, worker pool)")
        try:
            entries[startup_key(where, tv)] = measure_startup(default_workers())
            save_cache(entries)
        except Exception as exc:  # noqa: BLE001  (projections then leave the start-up out)
            say(f"  could not time it: {type(exc).__name__}: {exc}")
    # every key first: its code version is that of the source as loaded now, not as edited while timing
    todo = [(c, prof, w, cache_key(w, where, tv)) for c in claims for prof in profiles for w in works_of(c, prof)]
    for c, prof, w, key in todo:
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
    alone = (f"; run alone adds {hours(pr.startup_cpu_s)} CPU of start-up" if pr.startup_cpu_s else "")
    bound = f"; an upper bound: {'; '.join(sorted(pr.bounds))}" if pr.bounds else ""
    return (f"CPU: {'at most ' if pr.bounds else ''}{hours(pr.cpu_s)} CPU time, {hours(pr.wall_s)} wall, {how} "
            f"(this machine, {par}; {pr.replicates} replicate(s){alone}{bound})")


def gpu_line(claim, profile: str, replicates: int | None = None, table: dict | None = None) -> str:
    table = table if table is not None else gpu_table()
    if table is None:
        return "GPU: not measured — no GPU benchmark recorded (benchmarks/gpu_steps.json)"
    pr = project(claim, profile, lambda w: table["entries"].get(gpu_key(w)), replicates=replicates, workers=1)
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


def memo_savings(projections: Sequence[Projection]) -> float:
    """CPU seconds that in-process caches (``Work.memo``) save when ``projections`` run one after
    another in one process, in this order (as ``python -m checks run --profile P`` runs its claims):
    each replicate's run is keyed by its sizes and replicate (the same replicate seeds in every
    claim), the cache keeps the ``size`` most recently used."""
    from collections import OrderedDict
    caches: dict[str, OrderedDict] = {}
    saved = 0.0
    for pr in projections:
        for w, _e, cpu in pr.works:
            if not w.memo or not pr.complete:
                continue
            name, _, size = w.memo.rpartition("/")
            cache = caches.setdefault(name, OrderedDict())
            for r in range(pr.replicates if w.per_replicate else 1):
                key = (w.key(), r)
                if key in cache:
                    cache.move_to_end(key)
                    saved += cpu
                else:
                    cache[key] = True
                    if len(cache) > int(size or 1):
                        cache.popitem(last=False)
    return saved


def render_table(rows: dict[str, list[Projection]], where: str) -> str:
    """One line per claim (CPU and wall hours per profile, how obtained, peak memory), then the
    totals of the fpc and ssl claims without ``EXCLUDED`` (plus one run's start-up) and the
    excluded ones on their own."""
    profs = list(rows)
    first = rows[profs[0]]
    workers = first[0].workers if first else default_workers()
    width = max([len(p.claim) for p in first] + [5])
    head = (f"{'claim':<{width}} " + " ".join(f"{p + ' CPU':>10} {p + ' wall':>10}" for p in profs)
            + "  obtained          peak GB")
    lines = [f"projected time on {where}, {workers} worker(s) "
             f"({'serial' if workers == 1 else 'sweep points spread over the workers'}); replicates "
             + ", ".join(f"{p} {max((pr.replicates for pr in rows[p]), default='-')}" for p in profs)
             + " (deterministic claims: 1)", head]
    for i, p0 in enumerate(first):
        cells = []
        for p in profs:
            pr = rows[p][i]
            cells.append(f"{hours(pr.cpu_s):>10} {hours(pr.wall_s):>10}" if pr.complete
                         else f"{'untimed':>10} {'untimed':>10}")
        mem = rows[profs[-1]][i].memory_gb
        how = rows[profs[-1]][i].how_text() + (" (bound)" if rows[profs[-1]][i].bounds else "")
        lines.append(f"{p0.claim:<{width}} " + " ".join(cells)
                     + f"  {how:<17} {'' if mem is None else f'{mem:.1f}'}")
    startup = {p: max((pr.startup_cpu_s or 0.0 for pr in rows[p]), default=0.0) for p in profs}
    if any(startup.values()):
        lines.append(f"{'start-up, once per run':<{width}} "
                     + " ".join(f"{hours(startup[p]):>10} {hours(startup[p]):>10}" for p in profs)
                     + "  measured (interpreter, imports, worker pool)")
    saved = {p: memo_savings([pr for pr in rows[p] if pr.claim.split('.')[0] in GROUPS and pr.claim not in EXCLUDED])
             for p in profs}
    if any(saved.values()):
        lines.append(f"{'shared cached runs':<{width}} "
                     + " ".join(f"{'-' + hours(saved[p]):>10} {'-' + hours(saved[p]):>10}" for p in profs)
                     + "  runs an earlier claim left in the in-process cache (claims in this order)")
    for label, pick, once in ((f"total {'+'.join(GROUPS)} without {', '.join(EXCLUDED)}",
                               lambda c: c.split('.')[0] in GROUPS and c not in EXCLUDED, True),
                              (f"{', '.join(EXCLUDED)}", lambda c: c in EXCLUDED, False)):
        chosen = {p: [pr for pr in rows[p] if pick(pr.claim)] for p in profs}
        if not chosen[profs[0]]:
            continue
        cells = []
        for p in profs:
            extra = (startup[p] - saved[p]) if once else 0.0
            cpu = sum(pr.cpu_s for pr in chosen[p]) + extra
            wall = sum(pr.wall_s for pr in chosen[p]) + extra
            gap = "+" if any(not pr.complete for pr in chosen[p]) else " "
            cells.append(f"{hours(cpu):>9}{gap} {hours(wall):>9}{gap}")
        lines.append(f"{label:<{width}} " + " ".join(cells)
                     + ("  (+: some kernels untimed)" if "+" in "".join(cells) else ""))
    return "\n".join(lines)
