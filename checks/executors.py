"""Where the points of a sweep run: serially, in local processes, or on a Dask cluster.

``RunContext.map(fn, points)`` hands every sweep to an :class:`Executor`; a claim never
chooses one. Every executor runs ``fn(**point)`` through :func:`run_point`, which pins the
number of torch threads (``threads_per_point``, default 1) and seeds the global RNGs from
the point itself, so a point's numbers do not depend on the executor, the worker, or the
order: serial, process and Dask runs of a sweep give bit-identical results on one machine
(or on a cluster of identical machines and library builds).

``auto`` (the default) runs serially when there is one core or fewer than two points, and in
local processes otherwise; on a CUDA run it splits a sweep: the points that compute on the GPU
(:func:`uses_gpu`: the point passes a CUDA ``device``, or the sweep says so) run one after
another in the calling process, which alone owns the GPU, while the CPU-only points of the same
sweep keep the process pool. A GPU point gets a few torch threads for its host side
(:func:`point_threads`); a CPU point is pinned to ``threads_per_point``. With ``deterministic``
(``--deterministic``) every point runs under ``torch.use_deterministic_algorithms(True)`` with
``CUBLAS_WORKSPACE_CONFIG`` set, in whichever process it lands.
Workers import the sweep function's module afresh: a change made at run time in the
calling process (a monkeypatch) does not reach them; false-case controls go through
configuration fields instead.
"""
from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import multiprocessing as mp
import os
import pickle
import random
import sys
import traceback
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Callable, Sequence

from models.errors import InvalidParameter
from models.seeds import derive_seed
from models.util import enable_tf32

from .errors import ExecutorUnavailable, InvalidSweep

KINDS = ("auto", "serial", "process", "dask")
# imported once by the fork server, so that each worker starts warm
_PRELOAD = ["numpy", "scipy", "sympy", "torch", "claims", "models.attention", "models.train",
            "checks.executors"]


def cpu_count() -> int:
    """Cores this process may use (affinity-aware)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# ----------------------------------------------------------------------------- one point
def point_seed(point: Mapping) -> int:
    """A stable seed from a point's contents (same on every machine and process), by the one rule
    (:func:`models.seeds.derive_seed`) applied to a hash of the contents."""
    text = repr(sorted((str(k), repr(v)) for k, v in point.items()))
    return derive_seed(0, "point", int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little"))


GPU_HOST_THREADS = 4        # torch threads of a point that computes on the GPU (its host side)
CUBLAS_WORKSPACE = ":4096:8"  # CUBLAS_WORKSPACE_CONFIG that makes cuBLAS deterministic


def uses_gpu(point: Mapping, device: str, uses_device: bool | None = None) -> bool:
    """Whether a sweep point computes on the GPU: never on a CPU run; on a CUDA run, what the
    sweep says (``uses_device``, from ``RunContext.map``) or else whether the point passes a
    CUDA ``device`` to its function (every GPU sweep of the catalogue does: ``device=ctx.device``).
    A point without one computes on the CPU, e.g. fpc.eq4.1's exact gradient ratios."""
    if not str(device).startswith("cuda"):
        return False
    if uses_device is not None:
        return bool(uses_device)
    d = point.get("device")
    return d is not None and str(d).startswith("cuda")


def point_threads(threads: int, gpu: bool) -> int:
    """Torch threads for a point: ``threads`` (pinned) on the CPU; at least
    ``GPU_HOST_THREADS`` (bounded by the cores) for a GPU point, whose host side (kernel
    launches, small CPU reductions, data preparation) would starve on one thread."""
    return max(threads, min(GPU_HOST_THREADS, cpu_count())) if gpu else threads


def set_deterministic_env() -> None:
    """``CUBLAS_WORKSPACE_CONFIG`` for deterministic cuBLAS (read when CUDA creates its cuBLAS
    handles, so it must be set before the first GPU matmul of the process); a value the user
    set is kept."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", CUBLAS_WORKSPACE)


def run_point(fn: Callable, point: Mapping, threads: int, portable: bool = True, gpu: bool = False,
              deterministic: bool = False) -> Any:
    """``fn(**point)`` with its torch threads (:func:`point_threads`) and global RNGs seeded
    from the point; with ``deterministic``, under ``torch.use_deterministic_algorithms(True)``.

    Runs in whichever process the executor picks; restores the thread count, the
    deterministic-algorithms flag and the global RNG states afterwards (in the serial case
    they are the caller's). With ``portable``, an exception that cannot be pickled is
    re-raised as :class:`PointFailed`."""
    import numpy as np
    import torch
    if torch.cuda.is_available():           # a GPU worker trains in TF32, as the runner does
        enable_tf32()
    old = torch.get_num_threads()
    old_det = torch.are_deterministic_algorithms_enabled()
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    torch.set_num_threads(point_threads(threads, gpu))
    if deterministic:
        set_deterministic_env()
        torch.use_deterministic_algorithms(True)
    s = point_seed(point)
    random.seed(s)
    np.random.seed(s)
    torch.manual_seed(s)
    try:
        return fn(**point)
    except Exception as exc:
        if not portable:
            raise
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:   # would break the pool on its way back: send its text instead
            raise PointFailed(f"sweep point {dict(point)!r:.200} raised {type(exc).__name__}: {exc}\n"
                              + "".join(traceback.format_exception(exc))) from None
        raise
    finally:
        torch.set_num_threads(old)
        if deterministic and not old_det:
            torch.use_deterministic_algorithms(False)
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.set_rng_state(states[2])


class PointFailed(RuntimeError):
    """A sweep point raised an exception that cannot cross a process boundary; carries its
    type, message and traceback as text."""


def validate_sweep(fn: Callable, points: Sequence) -> None:
    """A sweep function must be importable by name and every point a dict with str keys."""
    while isinstance(fn, functools.partial):   # a partial of a module-level function pickles
        fn = fn.func
    name = getattr(fn, "__qualname__", repr(fn))
    mod = sys.modules.get(getattr(fn, "__module__", None) or "")
    obj = mod
    for part in name.split("."):
        obj = getattr(obj, part, None)
    if mod is None or "<" in name or obj is not fn:
        raise InvalidSweep(f"sweep function {name!r} is not a module-level function",
                           "define it with `def` at the top level of the claim module "
                           "(no lambda, closure or method) so a worker process can import it")
    for i, pt in enumerate(points):
        if not isinstance(pt, Mapping) or not all(isinstance(k, str) for k in pt):
            raise InvalidSweep(f"point {i} of the sweep is {type(pt).__name__} {pt!r:.80}",
                               "each point must be a dict of keyword arguments for the function, "
                               "including its own seed")


def _picklable(points: Sequence) -> None:
    for i, pt in enumerate(points):
        try:
            pickle.dumps(pt)
        except Exception as exc:
            raise InvalidSweep(f"point {i} of the sweep cannot be pickled ({exc})",
                               "pass plain values (numbers, strings, tuples), not tensors or "
                               "models; build those inside the sweep function") from exc


def _bar(progress: bool, total: int, desc: str):
    if not progress:
        return contextlib.nullcontext(None)
    from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc, leave=False, file=sys.stderr, mininterval=0.5)


# ----------------------------------------------------------------------------- executors
class Executor:
    """Runs ``fn(**pt)`` for each point and returns the results in the points' order."""

    kind = "base"

    def __init__(self, workers: int | None = None, threads_per_point: int = 1):
        if workers is not None and (not isinstance(workers, int) or workers < 1):
            raise InvalidParameter("--workers", workers, "must be a positive integer")
        if not isinstance(threads_per_point, int) or threads_per_point < 1:
            raise InvalidParameter("--threads-per-point", threads_per_point, "must be a positive integer")
        self.workers = workers or max(1, cpu_count() // threads_per_point)
        self.threads = threads_per_point

    def map(self, fn: Callable, points: Sequence[Mapping], *, desc: str = "", progress: bool = False,
            device: str = "cpu", uses_device: bool | None = None, deterministic: bool = False) -> list:
        """``device``: the run's device; which points use it, :func:`uses_gpu` (``uses_device``:
        the sweep's own answer for all its points, None: each point's ``device``)."""
        points = list(points)
        validate_sweep(fn, points)
        if not points:
            return []
        gpu = [uses_gpu(pt, device, uses_device) for pt in points]
        return self._map(fn, points, desc, progress, gpu, deterministic)

    def _map(self, fn, points, desc, progress, gpu, deterministic) -> list:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> dict:
        return {"kind": self.kind, "workers": self.workers, "threads_per_point": self.threads}

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class SerialExecutor(Executor):
    kind = "serial"

    def __init__(self, workers: int | None = None, threads_per_point: int = 1):
        super().__init__(1, threads_per_point)

    def _map(self, fn, points, desc, progress, gpu, deterministic):
        out = []
        with _bar(progress, len(points), desc) as bar:
            for pt, g in zip(points, gpu):
                out.append(self._one(fn, pt, g, deterministic, bar))
        return out

    def _one(self, fn, pt, gpu, deterministic, bar):
        res = run_point(fn, pt, self.threads, portable=False, gpu=gpu, deterministic=deterministic)
        if bar is not None:
            bar.update()
        return res


def _die_with(run_pid: int, every_s: float = 1.0) -> None:
    """A daemon thread that ends this worker as soon as the run's process is gone (SIGKILL of
    the CLI): a worker's parent is the fork server, which waits for the workers, so neither the
    kernel's parent-death signal nor the pool notices; the worker checks the run's pid itself."""
    import threading
    import time

    def watch():
        while True:
            time.sleep(every_s)
            try:
                os.kill(run_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # pragma: no cover - pid reused by another user
                os._exit(1)
    threading.Thread(target=watch, name="die-with-run", daemon=True).start()


def _init_worker(threads: int, run_pid: int | None = None) -> None:
    if run_pid is not None:
        _die_with(run_pid)
    signal_ignore_interrupt()
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    import torch
    torch.set_num_threads(threads)


def _start_helpers_ignoring_interrupt() -> None:
    """Start the fork server and the resource tracker with SIGINT ignored (an ignored signal
    survives exec), so Ctrl-C, which reaches the whole process group, stops the run through the
    CLI's one-line message instead of a traceback from each helper process."""
    import signal
    from multiprocessing import forkserver, resource_tracker
    if threading_main():
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            resource_tracker.ensure_running()
            forkserver.ensure_running()
        finally:
            signal.signal(signal.SIGINT, old)


@contextlib.contextmanager
def _interrupt_deferred():
    """A SIGINT that arrives inside the block is delivered when it ends (to the handler that was in
    place: the CLI's KeyboardInterrupt). Nothing changes where SIGINT is ignored or handled outside
    Python, or off the main thread. A SIGINT that arrives while the block raises something else is
    dropped with it (the run stops on that error anyway)."""
    import signal
    old = signal.getsignal(signal.SIGINT) if threading_main() else None
    if not callable(old) and old != signal.SIG_DFL:       # ignored, not ours to handle, or not main thread
        yield
        return
    got = []
    signal.signal(signal.SIGINT, lambda *_: got.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
    if got:
        if callable(old):
            old(signal.SIGINT, None)                       # default_int_handler: KeyboardInterrupt
        else:
            os.kill(os.getpid(), signal.SIGINT)            # SIG_DFL: as if it arrived now


def threading_main() -> bool:
    import threading
    return threading.current_thread() is threading.main_thread()


def signal_ignore_interrupt() -> None:
    """Ctrl-C goes to the whole process group: workers ignore it and the CLI stops the run."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ProcessExecutor(Executor):
    """A pool of local worker processes started from a fork server (CUDA-safe, and warm:
    the server has imported torch and the claim framework once). The pool lives until
    :meth:`close`, so consecutive sweeps reuse it."""

    kind = "process"

    def __init__(self, workers: int | None = None, threads_per_point: int = 1):
        super().__init__(workers, threads_per_point)
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
            ctx = mp.get_context(method)
            if method == "forkserver":
                ctx.set_forkserver_preload(_PRELOAD)
                _start_helpers_ignoring_interrupt()
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_init_worker,
                                             initargs=(self.threads, os.getpid()))
        return self._pool

    def _map(self, fn, points, desc, progress, gpu, deterministic):
        out: list = [None] * len(points)
        try:
            with _bar(progress, len(points), desc) as bar:
                futs = self._submit(fn, [(i, pt, g) for i, (pt, g) in enumerate(zip(points, gpu))], deterministic)
                self._gather(futs, out, bar)
        except KeyboardInterrupt:       # Ctrl-C: stop the points that are running, do not wait for them
            self.terminate()
            raise
        return out

    def _submit(self, fn, items, deterministic) -> dict:
        """Submit ``(index, point, gpu)`` items; the futures, keyed to their index. Ctrl-C waits
        until the submissions (which start the workers) are done, so that no worker is left
        half-started when the run stops."""
        _picklable([pt for _, pt, _ in items])
        with _interrupt_deferred():
            pool = self._get_pool()
            return {pool.submit(run_point, fn, pt, self.threads, True, g, deterministic): i for i, pt, g in items}

    @staticmethod
    def _gather(futs: dict, out: list, bar) -> None:
        """Wait for ``futs`` and put each result at its index of ``out``; cancel the rest on failure."""
        try:
            for f in as_completed(futs):
                out[futs[f]] = f.result()
                if bar is not None:
                    bar.update()
        except Exception:
            for f in futs:
                f.cancel()
            raise
        # KeyboardInterrupt: nothing cancelled here; ``terminate`` breaks the pool, which fails every
        # pending future itself (cancelling first races with that: InvalidStateError on Python 3.11)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def terminate(self) -> None:
        """Stop at once: the workers, with the points they are running, are terminated (``close``
        would wait for those points to finish); the broken pool fails every pending point."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if hasattr(pool, "terminate_workers"):                # Python 3.14+
            pool.terminate_workers()
            return
        procs = list((getattr(pool, "_processes", None) or {}).values())
        for p in procs:
            p.terminate()
        for p in procs:
            p.join(5)
            if p.is_alive():
                p.kill()
                p.join(5)
        pool.shutdown(wait=True)                              # broken now: its manager thread ends at once


class DaskExecutor(Executor):
    """Points as tasks on a Dask distributed cluster: an existing scheduler (``address``,
    e.g. ``tcp://10.0.0.5:8786``) or, without one, a ``LocalCluster`` of ``workers``
    single-threaded worker processes. Workers must be able to import this package."""

    kind = "dask"

    def __init__(self, workers: int | None = None, threads_per_point: int = 1,
                 address: str | None = None, timeout: float = 30.0):
        super().__init__(workers, threads_per_point)
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise ExecutorUnavailable("dask", "the package `distributed` is not installed",
                                      "pip install -e '.[dist]'") from exc
        self.address = address
        self._cluster = None
        if address:
            try:
                self.client = Client(address, timeout=timeout)
            except (OSError, TimeoutError) as exc:
                raise ExecutorUnavailable("dask", f"no Dask scheduler answered at {address!r} ({exc})",
                                          "start one with `dask scheduler` and `dask worker ADDRESS`, "
                                          "or check --scheduler") from exc
            self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        else:
            self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                         dashboard_address=None)
            self.client = Client(self._cluster)

    def _map(self, fn, points, desc, progress, gpu, deterministic):
        _picklable(points)
        from distributed import as_completed as d_as_completed
        futs = [self.client.submit(run_point, fn, pt, self.threads, True, g, deterministic, pure=False)
                for pt, g in zip(points, gpu)]
        index = {f.key: i for i, f in enumerate(futs)}
        out: list = [None] * len(points)
        try:
            with _bar(progress, len(points), desc) as bar:
                for f in d_as_completed(futs):
                    out[index[f.key]] = f.result()
                    if bar is not None:
                        bar.update()
        except BaseException:
            self.client.cancel(futs)
            raise
        return out

    def describe(self) -> dict:
        return {**super().describe(), "scheduler": self.address or "LocalCluster"}

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


class AutoExecutor(Executor):
    """Serial for one core or fewer than two points; local processes otherwise. Points that
    compute on the GPU always run serially in this process (one process owns the GPU), the
    CPU-only points of the same sweep meanwhile in the pool."""

    kind = "auto"

    def __init__(self, workers: int | None = None, threads_per_point: int = 1):
        super().__init__(workers, threads_per_point)
        self._serial = SerialExecutor(threads_per_point=threads_per_point)
        self._process: ProcessExecutor | None = None

    def choose(self, n_points: int, device: str = "cpu") -> Executor:
        """The executor for ``n_points`` points that compute on ``device``."""
        if n_points < 2 or self.workers < 2 or device == "cuda":
            return self._serial
        if self._process is None:
            self._process = ProcessExecutor(self.workers, self.threads)
        return self._process

    def _map(self, fn, points, desc, progress, gpu, deterministic):
        on_cpu = [i for i, g in enumerate(gpu) if not g]
        pool = self.choose(len(on_cpu))
        if len(on_cpu) in (0, len(points)) or pool is self._serial:   # no split: one executor for all
            ex = self.choose(len(points), "cuda" if any(gpu) else "cpu")
            return ex._map(fn, points, desc, progress, gpu, deterministic)
        # a mixed sweep: the CPU points go to the pool first, the GPU points run here meanwhile
        out: list = [None] * len(points)
        try:
            with _bar(progress, len(points), desc) as bar:
                futs = pool._submit(fn, [(i, points[i], False) for i in on_cpu], deterministic)
                try:
                    for i, g in enumerate(gpu):
                        if g:
                            out[i] = self._serial._one(fn, points[i], True, deterministic, bar)
                except Exception:       # (Ctrl-C: see ProcessExecutor._gather)
                    for f in futs:
                        f.cancel()
                    raise
                pool._gather(futs, out, bar)
        except KeyboardInterrupt:       # Ctrl-C: stop the pool's running points too
            pool.terminate()
            raise
        return out

    def close(self) -> None:
        if self._process is not None:
            self._process.close()
            self._process = None


def make(kind: str = "auto", workers: int | None = None, scheduler: str | None = None,
         threads_per_point: int = 1) -> Executor:
    """Executor from CLI-style options; a scheduler address implies ``dask``."""
    if kind not in KINDS:
        raise InvalidParameter("--executor", kind, f"must be one of {', '.join(KINDS)}")
    if scheduler and kind not in ("auto", "dask"):
        raise InvalidParameter("--scheduler", scheduler, f"only applies to --executor dask (got {kind})")
    if scheduler or kind == "dask":
        return DaskExecutor(workers, threads_per_point, address=scheduler)
    cls = {"auto": AutoExecutor, "serial": SerialExecutor, "process": ProcessExecutor}[kind]
    return cls(workers, threads_per_point)


# ----------------------------------------------------------------------------- a probe sweep
# ----------------------------------------------------------------------------- the default
_current: Executor | None = None


def current() -> Executor:
    """The executor ``RunContext.map`` uses when the context names none (auto, created lazily)."""
    global _current
    if _current is None:
        _current = AutoExecutor()
    return _current


@contextlib.contextmanager
def using(executor: Executor, close: bool = True):
    """Make ``executor`` the default for the block, then restore the old one (and close
    ``executor`` unless ``close=False``)."""
    global _current
    old, _current = _current, executor
    try:
        yield executor
    finally:
        _current = old
        if close:
            executor.close()


@atexit.register
def _shutdown() -> None:  # pragma: no cover - interpreter exit
    if _current is not None:
        _current.close()
