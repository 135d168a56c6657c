"""Versioned result JSON: one ``<claim id>.json`` per claim, written atomically with sorted
keys (cf. asv ``results.py``). The loader refuses a schema version it does not know."""
from __future__ import annotations

import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from models.errors import ResultSchemaError, SuiteError

SCHEMA_VERSION = 1
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
    fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{result['claim_id']}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def load_result(path: str | os.PathLike) -> dict:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CorruptResult(str(path), str(exc)) from exc
    found = data.get("schema_version")
    if found != SCHEMA_VERSION:
        raise ResultSchemaError(str(path), found, SCHEMA_VERSION)
    return data


def load_results(results_dir: str | os.PathLike) -> list[dict]:
    """All results in ``results_dir``, sorted by claim id."""
    d = Path(results_dir)
    if not d.is_dir():
        raise NoResults(str(d))
    # result files are named <paper>.<label>.json; other JSON beside them (exports) is not ours
    results = [load_result(p) for p in sorted(d.glob("*.json")) if _RESULT_NAME.match(p.stem)]
    return sorted(results, key=lambda r: r["claim_id"])


class CorruptResult(SuiteError):
    def __init__(self, path: str, why: str):
        super().__init__(f"result file {path} is not valid JSON ({why}); delete it and re-run its claim")


class NoResults(SuiteError):
    def __init__(self, path: str):
        super().__init__(f"no results directory {path}; run `python -m checks run` first "
                         "or pass --results DIR")
