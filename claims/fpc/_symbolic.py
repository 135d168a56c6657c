"""A small symbolic instance of the fpc model for SymPy derivations.

One masked query p in area j, keys in three areas ``j, a, c`` (two unmasked keys in j and
a, one in c) and one masked key. Logits follow (3.2): s_q = z_b Phi_b + Ups_q for an
unmasked key q in area b, s_q = Ups_q for a masked key. To keep every expression rational,
the exponentials w_q = exp(s_q) are positive symbols and derivatives go through the chain
rule d w_q / d theta = w_q * d s_q / d theta, which is exact for w = exp(s).
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

AREAS = ("j", "a", "c")
KEYS = (("j", False), ("j", False), ("a", False), ("a", False), ("c", False), ("j", True))


@dataclass
class SymbolicQuery:
    z: dict            # area -> z_b (positive)
    Phi: dict          # area -> Phi_{p -> v_b}
    Ups: list          # key -> Ups_{p -> q}
    w: list            # key -> exp(s_q) (positive symbols)
    s: list            # key -> logit expression
    attn: list         # key -> w_q / sum w
    A: dict            # area -> attention to its unmasked keys (3.1)
    v: dict            # area -> unit feature vector (standard basis of R^3)
    Xt: list           # key -> masked input vector
    Xp: sp.Matrix      # the clean patch z_j v_j
    F: sp.Matrix       # output F_p = sum_q attn_q Xt_q
    loss: sp.Expr      # 1/2 ||X_p - F_p||^2

    def d_logit(self, expr, q: int):
        """d expr / d s_q via w_q: exact chain rule for w_q = exp(s_q)."""
        return sp.diff(expr, self.w[q]) * self.w[q]

    def d(self, expr, theta: sp.Symbol):
        """d expr / d theta through all logits."""
        return sum(self.d_logit(expr, q) * sp.diff(self.s[q], theta) for q in range(len(KEYS)))


def build() -> SymbolicQuery:
    z = {b: sp.Symbol(f"z_{b}", positive=True) for b in AREAS}
    Phi = {b: sp.Symbol(f"Phi_{b}", real=True) for b in AREAS}
    Ups = [sp.Symbol(f"Upsilon_{i}", real=True) for i in range(len(KEYS))]
    w = [sp.Symbol(f"w_{i}", positive=True) for i in range(len(KEYS))]
    s = [(0 if masked else z[b] * Phi[b]) + Ups[i] for i, (b, masked) in enumerate(KEYS)]
    total = sum(w)
    attn = [wq / total for wq in w]
    v = {b: sp.Matrix([1 if i == k else 0 for i in range(len(AREAS))]) for k, b in enumerate(AREAS)}
    Xt = [sp.zeros(len(AREAS), 1) if masked else z[b] * v[b] for b, masked in KEYS]
    F = sum((attn[i] * Xt[i] for i in range(len(KEYS))), sp.zeros(len(AREAS), 1))
    Xp = z["j"] * v["j"]
    r = Xp - F
    loss = sp.Rational(1, 2) * (r.T * r)[0]
    A = {b: sum(attn[i] for i, (bb, m) in enumerate(KEYS) if bb == b and not m) for b in AREAS}
    return SymbolicQuery(z, Phi, Ups, w, s, attn, A, v, Xt, Xp, F, loss)


def rational_simplify(expr):
    """Canonical form of a rational function (numerator/denominator expanded, gcd removed):
    zero exactly when the expression is identically zero."""
    return sp.cancel(sp.together(expr))


def D_paper(q: SymbolicQuery, area: str, perturb=0):
    """D_a of Lemma 5.1 as SPEC.md writes it (perturb adds perturb*z_j^2 to test the test)."""
    z, A = q.z, q.A
    j = "j"
    if area == j:
        return z[j] ** 2 * (1 - A[j]) ** 2 + sum(z[b] ** 2 * A[b] ** 2 for b in AREAS if b != j) + perturb * z[j] ** 2
    return (-z[j] ** 2 * A[j] * (1 - A[j]) - z[area] ** 2 * A[area] * (1 - A[area])
            + sum(z[b] ** 2 * A[b] ** 2 for b in AREAS if b not in (j, area)) + perturb * z[j] ** 2)


def D_masked_paper(q: SymbolicQuery, perturb=0):
    """D(q) of Lemma 5.2 for a masked key q."""
    z, A = q.z, q.A
    return -z["j"] ** 2 * A["j"] * (1 - A["j"]) + sum(z[b] ** 2 * A[b] ** 2 for b in AREAS if b != "j") \
        + perturb * z["j"] ** 2
