"""tlc.def5.1: s = k / N_0 (Definition 5.1, eq. (18)), with k bounded by
rank(g(f(X))), which under Assumption 4.5 (each reconstructed row is a linear combination
of the N visible representations) is at most min(N, F)."""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from claims import Assumption, Claim, Derivation, Measurement, Prediction, Source, register
from claims._sym import fact, identity, nonnegative

from ._common import reconstruction_rank


@dataclass(frozen=True)
class Config:
    tokens: int = 64                      # T = N + N_0
    feat: int = 96                        # F, dimension of the representations
    mask_ratios: tuple = (0.5, 0.6, 0.7, 0.8, 0.9)
    n_draws: int = 5
    decoder: str = "linear"               # "linear" (Assumption 4.5) | "tanh" (violates it)


def predictions(cfg):
    return (Prediction("max_excess", "s = k/N_0 with k = rank(g(f(X))) never exceeds min(N, N_0, F)/N_0 "
                       "(max of s - bound)", "<=", 0.0,
                       math=r"\max \left(s - \frac{\min(N, N_0, F)}{N_0}\right) \le 0"),)


def check(cfg, ctx) -> Measurement:
    pts = [dict(T=cfg.tokens, F=cfg.feat, m=m, decoder=cfg.decoder, seed=ctx.seed_for("def5.1", i, j))
           for i, m in enumerate(cfg.mask_ratios) for j in range(cfg.n_draws)]
    rows = ctx.map(reconstruction_rank, pts)
    return Measurement(values={"max_excess": max(r["s"] - r["bound"] for r in rows)}, evidence={"rows": rows},
                       series={"s": {"x": [r["mask_ratio"] for r in rows], "ys": {"s": [r["s"] for r in rows],
                               "bound": [r["bound"] for r in rows]}, "xlabel": "mask ratio", "ylabel": "s = k/N_0",
                               "kind": "scatter"}})


def derive(cfg) -> Derivation:
    k, N0 = sp.symbols("k N_0", positive=True, integer=True)
    j = sp.Symbol("j", nonnegative=True, integer=True)           # j = N_0 - k >= 0, i.e. k <= N_0
    s = k / N0
    return Derivation((
        identity("definition", s * N0, k, "s N_0 = k (18)"),
        fact("s_positive", "k >= 1 and N_0 >= 1 imply s = k/N_0 > 0", bool(s.is_positive),
             f"SymPy's assumption system on k, N_0 positive integers: (k/N_0).is_positive = {s.is_positive}", s),
        nonnegative("s_at_most_1", sp.simplify(1 - s.subs(k, N0 - j)),
                    "k = N_0 - j with j >= 0 (k <= N_0) implies 1 - s = j/N_0 >= 0", certificate=j / N0),
    ))


CLAIM = register(Claim(
    id="tlc.def5.1",
    title="Definition 5.1: s = k/N_0, with k limited by rank(g(f(X))) <= N",
    kind="definition",
    statement="s = k/N_0 where k, the number of leading eigenvectors, is subject to rank(g(f(X))); under "
              "Assumption 4.5 that rank is at most min(N, F), so s <= min(N, N_0, F)/N_0.",
    statement_latex=(
        r"$s = \frac{k}{N_0}$ (18), where $k$, the number of leading eigenvectors, is subject to "
        r"$\operatorname{rank}(g \circ f(X))$; under Assumption 4.5 that rank is at most $\min(N, F)$, so "
        r"$s \le \frac{\min(N, N_0, F)}{N_0}$."),
    source=Source("tlc", "Definition 5.1, eq. (18)",
                  '**Definition 5.1.** Let s be the ratio of appropriate cluster numbers to total n'
                  'umber of tokens. We have $$s = \\frac{\\text{num_cluster}}{\\text{num_tokens}} = \\f'
                  'rac{k}{N_0}, \\quad (18)$$ 232 where k is the number of leading eigenvectors in S'
                  'pectral Clustering, and N_0 is the number of tokens 233 for reconstruction.'),
    assumptions=(Assumption.relation("decoder = 'linear' (Assumption 4.5)", ("decoder",), lambda d: d == "linear"),
                 Assumption.math("0 < rho < 1", each=("mask_ratios", "rho"),
                                 text="every mask ratio rho lies in (0, 1)"),
                 Assumption.relation("at least one visible token at every mask ratio: floor(T (1 - m)) >= 1",
                                     ("mask_ratios", "tokens"), lambda ms, T: all(int(T * (1 - m)) >= 1 for m in ms))),
    depends_on=("tlc.asm4.1",),
    config=Config,
    profiles={"quick": {}, "full": {"tokens": 196, "feat": 768, "n_draws": 20}},
    deterministic=True, predictions=predictions, check=check, derive=derive,
    notes="The seed calls s a ratio to the 'total number of tokens' but divides by N_0, the masked tokens only.",
))
