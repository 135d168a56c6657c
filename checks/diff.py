"""``python -m checks diff BASE NEW``: what a pull request changes in the verdicts.

BASE and NEW are results folders or ``report.json`` exports. Per claim: verdict changes
(better or worse), new and vanished claims, and measured values that moved beyond their
intervals. *Worse* means from ``holds`` to anything else, or from anything to ``fails`` or
``error``; a vanished claim is worse too. Other changes are listed as changed, not worse
(cf. asv ``compare``, DVC ``exp diff``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from models.errors import SuiteError
from report import result as store

from .errors import BadDiffInput


def load_side(path: str) -> dict[str, dict]:
    """Results by claim id from a results folder or a ``report.json`` export."""
    p = Path(path)
    if p.is_dir():
        try:
            return {r["claim_id"]: r for r in store.load_results(p)}
        except SuiteError as exc:
            raise BadDiffInput(path, str(exc)) from exc
    if not p.is_file():
        raise BadDiffInput(path, "no such file or folder")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadDiffInput(path, f"not readable JSON ({exc})") from exc
    if isinstance(doc, dict) and doc.get("document") == "mlclaims-report" and isinstance(doc.get("results"), list):
        out = {}
        for r in doc["results"]:
            if isinstance(r, dict) and isinstance(r.get("claim_id"), str):
                out[r["claim_id"]] = store.ClaimResult.from_dict(r, f"{path}: {r['claim_id']}")
        return out
    if isinstance(doc, dict) and isinstance(doc.get("claim_id"), str):
        return {doc["claim_id"]: store.ClaimResult.from_dict(doc, path)}
    raise BadDiffInput(path, "it is neither a results folder nor a report.json export")


def worse(old: str | None, new: str | None) -> bool:
    if new is None:
        return True                                  # vanished
    if old == "holds" and new != "holds":
        return True
    return new in ("fails", "error") and old not in ("fails", "error") if old is not None else False


def moved_values(old: dict, new: dict) -> list[dict]:
    """Measured values whose new mean lies outside the old interval and vice versa (the two 95%
    intervals do not overlap); with point intervals, any change beyond 1e-9 relative."""
    out = []
    o_old, o_new = store.ClaimResult(old).outcomes, store.ClaimResult(new).outcomes
    for name in sorted(set(o_old) & set(o_new)):
        a, b = o_old[name], o_new[name]
        ia, ib = a.get("interval"), b.get("interval")
        ma, mb = a.get("measured"), b.get("measured")
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (ma, mb)):
            continue
        if isinstance(ia, list) and isinstance(ib, list) and len(ia) == len(ib) == 2:
            apart = ib[0] > ia[1] or ia[0] > ib[1]
            if ia[0] == ia[1] and ib[0] == ib[1]:
                apart = abs(ma - mb) > 1e-9 * max(1.0, abs(ma), abs(mb))
        else:
            apart = abs(ma - mb) > 1e-9 * max(1.0, abs(ma), abs(mb))
        if apart:
            out.append({"prediction": name, "old": ma, "new": mb, "old_interval": ia, "new_interval": ib,
                        "old_outcome": a.get("outcome"), "new_outcome": b.get("outcome")})
    return out


@dataclass
class Diff:
    worse: list[dict] = field(default_factory=list)
    better: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)
    new: list[dict] = field(default_factory=list)
    vanished: list[dict] = field(default_factory=list)
    moved: list[dict] = field(default_factory=list)
    unchanged: int = 0

    def as_json(self) -> dict:
        return {"worse": self.worse, "better": self.better, "changed": self.changed, "new": self.new,
                "vanished": self.vanished, "moved": self.moved, "unchanged": self.unchanged,
                "got_worse": self.got_worse}

    @property
    def got_worse(self) -> bool:
        return bool(self.worse or self.vanished)


RANK = {"holds": 0, "skipped": 1, "inconclusive": 2, "error": 3, "fails": 4}


def compare(base: dict[str, dict], new: dict[str, dict]) -> Diff:
    d = Diff()
    for cid in sorted(set(base) | set(new)):
        a, b = base.get(cid), new.get(cid)
        if a is None:
            d.new.append({"claim": cid, "verdict": b.get("verdict")})
            continue
        if b is None:
            d.vanished.append({"claim": cid, "verdict": a.get("verdict")})
            continue
        va, vb = a.get("verdict"), b.get("verdict")
        moved = moved_values(a, b)
        d.moved += [{"claim": cid, **m} for m in moved]
        row = {"claim": cid, "old": va, "new": vb}
        if va == vb:
            d.unchanged += 1
        elif worse(va, vb):
            d.worse.append(row)
        elif (RANK.get(vb, 9) < RANK.get(va, 9) and vb == "holds"
              or (va in ("fails", "error") and vb not in ("fails", "error"))):
            d.better.append(row)
        else:
            d.changed.append(row)
    return d


def render_text(d: Diff, base: str, new: str) -> str:
    lines = [f"comparing {base} -> {new}"]
    for title, rows, fmt in (
            ("WORSE", d.worse, lambda r: f"{r['claim']}: {r['old']} -> {r['new']}"),
            ("VANISHED (worse)", d.vanished, lambda r: f"{r['claim']} (was {r['verdict']})"),
            ("better", d.better, lambda r: f"{r['claim']}: {r['old']} -> {r['new']}"),
            ("changed", d.changed, lambda r: f"{r['claim']}: {r['old']} -> {r['new']}"),
            ("new", d.new, lambda r: f"{r['claim']} ({r['verdict']})"),
            ("moved beyond their intervals", d.moved,
             lambda r: f"{r['claim']} {r['prediction']}: {r['old']:.6g} {_iv(r['old_interval'])} -> "
                       f"{r['new']:.6g} {_iv(r['new_interval'])}")):
        if rows:
            lines.append(f"{title} ({len(rows)}):")
            lines += [f"  {fmt(r)}" for r in rows]
    lines.append(f"unchanged verdicts: {d.unchanged}")
    lines.append("result: " + ("got worse" if d.got_worse else "nothing got worse"))
    return "\n".join(lines)


def _iv(iv) -> str:
    if isinstance(iv, list) and len(iv) == 2 and iv[0] != iv[1]:
        return f"[{iv[0]:.4g}, {iv[1]:.4g}]"
    return ""
