"""models/: the Def 2.1 sampler, masking, the two exact forms of the network, and GD."""
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from models.attention import FullMIM, ReducedMIM
from models.data import DataConfig, Distribution
from models.errors import InvalidParameter, NonFiniteValue
from models.mim import patch_stats
from models.train import Recorder, gradient_descent


@pytest.mark.parametrize("field,value,match", [
    ("P", 2, "P=2"), ("K", 0, "K=0"), ("gamma", 1.0, "gamma=1.0"), ("kappa_s", 0.95, "kappa_s=0.95"),
    ("z_low", -1.0, "z_low=-1.0"), ("z_dist", "cauchy", "z_dist='cauchy'"),
])
def test_invalid_data_config_names_the_field(field, value, match):
    with pytest.raises(InvalidParameter, match=match):
        Distribution(DataConfig(**{field: value}))


@given(P=st.integers(8, 80), K=st.integers(1, 4), kc=st.floats(0.5, 0.95), ks=st.floats(0.05, 0.45),
       gamma=st.floats(0.1, 0.9), seed=st.integers(0, 2**16))
def test_partitions_and_masks(P, K, kc, ks, gamma, seed):
    cfg = DataConfig(P=P, K=K, kappa_c=kc, kappa_s=ks, gamma=gamma)
    try:
        dist = Distribution(cfg)
    except InvalidParameter:
        return  # sizes that do not fit are refused, by design
    sizes = dist.area_sizes()
    assert int(sizes[0].sum()) == P and int(sizes[0, 0]) == cfg.global_size
    for k in range(K):   # every cluster partitions all P positions with the stated sizes
        assert torch.equal(torch.bincount(dist.area[k], minlength=dist.N), sizes[k])
    b = dist.sample(5, torch.Generator().manual_seed(seed))
    assert (b.mask.sum(1) == cfg.n_masked).all()
    assert torch.equal(b.mask.gather(1, b.masked_idx), torch.ones_like(b.masked_idx, dtype=torch.bool))
    assert ((b.z >= cfg.z_low) & (b.z <= cfg.z_high)).all()


def test_full_and_reduced_agree_at_random_state():
    dist = Distribution(DataConfig(P=20, K=3, kappa_c=0.8, kappa_s=0.3))
    g = torch.Generator().manual_seed(3)
    b = dist.sample(16, g)
    full = FullMIM(dist, d=dist.n_features + dist.P + 4, generator=g)
    red = ReducedMIM(dist, dtype=torch.float64)
    Phi = torch.randn(20, dist.n_features, generator=g, dtype=torch.float64)
    Ups = torch.randn(20, 20, generator=g, dtype=torch.float64)
    full.set_from_correlations(Phi, Ups)
    with torch.no_grad():
        red.Phi.copy_(Phi)
        red.Ups.copy_(Ups)
    P2, U2 = full.correlations()
    assert torch.allclose(P2, Phi) and torch.allclose(U2, Ups)
    f, r = full(b), red(b)
    assert torch.allclose(f.loss, r.loss, rtol=1e-12)
    assert torch.allclose(f.A, r.A, atol=1e-12)


def test_patch_stats_loss_is_above_its_infimum():
    dist = Distribution(DataConfig(P=24, K=2, kappa_c=0.8, kappa_s=0.3))
    b = dist.sample(64, torch.Generator().manual_seed(0))
    red = ReducedMIM(dist, dtype=torch.float64)
    with torch.no_grad():
        red.Phi.normal_(generator=torch.Generator().manual_seed(1))
        st_ = patch_stats(dist, b, red(b))
    assert (st_.gap >= -1e-12).all() and (st_.count > 0).all()


def test_gradient_descent_records_and_refuses_nan():
    w = torch.tensor([1.0], requires_grad=True)
    rec = Recorder(lambda s: {"w": s.params[0]})
    gradient_descent([w], lambda: (w ** 2).sum(), steps=10, lr=0.25, callbacks=[rec], record_every=5)
    assert rec.steps == [0, 5, 10] and abs(float(w.detach()) - 0.5 ** 10) < 1e-6
    v = torch.tensor([1.0], requires_grad=True)
    with pytest.raises(NonFiniteValue, match=r"at step \d+; lower the step size"):
        gradient_descent([v], lambda: (v ** 4).sum(), steps=50, lr=10.0)
    with pytest.raises(InvalidParameter, match="lr=-1"):
        gradient_descent([v], lambda: v.sum(), steps=1, lr=-1)


@pytest.mark.parametrize("check_every", [1, 4])
def test_gradient_descent_names_the_first_non_finite_gradient(check_every):
    """Both checks (read at once on the CPU, or flags read every k steps) name the step whose
    gradient is first non-finite, before its update; a gradient whose finite entries overflow
    their sum is finite and passes."""
    w = torch.tensor([1.0, 2.0], requires_grad=True)

    def grad_fn():
        step = grad_fn.calls
        grad_fn.calls += 1
        g = torch.tensor([float("nan") if step == 6 else 0.0, 0.0])
        return torch.tensor(1.0), [g]
    grad_fn.calls = 0
    with pytest.raises(NonFiniteValue, match="a gradient.*at step 6"):
        gradient_descent([w], None, steps=20, lr=0.1, grad_fn=grad_fn, check_every=check_every)
    assert grad_fn.calls == 7 if check_every == 1 else grad_fn.calls >= 7
    huge = torch.full((4,), 3e38)                       # finite entries, sum overflows to inf
    gradient_descent([torch.zeros(4)], None, steps=2, lr=1e-40, grad_fn=lambda: (torch.tensor(0.0), [huge]),
                     check_every=check_every)
