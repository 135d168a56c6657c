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


# ----------------------------------------------------------------------------- training loops
def _mae_losses(steps: int = 10, device: str = "cpu") -> list[float]:
    from models.vit import MAE, TrainConfig, ViTConfig, pretrain_mae
    torch.manual_seed(1)
    imgs = torch.rand(32, 1, 8, 8)
    model = MAE(ViTConfig(depth=1))
    return pretrain_mae(model, imgs, TrainConfig(steps=steps, batch_size=8, lr=2e-3, warmup=2),
                        seed=3, device=device)["loss"]


def test_device_generator_keeps_the_cpu_streams():
    from models.train import device_generator
    g = device_generator(5, "cpu")
    assert g.device.type == "cpu"
    assert torch.equal(torch.rand(4, generator=g), torch.rand(4, generator=torch.Generator().manual_seed(5)))


def test_losses_read_every_k_steps_are_the_losses_read_every_step(monkeypatch):
    """The GPU path of the training loops (losses kept on the device, read every k steps),
    run on the CPU by asking for k = 4 there: the same numbers to the last bit."""
    import models.train as train
    every_step = _mae_losses()
    monkeypatch.setattr(train, "check_every_for", lambda device: 4)
    assert _mae_losses() == every_step and len(every_step) == 10


def test_a_deferred_loss_check_names_the_first_bad_step():
    from models.errors import NonFiniteValue
    from models.train import LossTrace
    tr = LossTrace("cpu", "the test loss", check_every=4)
    for step, v in enumerate([1.0, 2.0, 3.0, 4.0, 5.0, float("nan"), float("inf")]):
        tr.add(step, torch.tensor(v))                 # no read yet: the 8th step reads
    with pytest.raises(NonFiniteValue, match="the test loss became non-finite .* at step 5"):
        tr.add(7, torch.tensor(8.0))
    quiet = LossTrace("cpu", check_every=4)           # record only (fine-tuning): never raises
    for step in range(8):
        quiet.add(step, torch.tensor(float("nan") if step == 2 else float(step)))
    assert quiet.values()[3] == 3.0
    now = LossTrace("cpu", "the test loss")           # on the CPU: at once, before the update
    with pytest.raises(NonFiniteValue, match="at step 0"):
        now.add(0, torch.tensor(float("inf")))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_gpu_training_loop_does_not_sync_every_step():
    """On a GPU: the MAE loop reads its losses every 16 steps, not every step (synchronising
    operations are counted by torch's sync debug mode)."""
    import warnings
    _mae_losses(2, "cuda")                            # warm up: CUDA context, kernels
    steps = 48
    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            losses = _mae_losses(steps, "cuda")
    finally:
        torch.cuda.set_sync_debug_mode("default")
    syncs = [w for w in caught if "synchroniz" in str(w.message)]
    assert len(losses) == steps and all(x == x for x in losses)
    assert len(syncs) < steps // 4, [str(w.message)[:200] for w in syncs[:5]]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_fpc_runs_on_a_gpu_return_cpu_read_outs():
    """An fpc run on CUDA hands its end-of-run statistics back on the CPU, where the claims combine
    them with the batch (sec3.1 and lemA.9 multiply them with CPU tensors)."""
    import dataclasses

    from claims.fpc._common import data_config
    from claims.fpc.sec3_1 import Config, run_K
    data = dataclasses.asdict(data_config(Config(), P=32, K=2))
    out = run_K(data, n=32, steps=20, lr=3.0, freeze_phi=True, seed=0, device="cuda")
    assert out["loss_end"] == out["loss_end"]
