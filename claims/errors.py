"""Errors of the claims layer: the catalogue (ids, papers, registration) and a claim's
configuration (profiles, assumptions). All derive from ``models.errors.SuiteError``."""
from __future__ import annotations

import difflib
from typing import Iterable, Sequence

from models.errors import SuiteError


class NotRecorded(SuiteError, LookupError):
    """A training run's record that the run was told not to keep was read."""

    def __init__(self, what: str, why: str, fix: str):
        self.what = what
        super().__init__(f"{what} was not recorded in this run ({why}); {fix}")


class AssumptionViolated(SuiteError):
    """The run configuration breaks one of the claim's stated assumptions."""

    def __init__(self, claim_id: str, violations: Sequence[str]):
        self.claim_id, self.violations = claim_id, list(violations)
        lines = "\n  - ".join(self.violations)
        super().__init__(
            f"configuration for {claim_id} violates its assumptions:\n  - {lines}\n"
            "change the offending field (see `python -m checks show "
            f"{claim_id}`), or pass --allow-violations (allow_violations=True in Python) for a deliberate violation "
            f"control"
        )


class UnknownClaim(SuiteError, KeyError):
    def __init__(self, claim_id: str, known: Iterable[str]):
        known = sorted(known)
        self.claim_id = claim_id
        lower = {k.lower(): k for k in known}
        close = [lower[m] for m in difflib.get_close_matches(claim_id.lower(), list(lower), n=5, cutoff=0.5)]
        labels = {k.split(".", 1)[1].lower(): k for k in known}
        close += [labels[m] for m in difflib.get_close_matches(claim_id.lower(), list(labels), n=5, cutoff=0.5)
                  if labels[m] not in close]
        hint = f" Did you mean: {', '.join(close[:6])}?" if close else ""
        super().__init__(f"unknown claim id {claim_id!r}.{hint} Run `python -m checks list` for all ids.")

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


class AmbiguousClaim(SuiteError, KeyError):
    def __init__(self, label: str, candidates: Sequence[str]):
        self.label, self.candidates = label, sorted(candidates)
        super().__init__(
            f"claim label {label!r} is ambiguous: it could mean {', '.join(self.candidates)}. "
            "Give the full id `<paper>.<label>`."
        )

    def __str__(self) -> str:
        return self.args[0]


class DuplicateClaim(SuiteError):
    def __init__(self, claim_id: str):
        super().__init__(f"claim id {claim_id!r} is registered twice; every claim id must be unique")


class InvalidClaimId(SuiteError):
    def __init__(self, claim_id: str, pattern: str):
        super().__init__(
            f"claim id {claim_id!r} does not match the grammar {pattern} "
            "(`<paper>.<label>`, e.g. `fpc.thm4.1`, `tlc.lem4.6`, `ssl.cl-collapse`)"
        )


class UnknownPaper(SuiteError):
    def __init__(self, paper: str, known: Iterable[str]):
        super().__init__(f"unknown paper {paper!r}; known papers: {', '.join(sorted(known))}")


class UnknownProfile(SuiteError):
    def __init__(self, claim_id: str, profile: str, known: Iterable[str]):
        super().__init__(
            f"claim {claim_id} has no profile {profile!r}; choose one of {', '.join(sorted(known))}"
        )


class UndeclaredPaper(SuiteError):
    def __init__(self, package: str, where: str):
        super().__init__(f"{package} has no paper declaration; add `PAPER = Paper(short=..., title=..., "
                         f"authors=..., reference=..., link=...)` to {where} "
                         "(or create the claim with `python -m checks new PAPER.LABEL --title TEXT`)")
