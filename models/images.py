"""Real images that ship inside installed packages; nothing is downloaded.

* ``load_digits_images``: scikit-learn's ``load_digits`` (1797 handwritten digits, 8x8,
  grey levels 0..16) with their labels, optionally resized.
* ``photo_crops``: random square crops of scikit-image's bundled photographs (grey).
* ``patchify`` / ``unpatchify``: images (B, C, H, W) <-> patch rows (B, T, p*p*C) in the
  order of the MAE reference implementation (row-major patches, (p, p, C) inside a patch).
* ``split``: a seeded train/test split.

All images are float32 in [0, 1], shape (B, C, H, W) with C = 1.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .errors import InvalidParameter

# grey-level photographs bundled with scikit-image (no network access needed)
PHOTOS = ("camera", "astronaut", "coffee", "chelsea", "rocket", "coins", "moon", "page",
          "text", "clock", "grass", "gravel", "brick", "immunohistochemistry", "hubble_deep_field")


@dataclass(frozen=True)
class LabelledImages:
    images: torch.Tensor     # (n, 1, H, W) float32 in [0, 1]
    labels: torch.Tensor     # (n,) int64

    def __len__(self) -> int:
        return int(self.images.shape[0])


def _resize(imgs: np.ndarray, size: int) -> np.ndarray:
    """(n, H, W) -> (n, size, size), anti-aliased bilinear (scikit-image)."""
    from skimage.transform import resize
    if imgs.shape[1:] == (size, size):
        return imgs
    return np.stack([resize(im, (size, size), order=1, anti_aliasing=True, preserve_range=True)
                     for im in imgs])


def load_digits_images(size: int = 8) -> LabelledImages:
    """scikit-learn's bundled digits as (1797, 1, size, size) images in [0, 1] and labels."""
    if not (isinstance(size, int) and size >= 4):
        raise InvalidParameter("size", size, "the digit image side must be an integer >= 4")
    from sklearn.datasets import load_digits
    d = load_digits()
    imgs = d.images.astype(np.float64) / 16.0                     # (n, 8, 8), values 0..16
    imgs = _resize(imgs, size).clip(0.0, 1.0)
    return LabelledImages(torch.from_numpy(imgs[:, None].astype(np.float32)),
                          torch.from_numpy(d.target.astype(np.int64)))


def _grey_photo(name: str) -> np.ndarray:
    import skimage.data
    from skimage.color import rgb2gray
    if name not in PHOTOS:
        raise InvalidParameter("photos", name, f"unknown bundled photograph; choose from {', '.join(PHOTOS)}")
    im = getattr(skimage.data, name)()
    if im.ndim == 3:
        im = rgb2gray(im[..., :3])                                # floats in [0, 1]
    else:
        im = im.astype(np.float64) / (255.0 if im.dtype == np.uint8 else 1.0)
    return im.astype(np.float64)


def photo_crops(n: int, size: int = 16, *, photos: tuple[str, ...] = PHOTOS, scale: int = 1,
                seed: int = 0) -> torch.Tensor:
    """``n`` random (size x size) grey crops, (n, 1, size, size) float32 in [0, 1].

    Photographs are drawn uniformly, then a crop position uniformly; ``scale > 1`` first
    downsamples the photograph by that factor (so a crop covers a larger scene)."""
    if not (isinstance(n, int) and n >= 1):
        raise InvalidParameter("n", n, "the number of crops must be a positive integer")
    if not (isinstance(size, int) and size >= 4):
        raise InvalidParameter("size", size, "the crop side must be an integer >= 4")
    if not (isinstance(scale, int) and scale >= 1):
        raise InvalidParameter("scale", scale, "the downsampling factor must be an integer >= 1")
    if not photos:
        raise InvalidParameter("photos", photos, "give at least one photograph name")
    from skimage.transform import downscale_local_mean
    ims = []
    for name in photos:
        im = _grey_photo(name)
        if scale > 1:
            im = downscale_local_mean(im, (scale, scale))
        if min(im.shape) < size:
            raise InvalidParameter("size", size, f"photograph {name!r} is only {im.shape} after "
                                   f"downsampling by {scale}; use a smaller size or scale")
        ims.append(im)
    rng = np.random.default_rng(seed)
    which = rng.integers(0, len(ims), size=n)
    out = np.empty((n, size, size), dtype=np.float32)
    for i, w in enumerate(which):
        H, W = ims[w].shape
        r, c = rng.integers(0, H - size + 1), rng.integers(0, W - size + 1)
        out[i] = ims[w][r:r + size, c:c + size]
    return torch.from_numpy(out[:, None])


def patchify(imgs: torch.Tensor, p: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, T, p*p*C) with T = (H/p)(W/p), MAE reference order."""
    if imgs.dim() != 4:
        raise InvalidParameter("imgs", tuple(imgs.shape), "expected a (B, C, H, W) tensor")
    B, C, H, W = imgs.shape
    if H % p or W % p:
        raise InvalidParameter("patch", p, f"must divide the image side (got {H}x{W})")
    h, w = H // p, W // p
    x = imgs.reshape(B, C, h, p, w, p)
    x = torch.einsum("nchpwq->nhwpqc", x)
    return x.reshape(B, h * w, p * p * C)


def unpatchify(x: torch.Tensor, p: int, C: int = 1) -> torch.Tensor:
    """(B, T, p*p*C) -> (B, C, H, W) for a square grid of T patches."""
    B, T, _ = x.shape
    h = int(round(T ** 0.5))
    if h * h != T:
        raise InvalidParameter("T", T, "the number of patches must be a perfect square")
    x = x.reshape(B, h, h, p, p, C)
    x = torch.einsum("nhwpqc->nchpwq", x)
    return x.reshape(B, C, h * p, h * p)


def split(data: LabelledImages, test_fraction: float = 0.25, seed: int = 0
          ) -> tuple[LabelledImages, LabelledImages]:
    """Seeded random (train, test) split."""
    if not 0 < test_fraction < 1:
        raise InvalidParameter("test_fraction", test_fraction, "must lie in (0, 1)")
    n = len(data)
    perm = torch.from_numpy(np.random.default_rng(seed).permutation(n))
    k = int(round(n * test_fraction))
    te, tr = perm[:k], perm[k:]
    return (LabelledImages(data.images[tr], data.labels[tr]),
            LabelledImages(data.images[te], data.labels[te]))
