"""Run claims: resolve configuration, refuse broken assumptions, derive, check, judge, store.

``run_claim`` is the plain function that the CLI and the tests call. A claim that raises
yields an ``error`` result for that claim only; the caller's loop goes on.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
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
from claims.errors import AssumptionViolated
from models.errors import DeviceUnavailable, InvalidParameter, SuiteError
from models.seeds import derive_seed
from models.util import enable_tf32, torch_threads
from report import result as store
from report.summary import fmt_vs

from . import judge


# ----------------------------------------------------------------------------- context
@dataclass
class RunContext:
    """What a check receives besides its configuration."""

    seed: int = 0                    # this replicate's seed (replicate 0: the run's --seed)
    device: str = "cpu"              # resolved: "cpu" or "cuda"
    profile: str = "quick"
    progress: bool = False           # show progress bars (stderr)
    executor: Any = None             # checks.executors.Executor for map(); None: executors.current()
    replicates: int = 3              # independent replicates of a stochastic check
    replicate: int = 0               # which replicate this context belongs to
    deterministic: bool = False      # --deterministic: torch.use_deterministic_algorithms(True)
    rng: np.random.Generator = field(init=False)

    def __post_init__(self):
        self.rng = np.random.default_rng(self.seed)
        if self.device == "cuda":
            enable_tf32()

    def seed_for(self, *keys) -> int:
        """A 31-bit seed derived from this context's seed and ``keys`` (ints or strings): the one
        rule for every seed a check needs, the same on every machine and process."""
        return derive_seed(self.seed, *keys)

    def for_replicate(self, r: int) -> "RunContext":
        """The context of replicate ``r``: replicate 0 keeps the run's seed, so a run with one
        replicate reproduces the seed exactly; the others get seeds derived from it."""
        return dataclasses.replace(self, seed=replicate_seed(self.seed, r), replicate=r)

    def torch_generator(self, offset: int = 0):
        import torch
        g = torch.Generator(device="cpu")
        g.manual_seed(derive_seed(self.seed, "torch", offset))
        return g

    def trange(self, n: int, desc: str = ""):
        """``range(n)`` with a progress bar when the run asked for one."""
        if not self.progress:
            return range(n)
        from tqdm.auto import trange
        return trange(n, desc=desc, leave=False, file=sys.stderr, mininterval=0.5)

    def map(self, fn, points, desc: str = "", uses_device: bool | None = None) -> list:
        """``[fn(**pt) for pt in points]``: the one way claims run sweeps.

        ``fn`` must be a module-level function (picklable) and each point a dict of plain
        values carrying its own seed, so that a point's result does not depend on where or
        in which order it runs. The executor (serial, local processes or Dask; see
        ``checks/executors.py``) is chosen by the runner, never by the claim.

        On a CUDA run a point computes on the GPU when it passes ``device="cuda"`` (as
        ``device=ctx.device``) to ``fn``; such points run one at a time in this process, the
        others in the process pool. ``uses_device`` overrides that for the whole sweep (True:
        every point uses the GPU although none passes a device; False: none does)."""
        from . import executors
        ex = self.executor or executors.current()
        return ex.map(fn, list(points), desc=desc, progress=self.progress, device=self.device,
                      uses_device=uses_device, deterministic=self.deterministic)

    def tqdm(self, iterable, desc: str = "", total: int | None = None):
        if not self.progress:
            return iterable
        from tqdm.auto import tqdm
        return tqdm(iterable, desc=desc, total=total, leave=False, file=sys.stderr, mininterval=0.5)


def check_threads(ctx: RunContext) -> int:
    """Torch threads of a check's own (in-process) work: what a sweep point of the run gets
    (``--threads-per-point``, a few more on a GPU), so that a check outside a sweep neither
    spins idle OpenMP threads against the workers nor costs more than its estimate."""
    from . import executors
    ex = ctx.executor or executors.current()
    return executors.point_threads(getattr(ex, "threads", 1), ctx.device == "cuda")


def replicate_seed(seed: int, r: int) -> int:
    return int(seed) if r == 0 else derive_seed(seed, "replicate", r)


@contextlib.contextmanager
def deterministic_algorithms(on: bool):
    """With ``on``: ``torch.use_deterministic_algorithms(True)`` for the block (and
    ``CUBLAS_WORKSPACE_CONFIG`` set, which cuBLAS needs for it), the old flag restored after.
    CUDA's ``index_add_``, ``scatter_add_`` and sparse products otherwise add in an order that
    varies between runs (results differ at round-off); an op with no deterministic CUDA
    implementation then raises instead of running. On the CPU every op is deterministic already."""
    if not on:
        yield
        return
    import torch

    from .executors import set_deterministic_env
    set_deterministic_env()
    old = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(old)


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
    if numeric == "by_construction":   # nothing that could have failed: no evidence either way
        return "inconclusive"
    return "skipped"


def _error_block(exc: BaseException) -> dict:
    return {"type": type(exc).__name__, "message": str(exc),
            "traceback": "".join(traceback.format_exception(exc)) if not isinstance(exc, SuiteError) else ""}


def _symbolic(claim: Claim, cfg) -> dict:
    if claim.derive is None:
        return {"status": "not_applicable", "obligations": [],
                "note": claim.not_algebraic or "no symbolic derivation for this claim"}
    try:
        der = claim.run_derive(cfg)
    except Exception as exc:
        return {"status": "error", "obligations": [], "note": f"derivation raised {type(exc).__name__}: {exc}",
                "error": _error_block(exc)}
    return {"status": der.status, "obligations": [o.as_json() for o in der.obligations], "note": der.note}


def _numeric(claim: Claim, cfg, ctx: RunContext, control: bool = False) -> dict:
    """Replicates, then the one judgment rule (checks/judge.py). ``control``: the run deliberately
    breaks an assumption (a violation control that tests the instrument, not the paper), so the
    reduced-scale rule, which protects the paper's asymptotic statement, does not apply."""
    if claim.check is None:
        return {"status": "not_applicable", "predictions": [], "measured": {},
                "note": "no numerical check for this claim"}
    # the predictions and regime conditions are fixed from the configuration before measuring
    preds = list(claim.predictions(cfg)) if claim.predictions else []
    regimes = list(claim.regime(cfg)) if claim.regime else []
    n_rep = 1 if claim.deterministic else max(1, ctx.replicates)
    block: dict[str, Any] = {"predictions": [p.as_json() for p in preds],
                             "regime": [r.as_json() for r in regimes], "measured": {},
                             "replicates": n_rep, "deterministic": claim.deterministic,
                             "replicate_seeds": [replicate_seed(ctx.seed, r) for r in range(n_rep)]}
    t0 = time.perf_counter()
    ms: list[Measurement] = []
    try:
        with torch_threads(check_threads(ctx)):
            for r in range(n_rep):
                m = claim.check(cfg, ctx.for_replicate(r))
                if not isinstance(m, Measurement):
                    raise TypeError(f"check of {claim.id} returned {type(m).__name__}, expected Measurement")
                ms.append(m)
    except (Exception, SystemExit) as exc:
        block.update(status="error", error=_error_block(exc), wall_s=time.perf_counter() - t0,
                     note=f"check raised {type(exc).__name__}: {exc}"
                          + (f" (replicate {len(ms)}, seed {block['replicate_seeds'][len(ms)]})" if n_rep > 1 else ""))
        return block
    m0 = ms[0]
    block.update(evidence=m0.evidence, series=m0.series, undecided=m0.undecided,
                 note=m0.notes, wall_s=time.perf_counter() - t0)
    if n_rep > 1:
        block["replicate_values"] = [m.values for m in ms]
    block["scale"] = scale_block(claim, cfg, ms)
    regime_results = [judge.judge_regime(c, [m.values.get(c.name) for m in ms]) for c in regimes]
    block["regime_results"] = regime_results
    outcomes = []
    for p in preds:
        o = judge.judge_prediction(
            p, [m.values.get(p.name) for m in ms], own=[m.intervals.get(p.name) for m in ms],
            undecided=[m.undecided[p.name] for m in ms if p.name in m.undecided],
            deterministic=claim.deterministic)
        o = judge.apply_regime(o, regime_results)
        if not control:
            o = judge.apply_scale(o, p, block["scale"])
        if o["outcome"] == "error":
            block.setdefault("problems", []).append(o["reason"])
        outcomes.append(o)
    for r in regime_results:
        if not r["met"] and not r["replicates"]:
            block.setdefault("problems", []).append(r["reason"])
            for o in outcomes:
                o.update(outcome="error", reason=r["reason"])
    block["outcomes"] = outcomes
    if not preds:
        block["status"] = "error"
        block.setdefault("problems", []).append("the claim states no prediction, so nothing can fail")
    else:
        block["status"] = judge.status(outcomes)
    block["measured"] = {**m0.values, **{o["name"]: o["measured"] for o in outcomes if o["measured"] is not None}}
    return block


def scale_block(claim: Claim, cfg, ms: list[Measurement] | None = None) -> dict:
    """The sizes that matter for this claim and whether they are below the statement's scale."""
    sizes: dict[str, Any] = {}
    for f in (*claim.scale_fields, *claim.asymptotic_in):
        if cfg is not None and hasattr(cfg, f):
            sizes[f] = getattr(cfg, f)
    for m in ms or []:
        sizes.update(m.scale)
    reasons = []
    if claim.asymptotic_in and cfg is not None and "full" in claim.profiles:
        full = claim.resolve_config("full")
        for f in claim.asymptotic_in:
            have, want = _largest(sizes.get(f, getattr(cfg, f, None))), _largest(getattr(full, f, None))
            if have is not None and want is not None and have < want:
                reasons.append(f"{f} ≤ {have:g}")
    if claim.reduced_scale:
        reasons.append(claim.reduced_scale)
    return {"sizes": sizes, "asymptotic_in": list(claim.asymptotic_in), "reduced": bool(reasons),
            "badge": "; ".join(reasons)}


def _largest(v) -> float | None:
    if isinstance(v, (list, tuple)):
        nums = [_largest(x) for x in v]
        nums = [x for x in nums if x is not None]
        return max(nums) if nums else None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    return None


# ----------------------------------------------------------------------------- entry points
def evaluate(claim_id: str, *, profile: str = "quick", seed: int = 0, device: str = "cpu",
             overrides: Mapping[str, Any] | None = None, allow_violations: bool = False,
             progress: bool = False, symbolic: bool = True, numeric: bool = True,
             replicates: int | None = None, deterministic: bool = False) -> dict:
    """Run one claim and return its result dict (not written). Raises only usage errors
    (unknown id, bad override, broken assumption); failures of the claim itself become
    ``error`` results. ``replicates`` defaults to the profile's (quick 3, full 5);
    ``deterministic`` runs the check (and its sweep points) under
    ``torch.use_deterministic_algorithms(True)`` (:func:`deterministic_algorithms`)."""
    claim = _registry.get(claim_id)
    cfg = claim.resolve_config(profile, overrides)
    violations = claim.violations(cfg)
    if violations and not allow_violations:
        raise AssumptionViolated(claim.id, violations)
    dev = resolve_device(device)
    n_rep = default_replicates(profile) if replicates is None else int(replicates)
    t0 = time.perf_counter()
    result = _header(claim, profile=profile, seed=seed, device=dev, cfg=cfg, overrides=overrides,
                     violations=violations, replicates=n_rep, deterministic=deterministic)
    if claim.not_checkable:
        result.update(verdict="skipped", reason=claim.not_checkable,
                      symbolic={"status": "not_applicable", "obligations": [], "note": claim.not_checkable},
                      numeric={"status": "not_applicable", "predictions": [], "measured": {},
                               "note": claim.not_checkable},
                      wall_s=time.perf_counter() - t0)
        return result
    ctx = RunContext(seed=seed, device=dev, profile=profile, progress=progress, replicates=n_rep,
                     deterministic=bool(deterministic))
    sym = _symbolic(claim, cfg) if symbolic else {"status": "not_applicable", "obligations": [], "note": "not run"}
    if numeric:
        try:
            with deterministic_algorithms(bool(deterministic)):
                num = _numeric(claim, cfg, ctx, control=bool(violations))
        except (Exception, SystemExit) as exc:   # predictions() or judging raised: this claim only
            num = {"status": "error", "predictions": [], "measured": {}, "error": _error_block(exc),
                   "note": f"judging raised {type(exc).__name__}: {exc}"}
    else:
        num = {"status": "not_applicable", "predictions": [], "measured": {}, "note": "not run"}
    result.update(symbolic=sym, numeric=num, verdict=combine(sym["status"], num["status"]),
                  scale=num.get("scale") or scale_block(claim, cfg), wall_s=time.perf_counter() - t0)
    if num.get("status") == "by_construction" and result["verdict"] == "inconclusive":
        result["reason"] = ("its numerical check holds by construction and is not evidence; "
                            "no symbolic proof decides it")
    return result


PROFILE_REPLICATES = {"quick": 3, "full": 5}


def default_replicates(profile: str) -> int:
    return PROFILE_REPLICATES.get(profile, 3)


def _header(claim: Claim, *, profile: str, seed: int, device: str | None, cfg=None,
            overrides: Mapping[str, Any] | None = None, violations: list | None = None,
            replicates: int | None = None, deterministic: bool = False) -> dict:
    """The fields every result carries, whatever became of the claim."""
    env = environment()
    return {
        "claim_id": claim.id, "title": claim.title, "paper": claim.paper, "kind": claim.kind,
        "paper_info": _paper_info(claim.paper), "paper_title": _registry.paper_title(claim.paper),
        "statement": claim.statement, "source": dataclasses.asdict(claim.source),
        "depends_on": list(claim.depends_on), "assumptions": [a.text for a in claim.assumptions],
        "assumptions_spec": [_assumption_json(a) for a in claim.assumptions],
        "statement_latex": claim.statement_latex,
        "assumption_violations": violations or [], "seed": seed, "profile": profile, "device": device,
        "config": config_as_json(cfg),
        "started_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": env["versions"], "platform": env["platform"], "commit": env["commit"], "notes": claim.notes,
        "deterministic_algorithms": bool(deterministic),   # torch.use_deterministic_algorithms(True)
        "replicates": replicates, "interpretation": claim.interpretation,
        "command": reproduce_command(claim.id, profile=profile, seed=seed, device=device,
                                     overrides=overrides, replicates=replicates,
                                     allow_violations=bool(violations), deterministic=bool(deterministic)),
    }


def _assumption_json(a) -> dict:
    try:
        return a.as_json()
    except Exception as exc:  # a malformed declaration must not hide the result
        return {"text": a.text, "kind": "error", "latex": "", "error": f"{type(exc).__name__}: {exc}"}


def _paper_info(short: str) -> dict:
    p = _registry.papers().get(short)
    return p.as_json() if p else {"short": short, "title": short}


def reproduce_command(claim_id: str, *, profile: str, seed: int, device: str | None,
                      overrides: Mapping[str, Any] | None, replicates: int | None,
                      allow_violations: bool = False, deterministic: bool = False) -> str:
    """The shell command that reruns this result, every argument quoted for a POSIX shell."""
    import shlex
    args = ["python", "-m", "checks", "run", "--claim", claim_id, "--profile", profile, "--seed", str(seed)]
    if device:
        args += ["--device", device]
    if replicates is not None and replicates != default_replicates(profile):
        args += ["--replicates", str(replicates)]
    for k, v in (overrides or {}).items():
        args += ["--set", f"{k}={v!r}" if not isinstance(v, str) else f"{k}={v}"]
    if allow_violations:
        args.append("--allow-violations")
    if deterministic:
        args.append("--deterministic")
    return " ".join(shlex.quote(a) for a in args)


def refused_result(claim_id: str, exc: SuiteError, *, profile: str, seed: int,
                   deterministic: bool = False) -> dict:
    """An ``error`` result for a claim the runner refused before running it (e.g. its profile
    breaks an assumption), so the refusal is stored and reported like any other outcome."""
    err = {"type": type(exc).__name__, "message": str(exc), "traceback": ""}
    return {**_header(_registry.get(claim_id), profile=profile, seed=seed, device=None,
                      deterministic=deterministic),
            "verdict": "error", "wall_s": 0.0, "error": err,
            "symbolic": {"status": "not_applicable", "obligations": [], "note": "not run: " + str(exc)},
            "numeric": {"status": "error", "predictions": [], "measured": {}, "error": err,
                        "note": "refused before running"}}


def run_claim(claim_id: str, *, profile: str = "quick", seed: int = 0, device: str = "auto",
              overrides: Mapping[str, Any] | None = None, results_dir: str | Path | None = "results",
              allow_violations: bool = False, progress: bool = False, replicates: int | None = None,
              deterministic: bool = False) -> dict:
    """Evaluate one claim and store its result JSON in ``results_dir`` (None: don't store)."""
    result = evaluate(claim_id, profile=profile, seed=seed, device=device, overrides=overrides,
                      allow_violations=allow_violations, progress=progress, replicates=replicates,
                      deterministic=deterministic)
    if results_dir is not None:
        result["path"] = str(store.write_result(results_dir, result))
    return result


def headline(result: dict) -> str:
    """One line: verdict (with its reduced-scale badge), id, the key measured value against its
    prediction with its interval, time."""
    num = result.get("numeric", {})
    key = ""
    for o, p in zip(num.get("outcomes", []), num.get("predictions", [])):
        if o["outcome"] != "holds" or not key:
            v, iv, thr = o.get("measured"), o.get("interval"), p.get("threshold")
            ref = thr[0] if isinstance(thr, list) and thr else thr
            shown = fmt_vs(v, ref)                 # enough digits to tell it from its threshold
            if iv and iv[0] != iv[1]:
                shown = f"{shown}, 95% [{fmt_vs(iv[0], ref)}, {fmt_vs(iv[1], ref)}]"
            key = f"{p['rule']} (measured {shown})"
            if o["outcome"] != "holds":
                if o.get("reason"):
                    key += f": {o['reason']}"
                break
    if result.get("verdict") == "error":
        err = num.get("error") or result.get("symbolic", {}).get("error") or {}
        key = err.get("message", "") or "; ".join(num.get("problems", []))
    if result.get("verdict") in ("skipped", "inconclusive") and result.get("reason"):
        key = result["reason"]
    sym = result.get("symbolic", {}).get("status", "")
    verdict = result.get("verdict", "?")
    scale = result.get("scale") or {}
    if scale.get("reduced") and verdict in ("holds", "fails", "inconclusive"):
        verdict += f" (reduced scale: {scale.get('badge', '')})"
    return f"{verdict:<12} {result['claim_id']:<22} symbolic={sym:<14} {result.get('wall_s', 0):6.1f}s  {key}"
