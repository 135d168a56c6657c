"""The fpc training runs: the compact per-pair record equals the read-outs of the full record,
and the closed-form step (the default) reads the same stages and items as autograd."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from claims.errors import NotRecorded
from claims.fpc._common import data_config
from claims.fpc._stages import monotone_counts, rival_rate, signed, stages
from claims.fpc._training import PAIR_KEYS, TrainSpec, train_reduced
from claims.fpc.thmF_1 import Config
from models.data import Distribution


def _run(dist, **kw):
    spec = TrainSpec(n_samples=48, steps=25, lr=3.0, record_every=1, keep_ups=False, **kw)
    return train_reduced(dist, spec, torch.Generator().manual_seed(3))


@pytest.fixture(scope="module")
def runs():
    dist = Distribution(data_config(Config(), P=48, K=3))
    return {"full": _run(dist), "pairs": _run(dist, record_pairs=True), "autograd": _run(dist, fast=False)}


def test_pair_record_equals_full_record_read_outs(runs):
    full, pairs = runs["full"], runs["pairs"]
    assert set(pairs.pairs) == set(PAIR_KEYS)
    for name in ("Phi", "gPhi"):                       # not kept: reading it names the record and the fix
        for read in (lambda a: a[0], np.asarray, lambda a: a.shape, len):
            with pytest.raises(NotRecorded, match=f"{name} was not recorded.*record_pairs=False"):
                read(getattr(pairs, name))
    for grad in (False, True):
        np.testing.assert_array_equal(pairs.target_fp(grad=grad), full.target_fp(grad=grad))
        np.testing.assert_array_equal(pairs.global_fp(grad=grad), full.global_fp(grad=grad))
    np.testing.assert_array_equal(rival_rate(pairs), rival_rate(full))
    for sign in (1, -1):
        a, b = monotone_counts(signed(full, sign)), monotone_counts(signed(pairs, sign))
        assert a == b
        np.testing.assert_array_equal(rival_rate(signed(pairs, sign)), rival_rate(signed(full, sign)))
        np.testing.assert_array_equal(signed(pairs, sign).target_fp(grad=True), sign * full.target_fp(grad=True))
    assert monotone_counts(signed(pairs, -1))["b_violations"] > 0     # the wrong sign is seen


def test_closed_form_step_reads_as_autograd(runs):
    fast, ref = runs["full"], runs["autograd"]
    scale = np.abs(ref.gPhi).max()
    assert np.abs(fast.gPhi - ref.gPhi).max() <= 1e-5 * scale
    assert np.abs(fast.Phi - ref.Phi).max() <= 1e-5 * np.abs(ref.Phi).max()
    assert stages(fast)["local"]["fractions"] == stages(ref)["local"]["fractions"]
    assert monotone_counts(fast) == monotone_counts(ref)
    np.testing.assert_allclose(fast.final.gap, ref.final.gap, rtol=1e-4, atol=1e-6)


def test_run_cache_is_bounded_in_runs_and_bytes(monkeypatch):
    from claims.fpc import _runs
    cfg = Config(P=24, steps=20, record_every=1)
    monkeypatch.setattr(_runs, "_RUNS", type(_runs._RUNS)())
    trs = [_runs.trajectory(cfg, seed) for seed in range(8)]
    assert len(_runs._RUNS) == _runs.MAX_RUNS                       # the count bound
    assert _runs.trajectory(cfg, 7) is trs[7]                         # a hit: the same run, not trained again
    one = _runs.record_bytes(trs[0])
    assert one == _runs.expected_record_bytes(data_config(cfg), _runs.spec_of(cfg))
    monkeypatch.setenv("MLCLAIMS_RUN_CACHE_GB", str(2.5 * one / 2 ** 30))
    assert _runs.runs_kept(data_config(cfg), _runs.spec_of(cfg)) == 2
    _runs.trajectory(cfg, 100)
    assert len(_runs._RUNS) == 2 and _runs.record_bytes(trs[0]) * 2 <= _runs.run_cache_bytes()
    monkeypatch.setenv("MLCLAIMS_RUN_CACHE_GB", "1e-9")                # below one run: the newest is kept
    _runs.trajectory(cfg, 101)
    assert len(_runs._RUNS) == 1
