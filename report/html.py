"""Render stored results as one self-contained HTML file."""
from __future__ import annotations

import os
from pathlib import Path

import jinja2

from checks.store import load_results

_ENV = jinja2.Environment(loader=jinja2.PackageLoader("report", "templates"),
                          autoescape=jinja2.select_autoescape(["html"]))


def render(results: list[dict]) -> str:
    counts: dict[str, int] = {}
    for r in results:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    return _ENV.get_template("report.html").render(results=results, counts=counts)


def write_report(results_dir: str | os.PathLike, out: str | os.PathLike | None = None) -> Path:
    results = load_results(results_dir)
    path = Path(out) if out else Path(results_dir) / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(render(results), encoding="utf-8")
    os.replace(tmp, path)
    return path
