"""Plots of ``numeric.series`` (format: ``claims._base.Measurement``) as base64 PNG.

A series is ``{"x": [...], "ys": {label: [...]}, "xlabel", "ylabel", "logx", "logy",
"kind": "line"|"scatter"|"box"|"heatmap"}``; extra keys are tolerated: ``fit`` (dicts with
``x``/``y`` arrays are drawn dashed, scalars such as a fitted exponent and its standard error
go into the caption), ``z``/``y`` for a heatmap, ``title``, ``prediction`` (the name of the
prediction whose threshold the plot draws). An unknown kind or a series that
cannot be drawn is shown as a table of its numbers instead; nothing here raises.
"""
from __future__ import annotations

import base64
import io
import math
from typing import Any

import numpy as np

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

KINDS = ("line", "scatter", "box", "heatmap")
MAX_TABLE_ROWS = 200
_SPECIAL = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def num(v: Any) -> float:
    """A JSON value as float: "nan"/"inf" strings (as the store writes them) included."""
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str) and v.strip().lower() in _SPECIAL:
        return _SPECIAL[v.strip().lower()]
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _curves(series: dict) -> list[tuple[str, list[float], list[float]]]:
    """(label, x, y) per entry of ``ys``; ``x`` defaults to 0..n-1; lengths are matched."""
    x0 = series.get("x")
    out = []
    ys = series.get("ys")
    if isinstance(ys, list):  # a bare list of values
        ys = {series.get("ylabel") or "y": ys}
    for label, y in (ys or {}).items():
        x = x0
        if isinstance(y, dict):  # {label: {"x": [...], "y": [...]}}
            x, y = y.get("x", x0), y.get("y", [])
        if not isinstance(y, list):
            continue
        if not isinstance(x, list) or any(isinstance(v, (list, dict)) for v in x):
            x = list(range(len(y)))
        n = min(len(x), len(y))
        out.append((str(label), [num(v) for v in x[:n]], [num(v) for v in y[:n]]))
    return out


def _fit_parts(fit: Any, label: str = "fit") -> tuple[list[tuple[str, list, list]], list[str]]:
    """Fit lines (dicts with x and y) and caption strings (scalars) found in ``fit``."""
    lines, notes = [], []
    if isinstance(fit, dict):
        if isinstance(fit.get("x"), list) and isinstance(fit.get("y"), list):
            n = min(len(fit["x"]), len(fit["y"]))
            lines.append((str(fit.get("label", label)), [num(v) for v in fit["x"][:n]],
                          [num(v) for v in fit["y"][:n]]))
        scalars = [(k, v) for k, v in fit.items() if k != "label" and not isinstance(v, bool) and (
            isinstance(v, (int, float, str)) or (isinstance(v, list) and len(v) == 2
                                                 and all(isinstance(e, (int, float, str)) for e in v)))]
        if scalars:
            notes.append(f"{fit.get('label', label)}: " + ", ".join(f"{k} = {_short(v)}" for k, v in scalars))
        for k, v in fit.items():
            if isinstance(v, (dict, list)) and k not in ("x", "y") and (k, v) not in scalars:
                sub_lines, sub_notes = _fit_parts(v, str(k))
                lines += sub_lines
                notes += sub_notes
    elif isinstance(fit, list):
        for i, item in enumerate(fit):
            if isinstance(item, (dict, list)):
                sub_lines, sub_notes = _fit_parts(item, f"{label} {i + 1}")
                lines += sub_lines
                notes += sub_notes
    return lines, notes


def _short(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_short(e) for e in v) + "]"
    return f"{v:.4g}" if isinstance(v, (int, float)) else str(v)


def _power_lines(series: dict, curves) -> list[tuple[str, list, list]]:
    """Lines y = e^intercept x^slope for fits given only as numbers on log-log axes (the
    convention of a least-squares fit of log y on log x)."""
    fits = series.get("fit")
    fits = fits if isinstance(fits, list) else [fits]
    xs = [x for _, xv, _ in curves for x in xv if math.isfinite(x) and x > 0]
    out = []
    if not (series.get("logx") and series.get("logy") and xs):
        return out
    for i, f in enumerate(fits):
        if isinstance(f, dict) and "x" not in f and isinstance(f.get("slope"), (int, float)) \
                and isinstance(f.get("intercept"), (int, float)):
            lo, hi = min(xs), max(xs)
            y = [math.exp(f["intercept"]) * x ** f["slope"] for x in (lo, hi)]
            out.append((str(f.get("label", f"fit: slope {f['slope']:.3g}")), [lo, hi], y))
    return out


def _axes(fig: Figure, series: dict):
    ax = fig.add_subplot(1, 1, 1)
    ax.set_xlabel(str(series.get("xlabel", "")))
    ax.set_ylabel(str(series.get("ylabel", "")))
    return ax


def _draw_xy(ax, series: dict, scatter: bool) -> None:
    curves = _curves(series)
    if not curves:
        raise ValueError("no plottable ys")
    for label, x, y in curves:
        if scatter:
            ax.plot(x, y, "o", ms=4, label=label)
        else:
            ax.plot(x, y, "-", lw=1.5, label=label, marker="." if len(x) <= 30 else None)
    for label, x, y in _fit_parts(series.get("fit"))[0] + _power_lines(series, curves):
        ax.plot(x, y, "--", lw=1.2, color="black", label=label)
    if series.get("logx"):
        ax.set_xscale("log")
    if series.get("logy"):
        ax.set_yscale("log")
    if len(curves) > 1 or series.get("fit"):
        ax.legend(fontsize=7, loc="best")


def _draw_box(ax, series: dict) -> None:
    ys = series.get("ys") or {}
    groups = {str(k): [num(v) for v in vals if not isinstance(v, (list, dict))]
              for k, vals in ys.items() if isinstance(vals, list)}
    groups = {k: [v for v in vals if math.isfinite(v)] for k, vals in groups.items()}
    groups = {k: v for k, v in groups.items() if v}
    if not groups:
        raise ValueError("no finite values to box")
    try:
        ax.boxplot(list(groups.values()), tick_labels=list(groups))
    except TypeError:  # matplotlib < 3.9
        ax.boxplot(list(groups.values()), labels=list(groups))
    if series.get("logy"):
        ax.set_yscale("log")
    for tick in ax.get_xticklabels():
        tick.set_rotation(20 if len(groups) > 4 else 0)


def _heat_matrix(series: dict) -> tuple[list[list[float]], list, list]:
    z = series.get("z")
    ylabels = series.get("y")
    if not isinstance(z, list):  # rows given as ys {y value: row}
        ys = series.get("ys") or {}
        z = [row for row in ys.values() if isinstance(row, list)]
        ylabels = ylabels if isinstance(ylabels, list) else list(ys)
    rows = [[num(v) for v in row] for row in z if isinstance(row, list)]
    if not rows or not all(len(r) == len(rows[0]) for r in rows) or not rows[0]:
        raise ValueError("heatmap z is not a non-empty rectangular matrix")
    x = series.get("x") if isinstance(series.get("x"), list) and len(series["x"]) == len(rows[0]) \
        else list(range(len(rows[0])))
    y = ylabels if isinstance(ylabels, list) and len(ylabels) == len(rows) else list(range(len(rows)))
    return rows, x, y


def _draw_heatmap(fig: Figure, ax, series: dict) -> None:
    rows, x, y = _heat_matrix(series)
    im = ax.imshow(rows, origin="lower", aspect="auto", interpolation="nearest", cmap="viridis")
    step_x, step_y = max(1, len(x) // 8), max(1, len(y) // 8)
    ax.set_xticks(range(0, len(x), step_x), [_tick(v) for v in x[::step_x]])
    ax.set_yticks(range(0, len(y), step_y), [_tick(v) for v in y[::step_y]])
    cb = fig.colorbar(im, ax=ax)
    cb.set_label(str(series.get("zlabel", series.get("clabel", ""))))
    _overlay_lines(ax, series, x, y)


def _overlay_lines(ax, series: dict, x: list, y: list) -> None:
    """Draw ``series["lines"]`` ({label: {"x": [...], "y": [...]}} in data coordinates, e.g. a
    phase boundary) over a heatmap whose cells are indexed 0..n-1, by interpolating data
    values onto cell indices. Needs numeric, increasing axes; anything else is skipped."""
    lines = series.get("lines")
    if not isinstance(lines, dict):
        return
    try:
        xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        return
    if len(xs) < 2 or len(ys) < 2 or np.any(np.diff(xs) <= 0) or np.any(np.diff(ys) <= 0):
        return
    for label, line in lines.items():
        try:
            lx, ly = np.asarray(line["x"], dtype=float), np.asarray(line["y"], dtype=float)
        except (KeyError, TypeError, ValueError):
            continue
        if len(lx) < 2 or len(lx) != len(ly):
            continue
        t = np.linspace(0, 1, 400)                      # densify so clipping leaves the visible part
        lx, ly = np.interp(t, np.linspace(0, 1, len(lx)), lx), np.interp(t, np.linspace(0, 1, len(ly)), ly)
        ix = np.interp(lx, xs, np.arange(len(xs)), left=np.nan, right=np.nan)
        iy = np.interp(ly, ys, np.arange(len(ys)), left=np.nan, right=np.nan)
        ax.plot(ix, iy, "w--", linewidth=1.5, label=str(label))
    if lines:
        ax.legend(fontsize=7, loc="upper left")


def _threshold_lines(ax, pred: dict | None) -> None:
    """Draw the threshold of the prediction a series names (``"prediction": NAME``): one line
    for an inequality, two for ``between`` or ``within``; labelled with the rule."""
    if not isinstance(pred, dict):
        return
    thr, op = pred.get("threshold"), pred.get("op")
    if op == "between" and isinstance(thr, list) and len(thr) == 2:
        ys = thr
    elif op == "within" and isinstance(thr, (int, float)):
        ys = [thr - (pred.get("tol") or 0), thr + (pred.get("tol") or 0)]
    elif isinstance(thr, (int, float)) and not isinstance(thr, bool):
        ys = [thr]
    else:
        return
    for i, y in enumerate(ys):
        ax.axhline(float(y), color="#c62828", ls=":", lw=1.3,
                   label=f"prediction: {pred.get('rule', '')}" if i == 0 else None)
    ax.legend(fontsize=7, loc="best")


def _tick(v) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _png(series: dict, kind: str, pred: dict | None = None) -> str:
    fig = Figure(figsize=(5.4, 3.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = _axes(fig, series)
    if kind in ("line", "scatter"):
        _draw_xy(ax, series, scatter=kind == "scatter")
        _threshold_lines(ax, pred)
    elif kind == "box":
        _draw_box(ax, series)
    else:
        _draw_heatmap(fig, ax, series)
    if series.get("title"):
        ax.set_title(str(series["title"]), fontsize=9)
    if kind != "heatmap":
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def table(series: Any) -> dict:
    """The numbers of a series as ``{"columns", "rows", "truncated"}`` for an HTML table."""
    if not isinstance(series, dict):
        return {"columns": ["value"], "rows": [[str(series)[:500]]], "truncated": 0}
    if series.get("kind") == "heatmap" or isinstance(series.get("z"), list):
        try:
            rows, x, y = _heat_matrix(series)
            return {"columns": [""] + [_tick(v) for v in x],
                    "rows": [[_tick(yv)] + [f"{v:.4g}" for v in r] for yv, r in zip(y, rows)][:MAX_TABLE_ROWS],
                    "truncated": max(0, len(rows) - MAX_TABLE_ROWS)}
        except ValueError:
            pass
    ys = series.get("ys") if isinstance(series.get("ys"), dict) else {}
    cols = {str(k): v for k, v in ys.items() if isinstance(v, list)}
    for k, v in series.items():  # other per-point lists (error bars, a second coordinate, ...)
        if k not in ("x", "ys") and isinstance(v, list) and str(k) not in cols \
                and all(not isinstance(e, (dict, list)) for e in v):
            cols[str(k)] = v
    x = series.get("x") if isinstance(series.get("x"), list) else None
    n = max([len(v) for v in cols.values()] + [len(x) if x else 0] + [0])
    if not cols and not x:
        scal = {k: v for k, v in series.items() if k not in ("kind",)}
        return {"columns": ["key", "value"], "rows": [[k, str(v)[:300]] for k, v in scal.items()], "truncated": 0}
    header = [str(series.get("xlabel") or "x")] + list(cols)
    rows = []
    for i in range(min(n, MAX_TABLE_ROWS)):
        row = [_cell(x[i]) if x and i < len(x) else str(i)]
        row += [_cell(v[i]) if i < len(v) else "" for v in cols.values()]
        rows.append(row)
    return {"columns": header, "rows": rows, "truncated": max(0, n - MAX_TABLE_ROWS)}


def _cell(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, list):
        return "[" + ", ".join(_cell(e) for e in v[:6]) + (", …]" if len(v) > 6 else "]")
    return str(v)


def render_series(name: str, series: Any, predictions: dict | None = None) -> dict:
    """``{"name", "title", "kind", "png", "table", "caption", "problem"}`` for one series.

    ``png`` is None when the kind is unknown or the data cannot be drawn; ``problem`` says
    why, and the table carries the numbers."""
    kind = series.get("kind", "line") if isinstance(series, dict) else None
    out = {"name": str(name), "title": str(series.get("title", name)) if isinstance(series, dict) else str(name),
           "kind": kind, "png": None, "table": table(series), "caption": "", "problem": ""}
    if isinstance(series, dict):
        out["caption"] = "; ".join(_fit_parts(series.get("fit"))[1])
    if kind not in KINDS:
        out["problem"] = f"plot kind {kind!r} is not one of {', '.join(KINDS)}; shown as a table"
        return out
    pred = (predictions or {}).get(series.get("prediction")) if isinstance(series, dict) else None
    if pred:
        out["caption"] = "; ".join(x for x in (out["caption"], f"dotted red line: the prediction {pred.get('rule', '')}") if x)
    try:
        out["png"] = _png(series, kind, pred)
    except Exception as exc:  # a malformed series must not sink the report
        out["problem"] = f"could not draw this {kind} plot ({type(exc).__name__}: {exc}); shown as a table"
    return out


def render_all(series: Any, predictions: Any = None) -> list[dict]:
    """Every series of a result; a series with ``"prediction": NAME`` gets that prediction's
    threshold drawn (``predictions``: the result's ``numeric.predictions`` list)."""
    if not isinstance(series, dict):
        return []
    by_name = {p.get("name"): p for p in predictions or [] if isinstance(p, dict)}
    return [render_series(k, v, by_name) for k, v in series.items()]
