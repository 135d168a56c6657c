"""``python -m checks new PAPER.LABEL``: a claim module and its test from a commented template.

Writes ``claims/<paper>/<module>.py`` (and ``claims/<paper>/__init__.py`` with the paper's
declaration when the paper is new) and ``tests/test_<paper>_<module>.py``; touches no existing
file. The new claim is listed and runs at once, reading ``skipped: check not written yet``
until its author removes ``not_checkable`` and writes the check; its falsification test is a
skeleton, skipped until written.
"""
from __future__ import annotations

import re
from pathlib import Path

from claims import _registry
from models.errors import SuiteError

from .changed import repo_root
from .errors import ScaffoldError

KINDS = ("theorem", "lemma", "proposition", "corollary", "definition", "equation", "hypothesis",
         "assumption", "empirical", "remark")


def module_name(label: str) -> str:
    """``thm4.1`` -> ``thm4_1``, ``lemA.10`` -> ``lemA_10``: the label's own case, dots and
    dashes as underscores (a valid module name that reads like the id)."""
    return re.sub(r"[^A-Za-z0-9]", "_", label)



def plan(claim_id: str, *, title: str | None, claim_title: str | None, kind: str) -> dict[Path, str]:
    """The files ``new`` would write (path -> text); raises ScaffoldError for bad usage."""
    m = re.match(_registry.ID_PATTERN, claim_id)
    if not m:
        raise ScaffoldError(f"{claim_id!r} is not a claim id", "write PAPER.LABEL, e.g. demo.thm1 "
                            "(paper: lowercase letters; label: a letter, then letters, digits, '.' or '-')")
    if kind not in KINDS:
        raise ScaffoldError(f"unknown --kind {kind!r}", f"choose one of {', '.join(KINDS)}")
    paper, label = m["paper"], m["label"]
    papers = _registry.papers()
    root = repo_root()
    files: dict[Path, str] = {}
    if paper not in papers:
        if not title:
            raise ScaffoldError(f"paper {paper!r} is new", f"give its title: --title \"...\" "
                                f"(known papers: {', '.join(sorted(papers))})")
        files[root / "claims" / paper / "__init__.py"] = PAPER_TEMPLATE.format(paper=paper, title=_q(title))
    elif title and title != papers[paper].title:
        raise ScaffoldError(f"paper {paper!r} already exists with the title {papers[paper].title!r}",
                            "drop --title, or use --claim-title for the claim's own title")
    try:
        existing = _registry.resolve(claim_id)
    except SuiteError:
        existing = None
    if existing and existing.lower() == claim_id.lower():
        raise ScaffoldError(f"claim {existing} already exists", "choose another label")
    mod = module_name(label)
    path = root / "claims" / paper / f"{mod}.py"
    test = root / "tests" / f"test_{paper}_{mod}.py"
    for p in (path, test):
        if p.exists():
            raise ScaffoldError(f"{p.relative_to(root)} already exists", "choose another label")
    files[path] = CLAIM_TEMPLATE.format(id=claim_id, paper=paper, kind=kind,
                                        title=_q(claim_title or f"{kind.capitalize()} {label}"))
    files[test] = TEST_TEMPLATE.format(id=claim_id)
    return files


def write(files: dict[Path, str]) -> list[Path]:
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as fh:      # never overwrite
            fh.write(text)
    return list(files)


def _q(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


PAPER_TEMPLATE = '''"""Claims of the `{paper}` paper: one module per claim; this file declares the paper."""
from claims import Paper

PAPER = Paper(
    short="{paper}",
    title="{title}",
    authors="",          # e.g. "Huang, Wen, Chi, Liang"
    reference="",        # e.g. "arXiv 2403.02233 v1", a DOI, "anonymous submission"
    link="",             # where a reader finds the paper
)
'''

CLAIM_TEMPLATE = '''"""{id}: one line saying what the paper asserts (see CONTRIBUTING.md)."""
from __future__ import annotations

from dataclasses import dataclass

from claims import Assumption, Claim, Measurement, Prediction, Regime, Source, register


@dataclass(frozen=True)
class Config:
    """Quick-profile defaults, one commented field each; the full profile overrides some below."""

    n: int = 100                 # sample size (say what it is and why this size)
    seed_offset: int = 0


def predictions(cfg):
    """Fixed from the configuration BEFORE anything is measured; the runner judges them."""
    return (
        Prediction("value", "what must come out, in words (quote the paper's threshold)", "<=", 0.1),
    )


def regime(cfg):
    """Conditions under which the statement applies at all (training settled, probe above
    chance, sizes large enough). Unmet, a would-be `fails` reads inconclusive."""
    return (
        Regime("settled", "training has settled: relative loss change over the last 10% of steps",
               "<=", 0.01),
    )


def check(cfg, ctx) -> Measurement:
    """Measure, never judge. Use ctx.seed / ctx.seed_for(...) for every random draw: the runner
    runs replicates with different seeds and takes a 95% interval over them."""
    raise NotImplementedError("write the check, then delete not_checkable below")


CLAIM = register(Claim(
    id="{id}",
    title="{title}",
    kind="{kind}",
    statement="The statement in the paper's words or notation.",
    source=Source("{paper}", "Section ?", "the sentence(s) of the paper this claim encodes, verbatim"),
    assumptions=(Assumption.integer("n", 1),),
    depends_on=(),
    config=Config,
    profiles={{"quick": {{}}, "full": {{"n": 10_000}}}},
    predictions=predictions, regime=regime, check=check,
    # derive=derive,            # a SymPy derivation returning Derivation(obligations), see claims/_sym.py
    not_algebraic="say why there is no symbolic part, or write derive()",
    not_checkable="check not written yet",
))
'''

TEST_TEMPLATE = '''"""{id}: the check holds where the paper says it does, and fails on a false case."""
import pytest

from checks.runner import evaluate


@pytest.mark.skip(reason="falsification test not written yet")
def test_false_case_fails():
    # feed the check a case where the statement is false (a perturbed formula, a violated
    # assumption with allow_violations=True, the wrong sign) and assert the verdict
    r = evaluate("{id}", overrides={{}}, allow_violations=True, replicates=3)
    assert r["verdict"] == "fails"
'''
