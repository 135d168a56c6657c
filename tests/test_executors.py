"""Sweep executors (serial, local processes, Dask LocalCluster) give identical results, the
auto choice, clear errors; and the analytic reduced-model gradient equals autograd."""
import functools

import numpy as np
import pytest
import sweep_fixture
import torch

from checks import executors as ex
from checks.cli import main
from checks.errors import ExecutorUnavailable, InvalidSweep
from checks.runner import RunContext, evaluate
from models.data import DataConfig, Distribution
from models.errors import InvalidParameter
from models.fastmim import FastReducedMIM
from models.train import Recorder, gradient_descent

PROBE = [dict(P=24, K=2, n=16, steps=8, lr=1.0, seed=s) for s in range(4)]


@pytest.fixture(scope="module")
def process_ex():
    with ex.ProcessExecutor(workers=2) as e:
        yield e


@pytest.fixture(scope="module")
def dask_ex():
    pytest.importorskip("distributed")
    with ex.DaskExecutor(workers=2) as e:          # a LocalCluster of 2 single-threaded workers
        yield e


def _same(a, b) -> bool:
    """Bitwise equality of nested results (dicts, lists, numpy arrays, floats)."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a if k != "pid")
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b)
    return a == b or (a != a and b != b)       # nan == nan


# ----------------------------------------------------------------------------- identity
def test_probe_sweep_is_bit_identical_on_every_executor(process_ex, dask_ex):
    serial = ex.SerialExecutor().map(sweep_fixture.probe_point, PROBE)
    process = process_ex.map(sweep_fixture.probe_point, PROBE)
    dask = dask_ex.map(sweep_fixture.probe_point, PROBE)
    assert {r["pid"] for r in process} - {r["pid"] for r in serial}      # really other processes
    assert _same(serial, process) and _same(serial, dask)
    assert not _same(serial[0], serial[1])                                # the seed matters
    # reversed order: a point's numbers do not depend on what ran before it in a worker
    assert _same(process_ex.map(sweep_fixture.probe_point, PROBE[::-1])[::-1], serial)


def test_serial_point_leaves_the_callers_rng_and_threads_alone():
    torch.manual_seed(123)
    threads = torch.get_num_threads()
    ex.SerialExecutor(threads_per_point=1).map(sweep_fixture.probe_point, PROBE[:1])
    assert torch.get_num_threads() == threads
    after = torch.rand(3)
    torch.manual_seed(123)
    assert torch.equal(after, torch.rand(3))


@pytest.mark.parametrize("claim_id, overrides", [
    ("fpc.propA.5", {"N_max": 26, "chunk": 6}),
    ("tlc.sec3.2", {"n_matrices": 2, "n_random": 20, "n_local": 20, "n_opt": 1}),
    ("fpc.thm4.1", {"P": 32, "K_values": (1, 2), "gaps": ((0.9, 0.2),), "n_samples": 64,   # GD training
                    "n_eval": 64, "max_steps": 40, "eval_every": 20}),
])
def test_real_claim_sweep_is_identical_serial_process_dask(claim_id, overrides, process_ex, dask_ex):
    out = {}
    for name, executor in (("serial", ex.SerialExecutor()), ("process", process_ex), ("dask", dask_ex)):
        with ex.using(executor, close=False):
            r = evaluate(claim_id, overrides=overrides, symbolic=False)
        assert r["numeric"]["status"] != "error", r["numeric"].get("error")
        out[name] = {k: r["numeric"][k] for k in ("measured", "evidence", "series", "outcomes")}
    assert _same(out["serial"], out["process"]) and _same(out["serial"], out["dask"])


# ----------------------------------------------------------------------------- choice
def test_auto_uses_processes_only_for_several_points_on_several_cores():
    auto = ex.AutoExecutor(workers=2)
    try:
        assert auto.choose(1).kind == "serial"
        assert auto.choose(5).kind == "process"
        assert auto.choose(5, device="cuda").kind == "serial"
        assert ex.AutoExecutor(workers=1).choose(5).kind == "serial"
    finally:
        auto.close()


def test_context_map_uses_its_executor():
    ctx = RunContext(seed=0, executor=ex.SerialExecutor())
    res = ctx.map(sweep_fixture.probe_point, PROBE[:2])
    assert [r["pid"] for r in res] == [res[0]["pid"]] * 2 and len(res[0]["loss"]) == 8


def test_worker_errors_keep_their_type(process_ex):
    bad = [dict(PROBE[0], P=2)]                     # DataConfig refuses P < 4
    with pytest.raises(InvalidParameter, match="P=2"):
        process_ex.map(sweep_fixture.probe_point, bad)
    assert len(process_ex.map(sweep_fixture.probe_point, PROBE[:1])) == 1   # the pool survives


def test_an_unpicklable_worker_error_comes_back_as_text():
    class Local(Exception):                      # defined in a function: cannot be pickled
        pass

    def boom():
        raise Local("bad point")

    with pytest.raises(ex.PointFailed, match="raised Local: bad point"):
        ex.run_point(boom, {}, 1)
    with pytest.raises(Local):                   # serially the original propagates
        ex.run_point(boom, {}, 1, portable=False)


# ----------------------------------------------------------------------------- errors
def test_lambda_and_bad_points_are_refused_with_the_fix():
    with pytest.raises(InvalidSweep, match="module-level function"):
        ex.SerialExecutor().map(lambda **k: 0, [{}])
    with pytest.raises(InvalidSweep, match="module-level function"):
        ex.SerialExecutor().map(functools.partial(lambda **k: 0), [{}])
    part = functools.partial(sweep_fixture.probe_point, K=2)            # a partial of a module-level fn is fine
    assert ex.SerialExecutor().map(part, [{k: v for k, v in PROBE[0].items() if k != "K"}])
    with pytest.raises(InvalidSweep, match="each point must be a dict"):
        ex.SerialExecutor().map(sweep_fixture.probe_point, [(24, 2)])
    with pytest.raises(InvalidSweep, match="cannot be pickled"):
        ex._picklable([{"f": lambda: 0}])


def test_bad_executor_options():
    with pytest.raises(InvalidParameter, match="--executor"):
        ex.make("threads")
    with pytest.raises(InvalidParameter, match="--scheduler"):
        ex.make("process", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(InvalidParameter, match="--workers"):
        ex.make("process", workers=0)


def test_unreachable_scheduler_is_a_clear_error():
    pytest.importorskip("distributed")
    with pytest.raises(ExecutorUnavailable, match="no Dask scheduler answered at 'tcp://127.0.0.1:9'"):
        ex.DaskExecutor(address="tcp://127.0.0.1:9", timeout=1)


def test_cli_executor_options(tmp_path, capsys):
    args = ["run", "--claim", "fpc.propA.5", "--set", "N_max=14", "--results", str(tmp_path)]
    assert main(args + ["--executor", "process", "--workers", "2"]) == 0
    assert "holds" in capsys.readouterr().out
    assert main(args + ["--executor", "serial", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "--scheduler" in capsys.readouterr().err


# ----------------------------------------------------------------------------- fast gradient
def _models(P, K, n, scale, seed=0):
    return sweep_fixture.reduced_pair(P, K, n, scale, seed)


_rel = sweep_fixture.rel


@pytest.mark.parametrize("form", ["exp", "logits"])
@pytest.mark.parametrize("P, K", [(24, 2), (40, 3)])
def test_analytic_gradient_equals_autograd_to_roundoff(P, K, form):
    _, b, red, fast = _models(P, K, 12, scale=1.5)
    loss = red(b).loss
    gP, gU = torch.autograd.grad(loss, [red.Phi, red.Ups])
    l2, gP2, gU2 = fast.loss_and_grad(fast.prepare(b), form)
    assert abs(float(l2 - loss.detach())) <= 1e-13 * float(loss.detach())
    assert _rel(gP2, gP) <= 1e-12 and _rel(gU2, gU) <= 1e-12
    # the comparison can fail: a gradient off by one Lemma 5.2 term is far outside round-off
    assert _rel(gU2 * 1.001, gU) > 1e-6


def test_analytic_gd_trajectory_equals_autograd():
    _, b, red, fast = _models(32, 2, 16, scale=0.0)
    losses = {}
    for name, kw in (("autograd", {}), ("analytic", {"grad_fn": fast.grad_fn(fast.prepare(b))})):
        model = red if name == "autograd" else fast
        rec = Recorder(lambda st: {"loss": st.loss})
        gradient_descent([model.Phi, model.Ups], lambda model=model: model(b).loss, steps=6, lr=2.0,
                         callbacks=[rec], **kw)
        losses[name] = [r["loss"] for r in rec.rows]
    assert np.allclose(losses["analytic"], losses["autograd"], rtol=1e-13, atol=0)
    assert _rel(fast.Phi.detach(), red.Phi.detach()) <= 1e-12
    assert _rel(fast.Ups.detach(), red.Ups.detach()) <= 1e-12
    assert _rel(fast(b).loss.detach(), red(b).loss.detach()) <= 1e-12      # inherited forward


def test_exp_form_refuses_a_spread_exp_cannot_hold_and_auto_falls_back():
    _, b, red, fast = _models(24, 2, 8, scale=300.0)       # logits spread >> 400
    pr = fast.prepare(b)
    with pytest.raises(InvalidParameter, match="form='exp'.*spread"):
        fast.loss_and_grad(pr, "exp")
    _, gP, gU = fast.loss_and_grad(pr, "auto")
    _, gP2, gU2 = fast.loss_and_grad(pr, "logits")
    assert torch.equal(gP, gP2) and torch.equal(gU, gU2)
    with pytest.raises(InvalidParameter, match="form"):
        FastReducedMIM(Distribution(DataConfig(P=24)), form="fused")


def test_a_checks_own_work_runs_on_the_runs_threads_per_point(monkeypatch):
    """A check outside a sweep gets --threads-per-point torch threads, as every sweep point does
    (two idle-spinning OpenMP threads cost a loaded machine several times the work), and the
    process's own count is restored afterwards."""
    from dataclasses import dataclass

    from checks import runner
    from claims import _registry
    from claims._base import Claim, Measurement, Prediction, Source

    @dataclass(frozen=True)
    class Cfg:
        n: int = 1

    _registry.load_all()
    monkeypatch.setattr(_registry, "_REGISTRY", {})
    _registry.register(Claim(id="fpc.thr1", title="t", statement="s", source=Source("fpc", "Sec", "quote"),
                             config=Cfg, check=lambda cfg, ctx: Measurement({"t": float(torch.get_num_threads())}),
                             predictions=lambda c: (Prediction("t", "threads", ">=", 0.0),)))
    old = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        for threads in (1, 2):
            with ex.using(ex.make("serial", threads_per_point=threads)):
                r = runner.evaluate("fpc.thr1", replicates=1)
            assert r["numeric"]["measured"]["t"] == threads
            assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(old)


def test_interrupt_deferred_delivers_to_the_handler_in_place():
    import os
    import signal

    from checks.executors import _interrupt_deferred
    old = signal.getsignal(signal.SIGINT)
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        ran = []
        with pytest.raises(KeyboardInterrupt):
            with _interrupt_deferred():
                os.kill(os.getpid(), signal.SIGINT)
                ran.append("after the signal")                 # the block finishes first
        assert ran == ["after the signal"] and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        signal.signal(signal.SIGINT, signal.SIG_IGN)              # an ignored Ctrl-C stays ignored
        with _interrupt_deferred():
            os.kill(os.getpid(), signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, old)
