"""Small ViT / MAE: masking, shapes, attention maps, loss on masked patches, training."""
import pytest
import torch

from models.errors import InvalidParameter
from models.images import load_digits_images, patchify
from models.vit import MAE, TrainConfig, ViTConfig, ViTEncoder, pretrain_mae, random_masking, sincos_pos_embed


def test_random_masking_by_argsort():
    g = torch.Generator().manual_seed(0)
    keep, mask, restore = random_masking(4, 16, 0.75, g)
    assert keep.shape == (4, 4) and mask.shape == (4, 16)
    assert torch.all(mask.sum(1) == 12)
    for b in range(4):   # kept ids are exactly the unmasked positions
        assert sorted(keep[b].tolist()) == torch.nonzero(mask[b] == 0).flatten().tolist()
    with pytest.raises(InvalidParameter, match="mask_ratio=0.99"):
        random_masking(1, 16, 0.99)


def test_encoder_plain_returns_attention_maps():
    cfg = ViTConfig(dim=48, heads=6, depth=2)
    enc = ViTEncoder(cfg)
    x = torch.rand(5, 1, 8, 8)
    out = enc(x, return_attn=True)
    assert out.tokens.shape == (5, 17, 48) and out.mask is None
    assert len(out.attn) == 2 and out.attn[0].shape == (5, 6, 17, 17)
    assert torch.allclose(out.attn[1].sum(-1), torch.ones(5, 6, 17))
    assert enc.features(x).shape == (5, 48) and enc.features(x, "mean").shape == (5, 48)


def test_encoder_sees_visible_tokens_only():
    enc = ViTEncoder(ViTConfig())
    x = torch.rand(2, 1, 8, 8)
    out = enc(x, 0.75, torch.Generator().manual_seed(1))
    assert out.tokens.shape == (2, 1 + 4, 48)
    # changing a masked patch leaves the encoder output unchanged
    m = out.mask[0].reshape(4, 4)
    r, c = map(int, torch.nonzero(m)[0])
    y = x.clone()
    y[0, 0, 2 * r:2 * r + 2, 2 * c:2 * c + 2] += 1.0
    out2 = enc(y, 0.75, torch.Generator().manual_seed(1))
    assert torch.allclose(out.tokens, out2.tokens)


def test_loss_is_mse_on_masked_patches():
    m = MAE(ViTConfig())
    x = torch.rand(3, 1, 8, 8)
    out = m(x, 0.5, torch.Generator().manual_seed(2))
    per = ((out.pred - patchify(x, 2)) ** 2).mean(-1)
    assert torch.allclose(out.loss, (per * out.mask).sum() / out.mask.sum())


def test_sincos_rows_are_distinct():
    e = sincos_pos_embed(16, 4)
    assert e.shape == (17, 16) and torch.all(e[0] == 0)
    assert torch.linalg.matrix_rank(e[1:]) > 4


def test_pretraining_lowers_the_loss_and_is_deterministic():
    imgs = load_digits_images().images[:256]
    tc = TrainConfig(steps=40, batch_size=64, lr=2e-3, warmup=5)
    a, b = MAE(ViTConfig(depth=1)), None
    torch.manual_seed(0)
    a = MAE(ViTConfig(depth=1))
    ha = pretrain_mae(a, imgs, tc, seed=0, snapshot_steps=(0, 40))
    torch.manual_seed(0)
    b = MAE(ViTConfig(depth=1))
    hb = pretrain_mae(b, imgs, tc, seed=0)
    assert ha["loss"] == hb["loss"]
    assert sum(ha["loss"][-5:]) < sum(ha["loss"][:5])
    assert set(ha["snapshots"]) == {0, 40}


@pytest.mark.parametrize("kw, match", [({"heads": 5}, "heads=5"), ({"patch": 3}, "patch=3"),
                                       ({"dim": 30, "heads": 3}, "dim=30")])
def test_bad_config_names_the_field(kw, match):
    with pytest.raises(InvalidParameter, match=match):
        MAE(ViTConfig(**kw))
