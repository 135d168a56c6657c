"""The chunked closed-form step (models/fastmim.py), bounded-memory statistics (models/mim.py),
the trainer's deferred finiteness check (models/train.py) and the CLI's memory refusal."""
from __future__ import annotations

import pytest
import sweep_fixture
import torch

from checks.cli import main
from claims import _registry
from models import _fastkernel
from models.attention import ReducedMIM
from models.data import DataConfig, Distribution
from models.errors import NonFiniteValue
from models.fastmim import FastReducedMIM
from models.mim import patch_stats, patch_stats_chunked
from models.train import Recorder, gradient_descent


def _pair(P, K, n, scale, seed=1):
    return sweep_fixture.reduced_pair(P, K, n, scale, seed)


_rel = sweep_fixture.rel


def _kernel_or_skip(kernel: bool):
    if kernel and _fastkernel.load() is None:
        pytest.skip("no C compiler here: the fused loop is not built (the eager ops run)")


@pytest.mark.parametrize("kernel", [True, False], ids=["fused", "eager"])
@pytest.mark.parametrize("chunk", [1, 3, 7, None])
def test_chunked_exp_form_equals_autograd_and_reuses_its_buffers(chunk, kernel):
    _kernel_or_skip(kernel)
    _, b, red, fast = _pair(40, 3, 17, scale=1.5)
    fast.use_kernel = kernel
    f = red(b)
    gP, gU = torch.autograd.grad(f.loss, [red.Phi, red.Ups])
    pr = fast.prepare(b, chunk=chunk)
    for _ in range(2):                                   # the second call runs on the reused buffers
        loss, gP2, gU2 = fast.loss_and_grad(pr, "exp")
        assert abs(float(loss - f.loss.detach())) <= 1e-13 * float(f.loss.detach())
        assert _rel(gP2, gP) <= 1e-12 and _rel(gU2, gU) <= 1e-12
    loss_q, A_own = fast.query_stats(pr)
    assert _rel(loss_q, f.loss_q.detach()) <= 1e-12
    assert _rel(A_own, f.A.detach().gather(2, f.own[..., None])[..., 0]) <= 1e-12


@pytest.mark.parametrize("kernel", [True, False], ids=["fused", "eager"])
def test_float32_step_matches_autograd(kernel):
    _kernel_or_skip(kernel)
    dist = Distribution(DataConfig(P=64, K=2))
    b = dist.sample(24, torch.Generator().manual_seed(0))
    red, fast = ReducedMIM(dist), FastReducedMIM(dist, chunk_bytes=64 * 1024)
    fast.use_kernel = kernel
    pr = fast.prepare(b)
    assert len(pr.chunks) > 1
    for _ in range(5):
        gP, gU = torch.autograd.grad(red(b).loss, [red.Phi, red.Ups])
        _, gP2, gU2 = fast.loss_and_grad(pr)
        assert _rel(gP2, gP) <= 1e-5 and _rel(gU2, gU) <= 1e-5
        with torch.no_grad():
            for p, g in ((red.Phi, gP), (red.Ups, gU), (fast.Phi, gP2), (fast.Ups, gU2)):
                p.sub_(5.0 * g)


@pytest.mark.parametrize("kernel", [True, False], ids=["fused", "eager"])
@pytest.mark.parametrize("prepared", [True, False])
def test_chunked_patch_stats_equal_the_full_ones(prepared, kernel):
    _kernel_or_skip(kernel)
    dist, b, red, fast = _pair(48, 2, 21, scale=1.0)
    fast.use_kernel = kernel
    want = patch_stats(dist, b, red(b))
    got = patch_stats_chunked(dist, b, fast, fast.prepare(b, chunk=4) if prepared else None, max_bytes=20000)
    for name in ("loss", "loss_star", "gap", "count"):
        assert torch.allclose(getattr(got, name), getattr(want, name), rtol=1e-12, atol=1e-14, equal_nan=True)
    assert torch.allclose(got.own_attn, want.own_attn, rtol=1e-12, equal_nan=True)
    assert torch.equal(got.reachable_q, want.reachable_q)


@pytest.mark.parametrize("check_every", [1, 7])
def test_deferred_finiteness_check_names_the_first_bad_step(check_every):
    v = torch.tensor([1.0], requires_grad=True)
    with pytest.raises(NonFiniteValue, match=r"the training loss became non-finite .* at step 3;"):
        gradient_descent([v], lambda: (v ** 4).sum(), steps=50, lr=10.0, check_every=check_every)
    w = torch.tensor([1.0], requires_grad=True)                      # finite: same result either way
    rec = Recorder(lambda st: {"loss": st.loss})
    gradient_descent([w], lambda: (w ** 2).sum(), steps=10, lr=0.25, callbacks=[rec], record_every=5,
                     check_every=check_every)
    assert rec.steps == [0, 5, 10] and abs(float(w.detach()) - 0.5 ** 10) < 1e-6


def test_fused_and_eager_steps_agree_and_switching_keeps_them_exact():
    """The fused loop leaves D's rows whole; the eager path must not reuse them unzeroed."""
    _kernel_or_skip(True)
    _, b, red, fast = _pair(40, 2, 13, scale=1.0)
    f = red(b)
    gP, gU = torch.autograd.grad(f.loss, [red.Phi, red.Ups])
    pr = fast.prepare(b, chunk=4)
    for kernel in (True, False, True, False):
        fast.use_kernel = kernel
        _, gP2, gU2 = fast.loss_and_grad(pr, "exp")
        assert _rel(gP2, gP) <= 1e-12 and _rel(gU2, gU) <= 1e-12


def test_full_profile_of_thm41_is_estimated_within_6_gb():
    claim = _registry.get("fpc.thm4.1")
    assert claim.memory_gb(claim.resolve_config("full")) <= 6.0
    assert claim.memory_gb(claim.resolve_config("full", {"fast_grad": False})) > 6.0   # the autograd path is not


def test_run_whose_memory_estimate_exceeds_the_machine_is_refused(tmp_path, capsys):
    rc = main(["run", "--claim", "fpc.thm4.1", "--set", "n_samples=200000000", "--results", str(tmp_path),
               "--executor", "serial", "--no-progress"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "fpc.thm4.1: estimated peak memory" in err and "GB available" in err and "refused" in err
    assert not list(tmp_path.glob("*.json"))


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-12), (torch.float32, 1e-5)])
def test_a_large_ups_spread_needs_no_fallback(dtype, tol):
    """Rows of E are scaled by their own maximum: an Ups spread of 200 (past float32's exp range)
    keeps the exp form exact; only |z_a Phi| is guarded."""
    dist = Distribution(DataConfig(P=40, K=2))
    g = torch.Generator().manual_seed(3)
    b = dist.sample(11, g)
    red, fast = ReducedMIM(dist, dtype=dtype), FastReducedMIM(dist, dtype=dtype)
    with torch.no_grad():
        red.Ups.copy_(100 * torch.randn(red.Ups.shape, generator=g).clamp(-2, 2).to(dtype))
        red.Phi.copy_(2 * torch.randn(red.Phi.shape, generator=g).to(dtype))
        fast.Phi.copy_(red.Phi)
        fast.Ups.copy_(red.Ups)
    f = red(b)
    gP, gU = torch.autograd.grad(f.loss, [red.Phi, red.Ups])
    loss, gP2, gU2 = fast.loss_and_grad(fast.prepare(b, chunk=4), "exp")
    assert abs(float(loss - f.loss.detach())) <= tol * float(f.loss.detach())
    assert _rel(gP2, gP) <= tol and _rel(gU2, gU) <= tol
