"""tlc.sec3.3: spectral clustering with the normalised adjacency D^{-1/2} A D^{-1/2}
(top-k eigenvectors, then k-means) recovers planted clusters (Section 3.3, eq. (4))."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from claims import Claim, Measurement, Prediction, Source, register
from claims._base import Assumption

from ._common import normalized_adjacency


@dataclass(frozen=True)
class Config:
    sizes: tuple = (60, 120, 240)    # graph sizes n swept
    k: int = 3                        # planted clusters (equal sizes)
    p_in: float = 0.5                 # edge probability inside a cluster
    p_out: float = 0.05               # edge probability across clusters
    seeds_per_size: int = 3
    ari_min: float = 0.9              # recovery threshold on the adjusted Rand index


def _one_graph(n, k, p_in, p_out, seed):
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(k), int(np.ceil(n / k)))[:n]
    rng.shuffle(labels)
    P = np.where(labels[:, None] == labels[None, :], p_in, p_out)       # (n, n) edge probabilities
    U = np.triu(rng.random((n, n)) < P, 1).astype(float)
    A = U + U.T + np.eye(n)                                              # (4) with self-loops: degrees > 0
    Anorm = normalized_adjacency(A)                                      # D^{-1/2} A D^{-1/2}
    vals, vecs = np.linalg.eigh(Anorm)                                   # ascending
    emb = vecs[:, -k:]                                                   # (n, k) top-k eigenvectors
    pred = KMeans(k, n_init=5, random_state=seed).fit_predict(emb)
    return {"n": n, "seed": seed, "ari": float(adjusted_rand_score(labels, pred)),
            "top_eigs": [float(v) for v in vals[-(k + 1):][::-1]]}


def predictions(cfg):
    return (Prediction("min_ari", f"k-means on the top-{cfg.k} eigenvectors of D^-1/2 A D^-1/2 recovers "
                       "the planted clusters at every size (adjusted Rand index)", ">=", cfg.ari_min),)


def check(cfg, ctx) -> Measurement:
    pts = [dict(n=n, k=cfg.k, p_in=cfg.p_in, p_out=cfg.p_out, seed=ctx.seed * 1000 + 10 * i + j)
           for i, n in enumerate(cfg.sizes) for j in range(cfg.seeds_per_size)]
    rows = ctx.map(_one_graph, pts, desc="spectral clustering")
    by_n = {n: [r["ari"] for r in rows if r["n"] == n] for n in cfg.sizes}
    return Measurement(
        values={"min_ari": min(r["ari"] for r in rows)},
        evidence={"rows": rows, "mean_ari_by_n": {str(n): float(np.mean(v)) for n, v in by_n.items()}},
        series={"ari": {"x": [r["n"] for r in rows], "ys": {"ARI": [r["ari"] for r in rows]},
                        "xlabel": "nodes n", "ylabel": "adjusted Rand index", "kind": "scatter"}},
    )


CLAIM = register(Claim(
    id="tlc.sec3.3",
    title="Spectral clustering with the normalised adjacency recovers planted clusters",
    kind="assertion",
    statement="For a graph with k planted clusters (edge probability p_in inside, p_out < p_in across), "
              "k-means on the top-k eigenvectors of D^{-1/2} A D^{-1/2} returns the planted partition.",
    source=Source("tlc", "Section 3.3, eq. (4)",
                  'The normalized adjacency matrix is defined as $\\mathcal{A} = D^{-\\frac{1}{2}} A '
                  'D^{-\\frac{1}{2}}$, where D is the degree matrix of 131 graph G , which is a diag'
                  'onal matrix such that $D_{ii} = \\sum_{j=1}^n w_{ij} = w_i$. To get k cluster of '
                  'the graph, 132 take the leading top k eigenvectors of \\mathcal{A} as node embedd'
                  'ing and perform k-means algorithm on the 133 node embedding [26].'),
    assumptions=(
        Assumption.integer("k", 2),
        Assumption.relation("0 <= p_out < p_in <= 1: the clusters are planted", ("p_out", "p_in"),
                            lambda o, i: 0 <= o < i <= 1),
        Assumption.relation("every size n >= 4k", ("sizes", "k"), lambda s, k: all(n >= 4 * k for n in s)),
    ),
    config=Config,
    profiles={"quick": {}, "full": {"sizes": (100, 300, 1000, 3000), "seeds_per_size": 10}},
    predictions=predictions, check=check,
    not_algebraic="a statement about a random graph and k-means, checked numerically",
    notes="Embedding rows are not normalised (the seed's recipe); Ng-Jordan-Weiss normalise them.",
))
