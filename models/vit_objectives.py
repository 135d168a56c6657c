"""Training the small ViT encoder of ``models.vit`` with objectives other than MAE, for the
comparison of ``fpc`` Section 6 (Figure 3: MAE vs MoCo v3 / DINO vs DeiT):

* contrastive: two augmented views of each image, class token -> MLP projection head ->
  InfoNCE with cosine similarity (MoCo v3 / SimCLR style, ``models.contrastive.info_nce``);
* supervised: class token -> linear head -> cross-entropy on the labels (DeiT style);
* ``last_layer_attention``: patch-to-patch attention of every head of the last block.

Optimiser and schedule are those of ``models.vit.pretrain_mae`` (AdamW, warm-up + cosine),
so the three objectives differ only in the loss.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .contrastive import info_nce
from .errors import InvalidParameter
from .train import LossTrace, device_generator
from .vit import TrainConfig, ViTConfig, ViTEncoder, lr_at

OBJECTIVES = ("mae", "contrastive", "supervised")


@dataclass(frozen=True)
class Augment:
    """Views for contrastive learning on small grey images: a random translation by up to
    ``shift`` pixels (zero padding), a random intensity scale and additive Gaussian noise."""

    shift: int = 1
    scale: tuple = (0.7, 1.3)
    noise: float = 0.05

    def __call__(self, imgs: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        B, C, H, W = imgs.shape
        s = self.shift
        padded = nn.functional.pad(imgs, (s, s, s, s))                   # (B, C, H+2s, W+2s)
        gd, dev = g.device, imgs.device                                   # drawn where g lives
        dy = torch.randint(0, 2 * s + 1, (B,), generator=g, device=gd)
        dx = torch.randint(0, 2 * s + 1, (B,), generator=g, device=gd)
        rows = (dy[:, None] + torch.arange(H, device=gd)[None]).to(dev)  # (B, H)
        cols = (dx[:, None] + torch.arange(W, device=gd)[None]).to(dev)  # (B, W)
        out = padded[torch.arange(B, device=dev)[:, None, None, None], torch.arange(C, device=dev)[None, :, None, None],
                     rows[:, None, :, None], cols[:, None, None, :]]     # (B, C, H, W)
        lo, hi = self.scale
        a = (lo + (hi - lo) * torch.rand(B, 1, 1, 1, generator=g, device=gd)).to(dev)
        eps = torch.randn(out.shape, generator=g, device=gd).to(dev)
        return (out * a + self.noise * eps).clamp(0.0, 1.0)


class ContrastiveViT(nn.Module):
    """Encoder + 2-layer MLP projection head on the class token."""

    def __init__(self, cfg: ViTConfig, proj_dim: int = 32):
        super().__init__()
        self.encoder = ViTEncoder(cfg)
        self.head = nn.Sequential(nn.Linear(cfg.dim, cfg.dim), nn.GELU(), nn.Linear(cfg.dim, proj_dim))

    def forward(self, imgs: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder.features(imgs, pool="cls"))        # (B, proj_dim)


class SupervisedViT(nn.Module):
    """Encoder + linear classifier on the class token."""

    def __init__(self, cfg: ViTConfig, n_classes: int = 10):
        super().__init__()
        self.encoder = ViTEncoder(cfg)
        self.head = nn.Linear(cfg.dim, n_classes)

    def forward(self, imgs: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder.features(imgs, pool="cls"))        # (B, n_classes) logits


def _check(tc: TrainConfig, images: torch.Tensor) -> None:
    if not (isinstance(tc.steps, int) and tc.steps >= 0):
        raise InvalidParameter("steps", tc.steps, "must be a non-negative integer")
    if not (isinstance(tc.batch_size, int) and tc.batch_size >= 2):
        raise InvalidParameter("batch_size", tc.batch_size, "needs at least 2 images per batch")
    if images.dim() != 4:
        raise InvalidParameter("images", tuple(images.shape), "expected (n, C, H, W)")


def _train(model: nn.Module, loss_of, n: int, tc: TrainConfig, g: torch.Generator, what: str,
           device: str) -> list[float]:
    """Minibatch AdamW with the MAE schedule; ``loss_of(idx)`` gives the batch loss. ``g`` lives
    on ``device`` on a GPU (indices and augmentations drawn there), and the losses stay there,
    read every few steps (:class:`models.train.LossTrace`)."""
    opt = torch.optim.AdamW(model.parameters(), lr=tc.lr, betas=(0.9, 0.95), weight_decay=tc.weight_decay)
    model.train()
    losses = LossTrace(device, f"the {what} training loss", "lower lr")
    for step in range(tc.steps):
        for grp in opt.param_groups:
            grp["lr"] = lr_at(step, tc)
        idx = torch.randint(0, n, (min(tc.batch_size, n),), generator=g, device=g.device).to(device)
        loss = loss_of(idx)
        losses.add(step, loss)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    model.eval()
    return losses.values()


def train_contrastive(model: ContrastiveViT, images: torch.Tensor, tc: TrainConfig, *, tau: float = 0.2,
                      augment: Augment = Augment(), seed: int = 0, device: str = "cpu") -> list[float]:
    """InfoNCE between two augmented views of each image of the batch (other images are the
    negatives). Returns the per-step loss."""
    _check(tc, images)
    g = device_generator(seed, device)
    model.to(device)
    images = images.to(device)

    def loss_of(idx):
        x = images[idx]
        return info_nce(model(augment(x, g)), model(augment(x, g)), tau=tau, similarity="cosine")

    return _train(model, loss_of, images.shape[0], tc, g, "contrastive", device)


def train_supervised(model: SupervisedViT, images: torch.Tensor, labels: torch.Tensor, tc: TrainConfig,
                     *, seed: int = 0, device: str = "cpu") -> list[float]:
    """Cross-entropy on the labels. Returns the per-step loss."""
    _check(tc, images)
    if labels.shape[0] != images.shape[0]:
        raise InvalidParameter("labels", tuple(labels.shape), f"need one label per image ({images.shape[0]})")
    g = device_generator(seed, device)
    model.to(device)
    images, labels = images.to(device), labels.to(device)

    def loss_of(idx):
        return nn.functional.cross_entropy(model(images[idx]), labels[idx])

    return _train(model, loss_of, images.shape[0], tc, g, "supervised", device)


@torch.no_grad()
def last_layer_attention(encoder: ViTEncoder, images: torch.Tensor, batch: int = 256) -> torch.Tensor:
    """(n, heads, T, T) patch-to-patch attention of the last block on unmasked images: the
    class token's row and column are dropped and each row renormalised to sum to 1."""
    encoder.eval()
    out = []
    for i in range(0, images.shape[0], batch):
        a = encoder(images[i:i + batch], return_attn=True).attn[-1][:, :, 1:, 1:]   # (b, h, T, T)
        out.append((a / a.sum(-1, keepdim=True)).cpu())
    return torch.cat(out)
