"""models.probe: LP, BN + LP, partial and full fine-tuning, paired differences, and the
linear-algebra functions shared by the tlc claims."""
import numpy as np
import pytest
import torch

from claims.tlc._common import effective_rank, fit_loglog, numerical_rank, single_thread, truncate
from models.errors import InvalidParameter
from models.images import LabelledImages
from models.probe import finetune, linear_probe, paired_difference
from models.vit import ViTConfig, ViTEncoder


def _toy(n=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    x = torch.rand(n, 1, 8, 8, generator=g) * 0.2
    x[y == 1, :, :4] += 0.8                      # class 1: bright top half
    return LabelledImages(x, y)


def test_finetune_modes_train_only_their_parameters():
    enc = ViTEncoder(ViTConfig(depth=1))
    before = {k: v.clone() for k, v in enc.state_dict().items()}
    tr, te = _toy(), _toy(seed=1)
    with single_thread():
        for mode in ("linear", "bn_linear", "partial"):
            res = finetune(enc, tr, te, mode=mode, steps=10, batch_size=32, lr=1e-2)
            assert 0 <= res.accuracy <= 1 and len(res.train_loss) == 10
        full = finetune(enc, tr, te, mode="full", steps=40, batch_size=32, lr=3e-3)
    assert all(torch.equal(before[k], v) for k, v in enc.state_dict().items())   # works on a copy
    assert full.accuracy > 0.9                   # an easy task is learned


def test_linear_probe_with_bn_standardises():
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 2, (300,), generator=g)
    x = torch.randn(300, 5, generator=g) * 1e-4 + 5.0
    x[:, 0] += 1e-3 * (2 * y - 1)                 # tiny but separable signal on a large offset
    bn = linear_probe(x[:200], y[:200], x[200:], y[200:], bn=True, steps=200)
    assert bn.accuracy > 0.9


def test_paired_difference_and_bad_mode():
    a = torch.tensor([True, False, True, False])
    b = torch.tensor([True, True, True, False])
    d, se = paired_difference(a, b)
    assert d == pytest.approx(0.25) and se > 0
    with pytest.raises(InvalidParameter, match="mode='half'"):
        finetune(ViTEncoder(ViTConfig(depth=1)), _toy(20), _toy(20), mode="half")
    with pytest.raises(InvalidParameter, match="correct_b"):
        paired_difference(a, b[:2])


def test_rank_and_fit_functions():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((6, 3)) @ rng.standard_normal((3, 8))
    assert numerical_rank(M) == 3 and np.linalg.matrix_rank(truncate(M, 2)) == 2
    assert effective_rank(np.eye(4)) == pytest.approx(4.0)
    slope, se = fit_loglog([1, 10, 100], [1, 1e-2, 1e-4])
    assert slope == pytest.approx(-2.0) and se < 1e-9
