"""Assumptions as SymPy relations over named symbols of a claim's configuration.

``relation("0 < kappa_s < kappa_c < 1", each=("gaps", ("kappa_c", "kappa_s")))`` declares the
symbols ``kappa_c, kappa_s`` of one element of the tuple field ``gaps``; the relation must hold
for every element. ``defs={"Delta": "(1 - kappa_s) - 2*(1 - kappa_c)"}`` names an expression of
the others. From this one declaration the suite checks a configuration numerically (naming the
violated relation and the values), renders it (LaTeX, hence MathML), hands the same symbols and
their assumptions to ``derive``, and exports it (``python -m checks spec``).
"""
from __future__ import annotations

import math
import re
from typing import Any, Mapping, Sequence

import sympy as sp
from sympy.parsing.sympy_parser import (
    convert_xor,
    parse_expr,
    standard_transformations,
)

_CMP = re.compile(r"(<=|>=|==|!=|<|>)")
_OPS = {"<": sp.StrictLessThan, "<=": sp.LessThan, ">": sp.StrictGreaterThan, ">=": sp.GreaterThan,
        "==": sp.Eq, "!=": sp.Ne}
_TRANSFORMS = standard_transformations + (convert_xor,)
# names SymPy would otherwise read as its own objects
_RESERVED = {"gamma", "beta", "zeta", "lambda", "E", "I", "N", "O", "Q", "S", "pi"}


def _parse(text: str, names: Mapping[str, sp.Symbol]) -> sp.Expr:
    local = {**{n: sp.Symbol(n, real=True) for n in _RESERVED}, **names}
    return parse_expr(text, local_dict=local, transformations=_TRANSFORMS, evaluate=True)


def parse_relation(text: str, names: Mapping[str, sp.Symbol]) -> sp.Basic:
    """``"0 < a <= b < 1"`` -> And(0 < a, a <= b, b < 1); ``" & "`` / ``" | "`` combine parts."""
    if "&" in text:
        return sp.And(*(parse_relation(t, names) for t in text.split("&")))
    if "|" in text:
        return sp.Or(*(parse_relation(t, names) for t in text.split("|")))
    parts = _CMP.split(text)
    if len(parts) < 3:
        raise ValueError(f"{text!r} is not a relation (no <, <=, >, >=, == or !=)")
    exprs = [_parse(p.strip(), names) for p in parts[0::2]]
    ops = parts[1::2]
    return sp.And(*(_OPS[op](a, b, evaluate=False) for op, a, b in zip(ops, exprs, exprs[1:])))


def free_names(text: str) -> list[str]:
    """Identifiers in a relation's text, in order of appearance."""
    seen = []
    for tok in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text):
        if tok not in seen and tok not in ("Abs", "sqrt", "log", "exp", "Min", "Max", "oo"):
            seen.append(tok)
    return seen


def to_sympy_number(name: str, value: Any):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}={value!r} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise TypeError(f"{name}={value!r} is not finite")
    return sp.Integer(value) if isinstance(value, int) else sp.Float(value, 17)


def violated_parts(rel: sp.Basic, subs: Mapping[sp.Symbol, Any]) -> list[str] | None:
    """The atomic relations of ``rel`` that are false at ``subs`` ([] if all hold), or None when
    SymPy cannot decide (a symbol left free)."""
    parts = rel.args if isinstance(rel, sp.And) else (rel,)
    bad = []
    for part in parts:
        val = part.subs(subs)
        if val is sp.true or val is True:
            continue
        if val is sp.false or val is False:
            bad.append(sp.sstr(part))
            continue
        return None
    return bad


def _atoms(rels: Sequence[sp.Basic]):
    """(lhs, op, rhs) of every atomic relation, normalised to ``>``/``>=``."""
    flip = {"<": ">", "<=": ">="}
    for rel in rels:
        for part in (rel.args if isinstance(rel, sp.And) else (rel,)):
            if isinstance(part, sp.core.relational.Relational) and part.rel_op in ("<", "<=", ">", ">="):
                if part.rel_op in flip:
                    yield part.rhs, flip[part.rel_op], part.lhs
                else:
                    yield part.lhs, part.rel_op, part.rhs


def implied_assumptions(rels: Sequence[sp.Basic]) -> dict[str, dict[str, bool]]:
    """SymPy assumptions each symbol gets from the relations: ``x > c >= 0`` or ``x >= c > 0``
    makes x positive, ``x >= 0`` nonnegative, and ``x > y`` / ``x >= y`` with y positive makes x
    positive (propagated to a fixpoint)."""
    atoms = list(_atoms(rels))
    pos, nonneg = set(), set()
    changed = True
    while changed:
        changed = False
        for lhs, op, rhs in atoms:
            if not isinstance(lhs, sp.Symbol) or lhs.name in pos:
                continue
            if rhs.is_number:
                p = (op == ">" and rhs >= 0) or (op == ">=" and rhs > 0)
                n = op == ">=" and rhs == 0
            elif isinstance(rhs, sp.Symbol):
                p = rhs.name in pos or (op == ">" and rhs.name in nonneg)
                n = rhs.name in nonneg
            else:
                continue
            if p:
                pos.add(lhs.name)
                changed = True
            elif n and lhs.name not in nonneg:
                nonneg.add(lhs.name)
                changed = True
    out: dict[str, dict[str, bool]] = {n: {"positive": True} for n in pos}
    for n in nonneg - pos:
        out[n] = {"nonnegative": True}
    return out


def latex_name(name: str) -> str:
    """``kappa_c`` -> ``\\kappa_{c}``, ``z_low`` -> ``z_{low}``, ``Delta`` -> ``\\Delta``."""
    head, _, tail = name.partition("_")
    h = sp.latex(sp.Symbol(head))
    return f"{h}_{{{tail.replace('_', ',')}}}" if tail else h


def latex_of(rel: sp.Basic, each: tuple | None = None) -> str:
    names = {s: latex_name(s.name) for s in rel.free_symbols}
    parts = rel.args if isinstance(rel, sp.And) else (rel,)
    body = " \\land ".join(sp.latex(p, symbol_names=names) for p in parts)
    if each:
        field, syms = each
        syms = (syms,) if isinstance(syms, str) else tuple(syms)
        tup = ", ".join(latex_name(n) for n in syms)
        tup = f"({tup})" if len(syms) > 1 else tup
        body = f"\\forall\\, {tup} \\in \\mathrm{{{field.replace('_', chr(92) + '_')}}}:\\ {body}"
    return body
