"""fpc.sec6: the attention-diversity comparison; its false case and the quick-scale finding."""
import pytest
import torch

from checks.runner import evaluate
from models.errors import AssumptionViolated, InvalidParameter
from models.vit import TrainConfig, ViTConfig
from models.vit_objectives import Augment, ContrastiveViT, last_layer_attention, train_contrastive

TINY = {"dim": 16, "depth": 1, "heads": 2, "steps": 5, "batch_size": 16, "seeds": 1, "n_eval": 12}


def test_collapsed_mae_maps_fail():
    # every MAE query given the same map: diversity 0, below any trained model
    r = evaluate("fpc.sec6", overrides={**TINY, "perturb": "collapse_mae"}, allow_violations=True)
    assert r["verdict"] == "fails"
    assert r["numeric"]["evidence"]["per_objective"]["mae"]["diversity_quartiles"] == [0.0, 0.0, 0.0]
    assert r["numeric"]["series"]["diversity_by_objective"]["kind"] == "box"


def test_quick_scale_counterexample():
    # finding at the quick scale (16 patches, 200 steps): the MAE encoder's last-layer attention is
    # nearly the same for every query (lowest NMI) and its diversity is the lowest of the three
    r = evaluate("fpc.sec6", overrides={"seeds": 1})
    assert r["verdict"] == "fails"
    per = r["numeric"]["evidence"]["per_objective"]
    assert per["mae"]["nmi_median"] < min(per["contrastive"]["nmi_median"], per["supervised"]["nmi_median"])


def test_perturb_refused_without_flag_and_bad_topk():
    with pytest.raises(AssumptionViolated, match="perturb"):
        evaluate("fpc.sec6", overrides={"perturb": "collapse_mae"})
    with pytest.raises(AssumptionViolated, match="top_k"):
        evaluate("fpc.sec6", overrides={"top_k": 17})


def test_augment_and_attention_shapes():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(3, 1, 8, 8)
    v = Augment()(x, g)
    assert v.shape == x.shape and float(v.min()) >= 0 and float(v.max()) <= 1
    cfg = ViTConfig(dim=16, depth=1, heads=2, dec_dim=16, dec_heads=2)
    m = ContrastiveViT(cfg)
    losses = train_contrastive(m, torch.rand(8, 1, 8, 8), TrainConfig(steps=2, batch_size=4))
    assert len(losses) == 2
    A = last_layer_attention(m.encoder, x)
    assert A.shape == (3, 2, 16, 16) and torch.allclose(A.sum(-1), torch.ones(3, 2, 16))
    with pytest.raises(InvalidParameter, match="batch_size=1"):
        train_contrastive(m, x, TrainConfig(steps=1, batch_size=1))
