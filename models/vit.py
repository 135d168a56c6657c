"""A small ViT and masked autoencoder with the conventions of the MAE reference
implementation (He et al. 2022, ``models_mae.py``):

* patch embedding by a stride-``p`` convolution, fixed 2-D sin-cos positional embeddings,
  a class token; pre-norm Transformer blocks (qkv projection, softmax attention, MLP);
* random masking by ``argsort`` of uniform noise, the encoder sees visible tokens only;
* a light decoder: linear embedding, a learned mask token, its own positional embedding,
  blocks, a linear prediction of the pixels of every patch;
* the loss is the mean squared error on the *masked* patches only (optionally on
  per-patch normalised pixels, ``norm_pix_loss``).

The encoder also runs plain (``mask_ratio=0``: all tokens, in order) and can return the
attention maps of every layer, ``(B, heads, T, T)`` each, so it can be trained with other
objectives. Images are ``(B, C, H, W)``; patch rows are ``(B, T, p*p*C)`` (see
``models.images.patchify``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .errors import InvalidParameter
from .images import patchify
from .train import LossTrace, device_generator


@dataclass(frozen=True)
class ViTConfig:
    img_size: int = 8          # image side H = W
    patch: int = 2             # patch side p; T = (img_size / p)^2 tokens
    in_chans: int = 1
    dim: int = 48              # encoder width
    depth: int = 3             # encoder blocks
    heads: int = 3             # encoder attention heads (dim % heads == 0)
    mlp_ratio: float = 2.0
    dec_dim: int = 32          # decoder width
    dec_depth: int = 1
    dec_heads: int = 2
    norm_pix_loss: bool = False

    def validate(self) -> "ViTConfig":
        for name in ("img_size", "patch", "in_chans", "dim", "depth", "heads", "dec_dim",
                     "dec_depth", "dec_heads"):
            v = getattr(self, name)
            if not (isinstance(v, int) and v >= 1):
                raise InvalidParameter(name, v, "must be a positive integer")
        if self.img_size % self.patch:
            raise InvalidParameter("patch", self.patch, f"must divide img_size={self.img_size}")
        if self.dim % self.heads:
            raise InvalidParameter("heads", self.heads, f"must divide dim={self.dim}")
        if self.dec_dim % self.dec_heads:
            raise InvalidParameter("dec_heads", self.dec_heads, f"must divide dec_dim={self.dec_dim}")
        if self.dim % 4:
            raise InvalidParameter("dim", self.dim, "must be a multiple of 4 (2-D sin-cos embedding)")
        if self.dec_dim % 4:
            raise InvalidParameter("dec_dim", self.dec_dim, "must be a multiple of 4 (2-D sin-cos embedding)")
        return self

    @property
    def grid(self) -> int:
        return self.img_size // self.patch


def sincos_pos_embed(dim: int, grid: int, cls_token: bool = True) -> torch.Tensor:
    """(1 + grid^2, dim) fixed 2-D sin-cos embedding (MAE ``get_2d_sincos_pos_embed``);
    the class token's row is 0."""
    def one_d(d, pos):
        omega = 1.0 / 10000 ** (np.arange(d // 2, dtype=np.float64) / (d / 2.0))
        out = np.einsum("m,d->md", pos.reshape(-1), omega)              # (M, d/2)
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)       # (M, d)
    gh, gw = np.meshgrid(np.arange(grid, dtype=np.float64), np.arange(grid, dtype=np.float64))
    emb = np.concatenate([one_d(dim // 2, gh), one_d(dim // 2, gw)], axis=1)  # (grid^2, dim)
    if cls_token:
        emb = np.concatenate([np.zeros((1, dim)), emb], axis=0)
    return torch.from_numpy(emb).float()


class Attention(nn.Module):
    """Multi-head softmax self-attention (timm ``Attention``); keeps the maps on request."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, return_attn: bool = False):
        B, T, D = x.shape
        qkv = self.qkv(x).reshape(B, T, 3, self.heads, D // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]                                # (B, h, T, D/h)
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)  # (B, h, T, T)
        out = self.proj((attn @ v).transpose(1, 2).reshape(B, T, D))
        return (out, attn) if return_attn else (out, None)


class Block(nn.Module):
    """Pre-norm Transformer block: x + attn(LN x); x + MLP(LN x)."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim, eps=1e-6), nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, x: torch.Tensor, return_attn: bool = False):
        a, maps = self.attn(self.norm1(x), return_attn)
        x = x + a
        return x + self.mlp(self.norm2(x)), maps


def random_masking(B: int, T: int, mask_ratio: float, generator: torch.Generator | None = None,
                   device=None):
    """MAE masking by argsort of noise. Returns ids_keep (B, T_vis), mask (B, T) with 1 =
    masked, ids_restore (B, T); T_vis = int(T * (1 - mask_ratio)). The noise is drawn on the
    generator's device, or without one on ``device`` (default the CPU) from its global RNG."""
    if not 0 <= mask_ratio < 1:
        raise InvalidParameter("mask_ratio", mask_ratio, "must lie in [0, 1)")
    keep = int(T * (1 - mask_ratio))
    if keep < 1:
        raise InvalidParameter("mask_ratio", mask_ratio, f"keeps no token out of T={T}; lower it")
    dev = generator.device if generator is not None else torch.device(device or "cpu")
    noise = torch.rand(B, T, generator=generator, device=dev)
    ids_shuffle = torch.argsort(noise, dim=1)                          # ascend: small is keep
    ids_restore = torch.argsort(ids_shuffle, dim=1)
    mask = torch.ones(B, T, device=dev)
    mask[:, :keep] = 0
    mask = torch.gather(mask, 1, ids_restore)
    return ids_shuffle[:, :keep], mask, ids_restore


@dataclass
class EncoderOutput:
    tokens: torch.Tensor                 # (B, 1 + T_vis, dim) after the final LayerNorm; row 0 = cls
    mask: torch.Tensor | None            # (B, T), 1 = masked; None when unmasked
    ids_restore: torch.Tensor | None     # (B, T)
    attn: list = field(default_factory=list)   # per layer (B, heads, 1+T_vis, 1+T_vis)


class ViTEncoder(nn.Module):
    """ViT encoder on visible tokens (MAE) or on all tokens (``mask_ratio=0``)."""

    def __init__(self, cfg: ViTConfig):
        super().__init__()
        self.cfg = cfg.validate()
        self.patch_embed = nn.Conv2d(cfg.in_chans, cfg.dim, cfg.patch, stride=cfg.patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, cfg.dim))
        self.register_buffer("pos_embed", sincos_pos_embed(cfg.dim, cfg.grid)[None])  # (1, 1+T, dim)
        self.blocks = nn.ModuleList(Block(cfg.dim, cfg.heads, cfg.mlp_ratio) for _ in range(cfg.depth))
        self.norm = nn.LayerNorm(cfg.dim, eps=1e-6)

    def embed(self, imgs: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) -> (B, T, dim) patch embeddings plus positions."""
        if imgs.dim() != 4 or imgs.shape[1:] != (self.cfg.in_chans, self.cfg.img_size, self.cfg.img_size):
            raise InvalidParameter("imgs", tuple(imgs.shape), "expected (B, %d, %d, %d)"
                                   % (self.cfg.in_chans, self.cfg.img_size, self.cfg.img_size))
        x = self.patch_embed(imgs).flatten(2).transpose(1, 2)          # (B, T, dim)
        return x + self.pos_embed[:, 1:]

    def forward(self, imgs: torch.Tensor, mask_ratio: float = 0.0,
                generator: torch.Generator | None = None, return_attn: bool = False,
                blocks_out: int | None = None) -> EncoderOutput:
        x = self.embed(imgs)
        B, T, D = x.shape
        mask = ids_restore = None
        if mask_ratio > 0:
            # without a generator the CPU draws the noise on the CPU (its streams as always), a GPU on the GPU
            ids_keep, mask, ids_restore = random_masking(B, T, mask_ratio, generator, x.device)
            ids_keep, mask, ids_restore = (t.to(x.device) for t in (ids_keep, mask, ids_restore))
            x = torch.gather(x, 1, ids_keep[..., None].expand(-1, -1, D))
        cls = (self.cls_token + self.pos_embed[:, :1]).expand(B, -1, -1)
        x = torch.cat([cls, x], dim=1)
        maps = []
        for blk in self.blocks[:blocks_out]:
            x, a = blk(x, return_attn)
            if return_attn:
                maps.append(a)
        return EncoderOutput(self.norm(x), mask, ids_restore, maps)

    def features(self, imgs: torch.Tensor, pool: str = "cls") -> torch.Tensor:
        """(B, dim) representation of unmasked images: the class token or the token mean."""
        tok = self.forward(imgs).tokens
        if pool == "cls":
            return tok[:, 0]
        if pool == "mean":
            return tok[:, 1:].mean(1)
        raise InvalidParameter("pool", pool, "must be 'cls' or 'mean'")


@dataclass
class MAEOutput:
    loss: torch.Tensor        # scalar: mean over masked patches of the per-patch MSE
    pred: torch.Tensor        # (B, T, p*p*C) predicted patches (all positions)
    target: torch.Tensor      # (B, T, p*p*C) the loss target (normalised if norm_pix_loss)
    mask: torch.Tensor        # (B, T), 1 = masked
    latent: torch.Tensor      # (B, 1 + T_vis, dim) encoder output


class MAE(nn.Module):
    """Masked autoencoder: ``ViTEncoder`` on visible tokens + a light decoder."""

    def __init__(self, cfg: ViTConfig):
        super().__init__()
        self.cfg = cfg.validate()
        self.encoder = ViTEncoder(cfg)
        self.decoder_embed = nn.Linear(cfg.dim, cfg.dec_dim)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, cfg.dec_dim))
        self.register_buffer("decoder_pos_embed", sincos_pos_embed(cfg.dec_dim, cfg.grid)[None])
        self.decoder_blocks = nn.ModuleList(Block(cfg.dec_dim, cfg.dec_heads, cfg.mlp_ratio)
                                            for _ in range(cfg.dec_depth))
        self.decoder_norm = nn.LayerNorm(cfg.dec_dim, eps=1e-6)
        self.decoder_pred = nn.Linear(cfg.dec_dim, cfg.patch ** 2 * cfg.in_chans)
        self._init_weights()

    def _init_weights(self):
        # MAE reference: xavier on linear layers (patch embed viewed as linear), normal(.02) tokens
        w = self.encoder.patch_embed.weight.data
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))
        nn.init.normal_(self.encoder.cls_token, std=0.02)
        nn.init.normal_(self.mask_token, std=0.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def decode(self, latent: torch.Tensor, ids_restore: torch.Tensor) -> torch.Tensor:
        """(B, 1+T_vis, dim) -> (B, T, p*p*C) predictions at every position."""
        x = self.decoder_embed(latent)
        B, T = ids_restore.shape
        tokens = torch.cat([x[:, 1:], self.mask_token.expand(B, T + 1 - x.shape[1], -1)], dim=1)
        tokens = torch.gather(tokens, 1, ids_restore[..., None].expand(-1, -1, x.shape[2]))  # unshuffle
        x = torch.cat([x[:, :1], tokens], dim=1) + self.decoder_pos_embed
        for blk in self.decoder_blocks:
            x, _ = blk(x)
        return self.decoder_pred(self.decoder_norm(x))[:, 1:]

    def target(self, imgs: torch.Tensor) -> torch.Tensor:
        t = patchify(imgs, self.cfg.patch)
        if self.cfg.norm_pix_loss:
            mean, var = t.mean(-1, keepdim=True), t.var(-1, keepdim=True)
            t = (t - mean) / (var + 1e-6) ** 0.5
        return t

    def forward(self, imgs: torch.Tensor, mask_ratio: float = 0.75,
                generator: torch.Generator | None = None) -> MAEOutput:
        if not 0 < mask_ratio < 1:
            raise InvalidParameter("mask_ratio", mask_ratio, "an MAE masks a fraction in (0, 1)")
        enc = self.encoder(imgs, mask_ratio, generator)
        pred = self.decode(enc.tokens, enc.ids_restore)
        target = self.target(imgs)
        per_patch = ((pred - target) ** 2).mean(-1)                     # (B, T)
        loss = (per_patch * enc.mask).sum() / enc.mask.sum()
        return MAEOutput(loss, pred, target, enc.mask, enc.tokens)


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 400
    batch_size: int = 128
    lr: float = 1e-3            # AdamW, betas (0.9, 0.95) as in MAE pre-training
    weight_decay: float = 0.05
    warmup: int = 20            # linear warm-up steps, then cosine decay to 0
    mask_ratio: float = 0.75


def lr_at(step: int, tc: TrainConfig) -> float:
    if step < tc.warmup:
        return tc.lr * (step + 1) / tc.warmup
    prog = (step - tc.warmup) / max(1, tc.steps - tc.warmup)
    return tc.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, prog)))


def pretrain_mae(model: MAE, images: torch.Tensor, tc: TrainConfig, *, seed: int = 0,
                 snapshot_steps: tuple[int, ...] = (), device: str = "cpu") -> dict:
    """Pre-train ``model`` in place on ``images`` (n, C, H, W) with minibatch AdamW.

    Returns ``{"loss": [per-step training loss], "snapshots": {step: state_dict}}``; a
    snapshot at step s holds the weights *before* update s (s = tc.steps: the final ones).
    Minibatches and masks are drawn from one generator seeded with ``seed`` on ``device``
    (:func:`models.train.device_generator`); on a GPU the losses stay there and are read every
    few steps (:class:`models.train.LossTrace`)."""
    if not (isinstance(tc.steps, int) and tc.steps >= 0):
        raise InvalidParameter("steps", tc.steps, "must be a non-negative integer")
    if not (isinstance(tc.batch_size, int) and tc.batch_size >= 1):
        raise InvalidParameter("batch_size", tc.batch_size, "must be a positive integer")
    g = device_generator(seed, device)
    model.to(device).train()
    images = images.to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=tc.lr, betas=(0.9, 0.95), weight_decay=tc.weight_decay)
    losses, snaps = LossTrace(device, "the MAE training loss", "lower lr"), {}
    n = images.shape[0]
    for step in range(tc.steps + 1):
        if step in snapshot_steps:
            snaps[step] = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        if step == tc.steps:
            break
        for grp in opt.param_groups:
            grp["lr"] = lr_at(step, tc)
        idx = torch.randint(0, n, (min(tc.batch_size, n),), generator=g, device=g.device).to(device)
        out = model(images[idx], tc.mask_ratio, g)
        losses.add(step, out.loss)
        opt.zero_grad(set_to_none=True)
        out.loss.backward()
        opt.step()
    model.eval()
    return {"loss": losses.values(), "snapshots": snaps}
