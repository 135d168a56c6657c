"""Run claims: resolve configuration, refuse broken assumptions, derive, check, judge, store.

``run_claim`` is the plain function that the CLI and the tests call. A claim that raises
yields an ``error`` result for that claim only; the caller's loop goes on.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import platform
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from claims import _registry
from claims._base import Claim, Measurement, config_as_json
from models.errors import AssumptionViolated, DeviceUnavailable, InvalidParameter, SuiteError

from . import store


# ----------------------------------------------------------------------------- context
@dataclass
class RunContext:
    """What a check receives besides its configuration."""

    seed: int = 0
    device: str = "cpu"              # resolved: "cpu" or "cuda"
    profile: str = "quick"
    progress: bool = False           # show progress bars (stderr)
    executor: Any = None             # checks.executors.Executor for map(); None: executors.current()
    rng: np.random.Generator = field(init=False)

    def __post_init__(self):
        self.rng = np.random.default_rng(self.seed)
        if self.device == "cuda":
            enable_tf32()

    def torch_generator(self, offset: int = 0):
        import torch
        g = torch.Generator(device="cpu")
        g.manual_seed(self.seed * 1_000_003 + offset)
        return g

    def trange(self, n: int, desc: str = ""):
        """``range(n)`` with a progress bar when the run asked for one."""
        if not self.progress:
            return range(n)
        from tqdm.auto import trange
        return trange(n, desc=desc, leave=False, file=sys.stderr, mininterval=0.5)

    def map(self, fn, points, desc: str = "") -> list:
        """``[fn(**pt) for pt in points]``: the one way claims run sweeps.

        ``fn`` must be a module-level function (picklable) and each point a dict of plain
        values carrying its own seed, so that a point's result does not depend on where or
        in which order it runs. The executor (serial, local processes or Dask; see
        ``checks/executors.py``) is chosen by the runner, never by the claim."""
        from . import executors
        ex = self.executor or executors.current()
        return ex.map(fn, list(points), desc=desc, progress=self.progress, device=self.device)

    def tqdm(self, iterable, desc: str = "", total: int | None = None):
        if not self.progress:
            return iterable
        from tqdm.auto import tqdm
        return tqdm(iterable, desc=desc, total=total, leave=False, file=sys.stderr, mininterval=0.5)


def enable_tf32() -> None:
    """TF32 tensor cores for float32 matmuls and convolutions on CUDA (float32 training runs;
    float64 comparisons are unaffected)."""
    import torch
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True


def resolve_device(device: str) -> str:
    if device not in ("auto", "cpu", "cuda"):
        raise InvalidParameter("--device", device, "must be auto, cpu or cuda")
    try:
        import torch
        has_cuda = torch.cuda.is_available()
    except ImportError:  # pragma: no cover - torch is a dependency
        has_cuda = False
    if device == "auto":
        return "cuda" if has_cuda else "cpu"
    if device == "cuda" and not has_cuda:
        raise DeviceUnavailable(device)
    return device


@lru_cache(maxsize=1)
def environment() -> dict:
    versions = {"python": platform.python_version()}
    for mod in ("numpy", "scipy", "sympy", "mpmath", "torch", "networkx", "hypothesis"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:
            versions[mod] = None
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=5, cwd=Path(__file__).resolve().parent).stdout.strip()
    except Exception:
        commit = ""
    return {"versions": versions, "platform": platform.platform(), "commit": commit or None}


# ----------------------------------------------------------------------------- verdicts
def combine(symbolic: str, numeric: str) -> str:
    """Overall verdict from the symbolic status and the numeric status."""
    if "error" in (symbolic, numeric):
        return "error"
    if symbolic == "refuted" or numeric == "fails":
        return "fails"
    if symbolic == "inconclusive" or numeric == "inconclusive":
        return "inconclusive"
    if symbolic == "proved" or numeric == "holds":
        return "holds"
    return "skipped"


def _error_block(exc: BaseException) -> dict:
    return {"type": type(exc).__name__, "message": str(exc),
            "traceback": "".join(traceback.format_exception(exc)) if not isinstance(exc, SuiteError) else ""}


def _symbolic(claim: Claim, cfg) -> dict:
    if claim.derive is None:
        return {"status": "not_applicable", "obligations": [],
                "note": claim.not_algebraic or "no symbolic derivation for this claim"}
    try:
        der = claim.derive(cfg)
    except Exception as exc:
        return {"status": "error", "obligations": [], "note": f"derivation raised {type(exc).__name__}: {exc}",
                "error": _error_block(exc)}
    return {"status": der.status, "obligations": [o.as_json() for o in der.obligations], "note": der.note}


def _numeric(claim: Claim, cfg, ctx: RunContext) -> dict:
    if claim.check is None:
        return {"status": "not_applicable", "predictions": [], "measured": {},
                "note": "no numerical check for this claim"}
    # the predictions are fixed from the configuration before anything is measured
    preds = list(claim.predictions(cfg)) if claim.predictions else []
    block: dict[str, Any] = {"predictions": [p.as_json() for p in preds], "measured": {}}
    t0 = time.perf_counter()
    try:
        m = claim.check(cfg, ctx)
        if not isinstance(m, Measurement):
            raise TypeError(f"check of {claim.id} returned {type(m).__name__}, expected Measurement")
    except Exception as exc:
        block.update(status="error", error=_error_block(exc), wall_s=time.perf_counter() - t0,
                     note=f"check raised {type(exc).__name__}: {exc}")
        return block
    block.update(measured=m.values, evidence=m.evidence, series=m.series, undecided=m.undecided,
                 note=m.notes, wall_s=time.perf_counter() - t0)
    outcomes = []
    for p in preds:
        value = m.values.get(p.name)
        if p.name in m.undecided:
            outcome = "inconclusive"
        elif value is None:
            outcome = "error"
            block.setdefault("problems", []).append(f"prediction {p.name!r} has no measured value")
        else:
            outcome = p.judge(value)
            if outcome == "error":
                block.setdefault("problems", []).append(
                    f"measured {p.name} is NaN: the run diverged or measured nothing; "
                    "lower the step size or enlarge the sample")
        outcomes.append({"name": p.name, "measured": value, "outcome": outcome,
                         "reason": m.undecided.get(p.name, "")})
    block["outcomes"] = outcomes
    states = {o["outcome"] for o in outcomes}
    if not preds:
        block["status"] = "error"
        block.setdefault("problems", []).append("the claim states no prediction, so nothing can fail")
    elif "error" in states:
        block["status"] = "error"
    elif "fails" in states:
        block["status"] = "fails"
    elif "inconclusive" in states:
        block["status"] = "inconclusive"
    else:
        block["status"] = "holds"
    return block


# ----------------------------------------------------------------------------- entry points
def evaluate(claim_id: str, *, profile: str = "quick", seed: int = 0, device: str = "cpu",
             overrides: Mapping[str, Any] | None = None, allow_violations: bool = False,
             progress: bool = False, symbolic: bool = True, numeric: bool = True) -> dict:
    """Run one claim and return its result dict (not written). Raises only usage errors
    (unknown id, bad override, broken assumption); failures of the claim itself become
    ``error`` results."""
    claim = _registry.get(claim_id)
    cfg = claim.resolve_config(profile, overrides)
    violations = claim.violations(cfg)
    if violations and not allow_violations:
        raise AssumptionViolated(claim.id, violations)
    dev = resolve_device(device)
    t0 = time.perf_counter()
    result = _header(claim, profile=profile, seed=seed, device=dev, cfg=cfg, overrides=overrides,
                     violations=violations)
    if claim.not_checkable:
        result.update(verdict="skipped", reason=claim.not_checkable,
                      symbolic={"status": "not_applicable", "obligations": [], "note": claim.not_checkable},
                      numeric={"status": "not_applicable", "predictions": [], "measured": {},
                               "note": claim.not_checkable},
                      wall_s=time.perf_counter() - t0)
        return result
    ctx = RunContext(seed=seed, device=dev, profile=profile, progress=progress)
    sym = _symbolic(claim, cfg) if symbolic else {"status": "not_applicable", "obligations": [], "note": "not run"}
    num = _numeric(claim, cfg, ctx) if numeric else {"status": "not_applicable", "predictions": [],
                                                      "measured": {}, "note": "not run"}
    result.update(symbolic=sym, numeric=num, verdict=combine(sym["status"], num["status"]),
                  wall_s=time.perf_counter() - t0)
    return result


def _header(claim: Claim, *, profile: str, seed: int, device: str | None, cfg=None,
            overrides: Mapping[str, Any] | None = None, violations: list | None = None) -> dict:
    """The fields every result carries, whatever became of the claim."""
    env = environment()
    return {
        "claim_id": claim.id, "title": claim.title, "paper": claim.paper, "kind": claim.kind,
        "statement": claim.statement, "source": dataclasses.asdict(claim.source),
        "depends_on": list(claim.depends_on), "assumptions": [a.text for a in claim.assumptions],
        "assumption_violations": violations or [], "seed": seed, "profile": profile, "device": device,
        "config": config_as_json(cfg),
        "started_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": env["versions"], "platform": env["platform"], "commit": env["commit"], "notes": claim.notes,
        "command": f"python -m checks run --claim {claim.id} --profile {profile} --seed {seed}"
                   + (f" --device {device}" if device else "")
                   + "".join(f" --set {k}={v!r}".replace("'", "") for k, v in (overrides or {}).items()),
    }


def refused_result(claim_id: str, exc: SuiteError, *, profile: str, seed: int) -> dict:
    """An ``error`` result for a claim the runner refused before running it (e.g. its profile
    breaks an assumption), so the refusal is stored and reported like any other outcome."""
    err = {"type": type(exc).__name__, "message": str(exc), "traceback": ""}
    return {**_header(_registry.get(claim_id), profile=profile, seed=seed, device=None),
            "verdict": "error", "wall_s": 0.0, "error": err,
            "symbolic": {"status": "not_applicable", "obligations": [], "note": "not run: " + str(exc)},
            "numeric": {"status": "error", "predictions": [], "measured": {}, "error": err,
                        "note": "refused before running"}}


def run_claim(claim_id: str, *, profile: str = "quick", seed: int = 0, device: str = "auto",
              overrides: Mapping[str, Any] | None = None, results_dir: str | Path | None = "results",
              allow_violations: bool = False, progress: bool = False) -> dict:
    """Evaluate one claim and store its result JSON in ``results_dir`` (None: don't store)."""
    result = evaluate(claim_id, profile=profile, seed=seed, device=device, overrides=overrides,
                      allow_violations=allow_violations, progress=progress)
    if results_dir is not None:
        result["path"] = str(store.write_result(results_dir, result))
    return result


def headline(result: dict) -> str:
    """One line: verdict, id, the key measured value against its prediction, time."""
    num = result.get("numeric", {})
    key = ""
    for o, p in zip(num.get("outcomes", []), num.get("predictions", [])):
        if o["outcome"] != "holds" or not key:
            v = o["measured"]
            shown = f"{v:.4g}" if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else v
            key = f"{p['rule']} (measured {shown})"
            if o["outcome"] != "holds":
                break
    if result.get("verdict") == "error":
        err = num.get("error") or result.get("symbolic", {}).get("error") or {}
        key = err.get("message", "") or "; ".join(num.get("problems", []))
    if result.get("verdict") == "skipped" and result.get("reason"):
        key = result["reason"]
    sym = result.get("symbolic", {}).get("status", "")
    return (f"{result.get('verdict', '?'):<12} {result['claim_id']:<22} symbolic={sym:<14} "
            f"{result.get('wall_s', 0):6.1f}s  {key}")
