"""Bundled real images: digits, photograph crops, patchify round trip, split."""
import pytest
import torch

from models.errors import InvalidParameter
from models.images import PHOTOS, load_digits_images, patchify, photo_crops, split, unpatchify


def test_digits_are_the_bundled_dataset():
    d = load_digits_images()
    assert d.images.shape == (1797, 1, 8, 8) and d.images.dtype == torch.float32
    assert float(d.images.min()) == 0.0 and float(d.images.max()) == 1.0
    assert sorted(torch.unique(d.labels).tolist()) == list(range(10))
    # grey levels are multiples of 1/16 (the original 0..16 counts)
    assert torch.allclose(d.images * 16, (d.images * 16).round())


def test_digits_resize_keeps_range():
    d = load_digits_images(size=16)
    assert d.images.shape == (1797, 1, 16, 16)
    assert 0.0 <= float(d.images.min()) and float(d.images.max()) <= 1.0


def test_photo_crops_are_real_and_seeded():
    a = photo_crops(20, 16, seed=3)
    b = photo_crops(20, 16, seed=3)
    assert a.shape == (20, 1, 16, 16) and torch.equal(a, b)
    assert float(a.std()) > 0.01            # real texture, not blank
    assert not torch.equal(a, photo_crops(20, 16, seed=4))


def test_every_listed_photo_loads():
    for name in PHOTOS:
        x = photo_crops(1, 8, photos=(name,), seed=0)
        assert torch.isfinite(x).all() and 0 <= float(x.min()) <= float(x.max()) <= 1


def test_patchify_roundtrip_and_order():
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    p = patchify(x, 2)
    assert p.shape == (1, 4, 4)
    assert p[0, 0].tolist() == [0, 1, 4, 5] and p[0, 1].tolist() == [2, 3, 6, 7]
    y = torch.rand(3, 1, 8, 8)
    assert torch.equal(unpatchify(patchify(y, 2), 2), y)


def test_split_is_disjoint_and_seeded():
    d = load_digits_images()
    tr, te = split(d, 0.25, seed=1)
    assert len(tr) + len(te) == len(d) and len(te) == round(0.25 * len(d))
    tr2, _ = split(d, 0.25, seed=1)
    assert torch.equal(tr.labels, tr2.labels)


@pytest.mark.parametrize("call, match", [
    (lambda: photo_crops(2, 16, photos=("nope",)), "photos='nope'"),
    (lambda: photo_crops(0, 16), "n=0"),
    (lambda: photo_crops(1, 3), "size=3"),
    (lambda: load_digits_images(size=2), "size=2"),
    (lambda: patchify(torch.zeros(1, 1, 5, 5), 2), "patch=2"),
    (lambda: split(load_digits_images(), 1.5), "test_fraction=1.5"),
])
def test_bad_input_names_the_field(call, match):
    with pytest.raises(InvalidParameter, match=match):
        call()
