"""Render stored results as one self-contained HTML file, plus JSON and JUnit exports.

Entry point: :func:`write_report` (called by ``python -m checks report``). Reads result JSON
only (``report.result``); never re-runs a check. Styles, script, plots (palette PNG, their numbers
embedded once as JSON and tabled on demand), MathML and
the dependency graph (SVG) are all inline, so the file works offline.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Iterable

import jinja2
from markupsafe import Markup

from models.util import natural_key

from . import exports, graph, plots
from .errors import BadReportPath
from .mathml import latex_to_mathml, render_mathml, text_with_math
from .result import atomic_write, is_export, load_results
from .summary import MARK, VERDICTS, anchor, claim_view, metadata

_ENV = jinja2.Environment(loader=jinja2.PackageLoader("report", "templates"),
                          autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
_ENV.filters["anchor"] = anchor


def load(results_dir: str | os.PathLike) -> list[dict]:
    """Every result in ``results_dir`` (``report.result.load_results``: the report's own JSON
    export beside them is skipped), sorted by paper and natural label."""
    return sorted(load_results(results_dir), key=lambda r: natural_key(r.get("claim_id", "")))


def _asset(name: str) -> str:
    return resources.files("report").joinpath("templates", name).read_text(encoding="utf-8")


_RELATION = re.compile(r"^(Eq|Ne|Lt|Le|Gt|Ge|StrictLessThan|StrictGreaterThan|LessThan|GreaterThan|Unequality)\(|[<>=]")


_MATH_RELATION = re.compile(r"<mo>\s*(=|&lt;|&gt;|<|>|≤|≥|≠|&le;|&ge;|&ne;"
                            r"|&#x226[45];|&#876[45];|&#8800;|&#x2260;)\s*</mo>")


def _markup(html_text: str | None):
    return Markup(html_text) if html_text else None


def _obligations(view: dict) -> list[dict]:
    """Obligations with their MathML (long relations on two rows) and, where the expression is
    a bare value (a limit's ``oo``, a ``0``), the left-hand side it is the value of: taken
    from the detail ("limit of the ratio as P -> oo is oo"), else the obligation's name."""
    out = []
    for o in view["obligations"]:
        math = render_mathml(o.get("mathml"), display="inline", wrap_at=900)
        expr = str(o.get("expr") or "")
        shown = str(o.get("mathml") or "") if math else expr
        relation = (_MATH_RELATION.search(shown) if math else _RELATION.search(expr))
        lhs = ""
        if shown and not relation:
            m = re.match(r"^(.*\S)\s+(?:is|=|equals)\s+(\S+)\s*$", str(o.get("detail") or ""))
            lhs = m.group(1) if m else str(o.get("name") or "value")
        out.append({**o, "math": Markup(math) if math else None, "lhs": lhs})
    return out


def _symbolic_title(view: dict) -> str:
    """What the symbolic badge stands for, for its hover text: each obligation and its status."""
    obs = view["obligations"]
    if not obs:
        return view.get("symbolic_note") or f"symbolic: {view['symbolic_status']}"
    return f"{len(obs)} obligation(s): " + "; ".join(
        f"{o.get('status', '?')} {o.get('name', '')}" + (f" ({o.get('statement')})" if o.get("statement") else "")
        for o in obs)[:1500]


def render(results: list[dict], *, expected: Iterable[str] = (), export_names: dict | None = None,
           generated_at: str | None = None, baseline: dict | None = None) -> tuple[str, dict]:
    """(HTML text, dependency-graph analysis) for ``results``; ``expected`` lists claim ids
    that should have a result (the catalogue), so the report can name the ones missing;
    ``baseline`` is a comparison with an earlier run (``checks.diff.Diff.as_json()`` plus
    ``label``), shown as a "changed since baseline" section and a table column."""
    g = graph.analyse(results)
    views = []
    for r in results:
        v = claim_view(r)
        v["obligations"] = _obligations(v)
        v["statement_math"] = _markup(text_with_math(v["statement_latex"]))
        v["assumptions_math"] = [(a.get("text", ""), _markup(latex_to_mathml(a.get("latex"))), a.get("kind", ""))
                                 for a in v["assumptions_spec"]]
        v["symbolic_title"] = _symbolic_title(v)
        num = r.get("numeric") or {}
        v["plots"] = plots.render_all(num.get("series"), num.get("predictions"))
        v["unsupported_by"] = g["unsupported"].get(v["id"], [])
        v["used_by"] = g["used_by"].get(v["id"], [])
        v["data_json"] = _claim_data(r, v["plots"])
        v["since"] = _since(baseline, v["id"]) if baseline else None
        views.append(v)
    meta = metadata(results)
    have = {v["id"] for v in views}
    html = _ENV.get_template("report.html").render(
        meta=meta, views=views, verdicts=VERDICTS, marks=MARK, graph=g, depgraph=Markup(g["svg"]),
        not_run=sorted(set(expected) - have, key=natural_key),
        generated_at=generated_at or _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        exports=export_names or {}, css=Markup(_asset("report.css")), js=Markup(_asset("report.js")),
        baseline=baseline)
    return html, g


def _claim_data(r: dict, plots_: list[dict]) -> Markup:
    """A claim's measurements for its JSON/CSV download buttons and its plots' data tables
    (drawn by the page's script when opened, so the numbers are embedded once, compactly):
    each prediction with its outcome (replicates, interval, margin), the regime conditions and
    each series as the table of its numbers; safe inside a ``<script type="application/json">``."""
    num = r.get("numeric") if isinstance(r.get("numeric"), dict) else {}
    outcomes = {o.get("name"): o for o in num.get("outcomes") or [] if isinstance(o, dict)}
    preds = [{**p, **{k: v for k, v in outcomes.get(p.get("name"), {}).items() if k != "name"}}
             for p in num.get("predictions") or [] if isinstance(p, dict)]
    doc = {"claim_id": r.get("claim_id"), "verdict": r.get("verdict"), "seed": r.get("seed"),
           "profile": r.get("profile"), "command": r.get("command"), "predictions": preds,
           "regime": num.get("regime_results") or [],
           "series": {p["name"]: {"title": p["title"], **p["table"]} for p in plots_}}
    text = json.dumps(doc, separators=(",", ":"), sort_keys=True, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _since(baseline: dict, cid: str) -> dict:
    """How claim ``cid`` changed against the baseline: kind (worse/better/changed/new/same), text."""
    for kind in ("worse", "better", "changed"):
        for row in baseline.get(kind, []):
            if row.get("claim") == cid:
                return {"kind": kind, "text": f"{row.get('old')} → {row.get('new')}"}
    if any(row.get("claim") == cid for row in baseline.get("new", [])):
        return {"kind": "new", "text": "new"}
    moved = [m for m in baseline.get("moved", []) if m.get("claim") == cid]
    if moved:
        return {"kind": "moved", "text": f"{len(moved)} value(s) moved beyond their intervals"}
    return {"kind": "same", "text": "unchanged"}


def _write(path: Path, text: str) -> None:
    atomic_write(path, text)


def check_out(results_dir: str | os.PathLike, out: str | os.PathLike | None) -> Path:
    """Validate the report's path before reading anything: an ``.html`` file that is not a
    folder, and neither it nor its exports a result file."""
    path = Path(out) if out else Path(results_dir) / "report.html"
    if str(out) == "" or path.is_dir():
        raise BadReportPath(str(path), "is a folder", "pass a file such as --out results/report.html")
    if path.suffix.lower() not in (".html", ".htm"):
        raise BadReportPath(str(path), "does not end in .html", "pass a file such as --out report.html")
    for p in (path, *export_paths(path).values()):
        if p.exists() and p.is_file() and _is_result(p):
            raise BadReportPath(str(path), f"would overwrite the result file {p}", "choose another --out")
    return path


def _is_result(p: Path) -> bool:
    try:
        head = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(head, dict) and "claim_id" in head and not is_export(head)


def export_paths(html_path: str | os.PathLike) -> dict[str, Path]:
    """Where the exports of the report at ``html_path`` go: ``<stem>.json``, ``<stem>.junit.xml``."""
    p = Path(html_path)
    return {"json": p.with_name(p.stem + ".json"), "junit": p.with_name(p.stem + ".junit.xml")}


def write_report(results_dir: str | os.PathLike, out: str | os.PathLike | None = None, *,
                 expected: Iterable[str] | None = None, baseline: dict | None = None) -> Path:
    """Write the HTML report of ``results_dir`` to ``out`` (default ``results_dir/report.html``)
    and its JSON / JUnit exports next to it; return the HTML path. ``expected``: the claim ids
    of the catalogue (the CLI passes them), so claims without a result are listed as not run;
    the report itself reads result JSON only and never imports the catalogue."""
    path = check_out(results_dir, out)
    results = load(results_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    paths = export_paths(path)
    stamp = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    html, g = render(results, expected=expected or (), export_names={k: p.name for k, p in paths.items()},
                     generated_at=stamp, baseline=baseline)
    _write(paths["json"], exports.json_document(results, g, stamp))
    _write(paths["junit"], exports.junit_xml(results, g))
    _write(path, html)
    return path
