"""The data distribution of Definition 2.1 (Assumptions 2.2, 2.3) and the masking of
Definition 2.5 of the ``fpc`` paper.

An image has ``P`` patches. Cluster ``k`` (uniform over ``K``) partitions the positions into
areas ``P_{k,1..N_k}``; area 1 is *global* with ``C_{k,1} = round(c_global * P**kappa_c)``
patches, the others *local* with about ``c_local * P**kappa_s`` patches each. Every patch of
area ``a`` equals ``z_a v_{k,a}`` with orthonormal features and ``z_a`` in ``[z_low, z_high]``.
Masking sets a uniformly random subset of exactly ``round(gamma * P)`` positions to 0.

Everything is kept in *coordinates*: cluster ids, amplitudes ``z`` and masked positions.
``models.attention`` turns them into explicit vectors (full model) or uses them directly
(reduced model).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .errors import InvalidParameter

Z_DISTS = ("uniform", "constant", "two-point")


@dataclass(frozen=True)
class DataConfig:
    P: int = 64                 # number of patches
    K: int = 2                  # number of clusters (partitions)
    kappa_c: float = 0.9        # global area size ~ P**kappa_c
    kappa_s: float = 0.2        # local area size ~ P**kappa_s, kappa_s < kappa_c
    gamma: float = 0.5          # masking ratio; round(gamma*P) patches are masked
    z_low: float = 1.0          # L: support of the latent amplitudes z
    z_high: float = 2.0         # U
    z_dist: str = "uniform"     # "uniform" on [L, U], "constant" (= L), "two-point" {L, U}
    c_global: float = 1.0       # C_{k,1} = round(c_global * P**kappa_c)
    c_local: float = 1.0        # local size = max(1, round(c_local * P**kappa_s))
    partition_seed: int = 0     # fixes the clusters' partitions (part of the distribution)

    def validate(self) -> "DataConfig":
        if not isinstance(self.P, int) or self.P < 4:
            raise InvalidParameter("P", self.P, "must be an integer >= 4")
        if not isinstance(self.K, int) or self.K < 1:
            raise InvalidParameter("K", self.K, "must be an integer >= 1")
        if not 0 < self.kappa_s < self.kappa_c <= 1:
            raise InvalidParameter("kappa_s", self.kappa_s,
                                   f"need 0 < kappa_s < kappa_c <= 1 (kappa_c={self.kappa_c})")
        if not 0 < self.gamma < 1:
            raise InvalidParameter("gamma", self.gamma, "the masking ratio must lie in (0, 1)")
        m = round(self.gamma * self.P)
        if not 1 <= m <= self.P - 1:
            raise InvalidParameter("gamma", self.gamma,
                                   f"round(gamma*P) = {m} masked patches; need between 1 and P-1")
        if not 0 < self.z_low <= self.z_high:
            raise InvalidParameter("z_low", self.z_low, f"need 0 < z_low <= z_high (z_high={self.z_high})")
        if self.z_dist not in Z_DISTS:
            raise InvalidParameter("z_dist", self.z_dist, f"must be one of {Z_DISTS}")
        cg = self.global_size
        if not 1 <= cg <= self.P - 1:
            raise InvalidParameter("kappa_c", self.kappa_c,
                                   f"global area of {cg} patches leaves no room for a local area at P={self.P}")
        if self.local_size > self.P - cg:
            raise InvalidParameter("kappa_s", self.kappa_s,
                                   f"local area of {self.local_size} patches does not fit in the "
                                   f"{self.P - cg} positions left by the global area")
        return self

    @property
    def n_masked(self) -> int:
        return round(self.gamma * self.P)

    @property
    def global_size(self) -> int:
        return int(round(self.c_global * self.P ** self.kappa_c))

    @property
    def local_size(self) -> int:
        return max(1, int(round(self.c_local * self.P ** self.kappa_s)))

    @property
    def delta(self) -> float:
        """Information gap (4.1): Delta = (1 - kappa_s) - 2 (1 - kappa_c)."""
        return (1 - self.kappa_s) - 2 * (1 - self.kappa_c)


@dataclass
class Batch:
    """n images in coordinates. Shapes: cluster (n,), z (n, Nmax), mask (n, P) bool,
    masked_idx (n, m) sorted masked positions."""

    cluster: torch.Tensor
    z: torch.Tensor
    mask: torch.Tensor
    masked_idx: torch.Tensor
    # derived, filled by Distribution.sample
    area_idx: torch.Tensor = field(default=None)   # (n, P) area of each position
    feat_idx: torch.Tensor = field(default=None)   # (n, P) global feature index of each position
    zq: torch.Tensor = field(default=None)         # (n, P) amplitude of each patch

    @property
    def n(self) -> int:
        return self.cluster.shape[0]

    def to(self, device=None, dtype=None) -> "Batch":
        def mv(t):
            if t is None:
                return None
            if t.is_floating_point() and dtype is not None:
                t = t.to(dtype)
            return t.to(device) if device is not None else t
        return Batch(*(mv(getattr(self, f)) for f in
                       ("cluster", "z", "mask", "masked_idx", "area_idx", "feat_idx", "zq")))

    def subset(self, rows) -> "Batch":
        return Batch(*(getattr(self, f)[rows] for f in
                       ("cluster", "z", "mask", "masked_idx", "area_idx", "feat_idx", "zq")))


class Distribution:
    """The partitions of the K clusters and a sampler of masked images."""

    def __init__(self, cfg: DataConfig):
        self.cfg = cfg.validate()
        P, K = cfg.P, cfg.K
        cg, cs = cfg.global_size, cfg.local_size
        n_local = (P - cg) // cs
        sizes = [cg] + [cs] * n_local
        for r in range((P - cg) - n_local * cs):    # spread the remainder over local areas
            sizes[1 + r % n_local] += 1
        self.sizes_per_area = sizes                  # same sizes for every cluster
        self.N = len(sizes)                          # areas per cluster (N_k, equal for all k)
        rng = np.random.default_rng(cfg.partition_seed)
        area = np.empty((K, P), dtype=np.int64)
        for k in range(K):
            perm = rng.permutation(P)                # cluster k's own partition of positions
            area[k, perm] = np.repeat(np.arange(self.N), sizes)
        self.area = torch.from_numpy(area)                                  # (K, P)
        self.feat_offset = torch.arange(K, dtype=torch.int64) * self.N      # (K,)
        self.n_features = K * self.N                                        # sum_k N_k

    # -- structure ---------------------------------------------------------------------
    @property
    def P(self) -> int:
        return self.cfg.P

    @property
    def K(self) -> int:
        return self.cfg.K

    def area_sizes(self) -> torch.Tensor:
        """(K, N) patch counts C_{k,a}."""
        return torch.tensor([self.sizes_per_area] * self.K, dtype=torch.int64)

    # -- sampling ----------------------------------------------------------------------
    def sample_z(self, n: int, g: torch.Generator) -> torch.Tensor:
        c = self.cfg
        u = torch.rand(n, self.N, generator=g, dtype=torch.float64)
        if c.z_dist == "uniform":
            return c.z_low + (c.z_high - c.z_low) * u
        if c.z_dist == "constant":
            return torch.full((n, self.N), float(c.z_low), dtype=torch.float64)
        return torch.where(u < 0.5, c.z_low, c.z_high).to(torch.float64)

    def sample_masks(self, n: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Uniform subsets of exactly m positions without replacement (argsort of noise)."""
        m = self.cfg.n_masked
        idx = torch.rand(n, self.P, generator=g).argsort(dim=1)[:, :m].sort(dim=1).values
        mask = torch.zeros(n, self.P, dtype=torch.bool)
        mask.scatter_(1, idx, True)
        return mask, idx

    def sample(self, n: int, g: torch.Generator, cluster: int | None = None) -> Batch:
        if not isinstance(n, int) or n < 1:
            raise InvalidParameter("n", n, "the number of samples must be a positive integer")
        cl = (torch.full((n,), cluster, dtype=torch.int64) if cluster is not None
              else torch.randint(self.K, (n,), generator=g))
        z = self.sample_z(n, g)
        mask, idx = self.sample_masks(n, g)
        return self.complete(Batch(cl, z, mask, idx))

    def complete(self, b: Batch) -> Batch:
        """Fill the derived fields of a batch built from (cluster, z, mask, masked_idx)."""
        b.area_idx = self.area[b.cluster]                                   # (n, P)
        b.feat_idx = self.feat_offset[b.cluster][:, None] + b.area_idx      # (n, P)
        b.zq = b.z.gather(1, b.area_idx)                                    # (n, P)
        return b

    def with_masks(self, b: Batch, mask: torch.Tensor) -> Batch:
        """The same images under other masks (each row must mask exactly m positions)."""
        counts = mask.sum(1)
        if not bool((counts == self.cfg.n_masked).all()):
            raise InvalidParameter("mask", counts.tolist()[:5], f"each row must mask {self.cfg.n_masked}")
        idx = mask.nonzero()[:, 1].reshape(b.n, -1)
        return self.complete(Batch(b.cluster, b.z, mask, idx))
