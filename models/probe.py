"""Evaluating a pre-trained encoder on labels (tlc Section 6.3, Table 1; Section 6.4, Table 2):

* ``logistic_probe``: the linear probe used for verdicts: multinomial logistic regression
  (scikit-learn, L-BFGS to convergence, a fixed L2 strength ``C``) on frozen features, raw (LP)
  or after a non-learnable batch normalisation (BN + LP: features standardised with the
  training statistics, i.e. ``BatchNorm1d(affine=False)`` at evaluation);
* ``linear_probe``: a linear head trained by full-batch AdamW on fixed features (kept for
  comparison: on badly scaled features it can stay at chance within its budget);
* ``finetune``: one minibatch AdamW recipe for every method, differing only in what is trained:
  ``mode="linear"`` (LP: head on the frozen class token), ``"bn_linear"`` (BN + LP: a
  ``BatchNorm1d(affine=False)`` before the head, as in the MAE reference linear probe),
  ``"partial"`` (head + the last block's qkv projection, the paper's partial fine-tuning;
  ``init=`` starts it from a fitted ``logistic_probe``, BN included, so that it nests BN + LP),
  ``"full"`` (every parameter);

Optimiser: AdamW throughout (the paper uses it for LP too). Features are the class token.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .errors import InvalidParameter
from .images import LabelledImages
from .train import LossTrace, device_generator


@dataclass
class ProbeResult:
    accuracy: float
    correct: torch.Tensor        # (n_test,) bool, per test example
    train_loss: list
    n_predicted: int = 0         # distinct classes predicted on the test set (1: a constant classifier)
    settle: float = 0.0          # |L(T) - L(0.9 T)| / L(0.9 T), full training-set loss (0 when untrained)
    head: tuple | None = None    # (weight (k, d), bias (k,), mean (d,), std (d,)) of a logistic probe


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
        pred = head(test_x).argmax(1)
    correct = pred == test_y
    return ProbeResult(float(correct.float().mean()), correct, hist, int(pred.unique().numel()))


def logistic_probe(train_x: torch.Tensor, train_y: torch.Tensor, test_x: torch.Tensor, test_y: torch.Tensor, *,
                   bn: bool = False, C: float = 1.0, max_iter: int = 2000) -> ProbeResult:
    """Multinomial logistic regression (L-BFGS, L2 strength ``C`` as in scikit-learn: loss
    ``C * sum CE + ||W||^2 / 2``) on frozen features (n, d); ``bn``: standardise them first with
    the training mean and standard deviation (a non-learnable BN at evaluation). Deterministic."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    if not C > 0:
        raise InvalidParameter("C", C, "must be positive")
    xtr, xte = train_x.double().cpu().numpy(), test_x.double().cpu().numpy()
    d = xtr.shape[1]
    mu = xtr.mean(0) if bn else np.zeros(d)
    sd = (xtr.var(0) + 1e-6) ** 0.5 if bn else np.ones(d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        lr = LogisticRegression(C=C, max_iter=max_iter).fit((xtr - mu) / sd, train_y.cpu().numpy())
    pred = torch.as_tensor(lr.predict((xte - mu) / sd))
    correct = pred == test_y.cpu()
    loss = float(-lr.predict_log_proba((xtr - mu) / sd)[range(len(xtr)), train_y.cpu().numpy()].mean())
    W, b = lr.coef_, lr.intercept_
    if W.shape[0] == 1:            # binary: sigmoid(w x + b) = softmax of the logits (-(w x + b), w x + b) / 2
        W, b = 0.5 * np.concatenate([-W, W]), 0.5 * np.concatenate([-b, b])
    head = tuple(torch.as_tensor(a, dtype=torch.float32) for a in (W, b, mu, sd))
    return ProbeResult(float(correct.float().mean()), correct, [loss], int(pred.unique().numel()), head=head)




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

    def start_from(self, head: tuple) -> None:
        """Weights and BN statistics of a fitted ``logistic_probe(bn=True)``."""
        W, b, mu, sd = head
        bn, lin = self.head
        bn.running_mean.copy_(mu)
        bn.running_var.copy_(sd ** 2 - bn.eps)
        lin.weight.data.copy_(W)
        lin.bias.data.copy_(b)


@torch.no_grad()
def _full_loss(model: nn.Module, X: torch.Tensor, Y: torch.Tensor, feats) -> float:
    """Cross-entropy over the whole training set, evaluation mode (no batch noise)."""
    was = model.training
    model.eval()
    out = torch.cat([model(X[i:i + 512], None if feats is None else feats[i:i + 512]) for i in range(0, len(X), 512)])
    model.train(was)
    return float(nn.functional.cross_entropy(out, Y))


def _prepare(encoder, train, mode, init, device):
    if mode not in MODES:
        raise InvalidParameter("mode", mode, f"must be one of {MODES}")
    if init is not None and mode != "partial":
        raise InvalidParameter("init", "a fitted head", "only partial fine-tuning starts from a probe")
    model = _Classifier(copy.deepcopy(encoder), int(train.labels.max()) + 1,
                        bn=mode == "bn_linear" or init is not None)
    if init is not None:
        model.start_from(init)
    model = model.to(device)
    if mode != "full":
        for p in model.encoder.parameters():
            p.requires_grad_(False)
    if mode == "partial":
        for p in model.encoder.blocks[-1].attn.qkv.parameters():
            p.requires_grad_(True)
    return model


def finetune(encoder: nn.Module, train: LabelledImages, test: LabelledImages, *, mode: str = "partial",
             steps: int = 300, batch_size: int = 128, lr: float = 3e-3, weight_decay: float = 0.05,
             seed: int = 0, device: str = "cpu", init: tuple | None = None, head_l2: float = 0.0) -> ProbeResult:
    """Train a copy of ``encoder`` with a new head (``mode`` in MODES) by minibatch AdamW with a
    cosine schedule; frozen-encoder modes reuse precomputed features (identical result).
    ``init``: the ``head`` of a ``logistic_probe(bn=True)`` to start partial fine-tuning from;
    ``head_l2``: add ``head_l2 * ||W||^2`` of the head to the loss, with no weight decay on the head
    (``1 / (2 C n_train)`` continues the probe's own objective, so that BN + LP is its optimum
    at the initial encoder)."""
    _check(steps, lr)
    torch.manual_seed(seed)
    model = _prepare(encoder, train, mode, init, device)
    X, Y = train.images.to(device), train.labels.to(device)
    frozen = mode in ("linear", "bn_linear")
    feats = extract_features(model.encoder, X) if frozen else None
    lin = model.head[-1] if isinstance(model.head, nn.Sequential) else model.head
    enc_params = [p for p in model.encoder.parameters() if p.requires_grad]
    groups = [{"params": list(lin.parameters()), "weight_decay": 0.0 if head_l2 else weight_decay}]
    opt = torch.optim.AdamW(groups + ([{"params": enc_params}] if enc_params else []), lr=lr,
                            weight_decay=weight_decay)
    g = device_generator(seed, device)        # on a GPU, the minibatch indices are drawn there
    hist, marks = LossTrace(device), {}       # on a GPU, the losses stay there until the end
    model.train()
    if frozen:
        model.encoder.eval()
    if init is not None:       # the probe's standardisation stays fixed (a non-learnable BN)
        model.head[0].eval()
    for step in range(steps):
        if step == steps - max(1, steps // 10):
            marks["start"] = _full_loss(model, X, Y, feats)
        for grp in opt.param_groups:
            grp["lr"] = lr * 0.5 * (1 + math.cos(math.pi * step / max(1, steps)))
        idx = torch.randint(0, len(train), (min(batch_size, len(train)),), generator=g, device=g.device).to(device)
        loss = nn.functional.cross_entropy(model(X[idx], feats[idx] if frozen else None), Y[idx])
        if head_l2:
            loss = loss + head_l2 * lin.weight.square().sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        hist.add(step, loss)
    hist = hist.values()
    settle = abs(_full_loss(model, X, Y, feats) - marks["start"]) / max(marks["start"], 1e-12) if marks else 0.0
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(test.images[i:i + 512].to(device)).argmax(1).cpu() for i in range(0, len(test), 512)])
    correct = pred == test.labels
    return ProbeResult(float(correct.float().mean()), correct, hist, int(pred.unique().numel()), settle)
