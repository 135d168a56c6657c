"""The dependency graph of claims (``depends_on``) with networkx, drawn as inline SVG.

An edge ``dep -> claim`` means the claim's proof uses ``dep``. A dependency with no result
counts as *not verified*. A claim whose own verdict is ``holds`` but which has, anywhere
upstream, a claim that does not hold (fails, error, inconclusive, skipped, not verified) is
*unsupported*: it is outlined in the graph and flagged in the table.
"""
from __future__ import annotations

from html import escape

import networkx as nx

from .summary import anchor

MISSING = "not verified"
FILL = {"holds": "#2e7d32", "fails": "#c62828", "inconclusive": "#f9a825", "error": "#8e24aa",
        "skipped": "#9e9e9e", MISSING: "#ffffff"}
INK = {"holds": "#fff", "fails": "#fff", "inconclusive": "#222", "error": "#fff", "skipped": "#222",
       MISSING: "#555"}
NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 176, 24, 56, 8, 12
MAX_ROWS = 14          # a layer taller than this wraps into another column


def build(results: list[dict]) -> nx.DiGraph:
    """Nodes carry ``verdict`` (or ``not verified``) and ``title``; edges point dep -> claim."""
    g = nx.DiGraph()
    for r in results:
        g.add_node(str(r.get("claim_id")), verdict=r.get("verdict", "error"), title=r.get("title", ""))
    for r in results:
        for dep in r.get("depends_on") or []:
            dep = str(dep)
            if dep not in g:
                g.add_node(dep, verdict=MISSING, title="no result for this claim")
            g.add_edge(dep, str(r.get("claim_id")))
    return g


def unsupported(g: nx.DiGraph) -> dict[str, list[tuple[str, str]]]:
    """Claims that hold themselves but rest on a dependency that does not: id -> [(dep, verdict)]."""
    out = {}
    for node, data in g.nodes(data=True):
        if data["verdict"] != "holds":
            continue
        bad = sorted((a, g.nodes[a]["verdict"]) for a in nx.ancestors(g, node)
                     if g.nodes[a]["verdict"] != "holds")
        if bad:
            out[node] = bad
    return out


def cycles(g: nx.DiGraph) -> list[list[str]]:
    return [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]


def _layers(g: nx.DiGraph) -> list[list[str]]:
    """Longest-path layering of the nodes that have edges (cycles collapsed), ordered by the
    mean row of their predecessors to keep edges short."""
    sub = g.subgraph([n for n in g if g.degree(n) > 0])
    cond = nx.condensation(sub)
    depth: dict[int, int] = {}
    for c in nx.topological_sort(cond):
        depth[c] = max((depth[p] + 1 for p in cond.predecessors(c)), default=0)
    layers: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for c, d in depth.items():
        layers[d].extend(sorted(cond.nodes[c]["members"]))
    row: dict[str, float] = {}
    for layer in layers:
        layer.sort(key=lambda n: (sum(row.get(p, 0) for p in g.predecessors(n)) /
                                  max(1, sum(1 for p in g.predecessors(n) if p in row)), n))
        for i, n in enumerate(layer):
            row[n] = i
    return layers


def _node(n: str, x: float, y: float, data: dict, flagged: list | None) -> str:
    verdict = data["verdict"]
    dash = ' stroke-dasharray="4 3"' if verdict == MISSING else ""
    stroke, width = ("#ef6c00", 3) if flagged else ("#333", 1)
    label = ("⚠ " if flagged else "") + (n if len(n) <= 24 else n[:23] + "…")
    tip = f"{n}: {verdict}" + (f" — {data.get('title')}" if data.get("title") else "")
    if flagged:
        tip += "; holds itself, but depends on " + ", ".join(f"{d} ({v})" for d, v in flagged)
    cls = "gnode unsupported" if flagged else "gnode"
    body = (f'<rect x="{x:.0f}" y="{y:.0f}" width="{NODE_W}" height="{NODE_H}" rx="5" fill="{FILL[verdict]}" '
            f'stroke="{stroke}" stroke-width="{width}"{dash}/>'
            f'<text x="{x + NODE_W / 2:.0f}" y="{y + NODE_H / 2 + 4:.0f}" text-anchor="middle" '
            f'fill="{INK[verdict]}">{escape(label)}</text>')
    link = f'<a href="#{anchor(n)}">{body}</a>' if verdict != MISSING else body
    return (f'<g class="{cls}" data-id="{escape(n)}" data-verdict="{escape(verdict)}">'
            f'<title>{escape(tip)}</title>{link}</g>')


def svg(g: nx.DiGraph, flagged: dict[str, list] | None = None) -> str:
    """Inline SVG: dependency layers left to right, claims without dependencies in a grid below."""
    flagged = flagged or {}
    if g.number_of_nodes() == 0:
        return ""
    pos: dict[str, tuple[float, float]] = {}
    x = PAD
    height = PAD
    for layer in _layers(g):
        for start in range(0, len(layer), MAX_ROWS):
            for i, n in enumerate(layer[start:start + MAX_ROWS]):
                pos[n] = (x, PAD + i * (NODE_H + GAP_Y))
            height = max(height, PAD + min(len(layer) - start, MAX_ROWS) * (NODE_H + GAP_Y))
            x += NODE_W + GAP_X
    width = max(x - GAP_X + PAD, 4 * (NODE_W + GAP_Y) + PAD)
    lone = sorted(n for n in g if n not in pos)
    if lone:
        top = height + (24 if pos else 0)
        per_row = max(1, int((width - PAD) // (NODE_W + GAP_Y)))
        for i, n in enumerate(lone):
            pos[n] = (PAD + (i % per_row) * (NODE_W + GAP_Y), top + (i // per_row) * (NODE_H + GAP_Y))
        height = top + ((len(lone) - 1) // per_row + 1) * (NODE_H + GAP_Y)
    parts = []
    if pos and lone and len(lone) < g.number_of_nodes():
        parts.append(f'<text x="{PAD}" y="{height - ((len(lone) - 1) // per_row + 1) * (NODE_H + GAP_Y) - 8:.0f}" '
                     'class="glabel">claims with no dependency links</text>')
    for a, b in g.edges():
        (x1, y1), (x2, y2) = pos[a], pos[b]
        x1, y1, y2 = x1 + NODE_W, y1 + NODE_H / 2, y2 + NODE_H / 2
        bad = g.nodes[a]["verdict"] != "holds"
        mx = (x1 + x2) / 2
        style = ' stroke="#c62828" stroke-dasharray="5 3"' if bad else ' stroke="#777"'
        parts.append(f'<path class="gedge{" bad" if bad else ""}" data-from="{escape(a)}" data-to="{escape(b)}" d="M{x1:.0f},{y1:.0f} C{mx:.0f},{y1:.0f} '
                     f'{mx:.0f},{y2:.0f} {x2 - 2:.0f},{y2:.0f}" fill="none"{style} stroke-width="1.3" '
                     'marker-end="url(#arrow)"/>')
    for n, (x0, y0) in pos.items():
        parts.append(_node(n, x0, y0, g.nodes[n], flagged.get(n)))
    defs = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="depgraph" width="{width:.0f}" height="{height + PAD:.0f}" '
            f'viewBox="0 0 {width:.0f} {height + PAD:.0f}" role="img" aria-label="dependency graph of claims">'
            f'{defs}{"".join(parts)}</svg>')


def analyse(results: list[dict]) -> dict:
    """``{"svg", "unsupported", "missing", "cycles", "edges"}`` for the template."""
    g = build(results)
    flagged = unsupported(g)
    return {"svg": svg(g, flagged), "unsupported": flagged,
            "used_by": {n: sorted(g.successors(n)) for n in g if g.out_degree(n)},
            "missing": sorted(n for n, d in g.nodes(data=True) if d["verdict"] == MISSING),
            "cycles": cycles(g), "edges": g.number_of_edges()}
