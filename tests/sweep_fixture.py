"""A small sweep point for the executor tests (not part of the suite): importable by name from
worker processes, so serial, process and Dask runs can be compared to the last bit."""
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
