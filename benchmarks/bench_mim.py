"""Full vs reduced one-layer MIM model on the same GD workload, side by side.

    python benchmarks/bench_mim.py                 # P = 64 .. 2048 on the CPU
    python benchmarks/bench_mim.py --device cuda   # the same on a GPU (TF32 for float32)

``fast`` is ``models.fastmim`` (with its fused CPU loop where it builds), ``fast_eager`` the same
without that loop (torch ops only), ``fast_v1`` the closed form as of commit 600db43
(``benchmarks/fastmim_v1.py``), kept for side-by-side ratios.

For each P: one full-batch GD step on a fixed sample of ``n`` masked images (Def 2.1, 2.5)
with the full model (explicit d x d ``Q``, autograd), the reduced model on (Phi, Ups)
(autograd, ``models.attention.ReducedMIM``) and the analytic reduced gradient
(``models.fastmim``). Prints steps per second, the ratios to the full model, and each
step's bytes moved (sum of the input and output tensors of every aten op) against the
memory bandwidth measured with a large torch copy. Cells whose estimated memory exceeds
``--mem-gb`` are skipped.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from models.attention import FullMIM, ReducedMIM  # noqa: E402
from models.data import DataConfig, Distribution  # noqa: E402
from models.fastmim import FastReducedMIM  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fastmim_v1 import FastReducedMIM as FastReducedMIMv1  # noqa: E402  (the step as of 600db43)

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def bandwidth(device: str, mbytes: int = 512, reps: int = 5) -> float:
    """Bytes/s of ``dst.copy_(src)`` on a large buffer (read + write counted)."""
    n = mbytes * 2 ** 20 // 4
    src = torch.rand(n, device=device)
    dst = torch.empty_like(src)
    best = float("inf")
    for _ in range(reps):
        sync(device)
        t = time.perf_counter()
        dst.copy_(src)
        sync(device)
        best = min(best, time.perf_counter() - t)
    return 2 * src.nbytes / best


def _nbytes(t) -> int:
    if not isinstance(t, torch.Tensor):
        return 0
    if t.layout == torch.sparse_csr:
        return sum(x.nbytes for x in (t.crow_indices(), t.col_indices(), t.values()))
    try:
        return min(t.numel() * t.element_size(), t.untyped_storage().nbytes())
    except Exception:
        return t.numel() * t.element_size()


class ByteCounter(TorchDispatchMode):
    """Sums the bytes of every aten op's tensor inputs and outputs (an op-level traffic model:
    it ignores cache reuse between ops and scratch memory inside them)."""

    def __init__(self):
        super().__init__()
        self.bytes = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        flat = torch.utils._pytree.tree_leaves((args, kwargs or {}, out))
        self.bytes += sum(_nbytes(t) for t in flat)
        return out


# ----------------------------------------------------------------------------- one GD step each
def make_steps(P: int, n: int, dtype, device: str, lr: float = 1.0, seed: int = 0):
    dist = Distribution(DataConfig(P=P, K=2))
    g = torch.Generator().manual_seed(seed)
    batch = dist.sample(n, g)
    bd = batch.to(device=device, dtype=dtype)

    full = FullMIM(dist, dtype=dtype, generator=g).to(device)

    def full_step():
        gQ, = torch.autograd.grad(full(bd).loss, full.Q)
        with torch.no_grad():
            full.Q.sub_(lr * gQ)

    red = ReducedMIM(dist, dtype=dtype, device=device)

    def reduced_step():
        gP, gU = torch.autograd.grad(red(bd).loss, [red.Phi, red.Ups])
        with torch.no_grad():
            red.Phi.sub_(lr * gP)
            red.Ups.sub_(lr * gU)

    fast = FastReducedMIM(dist, dtype=dtype, device=device)
    prep = fast.prepare(batch)

    def fast_step():
        fast.step(prep, lr)

    eager = FastReducedMIM(dist, dtype=dtype, device=device)
    eager.use_kernel = False
    prep_eager = eager.prepare(batch)

    def fast_eager_step():
        eager.step(prep_eager, lr)

    v1 = FastReducedMIMv1(dist, dtype=dtype, device=device)
    prep_v1 = v1.prepare(batch)

    def fast_v1_step():
        v1.step(prep_v1, lr)

    d = full.d
    m = dist.cfg.n_masked
    item = torch.empty((), dtype=dtype).element_size()
    full_mem = item * (6 * n * P * d + 4 * n * m * d + 6 * n * m * P + 3 * d * d)   # rough peak
    return dist, {"full": (full_step, full_mem), "reduced": (reduced_step, item * 14 * n * m * P),
                  "fast": (fast_step, FastReducedMIM.memory_bytes(P, dist.N, dist.K, n, m, item)),
                  "fast_eager": (fast_eager_step, FastReducedMIM.memory_bytes(P, dist.N, dist.K, n, m, item)),
                  "fast_v1": (fast_v1_step, item * 6 * n * m * P)}


def time_rounds(steps: dict, device: str, budget: float, max_reps: int, burst_s: float = 0.02) -> dict:
    """Interleaved rounds, so that all models see the same background load; in each round every
    model runs a *burst* of consecutive steps, as a training loop does. The first step of a burst
    runs after the other models have evicted this model's data from the caches (``cold``); the
    others are the steady state of training (``warm``). A burst lasts about ``burst_s`` seconds
    (at least 2 steps). Returns per-model {"warm": [(wall, cpu), ...], "cold": [...]}; cpu is
    the calling thread's CPU time, which excludes time the OS gave to other processes (exact for
    one torch thread on the CPU)."""
    per = {}
    for name, step in steps.items():          # warm-up (allocations, one-off setup) and burst size
        step()
        sync(device)
        t = time.perf_counter()
        step()
        sync(device)
        per[name] = max(2, min(50, int(burst_s / max(time.perf_counter() - t, 1e-6)) + 1))
    times = {k: {"warm": [], "cold": []} for k in steps}
    start = time.perf_counter()
    while True:
        for name, step in steps.items():
            for b in range(per[name]):
                sync(device)
                w, c = time.perf_counter(), time.thread_time()
                step()
                sync(device)
                times[name]["cold" if b == 0 else "warm"].append((time.perf_counter() - w, time.thread_time() - c))
        n = len(next(iter(times.values()))["cold"])
        if n >= max_reps or (time.perf_counter() - start > budget and n >= 3):
            return times


def measure(step) -> tuple[int, int]:
    with ByteCounter() as bc:
        step()
    with FlopCounterMode(display=False) as fc:
        step()
    return bc.bytes, fc.get_total_flops()


def run(args) -> dict:
    torch.set_num_threads(args.threads)
    dev = args.device
    if dev == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    dtype = DTYPES[args.dtype]
    bw = bandwidth(dev)
    rows = []
    clock = "thread CPU time" if dev == "cpu" and args.threads == 1 else "wall time"
    print(f"device={dev} threads={torch.get_num_threads()} dtype={args.dtype} n={args.n} "
          f"copy bandwidth={bw / 1e9:.1f} GB/s; steps/s from the median {clock} of warm steps "
          f"(steps 2.. of each burst; wall too), cold = the "
          f"first step of each burst; load average {os.getloadavg()[0]:.1f}", flush=True)
    print(f"{'P':>5} {'d':>5} {'model':>8} {'steps/s':>10} {'x full':>8} {'MB/step':>9} "
          f"{'GB/s':>7} {'of bw':>6} {'GFLOP/step':>10} {'GFLOP/s':>8} {'wall st/s':>10} {'cold st/s':>9} "
          f"{'cold x':>7}", flush=True)
    use_cpu_time = dev == "cpu" and torch.get_num_threads() == 1
    for P in args.P:
        dist, models = make_steps(P, args.n, dtype, dev)
        d = dist.n_features + P
        run_now = {}
        for name, (step, mem) in models.items():
            if mem > args.mem_gb * 2 ** 30 or name in args.skip:
                why = (f"estimated {mem / 2 ** 30:.1f} GiB > --mem-gb {args.mem_gb}" if name not in args.skip
                       else "--skip")
                rows.append({"P": P, "d": d, "model": name, "n": args.n, "dtype": args.dtype, "skipped": why})
                print(f"{P:>5} {d:>5} {name:>8}   skipped ({why})", flush=True)
            else:
                run_now[name] = step
        times = time_rounds(run_now, dev, args.budget, args.reps, args.burst)
        pick = (lambda wc: wc[1]) if use_cpu_time else (lambda wc: wc[0])  # noqa: E731
        med = {k: statistics.median(map(pick, v["warm"])) for k, v in times.items()}
        cold = {k: statistics.median(map(pick, v["cold"])) for k, v in times.items()}
        for name, step in run_now.items():
            t = med[name]
            nbytes, flops = measure(step)
            wall = statistics.median(w for w, _ in times[name]["warm"])
            row = {"P": P, "d": d, "model": name, "n": args.n, "dtype": args.dtype, "step_s": t,
                   "step_wall_s": wall, "clock": "cpu" if use_cpu_time else "wall",
                   "reps": len(times[name]["warm"]), "rounds": len(times[name]["cold"]),
                   "steps_per_s": 1 / t, "speedup": med["full"] / t if "full" in med else None,
                   "cold_step_s": cold[name], "cold_speedup": cold["full"] / cold[name] if "full" in cold else None,
                   "bytes": nbytes, "flops": flops, "gbytes_per_s": nbytes / t / 1e9, "frac_bw": nbytes / t / bw,
                   "gflops_per_s": flops / t / 1e9}
            rows.append(row)
            sp = f"{row['speedup']:8.1f}" if row["speedup"] else f"{'-':>8}"
            csp = f"{row['cold_speedup']:7.1f}" if row["cold_speedup"] else f"{'-':>7}"
            print(f"{P:>5} {d:>5} {name:>8} {1 / t:10.2f} {sp} {nbytes / 1e6:9.1f} "
                  f"{row['gbytes_per_s']:7.2f} {row['frac_bw']:6.1%} {flops / 1e9:10.3f} "
                  f"{row['gflops_per_s']:8.2f} {1 / wall:10.2f} {1 / cold[name]:9.2f} {csp}", flush=True)
        del models, run_now
    return {"device": dev, "device_name": (torch.cuda.get_device_name() if dev == "cuda" else platform.processor()
                                           or platform.machine()),
            "cpu_count": os.cpu_count(), "threads": torch.get_num_threads(), "torch": torch.__version__,
            "bandwidth_bytes_per_s": bw, "loadavg": os.getloadavg(), "rows": rows}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--P", type=int, nargs="+", default=[64, 128, 256, 512, 1024, 2048])
    p.add_argument("--n", type=int, default=32, help="images in the fixed GD sample")
    p.add_argument("--dtype", choices=sorted(DTYPES), default="float32")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--budget", type=float, default=10.0, help="seconds of timed steps per cell")
    p.add_argument("--reps", type=int, default=20, help="at most this many rounds (bursts) per cell")
    p.add_argument("--burst", type=float, default=0.02,
                   help="seconds of consecutive steps of one model per round (at least 2 steps)")
    p.add_argument("--mem-gb", type=float, default=6.0, help="skip a cell estimated above this")
    p.add_argument("--skip", nargs="*", default=[], choices=["full", "reduced", "fast", "fast_eager", "fast_v1"])
    p.add_argument("--json", default=None, help="also write the rows as JSON here")
    args = p.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: no CUDA device is available here; use --device cpu")
    out = run(args)
    print("ratios (model/full steps per second): " + ", ".join(
        f"P={r['P']}: {r['model']} {r['speedup']:.1f}x" for r in out["rows"]
        if r.get("speedup") and r["model"] != "full"))
    timed = [r for r in out["rows"] if "step_s" in r]
    for P in sorted({r["P"] for r in timed}):
        t = {r["model"]: r["step_s"] for r in timed if r["P"] == P}
        if "fast" in t and "fast_v1" in t:
            eager = f", fast_eager {t['fast_v1'] / t['fast_eager']:.2f}x" if "fast_eager" in t else ""
            print(f"P={P}: fast is {t['fast_v1'] / t['fast']:.2f}x fast_v1 (600db43){eager}")
    out["exponents"] = {}
    for name in sorted({r["model"] for r in timed}):
        pts = sorted((r["P"], r["step_s"]) for r in timed if r["model"] == name)
        if len(pts) >= 2:
            import numpy as np
            slope = float(np.polyfit(np.log([p for p, _ in pts]), np.log([t for _, t in pts]), 1)[0])
            out["exponents"][name] = slope
            print(f"{name}: step time ~ P^{slope:.2f} over P = {[p for p, _ in pts]} (log-log least squares)")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
