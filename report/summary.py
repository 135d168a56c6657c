"""What the report shows, computed from result dicts alone (the schema of
``checks.runner.evaluate``): per-claim rows, counts per verdict and paper, run metadata.

Every accessor tolerates a missing or malformed field: a result written by an older
runner, or one that ended in ``error`` before it measured anything, must still render.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any, Iterable

from .result import VERDICTS  # noqa: E402,F401  (the result contract owns the vocabulary)

VERDICT_RANK = {v: i for i, v in enumerate(("fails", "error", "inconclusive", "skipped", "holds"))}


def anchor(claim_id: str) -> str:
    """HTML id of a claim's section: ``fpc.eq3.2`` -> ``claim-fpc-eq3-2``."""
    return "claim-" + re.sub(r"[^A-Za-z0-9_-]+", "-", str(claim_id))


def fmt(value: Any, digits: int = 4) -> str:
    """A measured value as a short string (4 significant digits for floats)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        if value == 0:
            return "0"
        if 1e-3 <= abs(value) < 1e5:
            return f"{value:.{digits}g}"
        mant, exp = f"{value:.{max(digits - 1, 1)}e}".split("e")
        return (mant.rstrip("0").rstrip(".") if "." in mant else mant) + "e" + exp
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(fmt(v, digits) for v in value[:8]) + (", …]" if len(value) > 8 else "]")
    return json.dumps(value, sort_keys=True, default=str)[:200]


def fmt_vs(value: Any, ref: Any, digits: int = 4) -> str:
    """``value`` with enough significant digits that it never reads as ``ref`` (its threshold)
    unless it equals it: 0.9900023 against 0.99 is "0.9900023", not "0.99"."""
    if not _real(value) or not _real(ref) or value == ref or isinstance(value, bool):
        return fmt(value, digits)
    for d in range(1, 16):  # one digit past the first that differs from the threshold
        if fmt(float(value), d) != fmt(float(ref), d):
            return fmt(float(value), max(digits, d + 1))
    return fmt(value, 16)


def _real(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _nearest(thr, value):
    """The threshold edge nearest to ``value`` (``between`` has two)."""
    marks = [t for t in (thr if isinstance(thr, list) else [thr]) if _real(t)]
    if not marks:
        return None
    return min(marks, key=lambda t: abs(t - value)) if _real(value) else marks[0]


def _dict(x) -> dict:
    return x if isinstance(x, dict) else {}


def _list(x) -> list:
    return x if isinstance(x, list) else []


def key_prediction(result: dict) -> dict:
    """The prediction a reader should see first: the first that did not hold, else the first
    borderline one (on its side by a hair), else the first.

    Returns ``{"rule", "statement", "measured", "outcome", "reason", "borderline", "margin"}``
    (empty strings if none)."""
    num = _dict(result.get("numeric"))
    empty = {"rule": "", "statement": "", "measured": "", "outcome": "", "reason": "", "borderline": False,
             "margin": "", "n": 0, "n_holding": 0}
    preds = {p.get("name"): p for p in _list(num.get("predictions")) if isinstance(p, dict)}
    outcomes = [o for o in _list(num.get("outcomes")) if isinstance(o, dict)]
    rows = {r["name"]: r for r in predictions_table(result)}
    chosen = next((o for o in outcomes if o.get("outcome") != "holds"), None) \
        or next((o for o in outcomes if rows.get(o.get("name"), {}).get("borderline")), None) \
        or (outcomes[0] if outcomes else None)
    if chosen is None:
        if preds:  # predictions fixed but the check raised before judging
            p = next(iter(preds.values()))
            return {**empty, "rule": p.get("rule", ""), "statement": p.get("statement", ""),
                    "measured": "—", "outcome": num.get("status", "")}
        return empty
    p = preds.get(chosen.get("name"), {})
    row = rows.get(chosen.get("name"), {})
    return {"rule": p.get("rule", chosen.get("name", "")), "statement": p.get("statement", ""),
            "measured": fmt_vs(chosen.get("measured"), _nearest(p.get("threshold"), chosen.get("measured"))),
            "outcome": chosen.get("outcome", ""), "reason": chosen.get("reason", ""),
            "borderline": bool(row.get("borderline")), "margin": row.get("margin", ""),
            "n": len(outcomes), "n_holding": sum(o.get("outcome") == "holds" for o in outcomes)}


def predictions_table(result: dict) -> list[dict]:
    """One row per prediction: rule, statement, measured value, outcome, reason."""
    num = _dict(result.get("numeric"))
    outcomes = {o.get("name"): o for o in _list(num.get("outcomes")) if isinstance(o, dict)}
    measured = _dict(num.get("measured"))
    rows = []
    for p in _list(num.get("predictions")):
        if not isinstance(p, dict):
            continue
        o = outcomes.get(p.get("name"), {})
        value = o.get("measured", measured.get(p.get("name")))
        iv = o.get("interval") if isinstance(o.get("interval"), list) and len(o["interval"]) == 2 else None
        reps = [v for v in _list(o.get("replicates")) if isinstance(v, (int, float)) and not isinstance(v, bool)]
        margin, mhw = o.get("margin"), o.get("margin_hw")
        ref = _nearest(p.get("threshold"), value)
        rows.append({"name": p.get("name", ""), "rule": p.get("rule", p.get("name", "")),
                     "statement": p.get("statement", ""), "measured": fmt_vs(value, ref, 6),
                     "outcome": o.get("outcome", num.get("status", "")), "reason": o.get("reason", ""),
                     "interval": (f"[{fmt_vs(iv[0], ref, 6)}, {fmt_vs(iv[1], ref, 6)}]" if iv and iv[0] != iv[1]
                                  else ("point" if iv else "—")),
                     "interval_method": str(o.get("interval_method", "")),
                     "margin": f"{margin:+.3g}" if _real(margin) else "—",
                     "margin_hw": (f"{mhw:+.2g} half-widths" if isinstance(mhw, (int, float)) else ""),
                     "borderline": _borderline(margin, mhw, p.get("threshold")),
                     "flaky": bool(o.get("flaky")), "by_construction": str(p.get("by_construction") or ""),
                     "trend": bool(p.get("trend")), "judged": o.get("judged", ""),
                     "strip": strip(reps, iv, p), "n_replicates": len(reps)})
    return rows


def _borderline(margin, mhw, threshold) -> bool:
    """Within 1% of the threshold's size, or within one interval half-width of it."""
    if not isinstance(margin, (int, float)):
        return False
    if isinstance(mhw, (int, float)) and abs(mhw) < 1:
        return True
    scale = abs(threshold) if isinstance(threshold, (int, float)) and threshold else 1.0
    return abs(margin) <= 0.01 * scale


def strip(values: list, iv, pred: dict, width: int = 140, height: int = 16) -> dict | None:
    """Positions (px) for a small strip: replicate dots, the interval bar and the threshold line."""
    thr = pred.get("threshold")
    marks = [t for t in (thr if isinstance(thr, list) else [thr]) if isinstance(t, (int, float))]
    xs = list(values) + (list(iv) if iv else []) + marks
    if not values or not xs:
        return None
    lo, hi = min(xs), max(xs)
    span = (hi - lo) or (abs(hi) or 1.0)
    lo, hi = lo - 0.08 * span, hi + 0.08 * span

    def px(v):
        return round(4 + (v - lo) / (hi - lo) * (width - 8), 1)
    return {"w": width, "h": height, "dots": [px(v) for v in values], "thr": [px(t) for t in marks],
            "iv": [px(iv[0]), px(iv[1])] if iv else None,
            "title": "replicates " + ", ".join(fmt(v, 6) for v in values)
                     + (f"; threshold {', '.join(fmt(t, 6) for t in marks)}" if marks else "")}


def scalar_rows(mapping: Any) -> tuple[list[tuple[str, str]], dict]:
    """Split a dict into (key, short value) rows for scalars/short lists, and the rest."""
    rows, rest = [], {}
    for k, v in sorted(_dict(mapping).items()):
        if isinstance(v, (int, float, str, bool)) or v is None:
            rows.append((k, fmt(v)))
        elif isinstance(v, list) and len(v) <= 12 and all(isinstance(x, (int, float, str, bool)) or x is None
                                                          for x in v):
            rows.append((k, fmt(v, 4) if len(v) <= 8 else "[" + ", ".join(fmt(x) for x in v) + "]"))
        else:
            rest[k] = v
    return rows, rest


def _flat(row: dict) -> dict[str, str]:
    """One table row from a dict: scalars as they are, nested dicts one level deep (``fit.slope``),
    longer lists as their length."""
    out = {}
    for k, v in row.items():
        if isinstance(v, dict):
            for k2, v2 in v.items():
                if not isinstance(v2, (dict, list)) or (isinstance(v2, list) and len(v2) <= 4):
                    out[f"{k}.{k2}"] = fmt(v2)
        elif isinstance(v, list) and (len(v) > 6 or any(isinstance(e, dict) for e in v)
                                      or any(isinstance(e, list) and len(e) > 4 for e in v)):
            out[k] = f"[{len(v)} items]"
        else:
            out[k] = fmt(v)
    return out


def evidence_tables(rest: dict, max_rows: int = 200) -> tuple[list[dict], dict]:
    """Lists of dicts in the evidence (per-configuration rows, counterexamples) as tables
    ``{"name", "columns", "rows", "truncated"}``; what is not tabular is returned as is."""
    tables, other = [], {}
    for k, v in rest.items():
        if isinstance(v, dict) and v and all(isinstance(e, dict) for e in v.values()):
            v = [{"": str(name), **e} for name, e in v.items()]   # {name: {...}}: one row per name
        if isinstance(v, list) and v and all(isinstance(e, dict) for e in v):
            flat = [_flat(e) for e in v]
            cols = list(dict.fromkeys(c for row in flat for c in row))
            rows = [[row.get(c, "") for c in cols] for row in flat[:max_rows]]
            tables.append({"name": k, "columns": cols, "rows": rows,
                           "truncated": max(0, len(flat) - max_rows)})
        else:
            other[k] = v
    return tables, other


def errors_of(result: dict) -> list[dict]:
    """Error blocks (type, message, traceback) and problems recorded anywhere in the result."""
    out = []
    for part in ("symbolic", "numeric"):
        block = _dict(result.get(part))
        err = block.get("error")
        if isinstance(err, dict):
            out.append({"where": part, "type": err.get("type", ""), "message": err.get("message", ""),
                        "traceback": err.get("traceback", "")})
        for prob in _list(block.get("problems")):
            out.append({"where": part, "type": "problem", "message": str(prob), "traceback": ""})
    if isinstance(result.get("error"), str):
        out.append({"where": "run", "type": "error", "message": result["error"], "traceback": ""})
    return out


MARK = {"holds": "✓", "fails": "✗", "inconclusive": "?", "error": "!", "skipped": "–"}


def _clause(row: dict) -> str:
    """One prediction in words: its statement (or rule), what was measured, against what."""
    what = row["statement"] or row["rule"]
    text = f"{what} — measured {row['measured']}"
    if row["interval"] not in ("—", "point"):
        text += f" (95% interval {row['interval']})"
    text += f", predicted {row['rule']}" if row["statement"] else ""
    return text


def _short_reason(reason: str) -> str:
    """The judge's reason without what the line already shows (the interval and the rule)."""
    if re.match(r"^interval \[.*\] straddles the threshold", reason or ""):
        return "the interval straddles the threshold"
    return reason


def outcome_lines(result: dict) -> list[dict]:
    """Each prediction's outcome on its own line: mark, outcome, rule, measured, margin, reason,
    borderline; the symbolic derivation as one more line when it did not prove the claim."""
    lines = []
    for row in predictions_table(result):
        lines.append({"kind": "prediction", "mark": MARK.get(row["outcome"], "·"), "outcome": row["outcome"] or "—",
                      "rule": row["rule"], "statement": row["statement"], "measured": row["measured"],
                      "interval": row["interval"], "margin": row["margin"], "borderline": row["borderline"],
                      "reason": row["reason"], "reason_short": _short_reason(row["reason"]),
                      "by_construction": row["by_construction"], "flaky": row["flaky"]})
    sym = _dict(result.get("symbolic"))
    refuted = [o for o in _list(sym.get("obligations")) if isinstance(o, dict) and o.get("status") == "refuted"]
    for o in refuted:
        lines.append({"kind": "obligation", "mark": "✗", "outcome": "refuted", "rule": str(o.get("name", "")),
                      "statement": str(o.get("statement", "")), "measured": "", "interval": "", "margin": "",
                      "borderline": False, "reason": str(o.get("detail", "")), "reason_short": str(o.get("detail", "")),
                      "by_construction": "", "flaky": False})
    return lines


def why(result: dict) -> str:
    """One plain sentence saying why the claim has its verdict: which predictions fail (or
    cannot be decided) out of how many, the first of them in words with its number, and what
    else held; the error or the skip reason otherwise."""
    verdict = result.get("verdict")
    if verdict == "skipped":
        return str(result.get("reason") or _dict(result.get("numeric")).get("note", ""))
    if verdict == "error":
        errs = errors_of(result)
        return f"{errs[0]['type']}: {errs[0]['message']}" if errs else "the run ended in error"
    sym = _dict(result.get("symbolic"))
    refuted = [o for o in _list(sym.get("obligations")) if isinstance(o, dict) and o.get("status") == "refuted"]
    rows = predictions_table(result)
    n = len(rows)
    bad = [r for r in rows if r["outcome"] == "fails"]
    open_ = [r for r in rows if r["outcome"] in ("inconclusive", "error")]
    good = [r for r in rows if r["outcome"] == "holds"]
    sym_text = {"proved": "the symbolic derivation is proved", "refuted": "the symbolic derivation is refuted",
                }.get(sym.get("status", ""), "")
    rest = []
    if good and (bad or open_):
        rest.append(f"{_count(len(good), 'other prediction')} hold{'s' if len(good) == 1 else ''}"
                    f" ({', '.join(r['name'] for r in good)})")
    if verdict == "fails" and bad:
        head = f"{len(bad)} of {n} predictions fail" if n > 1 else "The prediction fails"
        text = f"{head}: {_clause(bad[0])}"
        if len(bad) > 1:
            rest.insert(0, f"also failing: {', '.join(r['name'] for r in bad[1:])}")
    elif verdict == "fails" and refuted:
        o = refuted[0]
        text = (f"The symbolic derivation refutes it: {o.get('statement') or o.get('name', '')}"
                + (f" ({o.get('detail')})" if o.get("detail") else ""))
        sym_text = ""
    elif verdict == "inconclusive" and open_:
        r = open_[0]
        head = (f"{len(open_)} of {n} predictions cannot be decided here" if n > 1
                else "The prediction cannot be decided here")
        text = f"{head}: {_clause(r)}" + (f"; {_short_reason(r['reason'])}" if r["reason"] else "")
    elif verdict == "holds" and rows:
        edge = [r for r in good if r["borderline"]]
        text = f"{'All ' + str(n) + ' predictions hold' if n > 1 else 'The prediction holds'}"
        if edge:
            text += f", {len(edge)} only by a hair: {_clause(edge[0])}, margin {edge[0]['margin']}"
    else:
        kp = key_prediction(result)
        text = f"{kp['rule']}: measured {kp['measured']}" if kp["rule"] else str(sym.get("note", ""))
    if sym_text and (refuted or verdict != "holds"):
        rest.append(sym_text)
    return text + ("; " + "; ".join(rest) if rest else "") + ("." if text and not text.endswith(".") else "")


def _count(k: int, noun: str) -> str:
    return f"{k} {noun}{'' if k == 1 else 's'}"


def claim_view(result: dict) -> dict:
    """Everything the template needs about one claim, with safe defaults."""
    source = _dict(result.get("source"))
    sym, num = _dict(result.get("symbolic")), _dict(result.get("numeric"))
    cid = str(result.get("claim_id", "?"))
    paper = result.get("paper") or source.get("paper") or cid.split(".", 1)[0]
    evidence_rows, evidence_rest = scalar_rows(num.get("evidence"))
    evidence_tabs, evidence_rest = evidence_tables(evidence_rest)
    wall = result.get("wall_s")
    return {
        "id": cid, "anchor": anchor(cid), "title": result.get("title", ""), "paper": paper,
        "paper_title": str(result.get("paper_title") or paper), "section": source.get("section", ""),
        "quote": source.get("quote", ""), "kind": result.get("kind", ""),
        "statement": result.get("statement", ""), "statement_latex": str(result.get("statement_latex") or ""),
        "assumptions_spec": [a for a in _list(result.get("assumptions_spec")) if isinstance(a, dict)],
        "verdict": result.get("verdict", "error"),
        "rank": VERDICT_RANK.get(result.get("verdict", "error"), 9),
        "symbolic_status": sym.get("status", "—"), "symbolic_note": sym.get("note", ""),
        "numeric_status": num.get("status", "—"), "numeric_note": num.get("note", ""),
        "key": key_prediction(result), "why": why(result), "predictions": predictions_table(result),
        "outcome_lines": outcome_lines(result),
        "wall_s": wall if isinstance(wall, (int, float)) else None,
        "time": f"{wall:.2f}" if isinstance(wall, (int, float)) else "—",
        "assumptions": [str(a) for a in _list(result.get("assumptions"))],
        "violations": [str(v) for v in _list(result.get("assumption_violations"))],
        "config": scalar_rows(result.get("config"))[0] + [
            (k, json.dumps(v)[:300]) for k, v in scalar_rows(result.get("config"))[1].items()],
        "depends_on": [str(d) for d in _list(result.get("depends_on"))],
        "obligations": [o for o in _list(sym.get("obligations")) if isinstance(o, dict)],
        "evidence": evidence_rows, "evidence_tables": evidence_tabs,
        "evidence_rest": json.dumps(evidence_rest, indent=1, sort_keys=True)[:20000]
        if evidence_rest else "",
        "undecided": sorted(_dict(num.get("undecided")).items()),
        "errors": errors_of(result), "notes": result.get("notes", ""),
        "command": result.get("command") or f"python -m checks run --claim {cid}",
        "seed": result.get("seed"), "profile": result.get("profile", ""), "device": result.get("device", ""),
        "started_at": result.get("started_at", ""), "commit": result.get("commit") or "",
        "reason": result.get("reason", ""),
        "scale": _dict(result.get("scale")), "interpretation": result.get("interpretation", ""),
        "replicates": num.get("replicates"), "deterministic": bool(num.get("deterministic")),
        "regime": [r for r in _list(num.get("regime_results")) if isinstance(r, dict)],
    }


def _distinct(values: Iterable) -> list:
    seen = []
    for v in values:
        if v not in (None, "") and v not in seen:
            seen.append(v)
    return seen


def metadata(results: list[dict]) -> dict:
    """Run-level facts: commits, dates, profiles, devices, versions, total time, counts."""
    versions: dict[str, list] = {}
    for r in results:
        for mod, ver in _dict(r.get("versions")).items():
            versions.setdefault(mod, [])
            if ver not in versions[mod]:
                versions[mod].append(ver)
    dates = sorted(str(r["started_at"]) for r in results if r.get("started_at"))
    counts = {v: 0 for v in VERDICTS}
    papers: dict[str, dict[str, int]] = {}
    titles: dict[str, str] = {}
    for r in results:
        v = r.get("verdict", "error")
        counts[v] = counts.get(v, 0) + 1
        p = r.get("paper") or str(r.get("claim_id", "?")).split(".", 1)[0]
        papers.setdefault(p, {x: 0 for x in VERDICTS})
        if r.get("paper_title"):
            titles[p] = str(r["paper_title"])
        papers[p][v] = papers[p].get(v, 0) + 1
    total = sum(r["wall_s"] for r in results if isinstance(r.get("wall_s"), (int, float)))
    return {
        "n": len(results), "counts": counts,
        "papers": {p: {"counts": c, "total": sum(c.values()), "title": titles.get(p, p)}
                   for p, c in sorted(papers.items())},
        "commits": _distinct(r.get("commit") for r in results),
        "profiles": _distinct(r.get("profile") for r in results),
        "devices": _distinct(r.get("device") for r in results),
        "platforms": _distinct(r.get("platform") for r in results),
        "seeds": _distinct(r.get("seed") for r in results),
        "first": dates[0] if dates else "", "last": dates[-1] if dates else "",
        "versions": {m: ", ".join("—" if v is None else str(v) for v in vs) for m, vs in sorted(versions.items())},
        "total_s": total,
    }
