"""One GD step of the reduced contrastive model (``models.contrastive.ReducedCL``, InfoNCE or the
spectral loss on two views of a batch), three formulations side by side: ``closed_form`` (what the
CL claims train with: ``ReducedCL.loss_and_grads``, the softmax and its backward pass in the fused C
loops of ``models/_clkernel.py``), ``autograd`` (autograd on ``ReducedCL.forward``: two fused
products for the logits, pooled from the key weights) and ``cl_v1`` (the forward pass before
December 2026: three products and three adds for the logits, the (n, P, Nf) output of every query
before pooling, the area attention always computed). Interleaved rounds, one torch thread, each
step timed by the thread's CPU time; the three give the same loss and gradients (checked here at
float64 before timing).

    python benchmarks/bench_cl.py                         # ssl.cl-mild-imbalance's full size
    python benchmarks/bench_cl.py --P 32 --K 2 --batch 128  # its quick size
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.contrastive import ReducedCL, cl_loss, two_views  # noqa: E402
from models.data import DataConfig, Distribution  # noqa: E402


class ReducedCLv1(ReducedCL):
    """``ReducedCL`` as it was: logits as three batched products and three adds over (n, P, P);
    the output of every query, then pooled; the area attention computed in every forward pass."""

    def logits(self, b, Xt=None):
        Xt = self.inputs(b) if Xt is None else Xt
        XtT = Xt.transpose(1, 2)
        return Xt @ self.FF @ XtT + Xt @ self.FE + self.Phi @ XtT + self.Ups

    def forward(self, b):
        Xt = self.inputs(b)
        attn = torch.softmax(self.logits(b, Xt), dim=-1)
        F = attn @ Xt
        w = (~b.mask).to(F.dtype)[..., None]
        rep = F.mean(1) if self.pool == "all" else (F * w).sum(1) / w.sum(1)
        out = type("Fwd", (), {})()
        out.attn, out.rep = attn, rep
        W = torch.nn.functional.one_hot(b.area_idx, self.dist.N).to(attn.dtype)
        out.A = attn @ (W * (~b.mask).to(attn.dtype)[..., None])
        return out


def _models(dist, dtype, seed=0):
    g = torch.Generator().manual_seed(seed)
    new, old = ReducedCL(dist, dtype=dtype), ReducedCLv1(dist, dtype=dtype)
    with torch.no_grad():
        for p, q in zip(new.parameters(), old.parameters()):
            p.normal_(0, 0.3, generator=g)
            q.copy_(p)
    return new, old


def _step(model, b1, b2, loss):
    value = cl_loss(model(b1).rep, model(b2).rep, loss, 0.1, "cosine")
    return value, torch.autograd.grad(value, list(model.parameters()))


def _closed_form(model, b1, b2, loss):
    return model.loss_and_grads(b1, b2, loss, 0.1, "cosine")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--P", type=int, default=128)
    p.add_argument("--K", type=int, default=3)
    p.add_argument("--batch", type=int, default=256, help="images per view")
    p.add_argument("--loss", choices=["infonce", "spectral"], default="infonce")
    p.add_argument("--rounds", type=int, default=8)
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    dist = Distribution(DataConfig(P=a.P, K=a.K, kappa_c=0.9, kappa_s=0.2))
    b1, b2 = two_views(dist, a.batch, torch.Generator().manual_seed(1))
    new, old = _models(dist, torch.float64)                      # the same numbers first
    if new._kernel() is None:
        sys.exit("the fused CL loops did not build here (no C compiler?): nothing to compare")
    (ln, gn), (lo, go) = _step(new, b1, b2, a.loss), _step(old, b1, b2, a.loss)
    lc, gc = _closed_form(new, b1, b2, a.loss)
    for name, l1, g1 in (("autograd", ln, gn), ("closed_form", lc, gc)):
        err = max(float((x - y).abs().max() / y.abs().max().clamp_min(1e-300)) for x, y in zip(g1, go))
        print(f"float64, {name} vs cl_v1: loss difference {float((l1 - lo).detach().abs()):.1e}, "
              f"largest relative gradient difference {err:.1e}")
    new, old = _models(dist, torch.float32)
    runs = {"closed_form": (_closed_form, new), "autograd": (_step, new), "cl_v1": (_step, old)}
    times = {k: [] for k in runs}
    for _ in range(a.rounds):
        for name, (fn, m) in runs.items():
            fn(m, b1, b2, a.loss)                                # warm
            t = time.thread_time()
            fn(m, b1, b2, a.loss)
            times[name].append(time.thread_time() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"P = {a.P}, K = {a.K}, {a.batch} images x 2 views, {a.loss}, float32, one thread "
          f"(median of {a.rounds} rounds, thread CPU time)")
    for k, v in med.items():
        print(f"  {k:12s} {1e3 * v:8.1f} ms/step  ({med['cl_v1'] / v:.2f}x cl_v1)")
    print(f"  closed_form is {med['autograd'] / med['closed_form']:.2f}x autograd")


if __name__ == "__main__":
    main()
