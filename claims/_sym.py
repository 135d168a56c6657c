"""Constructors for SymPy proof obligations.

An identity is *proved* when SymPy simplifies ``lhs - rhs`` to zero, and *refuted* when a
random exact rational point (respecting the symbols' assumptions) gives a non-zero
residual; the point is recorded as the counterexample. An inequality ``expr >= 0`` is
proved by a certificate (an expression SymPy recognises as non-negative that equals
``expr``) or by SymPy's own assumption system, and refuted by a point where it is negative.
"""
from __future__ import annotations

import random
from typing import Iterable, Mapping

import sympy as sp

from ._base import Obligation

MAX_CHARS = 4000   # longer expressions are shortened in stored results


def _short(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS // 2] + " ... " + text[-MAX_CHARS // 4:]


def _render(expr) -> tuple[str, str, str]:
    try:
        text = sp.sstr(expr)
        if len(text) > MAX_CHARS:      # too big to typeset usefully
            return _short(text), "", ""
        return text, sp.latex(expr), sp.mathml(expr, printer="presentation")
    except Exception:  # printing must never sink a derivation
        return _short(str(expr)), "", ""


def _sample_value(sym: sp.Symbol, rnd: random.Random):
    """An exact rational value compatible with the symbol's assumptions."""
    num = sp.Rational(rnd.randint(1, 97), rnd.randint(1, 13))
    if sym.is_integer:
        num = sp.Integer(rnd.randint(1, 9))
    if sym.is_negative:
        return -num
    if sym.is_positive or sym.is_nonnegative:
        return num
    return num if rnd.random() < 0.5 else -num


def random_points(symbols: Iterable[sp.Symbol], n: int, seed: int = 0,
                  constraint=None) -> list[dict]:
    """``n`` random exact points; ``constraint(point) -> bool`` filters (e.g. 0 < A < 1)."""
    rnd = random.Random(seed)
    symbols = sorted(set(symbols), key=lambda s: s.name)
    pts, tries = [], 0
    while len(pts) < n and tries < 200 * n:
        tries += 1
        pt = {s: _sample_value(s, rnd) for s in symbols}
        if constraint is None or constraint(pt):
            pts.append(pt)
    return pts


def identity(name: str, lhs, rhs, statement: str = "", *, points: int = 12,
             constraint=None, simplifier=sp.simplify) -> Obligation:
    """Obligation ``lhs == rhs`` for all admissible values of the free symbols."""
    lhs, rhs = sp.sympify(lhs), sp.sympify(rhs)
    residual = simplifier(sp.expand(lhs - rhs))
    text, latex, mathml = _render(sp.Eq(lhs, rhs, evaluate=False))
    statement = statement or f"{sp.sstr(lhs)} = {sp.sstr(rhs)}"
    if residual == 0:
        return Obligation(name, statement, "identity", "proved", text, latex, mathml,
                          "SymPy simplifies lhs - rhs to 0")
    res_text = _short(sp.sstr(residual))
    for pt in random_points(residual.free_symbols, points, constraint=constraint) or [{}]:
        val = residual.xreplace(pt)
        val = sp.nsimplify(val) if val.is_number else val
        if val.is_number and val != 0:
            shown = ", ".join(f"{k}={v}" for k, v in sorted(pt.items(), key=lambda kv: kv[0].name))
            where = f"at {shown} it equals" if shown else "it is the non-zero constant"
            return Obligation(name, statement, "identity", "refuted", res_text, latex, mathml,
                              f"lhs - rhs does not simplify to 0; {where} {val} "
                              f"(residual: {res_text})")
    return Obligation(name, statement, "identity", "inconclusive", res_text, latex, mathml,
                      f"SymPy left residual {res_text}, which vanished at every sampled point")


def matrix_identity(name: str, lhs, rhs, statement: str = "", *, points: int = 12,
                    constraint=None, simplifier=sp.simplify) -> Obligation:
    """Obligation ``lhs == rhs`` for two matrices (or vectors), compared entry by entry: proved
    when every entry's residual simplifies to 0; otherwise the entries that differ are named
    with their residuals (and refuted at an exact point when one shows a non-zero value)."""
    lhs, rhs = sp.Matrix(lhs), sp.Matrix(rhs)
    text, latex, mathml = _render(sp.Eq(lhs, rhs, evaluate=False))
    statement = statement or f"{name}: matrices equal entry by entry"
    if lhs.shape != rhs.shape:
        return Obligation(name, statement, "identity", "refuted", text, latex, mathml,
                          f"shapes differ: {lhs.shape} vs {rhs.shape}")
    bad = []
    for (i, j), residual in sorted(((i, j), simplifier(sp.expand(lhs[i, j] - rhs[i, j])))
                                   for i in range(lhs.rows) for j in range(lhs.cols)):
        if residual != 0:
            bad.append(((i, j), residual))
    if not bad:
        return Obligation(name, statement, "identity", "proved", text, latex, mathml,
                          f"all {lhs.rows * lhs.cols} entries of lhs - rhs simplify to 0")
    listed = "; ".join(f"[{i},{j}]: {_short(sp.sstr(r))}" for (i, j), r in bad[:8])
    more = f" (and {len(bad) - 8} more)" if len(bad) > 8 else ""
    for (i, j), residual in bad:
        for pt in random_points(residual.free_symbols, points, constraint=constraint) or [{}]:
            val = residual.xreplace(pt)
            if val.is_number and sp.nsimplify(val) != 0:
                shown = ", ".join(f"{k}={v}" for k, v in sorted(pt.items(), key=lambda kv: kv[0].name))
                return Obligation(name, statement, "identity", "refuted", text, latex, mathml,
                                  f"{len(bad)} entr{'y differs' if len(bad) == 1 else 'ies differ'}: {listed}{more}; "
                                  f"entry [{i},{j}] is {sp.nsimplify(val)} at {shown or 'every point'}")
    return Obligation(name, statement, "identity", "inconclusive", text, latex, mathml,
                      f"entries with residuals SymPy could not simplify: {listed}{more}")


def nonnegative(name: str, expr, statement: str = "", *, certificate=None, points: int = 40,
                constraint=None) -> Obligation:
    """Obligation ``expr >= 0`` under the symbols' assumptions (and ``constraint``)."""
    expr = sp.sympify(expr)
    text, latex, mathml = _render(sp.GreaterThan(expr, 0, evaluate=False))
    statement = statement or f"{sp.sstr(expr)} >= 0"
    if certificate is not None:
        certificate = sp.sympify(certificate)
        if sp.simplify(expr - certificate) == 0 and certificate.is_nonnegative:
            return Obligation(name, statement, "inequality", "proved", text, latex, mathml,
                              f"equals {sp.sstr(certificate)}, non-negative term by term")
    if expr.is_nonnegative:
        return Obligation(name, statement, "inequality", "proved", text, latex, mathml,
                          "SymPy's assumption system shows it is non-negative")
    for pt in random_points(expr.free_symbols, points, constraint=constraint):
        val = expr.xreplace(pt)
        if val.is_number and val < 0:
            shown = ", ".join(f"{k}={v}" for k, v in sorted(pt.items(), key=lambda kv: kv[0].name))
            return Obligation(name, statement, "inequality", "refuted", text, latex, mathml,
                              f"negative at {shown}: {sp.nsimplify(val)}")
    return Obligation(name, statement, "inequality", "inconclusive", text, latex, mathml,
                      "no certificate and no counterexample among sampled points")


def fact(name: str, statement: str, holds: bool, detail: str, expr=None) -> Obligation:
    """A symbolic fact decided by a SymPy computation done by the caller (e.g. a limit)."""
    text, latex, mathml = _render(expr) if expr is not None else ("", "", "")
    return Obligation(name, statement, "fact", "proved" if holds else "refuted", text, latex,
                      mathml, detail)


def substitute(expr, mapping: Mapping) -> sp.Expr:
    return sp.sympify(expr).subs(mapping)
