"""The GPU path of the sweep executors, with no GPU: a CUDA run splits a sweep into the points
that compute on the GPU (serial, in this process, with a few host threads) and the CPU-only
points (the process pool, one pinned thread each). The device decision is a string on the run
and on the point, so it is exercised without CUDA."""
import os

import pytest
import torch

from checks import executors as ex
from checks.runner import RunContext


def where(tag: int, seed: int, device: str | None = None) -> dict:
    """A sweep point that reports where it ran (module-level: worker processes import it)."""
    return {"tag": tag, "pid": os.getpid(), "threads": torch.get_num_threads(), "noise": float(torch.rand(()))}


def _points(n: int, gpu_every: int | None = 2) -> list[dict]:
    """n points; every ``gpu_every``-th (from the first) passes device="cuda", None: none does."""
    return [dict(tag=i, seed=i, **({"device": "cuda"} if gpu_every and i % gpu_every == 0 else {}))
            for i in range(n)]


@pytest.fixture
def auto():
    a = ex.AutoExecutor(workers=2)
    yield a
    a.close()


@pytest.fixture
def tf32_restored():
    old = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old


def test_which_points_use_the_gpu():
    assert not ex.uses_gpu({"device": "cuda"}, "cpu")                       # a CPU run: never
    assert ex.uses_gpu({"device": "cuda"}, "cuda") and ex.uses_gpu({"device": "cuda:0"}, "cuda")
    assert not ex.uses_gpu({"seed": 1}, "cuda")                             # passes no device: CPU-only
    assert not ex.uses_gpu({"device": "cpu"}, "cuda")
    assert ex.uses_gpu({"seed": 1}, "cuda", uses_device=True)               # the sweep says so
    assert not ex.uses_gpu({"device": "cuda"}, "cuda", uses_device=False)
    assert not ex.uses_gpu({"seed": 1}, "cpu", uses_device=True)


def test_gpu_points_get_host_threads_cpu_points_stay_pinned(monkeypatch):
    monkeypatch.setattr(ex, "cpu_count", lambda: 16)
    assert ex.point_threads(1, gpu=False) == 1 and ex.point_threads(3, gpu=False) == 3
    assert ex.point_threads(1, gpu=True) == ex.GPU_HOST_THREADS == 4
    assert ex.point_threads(8, gpu=True) == 8                               # never fewer than asked
    monkeypatch.setattr(ex, "cpu_count", lambda: 2)
    assert ex.point_threads(1, gpu=True) == 2                               # bounded by the cores
    before = torch.get_num_threads()
    monkeypatch.setattr(ex, "cpu_count", lambda: 16)
    assert ex.run_point(where, {"tag": 0, "seed": 0}, 1, gpu=True)["threads"] == 4
    assert ex.run_point(where, {"tag": 0, "seed": 0}, 1, gpu=False)["threads"] == 1
    assert torch.get_num_threads() == before                                # restored


def test_a_cuda_run_keeps_cpu_only_points_in_the_pool(auto, monkeypatch):
    monkeypatch.setattr(ex, "cpu_count", lambda: 16)
    pts = _points(6)
    res = auto.map(where, pts, device="cuda")
    assert [r["tag"] for r in res] == list(range(6))                        # in the points' order
    gpu, cpu = res[0::2], res[1::2]
    assert {r["pid"] for r in gpu} == {os.getpid()}                         # one process owns the GPU
    assert os.getpid() not in {r["pid"] for r in cpu}                       # the others in the pool
    assert {r["threads"] for r in gpu} == {4} and {r["threads"] for r in cpu} == {1}
    # where a point ran does not change its numbers
    serial = ex.SerialExecutor().map(where, pts, device="cuda")
    assert [r["noise"] for r in res] == [r["noise"] for r in serial]


def test_a_cuda_run_without_gpu_points_is_parallel_and_an_all_gpu_sweep_serial(auto):
    cpu_only = auto.map(where, _points(3, gpu_every=None), device="cuda")
    assert os.getpid() not in {r["pid"] for r in cpu_only}
    all_gpu = auto.map(where, [dict(p, device="cuda") for p in _points(4)], device="cuda")
    assert {r["pid"] for r in all_gpu} == {os.getpid()}
    on_cpu_run = auto.map(where, _points(4), device="cpu")                  # "cuda" points of a CPU run
    assert os.getpid() not in {r["pid"] for r in on_cpu_run}


def test_context_map_passes_the_run_device_and_the_sweeps_word(auto, tf32_restored):
    ctx = RunContext(seed=0, device="cuda", executor=auto)
    pts = _points(4, gpu_every=None)                                          # no point names a device
    assert os.getpid() not in {r["pid"] for r in ctx.map(where, pts)}
    assert {r["pid"] for r in ctx.map(where, pts, uses_device=True)} == {os.getpid()}
    assert os.getpid() not in {r["pid"] for r in ctx.map(where, _points(4), uses_device=False)}
