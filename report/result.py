"""The result contract: one versioned JSON document per claim (``<claim id>.json``), written
atomically with sorted keys, loaded with its shape checked, version-1 files upgraded on load
and unknown versions refused (cf. asv ``results.py``).

The runner writes results through this module, the report and ``checks diff`` read them
through it; it imports nothing of ``claims`` or ``checks``, so the data flows one way:
``models`` <- ``claims`` <- ``checks`` -> result JSON (this contract) -> ``report``.
"""
from __future__ import annotations

import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from models.util import atomic_replace, umask

from .errors import BadResultsDir, CorruptResult, NoResults, ResultSchemaError, WriteFailed

SCHEMA_VERSION = 2
_RESULT_NAME = re.compile(r"^[a-z]+\.[A-Za-z0-9]")


def _jsonable(obj: Any):
    """numpy / torch scalars and arrays, tuples, non-finite floats -> plain JSON."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "tolist") and callable(obj.tolist):  # numpy / torch
        return _jsonable(obj.tolist())
    if hasattr(obj, "item") and callable(obj.item):
        return _jsonable(obj.item())
    if isinstance(obj, float):
        if math.isnan(obj):
            return "nan"
        if math.isinf(obj):
            return "inf" if obj > 0 else "-inf"
        return obj
    if isinstance(obj, (str, int, bool)) or obj is None:
        return obj
    return str(obj)


def dumps(result: dict) -> str:
    return json.dumps(_jsonable(result), sort_keys=True, indent=1, allow_nan=False)


def write_result(results_dir: str | os.PathLike, result: dict) -> Path:
    """Write ``result`` to ``results_dir/<claim_id>.json`` atomically; return the path."""
    out = Path(results_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{result['claim_id']}.json"
    text = dumps({**result, "schema_version": SCHEMA_VERSION})
    atomic_write(path, text)
    return path


def atomic_write(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename, with
    the mode the umask gives a new file; on any failure (a full disk) nothing is left behind
    and the old file, if any, is untouched. Raises :class:`WriteFailed` naming the path."""
    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    try:
        return atomic_replace(path, write, mode=0o666 & ~umask())
    except OSError as exc:
        raise WriteFailed(str(path), exc) from exc


def clean_stale_temps(results_dir: str | os.PathLike) -> list[Path]:
    """Remove temporary files a killed writer left behind (``.<name>.<random>.tmp``)."""
    d = Path(results_dir)
    gone = []
    if d.is_dir():
        for tmp in d.glob(".*.tmp"):
            try:
                tmp.unlink()
                gone.append(tmp)
            except OSError:
                pass
    return gone


def check_writable(results_dir: str | os.PathLike) -> Path:
    """Validate a results folder before any work: not empty, not a file, creatable and
    writable (tried with a real file, which also catches a read-only mount)."""
    if str(results_dir).strip() == "":
        raise BadResultsDir(repr(str(results_dir)), "is empty", "pass --results DIR")
    d = Path(results_dir)
    if d.exists() and not d.is_dir():
        raise BadResultsDir(str(d), "is a file, not a folder", "pass a folder, e.g. --results results")
    probe_dir = d
    while not probe_dir.exists():                 # created only when the first result is written
        probe_dir = probe_dir.parent
    if not probe_dir.is_dir():
        raise BadResultsDir(str(d), f"lies under the file {probe_dir}", "pass a folder path")
    try:
        fd, probe = tempfile.mkstemp(dir=probe_dir, prefix=".write-probe.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise BadResultsDir(str(d), f"cannot be written ({exc.strerror or exc})",
                            "pass a folder you can write to with --results DIR") from exc
    clean_stale_temps(d)
    return d


def _read(path: Path):
    """The parsed JSON of ``path``; CorruptResult (naming it) when it cannot be read or parsed."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CorruptResult(str(path), str(exc)) from exc
    except OSError as exc:
        raise CorruptResult(str(path), f"cannot be read: {exc.strerror or exc}") from exc


def _checked(data, path: Path) -> "ClaimResult":
    if isinstance(data, dict) and "schema_version" not in data:
        raise ResultSchemaError(str(path), None, SCHEMA_VERSION)
    return ClaimResult.from_dict(data, str(path))


def load_result(path: str | os.PathLike) -> "ClaimResult":
    path = Path(path)
    return _checked(_read(path), path)


EXPORT_DOCUMENT = "mlclaims-report"      # marks the report's JSON export, which may sit beside results


def is_export(data) -> bool:
    return isinstance(data, dict) and data.get("document") == EXPORT_DOCUMENT


VERDICTS = ("holds", "fails", "inconclusive", "error", "skipped")


def shape_problem(data: dict) -> str:
    """What is wrong with a result's shape (the fields the report reads), or ''."""
    if not isinstance(data.get("claim_id"), str):
        return "it has no claim_id string"
    if data.get("verdict") not in VERDICTS:
        return f"its verdict {data.get('verdict')!r} is not one of {', '.join(VERDICTS)}"
    for part in ("symbolic", "numeric", "scale", "config", "source"):
        if part in data and data[part] is not None and not isinstance(data[part], dict):
            return f"its {part!r} is {type(data[part]).__name__}, not an object"
    if not isinstance(data.get("deterministic_algorithms", False), bool):
        return f"its deterministic_algorithms is {data['deterministic_algorithms']!r}, not true or false"
    num = data.get("numeric") or {}
    for key in ("outcomes", "predictions"):
        if key in num and not isinstance(num[key], list):
            return f"numeric.{key} is {type(num[key]).__name__}, not a list"
    for name, ser in (num.get("series") or {}).items() if isinstance(num.get("series") or {}, dict) else [("", 0)]:
        if not isinstance(ser, dict) or not isinstance(ser.get("ys", {}), dict):
            return f"series {name!r} is not an object with a ys object"
    return ""


def upgrade_v1(data: dict) -> dict:
    """A version-1 result (one run, no intervals) read as version 2: each outcome gets its single
    value as ``replicates``, a point ``interval`` said to come from one run, no margin in
    half-widths, and the result an unknown ``scale``. Verdicts are kept as they were judged."""
    data = dict(data)
    num = data.get("numeric")
    if isinstance(num, dict):
        num = dict(num)
        outs = []
        for o in num.get("outcomes") or []:
            if not isinstance(o, dict):
                continue
            o = dict(o)
            v = o.get("measured")
            single = isinstance(v, (int, float)) and not isinstance(v, bool)
            o.setdefault("replicates", [v] if single else [])
            o.setdefault("interval", [v, v] if single else None)
            o.setdefault("interval_method", "schema 1 result: one run, no interval (re-run for replicates)")
            o.setdefault("margin", None)
            o.setdefault("margin_hw", None)
            o.setdefault("flaky", False)
            o.setdefault("by_construction", "")
            outs.append(o)
        num["outcomes"] = outs
        num.setdefault("replicates", 1)
        data["numeric"] = num
    data.setdefault("scale", {"sizes": {}, "asymptotic_in": [], "reduced": None,
                              "badge": "unknown (schema 1 result)"})
    data["upgraded_from"] = 1
    data["schema_version"] = SCHEMA_VERSION
    return data


def load_results(results_dir: str | os.PathLike) -> list["ClaimResult"]:
    """All results in ``results_dir``, sorted by claim id; each file is read once, and the
    report's JSON export beside them is skipped."""
    d = Path(results_dir)
    if not d.is_dir():
        raise NoResults(str(d))
    results = []
    for p in sorted(d.glob("*.json")):
        if not _RESULT_NAME.match(p.stem):     # result files are named <paper>.<label>.json
            continue
        data = _read(p)
        if not is_export(data):
            results.append(_checked(data, p))
    return sorted(results, key=lambda r: r["claim_id"])


class ClaimResult(dict):
    """One claim's result: the JSON object itself (a ``dict``, so every reader can index it).
    Build one with :func:`load_result` or :meth:`from_dict`, which check its shape and upgrade
    old schema versions."""

    @classmethod
    def from_dict(cls, data: dict, where: str = "result") -> "ClaimResult":
        if not isinstance(data, dict):
            raise CorruptResult(where, f"the top level is {type(data).__name__}, not an object")
        found = data.get("schema_version", SCHEMA_VERSION)
        if found == 1:
            data = upgrade_v1(data)
        elif found != SCHEMA_VERSION:
            raise ResultSchemaError(where, found, SCHEMA_VERSION)
        problem = shape_problem(data)
        if problem:
            raise CorruptResult(where, problem)
        return cls(data)

    @property
    def deterministic_algorithms(self) -> bool:
        """Whether the run used ``torch.use_deterministic_algorithms(True)`` (``--deterministic``);
        a result written before the field existed was not."""
        return bool(self.get("deterministic_algorithms", False))

    @property
    def outcomes(self) -> dict[str, dict]:
        """Prediction name -> its outcome (interval, replicates, margin, ...)."""
        num = self.get("numeric") if isinstance(self.get("numeric"), dict) else {}
        return {o["name"]: o for o in num.get("outcomes") or [] if isinstance(o, dict) and "name" in o}
