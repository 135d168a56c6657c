"""tlc.sec3.3: the normalised adjacency D^{-1/2} A D^{-1/2} of Section 3.3 and its use, "take the
leading top k eigenvectors as node embedding, then k-means" (eq. (4)). A definition: what is
checked is what the paper relies on later (Theorem 4.3 reads the eigen-decomposition of this
matrix): it is symmetric, its spectrum lies in [-1, 1], and its leading eigenvalue is 1 with
eigenvector proportional to D^{1/2} 1, so "the leading top k eigenvectors" are well defined
and do not depend on the scale of the weights."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from claims import Assumption, Claim, Measurement, Prediction, Source, register

from ._common import normalized_adjacency


@dataclass(frozen=True)
class Config:
    sizes: tuple = (60, 120, 240)    # graph sizes n
    k: int = 3                        # planted clusters (equal sizes), for the recovery shown as evidence
    p_in: float = 0.5                 # edge probability inside a cluster
    p_out: float = 0.05               # edge probability across clusters
    weight_scale: float = 3.0         # weights w_ij = scale * edge: the normalised matrix must not depend on it
    matrix: str = "normalized"        # "adjacency": use A itself (a false case)


def _one_graph(n, k, p_in, p_out, weight_scale, matrix, seed):
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(k), int(np.ceil(n / k)))[:n]
    rng.shuffle(labels)
    P = np.where(labels[:, None] == labels[None, :], p_in, p_out)       # (n, n) edge probabilities
    U = np.triu(rng.random((n, n)) < P, 1).astype(float)
    A = weight_scale * (U + U.T + np.eye(n))                             # (4) with self-loops: degrees > 0
    M = normalized_adjacency(A) if matrix == "normalized" else A         # D^{-1/2} A D^{-1/2}
    vals, vecs = np.linalg.eigh(M)                                       # ascending
    d_half = np.sqrt(A.sum(1)) / np.linalg.norm(np.sqrt(A.sum(1)))       # D^{1/2} 1, normalised
    emb = vecs[:, -k:]                                                   # (n, k) top-k eigenvectors
    pred = KMeans(k, n_init=5, random_state=seed % (2 ** 31)).fit_predict(emb)
    return {"n": n, "top_eig_gap": float(abs(vals[-1] - 1)), "radius_excess": float(np.abs(vals).max() - 1),
            "top_vec_gap": float(1 - abs(vecs[:, -1] @ d_half)), "asymmetry": float(np.abs(M - M.T).max()),
            "ari": float(adjusted_rand_score(labels, pred)), "top_eigs": [float(v) for v in vals[-(k + 1):][::-1]]}


def predictions(cfg):
    return (
        Prediction("top_eig_gap", "the leading eigenvalue of D^-1/2 A D^-1/2 is 1 (max |lambda_1 - 1| over graphs)",
                   "<=", 1e-10),
        Prediction("radius_excess", "every eigenvalue lies in [-1, 1] (max |lambda| - 1)", "<=", 1e-10),
        Prediction("top_vec_gap", "the leading eigenvector is D^1/2 1 / ||D^1/2 1|| (1 - |cosine|)", "<=", 1e-10),
    )


def check(cfg, ctx) -> Measurement:
    pts = [dict(n=n, k=cfg.k, p_in=cfg.p_in, p_out=cfg.p_out, weight_scale=cfg.weight_scale, matrix=cfg.matrix,
                seed=ctx.seed_for("sec3.3", i)) for i, n in enumerate(cfg.sizes)]
    rows = ctx.map(_one_graph, pts, desc="normalised adjacency")
    return Measurement(
        values={name: max(r[name] for r in rows) for name in ("top_eig_gap", "radius_excess", "top_vec_gap")},
        evidence={"rows": rows, "max_asymmetry": max(r["asymmetry"] for r in rows),
                  "spectral_clustering_ari": {str(r["n"]): r["ari"] for r in rows}},
        series={"ari": {"x": [r["n"] for r in rows], "ys": {"ARI": [r["ari"] for r in rows]},
                        "xlabel": "nodes n", "ylabel": "adjusted Rand index (evidence only)", "kind": "scatter"}})


CLAIM = register(Claim(
    id="tlc.sec3.3",
    title="Definition: spectral clustering with the normalised adjacency D^-1/2 A D^-1/2",
    kind="definition",
    statement="The normalised adjacency D^{-1/2} A D^{-1/2} (D the degree matrix) is symmetric with spectrum in "
              "[-1, 1] and leading eigenpair (1, D^{1/2} 1), so its top-k eigenvectors, the node embedding on "
              "which k-means runs, are well defined and scale free.",
    statement_latex=(
        r"The normalized adjacency matrix $\mathcal{A} = D^{-\frac{1}{2}} A D^{-\frac{1}{2}}$, with "
        r"$D_{ii} = \sum_{j=1}^n w_{ij} = w_i$, is symmetric with spectrum in $[-1, 1]$ and leading "
        r"eigenpair $(1, D^{\frac{1}{2}} \mathbf{1})$, so its top $k$ eigenvectors, the node embedding on "
        r"which k-means runs, are well defined and scale free."),
    source=Source("tlc", "Section 3.3, eq. (4)",
                  'The normalized adjacency matrix is defined as $\\mathcal{A} = D^{-\\frac{1}{2}} A '
                  'D^{-\\frac{1}{2}}$, where D is the degree matrix of 131 graph G , which is a diag'
                  'onal matrix such that $D_{ii} = \\sum_{j=1}^n w_{ij} = w_i$. To get k cluster of '
                  'the graph, 132 take the leading top k eigenvectors of \\mathcal{A} as node embedd'
                  'ing and perform k-means algorithm on the 133 node embedding [26].'),
    assumptions=(
        Assumption.integer("k", 2),
        Assumption.math("0 <= p_out < p_in <= 1", text="0 <= p_out < p_in <= 1: the clusters are planted"),
        Assumption.relation("every size n >= 4k", ("sizes", "k"), lambda s, k: all(n >= 4 * k for n in s)),
        Assumption.range("weight_scale", 0),
        Assumption.relation("matrix = 'normalized' (the definition)", ("matrix",), lambda m: m == "normalized"),
    ),
    config=Config,
    profiles={"quick": {}, "full": {"sizes": (100, 300, 1000, 3000)}},
    deterministic=True, predictions=predictions, check=check,
    not_algebraic="a definition; its properties are standard (the check measures them on random graphs)",
    notes="Section 3.3 describes a procedure, not a result. The old check (k-means recovers planted clusters at "
          "p_in = 0.5, p_out = 0.05) could not fail in practice and tested no statement of the paper; the "
          "recovery is kept as evidence only. What the paper uses later (Theorem 4.3) is the eigen-decomposition "
          "of this matrix, whose well-posedness is checked; the false case uses A itself (leading eigenvalue "
          "= the weighted degree scale, not 1). Embedding rows are not normalised (the seed's recipe).",
))
