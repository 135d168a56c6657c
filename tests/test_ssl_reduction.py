"""ssl.cl-reduction: the four-block reduction of the CL model, and its false case."""
import pytest
import torch

from checks.runner import evaluate
from claims.errors import AssumptionViolated
from models.contrastive import FullCL, ReducedCL, cl_loss, info_nce, two_views
from models.data import DataConfig, Distribution
from models.errors import InvalidParameter


@pytest.mark.parametrize("loss,sim", [("infonce", "cosine"), ("infonce", "dot"), ("spectral", "cosine")])
def test_reduction_holds(loss, sim):
    r = evaluate("ssl.cl-reduction", overrides={"P": 16, "n_samples": 8, "gd_steps": 2,
                                                "loss": loss, "similarity": sim})
    assert r["verdict"] == "holds", r["numeric"]
    assert r["symbolic"]["status"] == "proved"


@pytest.mark.parametrize("block", ["FF", "FE"])
def test_dropping_a_block_fails(block):
    # the MAE coordinates (Phi, Ups) alone do not carry the CL model: unmasked queries see FF, FE
    r = evaluate("ssl.cl-reduction", overrides={"P": 16, "n_samples": 8, "gd_steps": 2,
                                                "drop_block": block}, allow_violations=True)
    assert r["verdict"] == "fails"
    assert r["numeric"]["measured"]["grad_rel_diff"] > 1e-3


def test_dropping_a_block_is_refused_without_violation_flag():
    with pytest.raises(AssumptionViolated, match="drop_block"):
        evaluate("ssl.cl-reduction", overrides={"drop_block": "FF"})


def test_zero_init_attention_is_uniform_and_rep_in_feature_span():
    dist = Distribution(DataConfig(P=16, K=2, kappa_c=0.8, kappa_s=0.25))
    b1, _ = two_views(dist, 4, torch.Generator().manual_seed(1))
    f = ReducedCL(dist, dtype=torch.float64)(b1)
    assert torch.allclose(f.attn, torch.full_like(f.attn, 1 / 16))
    # rep = mean over queries of sum_q attn z_q v_f(q): here (1/P) sum_{q unmasked} z_q e_f(q)
    exp = torch.zeros(4, dist.n_features, dtype=torch.float64)
    u = b1.zq * (~b1.mask)
    exp.scatter_add_(1, b1.feat_idx, u / 16)
    assert torch.allclose(f.rep, exp)


def test_bad_inputs_named():
    dist = Distribution(DataConfig(P=16))
    with pytest.raises(InvalidParameter, match="pool='max'"):
        ReducedCL(dist, pool="max")
    with pytest.raises(InvalidParameter, match="d=3"):
        FullCL(dist, d=3)
    r = torch.ones(3, 2)
    with pytest.raises(InvalidParameter, match="tau=0"):
        info_nce(r, r, tau=0)
    with pytest.raises(InvalidParameter, match="loss='mse'"):
        cl_loss(r, r, loss="mse")


@pytest.mark.parametrize("pool", ["all", "unmasked"])
def test_reduced_model_equals_the_full_model_for_both_poolings(pool):
    """ReducedCL (gathered logits, pooled from key weights, lazy area attention) against the explicit
    d-dimensional model: representation, area attention and the gradients of all four blocks."""
    dist = Distribution(DataConfig(P=24, K=3, kappa_c=0.8, kappa_s=0.3))
    g = torch.Generator().manual_seed(4)
    b1, b2 = two_views(dist, 6, g)
    full = FullCL(dist, generator=g, pool=pool)
    with torch.no_grad():
        full.Q.normal_(0, 0.4, generator=g)
    red = ReducedCL(dist, dtype=torch.float64, pool=pool)
    with torch.no_grad():
        for name, p in red.blocks().items():
            p.copy_(full.blocks()[name])
    ff, fr = full(b1), red(b1)
    assert torch.allclose(fr.rep, ff.rep @ full.V, atol=1e-12) and torch.allclose(fr.A, ff.A, atol=1e-12)
    lf = cl_loss(ff.rep @ full.V, full(b2).rep @ full.V)
    lr = cl_loss(fr.rep, red(b2).rep)
    gQ, = torch.autograd.grad(lf, full.Q)
    gr = dict(zip(red.blocks(), torch.autograd.grad(lr, list(red.blocks().values()))))
    for name, want in full.blocks(gQ).items():
        assert torch.allclose(gr[name], want, atol=1e-10 * float(want.abs().max()) + 1e-14), name
