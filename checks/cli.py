"""``python -m checks``: argparse wiring, argument translation, then plain functions.

Exit codes: 0 every claim reached a verdict; 1 some claim ended in ``error``; 2 bad usage.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import sys
import textwrap
from typing import Sequence

from claims import _registry
from claims.errors import AssumptionViolated
from models.errors import SuiteError
from report import result as store

from . import runner
from .errors import BadOption, BadOverride, InsufficientMemory


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own usage errors also exit 2, with a hint
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n(see `{self.prog} --help`)\n")


def _bounded_int(name: str, lo: int, hi: int):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {text!r}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{name} must be between {lo} and {hi}, got {v}")
        return v
    parse.__name__ = name
    return parse


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m checks", description="Verify the claims of ML-theory papers.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ls = sub.add_parser("list", help="one row per claim")
    ls.add_argument("--paper", choices=sorted(_registry.papers()))
    ls.add_argument("--json", action="store_true", help="print a JSON array")

    sh = sub.add_parser("show", help="statement, source, assumptions, derivation status")
    sh.add_argument("id")

    rn = sub.add_parser("run", help="run claims and store result JSON")
    rn.add_argument("--claim", action="append", default=[], metavar="ID",
                    help="claim id or unique bare label; repeatable; default all")
    rn.add_argument("--paper", choices=sorted(_registry.papers()))
    rn.add_argument("--changed", default=None, metavar="REF",
                    help="only the claims whose module, or a project module it imports, differs between "
                         "the git ref REF and the working tree (what a pull request's CI runs)")
    rn.add_argument("--allow-violations", action="store_true",
                    help="run a configuration that breaks an assumption on purpose (a violation control); "
                         "the result is marked as a control")
    rn.add_argument("--profile", choices=["quick", "full"], default="quick")
    rn.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                    help="where the checks compute (auto: cuda when a GPU is present); on cuda, sweep points "
                         "that use the GPU run one at a time in this process, CPU-only points in parallel")
    rn.add_argument("--deterministic", action="store_true",
                    help="torch.use_deterministic_algorithms(True), with CUBLAS_WORKSPACE_CONFIG=:4096:8, in this "
                         "process and every worker; recorded in each result. On CUDA, index_add_, scatter_add_ "
                         "and sparse products otherwise add in a varying order, so results can differ at "
                         "round-off between runs (an op with no deterministic CUDA version then raises); "
                         "on the CPU every op is deterministic already")
    rn.add_argument("--seed", type=_bounded_int("--seed", 0, 2**31 - 1), default=0,
                    help="seed of replicate 0; the others are derived from it (0 .. 2**31-1)")
    rn.add_argument("--replicates", type=_bounded_int("--replicates", 1, 100), default=None, metavar="R",
                    help="independent replicates of every stochastic check (default: quick 3, full 5)")
    rn.add_argument("--results", default="results", metavar="DIR")
    rn.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", dest="overrides",
                    help="override a configuration field (with one --claim)")
    rn.add_argument("--report", action="store_true", help="write the HTML report afterwards")
    rn.add_argument("--no-progress", action="store_true")
    rn.add_argument("--executor", choices=["auto", "serial", "process", "dask"], default="auto",
                    help="where sweep points run: auto = local processes when there are several "
                         "cores and points, else serial; dask = a Dask cluster (see --scheduler)")
    rn.add_argument("--workers", type=int, default=None, metavar="N",
                    help="worker processes for process/dask (default: one per core)")
    rn.add_argument("--scheduler", default=None, metavar="ADDRESS",
                    help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (implies --executor dask; "
                         "without it, dask starts a LocalCluster)")
    rn.add_argument("--threads-per-point", type=int, default=1, metavar="N",
                    help="torch threads for each sweep point, the same for every executor so that "
                         "results do not depend on it (default 1)")

    es = sub.add_parser("estimate", help="projected CPU (and GPU) time of claims, from measured per-step costs")
    es.add_argument("--claim", action="append", default=[], metavar="ID",
                    help="claim id or unique bare label; repeatable; default every claim that declares a cost")
    es.add_argument("--profile", choices=["quick", "full"], default=None,
                    help="one profile (default: both)")
    es.add_argument("--replicates", type=_bounded_int("--replicates", 1, 100), default=None, metavar="R",
                    help="replicates of every stochastic check (default: quick 3, full 5)")
    es.add_argument("--workers", type=_bounded_int("--workers", 1, 4096), default=None, metavar="N",
                    help="worker processes the sweeps are spread over (default: one per core)")
    es.add_argument("--no-measure", action="store_true",
                    help="project from cached measurements only; never time a kernel")
    es.add_argument("--budget", type=float, default=None, metavar="S",
                    help="longest a timing at the real size may take before extrapolating (default 20 s)")
    es.add_argument("--json", action="store_true", help="print the projections as JSON")

    sp_ = sub.add_parser("spec", help="the claims' specification: statement, assumptions, predictions as mathematics")
    sp_.add_argument("ids", nargs="*", metavar="ID", help="claim ids or unique labels (default: all)")
    sp_.add_argument("--json", action="store_true",
                     help="the versioned JSON document (schema: checks/spec.schema.json)")

    nw = sub.add_parser("new", help="write a new claim module and its test from a template")
    nw.add_argument("id", metavar="PAPER.LABEL")
    nw.add_argument("--title", default=None, help="the paper's title (needed when the paper is new)")
    nw.add_argument("--claim-title", default=None, help="the claim's title")
    nw.add_argument("--kind", default="lemma", help="theorem, lemma, definition, empirical, ... (default lemma)")

    df = sub.add_parser("diff", help="what changed in the verdicts between two runs (exit 1 if worse)")
    df.add_argument("base", metavar="BASE", help="results folder or report.json of the base (e.g. main)")
    df.add_argument("new", metavar="NEW", help="results folder or report.json of the change")
    df.add_argument("--json", action="store_true", help="print the comparison as JSON")

    rp = sub.add_parser("report", help="write the HTML report from stored results")
    rp.add_argument("--results", default="results", metavar="DIR")
    rp.add_argument("--out", default=None, metavar="PATH", help="default: DIR/report.html")
    rp.add_argument("--baseline", default=None, metavar="BASE",
                    help="results folder or report.json to compare with: adds a 'changed since baseline' section")
    return p


def parse_overrides(items: Sequence[str]) -> dict:
    out = {}
    for text in items:
        if "=" not in text:
            raise BadOverride(text, "no '='")
        key, raw = text.split("=", 1)
        key = key.strip()
        if not key.isidentifier():
            raise BadOverride(text, f"{key!r} is not a field name")
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = raw
        out[key] = value
    return out


# ----------------------------------------------------------------------------- commands
def cmd_list(args) -> int:
    rows = [{"id": c.id, "title": c.title, "paper": c.paper, "kind": c.kind,
             "section": c.source.section, "source": c.source.quote, "depends_on": list(c.depends_on),
             "has_derivation": c.has_derivation, "has_check": c.has_check,
             "not_checkable": c.not_checkable}
            for c in _registry.all_claims(args.paper)]
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    width = max([len(r["id"]) for r in rows] + [5])
    room = max(20, 100 - width - 6)                    # every line fits 100 columns
    print(f"{'claim':<{width}} S/N  title")
    for r in rows:
        flags = ("S" if r["has_derivation"] else "-") + ("N" if r["has_check"] else "-")
        text = r["title"] + (f" [not checkable: {r['not_checkable']}]" if r["not_checkable"] else "")
        print(f"{r['id']:<{width}} {flags}   {text if len(text) <= room else text[:room - 1] + '…'}")
    print(f"{len(rows)} claims (S = SymPy derivation, N = numerical check; `show ID` for the whole text)")
    return 0


_COLOUR = {"holds": "32", "fails": "31", "inconclusive": "33", "error": "35", "skipped": "90"}


def _coloured(line: str, verdict: str, stream) -> str:
    """``line`` with its leading verdict coloured on a terminal (never when piped, or with NO_COLOR)."""
    code = _COLOUR.get(verdict)
    if not code or os.environ.get("NO_COLOR") or not getattr(stream, "isatty", lambda: False)() \
            or not line.startswith(verdict):
        return line
    return f"\033[{code}m{verdict}\033[0m{line[len(verdict):]}"


def cmd_show(args) -> int:
    c = _registry.get(args.id)
    w = textwrap.TextWrapper(width=96, initial_indent="  ", subsequent_indent="  ")
    print(f"{c.id}: {c.title}  [{c.kind}, {c.source.section}]")
    print("statement:\n" + w.fill(c.statement))
    print("source (seed):\n" + w.fill("“" + c.source.quote + "”"))
    print("assumptions:")
    for a in c.assumptions:
        print(f"  - {a.text}")
    if c.config is not None:
        cfg = c.resolve_config("quick")
        print("quick configuration: " + ", ".join(f"{k}={v}" for k, v in vars(cfg).items()))
        print("profiles: " + "; ".join(f"{k}: {dict(v) or 'defaults'}" for k, v in c.profiles.items()))
    if c.depends_on:
        print("depends on: " + ", ".join(c.depends_on))
    if c.derive is not None:
        der = c.run_derive(c.resolve_config("quick"))
        print(f"derivation: {der.status}")
        for o in der.obligations:
            print(f"  [{o.status}] {o.name}: {o.statement}")
    else:
        print(f"derivation: none ({c.not_algebraic or 'not algebraic'})")
    if c.predictions is not None and c.config is not None:
        print("predictions (quick):")
        for p in c.predictions(c.resolve_config("quick")):
            print(f"  - {p.describe()}: {p.statement}")
    if c.not_checkable:
        print(f"not checkable: {c.not_checkable}")
    from . import estimate
    for line in estimate.show_lines(c):
        print(line)
    if c.notes:
        print("notes:\n" + w.fill(c.notes))
    return 0


def cmd_run(args) -> int:
    overrides = parse_overrides(args.overrides)
    if overrides and len(args.claim) != 1:
        raise BadOverride(args.overrides[0], "--set needs exactly one --claim")
    runner.resolve_device(args.device)
    if args.claim:
        ids = list(dict.fromkeys(_registry.resolve(c) for c in args.claim))  # all ids checked first
        outside = [i for i in ids if args.paper and not i.startswith(args.paper + ".")]
        if outside:
            raise BadOption("--paper", args.paper, f"{', '.join(outside)} belong(s) to another paper; "
                            "drop --paper or the --claim")
    else:
        ids = [c.id for c in _registry.all_claims(args.paper)]
    if args.changed is not None:

        from . import changed
        chosen, files = changed.select([_registry.get(i) for i in ids], changed.repo_root(), args.changed)
        print(f"--changed {args.changed}: {len(files)} changed file(s); {len(chosen)} of {len(ids)} claim(s) affected")
        ids = chosen
    if overrides:  # validate the override against the claim before running anything
        claim = _registry.get(ids[0])
        violations = claim.violations(claim.resolve_config(args.profile, overrides))
        if violations and not args.allow_violations:
            raise AssumptionViolated(claim.id, violations)
    store.check_writable(args.results)
    progress = not args.no_progress and sys.stderr.isatty()
    from . import executors
    if args.deterministic:       # before the first GPU matmul and before the worker pool starts
        executors.set_deterministic_env()
    executor = executors.make(args.executor, args.workers, args.scheduler, args.threads_per_point)
    check_memory(ids, args.profile, overrides, runner.resolve_device(args.device), executor)
    with executors.using(executor):
        counts = _run_ids(ids, args, overrides, progress)
    print("totals: " + ", ".join(f"{v}={counts.get(v, 0)}" for v in
                                 ("holds", "fails", "inconclusive", "error", "skipped")))
    print(f"results in {args.results}/")
    if args.report:
        from report import write_report
        print(f"report: {write_report(args.results, None, expected=_catalogue_ids())}")
    return 1 if counts.get("error") else 0


def available_memory_gb(device: str) -> tuple[float, str]:
    """(GB available now, where): free GPU memory on CUDA, MemAvailable of the host otherwise."""
    if device == "cuda":
        import torch
        return torch.cuda.mem_get_info()[0] / 1e9, "the GPU"
    try:
        with open("/proc/meminfo") as f:
            info = dict(line.split(":", 1) for line in f)
        return int(info["MemAvailable"].split()[0]) * 1024 / 1e9, "this machine"
    except (OSError, KeyError, ValueError):
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 1e9, "this machine"


def check_memory(ids, profile: str, overrides, device: str, executor) -> None:
    """Refuse (InsufficientMemory, exit 2) before anything runs when a claim's estimated peak
    (``Claim.memory_gb``, per sweep point), times the points that run at once, exceeds the memory
    available on the run's device."""
    avail = None
    for cid in ids:
        claim = _registry.get(cid)
        if claim.memory_gb is None:
            continue
        est = float(claim.memory_gb(claim.resolve_config(profile, overrides if len(ids) == 1 else None)))
        if executor.kind == "dask":                  # points run on the cluster's machines, not here
            return
        at_once = 1 if device == "cuda" or executor.kind == "serial" else executor.workers
        if avail is None:
            avail = available_memory_gb(device)
        if est * at_once > avail[0]:
            detail = f" ({at_once} points at once x {est:.1f} GB)" if at_once > 1 else ""
            raise InsufficientMemory(cid, est * at_once, avail[0], avail[1], detail)


def _run_ids(ids, args, overrides, progress) -> dict[str, int]:
    counts: dict[str, int] = {}
    for i, cid in enumerate(ids, 1):
        step = f"[{i}/{len(ids)}]"
        if sys.stdout.isatty():  # on a terminal, say what runs now; the headline replaces it
            print(f"{step} {cid} …", end="\r", flush=True)
        try:
            result = runner.run_claim(cid, profile=args.profile, seed=args.seed, device=args.device,
                                      overrides=overrides, results_dir=args.results, progress=progress,
                                      replicates=args.replicates, allow_violations=args.allow_violations,
                                      deterministic=args.deterministic)
        except SuiteError as exc:  # e.g. a profile breaking an assumption: this claim only
            print(_coloured(f"error        {cid:<22} {exc}", "error", sys.stderr), file=sys.stderr)
            result = runner.refused_result(cid, exc, profile=args.profile, seed=args.seed,
                                           deterministic=args.deterministic)
            store.write_result(args.results, result)
        else:
            line = runner.headline(result)
            print(("\033[K" if sys.stdout.isatty() else "") + f"{step} "
                  + _coloured(line, str(result.get("verdict")), sys.stdout), flush=True)
        counts[result["verdict"]] = counts.get(result["verdict"], 0) + 1
    return counts


def cmd_report(args) -> int:
    from report import write_report
    from report.html import check_out, export_paths
    check_out(args.results, args.out)
    baseline = None
    if args.baseline:
        from . import diff
        baseline = {**diff.compare(diff.load_side(args.baseline), diff.load_side(args.results)).as_json(),
                    "label": args.baseline}
    path = write_report(args.results, args.out, expected=_catalogue_ids(), baseline=baseline)
    print(path)
    for kind, export in export_paths(path).items():  # written next to the HTML
        print(f"{kind}: {export}")
    return 0


def _catalogue_ids() -> list[str]:
    """Every registered claim id, so the report can list those without a result."""
    return [c.id for c in _registry.all_claims()]


def cmd_spec(args) -> int:
    from . import spec
    ids = list(dict.fromkeys(_registry.resolve(i) for i in args.ids))
    doc = spec.document(ids or None)
    print(json.dumps(doc, indent=1, sort_keys=True) if args.json else spec.render_text(doc))
    return 0


def cmd_new(args) -> int:
    from . import scaffold
    files = scaffold.plan(args.id, title=args.title, claim_title=args.claim_title, kind=args.kind)
    root = scaffold.repo_root()
    for path in scaffold.write(files):
        print(f"wrote {path.relative_to(root)}")
    print(f"next: fill in the quote, predictions and check, then `python -m checks run --claim {args.id}`; "
          "see CONTRIBUTING.md")
    return 0


def cmd_estimate(args) -> int:
    from . import estimate
    if args.claim:
        claims = [_registry.get(_registry.resolve(i)) for i in dict.fromkeys(args.claim)]
        silent = [c.id for c in claims if c.check is not None and c.cost is None]
        if silent:
            raise BadOption("--claim", silent[0], "this claim declares no cost (Claim.cost), so there is "
                            "nothing to project")
    else:
        claims = [c for c in _registry.all_claims() if c.check is not None and c.cost is not None]
    if args.budget is not None and not args.budget > 0:
        raise BadOption("--budget", args.budget, "must be a positive number of seconds")
    profiles = [args.profile] if args.profile else ["quick", "full"]
    entries = estimate.load_cache()
    if not args.no_measure:
        n = estimate.measure_missing(claims, profiles, entries, args.budget or estimate.BUDGET_S,
                                     say=lambda m: print(m, file=sys.stderr, flush=True))
        if n:
            print(f"timed {n} kernel size(s); cached in {estimate.cache_path()}", file=sys.stderr)
    lookup = estimate.cpu_lookup(entries)
    rows = {prof: [estimate.project(c, prof, lookup, replicates=args.replicates, workers=args.workers)
                   for c in claims] for prof in profiles}
    if args.json:
        print(json.dumps({prof: [{"claim": p.claim, "cpu_s": p.cpu_s, "wall_s": p.wall_s, "how": p.how_text(),
                                  "replicates": p.replicates, "workers": p.workers, "memory_gb": p.memory_gb,
                                  "complete": p.complete, "upper_bound": sorted(p.bounds)}
                                 for p in prs] for prof, prs in rows.items()},
                         indent=1, sort_keys=True))
        return 0
    print(estimate.render_table(rows, estimate.machine()))
    return 0


def cmd_diff(args) -> int:
    from . import diff
    d = diff.compare(diff.load_side(args.base), diff.load_side(args.new))
    print(json.dumps(d.as_json(), indent=1, sort_keys=True) if args.json else diff.render_text(d, args.base, args.new))
    return 1 if d.got_worse else 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)   # building it reads the paper declarations
        return {"list": cmd_list, "show": cmd_show, "run": cmd_run, "report": cmd_report, "diff": cmd_diff,
                "new": cmd_new, "spec": cmd_spec, "estimate": cmd_estimate}[args.command](args)
    except SuiteError as exc:
        print(f"python -m checks: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:             # `... | head`: the reader left; not an error of ours
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("python -m checks: interrupted; results stored so far are complete, the claim that was "
              "running has no result", file=sys.stderr)
        return 130
