"""Fixtures shared by the model and executor tests (not part of the suite): a small sweep point,
importable by name from worker processes so serial, process and Dask runs can be compared to the
last bit, and a reduced model paired with its closed-form twin in the same random state."""
import os


def probe_point(P: int, K: int, n: int, steps: int, lr: float, seed: int) -> dict:
    """A small sweep point: ``steps`` GD steps of the reduced model (autograd) on ``n`` fresh
    images. Used to check that executors agree to the last bit."""
    import torch

    from models.attention import ReducedMIM
    from models.data import DataConfig, Distribution
    dist = Distribution(DataConfig(P=P, K=K))
    g = torch.Generator().manual_seed(seed)
    b = dist.sample(n, g)
    model = ReducedMIM(dist)
    losses = []
    for _ in range(steps):
        loss = model(b).loss
        gP, gU = torch.autograd.grad(loss, [model.Phi, model.Ups])
        losses.append(float(loss.detach()))
        with torch.no_grad():
            model.Phi.sub_(lr * gP)
            model.Ups.sub_(lr * gU)
    noise = float(torch.rand(()))          # global RNG: seeded from the point by run_point
    return {"loss": losses, "Phi": model.Phi.detach().numpy().copy(),
            "Ups": model.Ups.detach().numpy().copy(), "noise": noise, "pid": os.getpid()}


def reduced_pair(P: int, K: int, n: int, scale: float, seed: int):
    """(dist, batch, ReducedMIM, FastReducedMIM) in float64 with the same random (Phi, Ups)."""
    import torch

    from models.attention import ReducedMIM
    from models.data import DataConfig, Distribution
    from models.fastmim import FastReducedMIM
    dist = Distribution(DataConfig(P=P, K=K))
    g = torch.Generator().manual_seed(seed)
    b = dist.sample(n, g)
    red, fast = ReducedMIM(dist, dtype=torch.float64), FastReducedMIM(dist, dtype=torch.float64)
    with torch.no_grad():
        red.Phi.copy_(scale * torch.randn(red.Phi.shape, dtype=torch.float64, generator=g))
        red.Ups.copy_(scale * torch.randn(red.Ups.shape, dtype=torch.float64, generator=g))
        fast.Phi.copy_(red.Phi)
        fast.Ups.copy_(red.Ups)
    return dist, b, red, fast


def rel(a, b) -> float:
    """Largest absolute difference relative to the largest entry of ``b``."""
    return float((a - b).abs().max() / b.abs().max())
