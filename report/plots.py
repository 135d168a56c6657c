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
import textwrap
from typing import Any

import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

KINDS = ("line", "scatter", "box", "heatmap")
# Okabe-Ito: distinguishable under the common colour-vision deficiencies
_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_LINES = ("-", "--", "-.", ":")
_THRESHOLD = "#D55E00"
_OUTLINE = [patheffects.withStroke(linewidth=3, foreground="#333")]
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


def _run_x(series: dict, label: str):
    """The x values of curve ``label``: its own entry in ``series["xs"]`` (runs that stopped at
    different steps) when there is one, else the shared ``series["x"]``."""
    xs = series.get("xs")
    if isinstance(xs, dict) and isinstance(xs.get(label), list):
        return xs[label]
    return series.get("x")


def _curves(series: dict) -> list[tuple[str, list[float], list[float]]]:
    """(label, x, y) per entry of ``ys``; a curve's x is its ``xs[label]`` when given, else the
    shared ``x``, else 0..n-1; lengths are matched."""
    out = []
    ys = series.get("ys")
    if isinstance(ys, list):  # a bare list of values
        ys = {series.get("ylabel") or "y": ys}
    for label, y in (ys or {}).items():
        x = _run_x(series, str(label))
        if isinstance(y, dict):  # {label: {"x": [...], "y": [...]}}
            x, y = y.get("x", x), y.get("y", [])
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
    for f in fits:
        if isinstance(f, dict) and "x" not in f and isinstance(f.get("slope"), (int, float)) \
                and isinstance(f.get("intercept"), (int, float)):
            lo, hi = min(xs), max(xs)
            y = [math.exp(f["intercept"]) * x ** f["slope"] for x in (lo, hi)]
            out.append((str(f.get("label", f"fit: slope {f['slope']:.3g}")), [lo, hi], y))
    return out


def _dodged(curves: list, logx: bool) -> list:
    """Scatter series measured at the same x values, shifted sideways by a small fraction of
    the x range (one slot per series) so no series' points hide another's."""
    if len(curves) < 2 or logx or len({tuple(x) for _, x, _ in curves}) != 1:
        return curves
    distinct = sorted({v for v in curves[0][1] if math.isfinite(v)})
    if not distinct:
        return curves
    gap = min((b - a for a, b in zip(distinct, distinct[1:])), default=1.0) or 1.0
    step = gap * 0.5 / len(curves)
    return [(label, [v + (i - (len(curves) - 1) / 2) * step for v in x], y) for i, (label, x, y) in enumerate(curves)]


def _axes(fig: Figure, series: dict):
    ax = fig.add_subplot(1, 1, 1)
    ax.set_xlabel(str(series.get("xlabel", "")))
    ax.set_ylabel(str(series.get("ylabel", "")))
    return ax


def _draw_xy(ax, series: dict, scatter: bool) -> None:
    curves = _curves(series)
    if not curves:
        raise ValueError("no plottable ys")
    if scatter:
        curves = _dodged(curves, bool(series.get("logx")))
    for i, (label, x, y) in enumerate(curves):
        if scatter:  # distinct hollow markers, so points that coincide stay visible
            ax.plot(x, y, _MARKERS[i % len(_MARKERS)], ms=6 - min(i, 3) * 0.8, mfc="none", mew=1.3,
                    alpha=0.9, label=label, color=_COLOURS[i % len(_COLOURS)])
        else:
            ax.plot(x, y, _LINES[i // len(_COLOURS) % len(_LINES)], lw=1.5, label=label,
                    color=_COLOURS[i % len(_COLOURS)], marker="." if len(x) <= 30 else None)
    for label, x, y in _fit_parts(series.get("fit"))[0] + _power_lines(series, curves):
        ax.plot(x, y, "--", lw=1.2, color="black", label=label)
    if series.get("logx"):
        ax.set_xscale("log")
    if series.get("logy"):
        ax.set_yscale("log")
    if len(curves) > 1 or series.get("fit"):
        ax.legend(fontsize=7, loc="best")


def _draw_box(ax, series: dict) -> None:
    """One box per group, in the order of ``x`` when it names the groups; many groups or long
    names are drawn as horizontal boxes so their labels never overlap."""
    ys = series.get("ys") or {}
    groups = {str(k): [num(v) for v in vals if not isinstance(v, (list, dict))]
              for k, vals in ys.items() if isinstance(vals, list)}
    groups = {k: [v for v in vals if math.isfinite(v)] for k, vals in groups.items()}
    groups = {k: v for k, v in groups.items() if v}
    if not groups:
        raise ValueError("no finite values to box")
    order = [str(x) for x in series.get("x") or [] if str(x) in groups] if isinstance(series.get("x"), list) else []
    names = order + [k for k in groups if k not in order]
    horizontal = len(names) > 5 or max(len(n) for n in names) * len(names) > 48
    data = [groups[n] for n in names]
    try:
        ax.boxplot(data, tick_labels=names, orientation="horizontal" if horizontal else "vertical")
    except TypeError:  # matplotlib < 3.10: no orientation (and < 3.9: labels=)
        try:
            ax.boxplot(data, tick_labels=names, vert=not horizontal)
        except TypeError:
            ax.boxplot(data, labels=names, vert=not horizontal)
    if horizontal:
        ax.invert_yaxis()                          # first group on top, as it reads
        ax.set_xlabel(str(series.get("ylabel", "")))
        ax.set_ylabel(str(series.get("xlabel", "")))
        ax.tick_params(axis="y", labelsize=7)
        if series.get("logy"):
            ax.set_xscale("log")
    elif series.get("logy"):
        ax.set_yscale("log")


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
    """A heatmap; a field with a few distinct values (phases, counts) gets one colour per value
    and a legend instead of a continuous colour bar; cells where ``z_predicted`` differs from
    the observed value are crossed."""
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch
    rows, x, y = _heat_matrix(series)
    values = sorted({v for r in rows for v in r if math.isfinite(v)})
    label = str(series.get("zlabel", series.get("clabel", "")))
    step_x, step_y = max(1, len(x) // 8), max(1, len(y) // 8)
    ax.set_xticks(range(0, len(x), step_x), [_tick(v) for v in x[::step_x]])
    ax.set_yticks(range(0, len(y), step_y), [_tick(v) for v in y[::step_y]])
    handles = []
    if 0 < len(values) <= 6:
        colours = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442"][:len(values)]
        bounds = [values[0] - 0.5] + [(a + b) / 2 for a, b in zip(values, values[1:])] + [values[-1] + 0.5]
        ax.imshow(rows, origin="lower", aspect="auto", interpolation="nearest",
                  cmap=ListedColormap(colours), norm=BoundaryNorm(bounds, len(colours)))
        handles = [Patch(facecolor=c, edgecolor="#333", label=_tick(_intish(v))) for c, v in zip(colours, values)]
    else:
        im = ax.imshow(rows, origin="lower", aspect="auto", interpolation="nearest", cmap="viridis")
        cb = fig.colorbar(im, ax=ax)
        cb.set_label(textwrap.fill(label, 28), fontsize=8)
    pred = series.get("z_predicted")
    try:
        pz = [[num(v) for v in r] for r in pred] if isinstance(pred, list) else None
    except TypeError:
        pz = None
    if pz and len(pz) == len(rows) and all(isinstance(r, list) and len(r) == len(rows[0]) for r in pz):
        bad = [(j, i) for i, r in enumerate(rows) for j, v in enumerate(r) if pz[i][j] != v]
        if bad:
            ax.plot([b[0] for b in bad], [b[1] for b in bad], "x", color="black", ms=11, mew=2.2)
            from matplotlib.lines import Line2D
            handles.append(Line2D([], [], marker="x", color="black", ls="", mew=2, label="differs from prediction"))
    _overlay_lines(ax, series, x, y, handles)
    handles = handles + ax.get_legend_handles_labels()[0]
    if handles:
        title = textwrap.fill(label, 24) if label and len(values) <= 6 else None
        ax.legend(handles=handles, fontsize=7, title=title, title_fontsize=7, loc="upper left",
                  bbox_to_anchor=(1.02, 1), borderaxespad=0)


def _overlay_lines(ax, series: dict, x: list, y: list, handles: list | None = None) -> None:
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
        ax.plot(ix, iy, "w--", linewidth=1.5, label=str(label), path_effects=_OUTLINE)
    if lines and handles is None:
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
        ax.axhline(float(y), color=_THRESHOLD, ls=(0, (4, 2)), lw=1.6,
                   label=f"threshold: {pred.get('rule', '')}" if i == 0 else None)
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
    return base64.b64encode(_small_png(buf.getvalue(), 256 if kind == "heatmap" else 64)).decode("ascii")


def _small_png(png: bytes, colours: int) -> bytes:
    """The same picture with a palette of at most ``colours`` colours: line plots need few, and
    the file shrinks about fourfold (the report stays small at hundreds of plots)."""
    try:
        from PIL import Image
        img = Image.open(io.BytesIO(png)).convert("RGB").quantize(colours, dither=Image.Dither.NONE)
        out = io.BytesIO()
        img.save(out, format="PNG", optimize=True)
        return out.getvalue() if out.tell() < len(png) else png
    except Exception:  # Pillow missing or too old: keep the full-colour picture
        return png


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
    if isinstance(series.get("xs"), dict) and any(isinstance(series["xs"].get(str(k)), list) for k in ys):
        return _joined_table(series)
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


def _joined_table(series: dict) -> dict:
    """Curves with their own x values (``xs``): one row per x value of any curve, in order,
    each curve's value in its column (blank where that curve has no point)."""
    per = {}
    for label, x, y in _curves(series):
        per[label] = {xv: yv for xv, yv in zip(x, y)}
    xs = sorted({xv for col in per.values() for xv in col}, key=lambda v: (math.isnan(v), v))
    rows = [[_cell(_intish(xv))] + [_cell(col[xv]) if xv in col else "" for col in per.values()]
            for xv in xs[:MAX_TABLE_ROWS]]
    return {"columns": [str(series.get("xlabel") or "x")] + list(per), "rows": rows,
            "truncated": max(0, len(xs) - MAX_TABLE_ROWS)}


def _intish(v: float):
    return int(v) if math.isfinite(v) and v == int(v) else v


def _cell(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, list):
        return "[" + ", ".join(_cell(e) for e in v[:6]) + (", …]" if len(v) > 6 else "]")
    return str(v)


def _words(text) -> str:
    return str(text).replace("_", " ").strip()


def title_in_words(name: str, series: Any) -> str:
    """A plot's heading in words: the series' ``title``; else built from its axis labels
    ("max |Ups| against GD step"); the series key (``ups_absmax``) only as a last resort."""
    if not isinstance(series, dict):
        return _words(name)
    if isinstance(series.get("title"), str) and series["title"].strip():
        return series["title"].strip()
    xl, yl = (str(series.get(k) or "").strip() for k in ("xlabel", "ylabel"))
    zl = str(series.get("zlabel") or series.get("clabel") or "").strip()
    kind = series.get("kind", "line")
    if kind == "heatmap" and zl:
        return f"{zl} over {xl or 'x'} and {yl or 'y'}"
    if kind == "box" and yl:
        return f"{yl} by {xl}" if xl else yl
    what = yl or _words(name)
    return f"{what} against {xl}" if xl else what


def render_series(name: str, series: Any, predictions: dict | None = None) -> dict:
    """``{"name", "title", "kind", "png", "table", "caption", "problem"}`` for one series.

    ``png`` is None when the kind is unknown or the data cannot be drawn; ``problem`` says
    why, and the table carries the numbers."""
    kind = series.get("kind", "line") if isinstance(series, dict) else None
    out = {"name": str(name), "title": title_in_words(name, series),
           "kind": kind, "png": None, "table": table(series), "caption": "", "problem": ""}
    if isinstance(series, dict):
        out["caption"] = "; ".join(_fit_parts(series.get("fit"))[1])
        if isinstance(series.get("caption"), str) and series["caption"].strip():
            out["caption"] = "; ".join(x for x in (series["caption"].strip(), out["caption"]) if x)
        curves = _curves(series) if kind == "scatter" else []
        if curves and _dodged(curves, bool(series.get("logx"))) is not curves:
            side = "series drawn side by side at each x so none hides another"
            out["caption"] = "; ".join(x for x in (out["caption"], side) if x)
        if isinstance(series.get("xs"), dict) and kind in ("line", "scatter"):
            out["caption"] = "; ".join(x for x in (out["caption"], "each run drawn to its own last step") if x)
    if kind not in KINDS:
        out["problem"] = f"plot kind {kind!r} is not one of {', '.join(KINDS)}; shown as a table"
        return out
    pred = (predictions or {}).get(series.get("prediction")) if isinstance(series, dict) else None
    if pred:
        line = f"dashed orange line: the threshold of the prediction {pred.get('rule', '')}"
        out["caption"] = "; ".join(x for x in (out["caption"], line) if x)
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
