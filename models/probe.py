"""Evaluating a pre-trained encoder on labels (tlc Section 6.3, Table 1; Section 6.4, Table 2):

* ``linear_probe``: a linear head on frozen features (LP), optionally after a non-learnable
  batch normalisation (BN + LP: features standardised with the training statistics, i.e.
  ``BatchNorm1d(affine=False)`` at evaluation);
* ``finetune``: one minibatch AdamW recipe for every method, differing only in what is trained:
  ``mode="linear"`` (LP: head on the frozen class token), ``"bn_linear"`` (BN + LP: a
  ``BatchNorm1d(affine=False)`` before the head, as in the MAE reference linear probe),
  ``"partial"`` (head + the last block's qkv projection, the paper's partial fine-tuning),
  ``"full"`` (every parameter);
* ``paired_difference``: accuracy difference of two classifiers on the same test set with
  its standard error (paired, McNemar-style).

Optimiser: AdamW throughout (the paper uses it for LP too). Features are the class token.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import torch
from torch import nn

from .errors import InvalidParameter
from .images import LabelledImages


@dataclass
class ProbeResult:
    accuracy: float
    correct: torch.Tensor        # (n_test,) bool, per test example
    train_loss: list


@torch.no_grad()
def extract_features(encoder: nn.Module, images: torch.Tensor, pool: str = "cls", batch: int = 512) -> torch.Tensor:
    """(n, dim) frozen features of unmasked images."""
    encoder.eval()
    return torch.cat([encoder.features(images[i:i + batch], pool) for i in range(0, len(images), batch)])


def _check(steps, lr):
    if not (isinstance(steps, int) and steps >= 0):
        raise InvalidParameter("steps", steps, "must be a non-negative integer")
    if not lr > 0:
        raise InvalidParameter("lr", lr, "must be positive")


def linear_probe(train_x: torch.Tensor, train_y: torch.Tensor, test_x: torch.Tensor, test_y: torch.Tensor, *,
                 bn: bool = False, steps: int = 300, lr: float = 1e-2, weight_decay: float = 1e-4,
                 n_classes: int | None = None, seed: int = 0) -> ProbeResult:
    """Full-batch AdamW on a linear head over fixed features (n, dim)."""
    _check(steps, lr)
    if bn:   # non-learnable BN: standardise with training statistics
        mu, sd = train_x.mean(0), train_x.var(0, unbiased=False).add(1e-6).sqrt()
        train_x, test_x = (train_x - mu) / sd, (test_x - mu) / sd
    k = n_classes or int(train_y.max()) + 1
    torch.manual_seed(seed)
    head = nn.Linear(train_x.shape[1], k)
    opt = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=weight_decay)
    hist = []
    for _ in range(steps):
        loss = nn.functional.cross_entropy(head(train_x), train_y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        hist.append(float(loss.detach()))
    with torch.no_grad():
        correct = head(test_x).argmax(1) == test_y
    return ProbeResult(float(correct.float().mean()), correct, hist)


MODES = ("linear", "bn_linear", "partial", "full")


class _Classifier(nn.Module):
    def __init__(self, encoder: nn.Module, n_classes: int, bn: bool):
        super().__init__()
        self.encoder = encoder
        dim = encoder.cfg.dim
        self.head = nn.Sequential(nn.BatchNorm1d(dim, affine=False, eps=1e-6), nn.Linear(dim, n_classes)) \
            if bn else nn.Linear(dim, n_classes)

    def forward(self, x, features: torch.Tensor | None = None):
        return self.head(self.encoder.features(x) if features is None else features)


def finetune(encoder: nn.Module, train: LabelledImages, test: LabelledImages, *, mode: str = "partial",
             steps: int = 300, batch_size: int = 128, lr: float = 3e-3, weight_decay: float = 0.05,
             seed: int = 0, device: str = "cpu") -> ProbeResult:
    """Train a copy of ``encoder`` with a new head (``mode`` in MODES) by minibatch AdamW with a
    cosine schedule; frozen-encoder modes reuse precomputed features (identical result)."""
    _check(steps, lr)
    if mode not in MODES:
        raise InvalidParameter("mode", mode, f"must be one of {MODES}")
    torch.manual_seed(seed)
    model = _Classifier(copy.deepcopy(encoder), int(train.labels.max()) + 1, bn=mode == "bn_linear").to(device)
    X, Y = train.images.to(device), train.labels.to(device)
    frozen = mode in ("linear", "bn_linear")
    if mode != "full":
        for p in model.encoder.parameters():
            p.requires_grad_(False)
    if mode == "partial":
        for p in model.encoder.blocks[-1].attn.qkv.parameters():
            p.requires_grad_(True)
    feats = extract_features(model.encoder, X) if frozen else None
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    g = torch.Generator().manual_seed(seed)
    hist = []
    model.train()
    if frozen:
        model.encoder.eval()
    for step in range(steps):
        for grp in opt.param_groups:
            grp["lr"] = lr * 0.5 * (1 + math.cos(math.pi * step / max(1, steps)))
        idx = torch.randint(0, len(train), (min(batch_size, len(train)),), generator=g).to(device)
        out = model(X[idx], feats[idx] if frozen else None)
        loss = nn.functional.cross_entropy(out, Y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        hist.append(float(loss.detach()))
    model.eval()
    with torch.no_grad():
        correct = torch.cat([(model(test.images[i:i + 512].to(device)).argmax(1).cpu() == test.labels[i:i + 512])
                             for i in range(0, len(test), 512)])
    return ProbeResult(float(correct.float().mean()), correct, hist)


def paired_difference(correct_a: torch.Tensor, correct_b: torch.Tensor) -> tuple[float, float]:
    """acc(b) - acc(a) on the same test examples and its standard error (paired)."""
    if correct_a.shape != correct_b.shape:
        raise InvalidParameter("correct_b", tuple(correct_b.shape), f"must match {tuple(correct_a.shape)}")
    d = correct_b.double() - correct_a.double()          # (n,) in {-1, 0, 1}
    n = d.numel()
    return float(d.mean()), float(d.std(unbiased=True) / math.sqrt(n)) if n > 1 else float("inf")
