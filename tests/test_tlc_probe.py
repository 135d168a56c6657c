"""models.probe: LP, BN + LP, partial and full fine-tuning, paired differences, and the
linear-algebra functions shared by the tlc claims."""
import numpy as np
import pytest
import torch

from claims.tlc._common import effective_rank, fit_loglog, numerical_rank, truncate
from models.errors import InvalidParameter
from models.images import LabelledImages
from models.probe import finetune, linear_probe, logistic_probe
from models.util import torch_threads
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
    with torch_threads(1):
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


def test_logistic_probe_is_above_chance_where_the_adamw_probe_is_not():
    # class-token-like features: a tiny signal on a large common offset (the tlc.tab1 situation)
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 4, (400,), generator=g)
    x = 0.83 + 0.013 * torch.randn(400, 8, generator=g)
    x[:, :4] += 0.013 * torch.nn.functional.one_hot(y, 4)
    tr, te = slice(0, 300), slice(300, 400)
    adamw = linear_probe(x[tr], y[tr], x[te], y[te], steps=50)
    raw = logistic_probe(x[tr], y[tr], x[te], y[te], C=1e4)
    bn = logistic_probe(x[tr], y[tr], x[te], y[te], bn=True)
    assert adamw.accuracy < 0.5 and raw.accuracy > 0.5 and bn.accuracy > 0.5 and bn.n_predicted == 4
    weak = logistic_probe(x[tr], y[tr], x[te], y[te], C=1.0)     # the same L2 in raw coordinates: weaker
    assert weak.accuracy < bn.accuracy


def test_partial_ft_from_the_probe_starts_at_the_probe_and_bad_mode():
    enc = ViTEncoder(ViTConfig(depth=1))
    tr, te = _toy(), _toy(seed=1)
    from models.probe import extract_features
    ftr, fte = extract_features(enc, tr.images), extract_features(enc, te.images)
    bn = logistic_probe(ftr, tr.labels, fte, te.labels, bn=True)
    with torch_threads(1):
        p0 = finetune(enc, tr, te, mode="partial", steps=0, init=bn.head)
    assert torch.equal(p0.correct, bn.correct)                       # 0 steps = BN + LP exactly
    with pytest.raises(InvalidParameter, match="mode='half'"):
        finetune(enc, _toy(20), _toy(20), mode="half")
    with pytest.raises(InvalidParameter, match="init"):
        finetune(enc, tr, te, mode="full", init=bn.head)


def test_rank_and_fit_functions():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((6, 3)) @ rng.standard_normal((3, 8))
    assert numerical_rank(M) == 3 and np.linalg.matrix_rank(truncate(M, 2)) == 2
    assert effective_rank(np.eye(4)) == pytest.approx(4.0)
    slope, se = fit_loglog([1, 10, 100], [1, 1e-2, 1e-4])
    assert slope == pytest.approx(-2.0) and se < 1e-9
