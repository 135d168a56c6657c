"""The regularised reconstruction of one masked patch in Lemma 4.6, eqs. (11)-(16).

Shapes: U' is (N, F), rows u'_j = visible patch representations; x = X_{0,i} is (F,);
a = (a_1..a_N). Objective (11): ||U'^T a - x||^2 + lam ||a||^2.
"""
from __future__ import annotations

import numpy as np


def joint_optimum(U: np.ndarray, x: np.ndarray, lam: float) -> np.ndarray:
    """argmin_a ||U^T a - x||^2 + lam ||a||^2 = (U U^T + lam I)^-1 U x, shape (N,)."""
    N = U.shape[0]
    return np.linalg.solve(U @ U.T + lam * np.eye(N), U @ x)


def per_k_optimum(U: np.ndarray, x: np.ndarray, lam: float) -> np.ndarray:
    """(14) line 1 for every k: A_k = (lam/N I + U_k U_k^T)^-1 U_k x_k; shape (F, N)."""
    N = U.shape[0]
    return np.stack([np.linalg.solve(lam / N * np.eye(N) + np.outer(U[:, k], U[:, k]), U[:, k] * x[k])
                     for k in range(U.shape[1])])


def line3(U: np.ndarray, x: np.ndarray, lam: float) -> np.ndarray:
    """(14) line 3 as printed: N/lam U_k x_k - N/lam U_k ||U_k||^2 x_k / (N/lam + ||U_k||^2); (F, N)."""
    N = U.shape[0]
    C = (U ** 2).sum(0)                                        # (F,) ||U'_{:,k}||^2
    return ((N / lam - N / lam * C / (N / lam + C)) * x)[:, None] * U.T


def eq15(U: np.ndarray, x: np.ndarray, lam: float) -> np.ndarray:
    """(15) as printed: N^2/(lam N + lam C) U_k x_k with C = ||U'_{:,k}||^2; (F, N)."""
    N = U.shape[0]
    C = (U ** 2).sum(0)
    return (N ** 2 / (lam * N + lam * C) * x)[:, None] * U.T


def eq16(U: np.ndarray, x: np.ndarray, lam: float) -> np.ndarray:
    """(16) as printed: a_j = N/(lam N + lam C) u'_j^T x, C taken as the mean column norm; (N,)."""
    N = U.shape[0]
    C = float((U ** 2).sum(0).mean())
    return N / (lam * N + lam * C) * (U @ x)


def layernorm_features(N: int, F: int, rng: np.random.Generator) -> np.ndarray:
    """(N, F) outputs of a LayerNorm (no affine) on random token features, as in MAE's decoder."""
    import torch
    z = torch.from_numpy(rng.standard_normal((N, F)) * rng.uniform(0.5, 2.0, size=(N, 1)) + rng.standard_normal(F))
    return torch.nn.functional.layer_norm(z, (F,), eps=1e-6).numpy()


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-300))


def draw_features(features, N, F, rng):
    """N token features in R^F: orthonormal rows scaled to norm sqrt(F), or LayerNorm'd rows."""
    if features == "orthogonal":      # orthonormal rows scaled to the LayerNorm row norm sqrt(F)
        Q, _ = np.linalg.qr(rng.standard_normal((F, N)))
        return np.sqrt(F) * Q.T                                      # (N, F), U U^T = F I
    return layernorm_features(N, F, rng)
