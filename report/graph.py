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
# colour-blind-safe (blue / vermillion / yellow / purple / grey), and never colour alone: each
# verdict also has a mark in the label and a shape (rounded for holds, square for the rest)
FILL = {"holds": "#0b6fa4", "fails": "#c2410c", "inconclusive": "#f0e442", "error": "#882e72",
        "skipped": "#9e9e9e", MISSING: "#ffffff"}
INK = {"holds": "#fff", "fails": "#fff", "inconclusive": "#222", "error": "#fff", "skipped": "#222",
       MISSING: "#555"}
MARK = {"holds": "✓", "fails": "✗", "inconclusive": "?", "error": "!", "skipped": "–", MISSING: "○"}
RADIUS = {"holds": 11, MISSING: 3}
NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 176, 24, 14, 34, 12
MAX_WIDTH = 1300       # a layer wider than this wraps onto another row
LABEL_H = 22


def build(results: list[dict]) -> nx.DiGraph:
    """Nodes carry ``verdict`` (or ``not verified``) and ``title``; edges point dep -> claim."""
    g = nx.DiGraph()
    for r in results:
        g.add_node(str(r.get("claim_id")), verdict=r.get("verdict", "error"), title=r.get("title", ""),
                   statement=str(r.get("statement") or "")[:400],
                   paper=str(r.get("paper") or str(r.get("claim_id")).split(".", 1)[0]))
    for r in results:
        for dep in r.get("depends_on") or []:
            dep = str(dep)
            if dep not in g:
                g.add_node(dep, verdict=MISSING, title="no result for this claim", statement="",
                           paper=dep.split(".", 1)[0])
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
    """Longest-path layering (cycles collapsed), each layer ordered by the mean position of
    its predecessors (then, upwards, of its successors) to keep edges short."""
    cond = nx.condensation(g)
    depth: dict[int, int] = {}
    for c in nx.topological_sort(cond):
        depth[c] = max((depth[p] + 1 for p in cond.predecessors(c)), default=0)
    layers: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for c, d in depth.items():
        layers[d].extend(sorted(cond.nodes[c]["members"]))
    pos: dict[str, float] = {}

    def order(layer, neighbours):
        def key(n):
            near = [pos[m] for m in neighbours(n) if m in pos]
            return (sum(near) / len(near) if near else pos.get(n, 0), n)
        layer.sort(key=key)
        for i, n in enumerate(layer):
            pos[n] = i - (len(layer) - 1) / 2
    for layer in layers:
        order(layer, g.predecessors)
    for layer in reversed(layers[:-1]):
        order(layer, g.successors)
    return layers


def _node(n: str, x: float, y: float, data: dict, flagged: list | None, used_by: int) -> str:
    verdict = data["verdict"]
    dash = ' stroke-dasharray="4 3"' if verdict == MISSING else ""
    stroke, width = ("#ef6c00", 3) if flagged else ("#333", 1)
    short = n if len(n) <= 22 else n[:21] + "…"
    label = ("⚠ " if flagged else "") + MARK.get(verdict, "") + " " + short
    tip = f"{n}: {verdict}" + (f" — {data.get('title')}" if data.get("title") else "")
    if data.get("statement"):
        tip += f"\n{data['statement']}"
    if used_by:
        tip += f"\nused by {used_by} claim(s)"
    if flagged:
        tip += "\nholds itself, but depends on " + ", ".join(f"{d} ({v})" for d, v in flagged)
    cls = "gnode unsupported" if flagged else "gnode"
    body = (f'<rect x="{x:.0f}" y="{y:.0f}" width="{NODE_W}" height="{NODE_H}" rx="{RADIUS.get(verdict, 2)}" '
            f'fill="{FILL.get(verdict, "#ccc")}" stroke="{stroke}" stroke-width="{width}"{dash}/>'
            f'<text x="{x + NODE_W / 2:.0f}" y="{y + NODE_H / 2 + 4:.0f}" text-anchor="middle" '
            f'fill="{INK.get(verdict, "#222")}">{escape(label)}</text>')
    link = f'<a href="#{anchor(n)}">{body}</a>' if verdict != MISSING else body
    paper = escape(data.get("paper", ""))
    return (f'<g class="{cls}" data-id="{escape(n)}" data-verdict="{escape(verdict)}" data-paper="{paper}">'
            f'<title>{escape(tip)}</title>{link}</g>')


def _groups(g: nx.DiGraph) -> list[tuple[str, list[str]]]:
    """Connected groups of claims with dependency links, by paper (largest first), then the
    claims without links, one group per paper: ``[(label, nodes)]``."""
    out = []
    comps = [c for c in nx.weakly_connected_components(g) if len(c) > 1]
    def papers(c):
        counts: dict[str, int] = {}
        for n in c:
            counts[g.nodes[n].get("paper", "")] = counts.get(g.nodes[n].get("paper", ""), 0) + 1
        return sorted(counts, key=lambda p: (-counts[p], p))
    for c in sorted(comps, key=lambda c: (papers(c)[0], -len(c), min(c))):
        ps = papers(c)
        out.append((f"{ps[0]}" + (f" (with {', '.join(ps[1:])})" if len(ps) > 1 else "") + f": {len(c)} linked claims",
                    sorted(c)))
    lone = sorted(n for n in g if g.degree(n) == 0)
    for p in sorted({g.nodes[n].get("paper", "") for n in lone}):
        ns = [n for n in lone if g.nodes[n].get("paper", "") == p]
        out.append((f"{p}: {len(ns)} claim(s) with no dependency links", ns))
    return out


def svg(g: nx.DiGraph, flagged: dict[str, list] | None = None) -> str:
    """Inline SVG, grouped by paper: each group of linked claims top to bottom (a claim below
    the claims its proof uses, a wide layer wrapped onto more rows), then the claims without
    links in a grid per paper."""
    flagged = flagged or {}
    if g.number_of_nodes() == 0:
        return ""
    per_row = max(1, int((MAX_WIDTH - PAD) // (NODE_W + GAP_X)))
    pos: dict[str, tuple[float, float]] = {}
    labels = []
    y = PAD
    width = 0.0
    for label, nodes in _groups(g):
        labels.append((PAD, y + 14, label))
        y += LABEL_H
        sub = g.subgraph(nodes)
        layers = _layers(sub) if sub.number_of_edges() else [nodes]
        linked = sub.number_of_edges() > 0
        rows = [layer[i:i + per_row] for layer in layers for i in range(0, len(layer), per_row)]
        row_w = max(len(r) for r in rows) * (NODE_W + GAP_X) - GAP_X
        for r in rows:
            off = PAD + ((row_w - (len(r) * (NODE_W + GAP_X) - GAP_X)) / 2 if linked else 0)
            for i, n in enumerate(r):
                pos[n] = (off + i * (NODE_W + GAP_X), y)
            y += NODE_H + (GAP_Y if linked else 8)
        width = max(width, PAD + row_w + PAD)
        y += 10 if linked else 14
    height = y
    parts = [f'<text x="{x:.0f}" y="{ty:.0f}" class="glabel">{escape(t)}</text>' for x, ty, t in labels]
    for a, b in g.edges():
        (x1, y1), (x2, y2) = pos[a], pos[b]
        x1, x2 = x1 + NODE_W / 2, x2 + NODE_W / 2
        up = y2 <= y1                      # same row (a cycle) or wrapped: leave from the side
        y1 = y1 + (NODE_H / 2 if up else NODE_H)
        bad = g.nodes[a]["verdict"] != "holds"
        my = (y1 + y2) / 2
        style = ' stroke="#c2410c" stroke-dasharray="5 3"' if bad else ' stroke="#777"'
        parts.append(f'<path class="gedge{" bad" if bad else ""}" data-from="{escape(a)}" data-to="{escape(b)}" '
                     f'd="M{x1:.0f},{y1:.0f} C{x1:.0f},{my:.0f} {x2:.0f},{my:.0f} '
                     f'{x2:.0f},{y2 - 2:.0f}" fill="none"{style} '
                     'stroke-width="1.3" marker-end="url(#arrow)"/>')
    n_used = {n: g.out_degree(n) for n in g}
    for n, (x0, y0) in pos.items():
        parts.append(_node(n, x0, y0, g.nodes[n], flagged.get(n), n_used[n]))
    defs = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="depgraph" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="dependency graph of claims">'
            f'{defs}{"".join(parts)}</svg>')


def analyse(results: list[dict]) -> dict:
    """``{"svg", "unsupported", "missing", "cycles", "edges"}`` for the template."""
    g = build(results)
    flagged = unsupported(g)
    counts: dict[str, int] = {}
    for _, d in g.nodes(data=True):
        counts[d["verdict"]] = counts.get(d["verdict"], 0) + 1
    return {"svg": svg(g, flagged), "unsupported": flagged, "counts": counts, "marks": MARK,
            "used_by": {n: sorted(g.successors(n)) for n in g if g.out_degree(n)},
            "missing": sorted(n for n, d in g.nodes(data=True) if d["verdict"] == MISSING),
            "cycles": cycles(g), "edges": g.number_of_edges()}
