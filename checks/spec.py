"""``python -m checks spec [ID...] [--json]``: the machine-readable specification of claims.

One document (``document: "mlclaims-spec"``, ``spec_version``) validated by the JSON schema
shipped next to this module (``spec.schema.json``): per claim its id, source (paper, location,
verbatim quote), statement (plain and LaTeX), interpretation, assumptions (SymPy ``srepr`` and
LaTeX, or a marked Python predicate), predictions and regime conditions of the quick profile
(with their mathematical form), dependencies, profiles and scale, so that other tools can
consume the catalogue without importing Python code.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from claims import _registry
from claims._base import Claim, config_as_json

SPEC_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("spec.schema.json")


def _profiles(c: Claim) -> dict:
    return {name: {k: (list(v) if isinstance(v, tuple) else v) for k, v in dict(p).items()}
            for name, p in c.profiles.items()}


def claim_spec(c: Claim) -> dict:
    cfg = c.resolve_config("quick") if c.config is not None else None
    preds = list(c.predictions(cfg)) if c.predictions and cfg is not None else []
    regime = list(c.regime(cfg)) if c.regime and cfg is not None else []
    paper = _registry.papers().get(c.paper)
    return {
        "id": c.id, "paper": c.paper, "paper_title": paper.title if paper else c.paper,
        "kind": c.kind, "title": c.title,
        "source": dataclasses.asdict(c.source),
        "statement": c.statement, "statement_latex": c.statement_latex,
        "interpretation": c.interpretation,
        "assumptions": [a.as_json() for a in c.assumptions],
        "symbols": {n: {k: v for k, v in s.assumptions0.items() if k in ("real", "positive", "nonnegative", "integer")}
                    for n, s in c.symbols().items()},
        "predictions": [p.as_json() for p in preds],
        "regime": [r.as_json() for r in regime],
        "depends_on": list(c.depends_on),
        "profiles": _profiles(c),
        "config": config_as_json(cfg),
        "deterministic": c.deterministic,
        "asymptotic_in": list(c.asymptotic_in), "scale_fields": list(c.scale_fields),
        "reduced_scale": c.reduced_scale,
        "has_derivation": c.derive is not None, "has_check": c.check is not None,
        "not_algebraic": c.not_algebraic, "not_checkable": c.not_checkable,
    }


def document(ids: list[str] | None = None) -> dict:
    claims = [_registry.get(i) for i in ids] if ids else _registry.all_claims()
    return {"document": "mlclaims-spec", "spec_version": SPEC_VERSION,
            "papers": {k: p.as_json() for k, p in sorted(_registry.papers().items())},
            "claims": [claim_spec(c) for c in claims]}


def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def render_text(doc: dict) -> str:
    """The specification as a reader sees it in a terminal: Unicode mathematics."""
    import sympy as sp
    lines = []
    for c in doc["claims"]:
        lines.append(f"{c['id']}: {c['title']}  [{c['kind']}, {c['source']['section']}]")
        lines.append(f"  statement: {c['statement']}")
        if c["interpretation"]:
            lines.append(f"  interpretation: {c['interpretation']}")
        lines.append("  assumptions:")
        for a in c["assumptions"]:
            if a["kind"] == "sympy":
                rel = sp.sympify(a["srepr"]) if a["srepr"] else None
                shown = sp.pretty(rel, use_unicode=True) if rel is not None else a["formula"]
                each = f"for every {', '.join(a['each'][1])} in {a['each'][0]}: " if a["each"] else ""
                lines.append(f"    {each}{shown}" + (f"   ({a['text']})" if a["text"] != a["formula"] else ""))
            else:
                lines.append(f"    [python predicate] {a['text']}")
        if c["predictions"]:
            lines.append("  predictions (quick profile, fixed before measuring):")
            for p in c["predictions"]:
                rule = p["rule"].replace("<=", "≤").replace(">=", "≥")
                lines.append(f"    {rule}   {p['statement']}")
        if c["regime"]:
            lines.append("  regime conditions:")
            lines += [f"    {r['rule'].replace('<=', '≤').replace('>=', '≥')}   {r['statement']}" for r in c["regime"]]
        if c["depends_on"]:
            lines.append(f"  depends on: {', '.join(c['depends_on'])}")
        lines.append("")
    return "\n".join(lines)
