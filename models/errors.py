"""Every user-facing exception of the suite, under one root.

Lives in ``models`` because that is the lowest layer: ``claims``, ``checks`` and ``report``
all import it, ``models`` imports nothing of theirs. Each message is built in the
constructor and names the argument, its value and the fix (cf. Hypothesis ``errors.py``).
``checks.cli.main`` catches :class:`SuiteError` only; anything else is a bug and keeps
its traceback.
"""
from __future__ import annotations

import difflib
from typing import Iterable, Sequence


class SuiteError(Exception):
    """Root of all errors a user can cause and fix."""

    def __reduce__(self):
        # picklable whatever the constructor's signature, so an error raised in a sweep
        # worker process reaches the caller with its type and message
        return _restore_error, (type(self), self.args, dict(self.__dict__))


def _restore_error(cls, args, state):
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class InvalidParameter(SuiteError, ValueError):
    """A configuration field has a value the model or claim cannot use."""

    def __init__(self, field: str, value, requirement: str, fix: str | None = None):
        self.field, self.value, self.requirement = field, value, requirement
        msg = f"invalid parameter {field}={value!r}: {requirement}"
        if fix:
            msg += f"; {fix}"
        super().__init__(msg)


class AssumptionViolated(SuiteError):
    """The run configuration breaks one of the claim's stated assumptions."""

    def __init__(self, claim_id: str, violations: Sequence[str]):
        self.claim_id, self.violations = claim_id, list(violations)
        lines = "\n  - ".join(self.violations)
        super().__init__(
            f"configuration for {claim_id} violates its assumptions:\n  - {lines}\n"
            "change the offending field (see `python -m checks show "
            f"{claim_id}`), or pass --allow-violations (allow_violations=True in Python) for a deliberate violation control"
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


class DeviceUnavailable(SuiteError):
    def __init__(self, device: str):
        super().__init__(
            f"device {device!r} was requested but is not available on this machine; "
            "use --device auto (CUDA when present, else CPU) or --device cpu"
        )


class InsufficientMemory(SuiteError, MemoryError):
    """A run's estimated peak memory exceeds what the machine has available."""

    def __init__(self, claim_id: str, estimate_gb: float, available_gb: float, where: str, detail: str = ""):
        self.claim_id, self.estimate_gb, self.available_gb = claim_id, estimate_gb, available_gb
        super().__init__(f"{claim_id}: estimated peak memory {estimate_gb:.1f} GB{detail} exceeds the "
                         f"{available_gb:.1f} GB available on {where}; refused before running. Use a smaller "
                         f"configuration (--set), fewer --workers, or a machine with more memory")


class NonFiniteValue(SuiteError, FloatingPointError):
    """Training produced NaN or inf."""

    def __init__(self, what: str, step: int | None = None, fix: str = "lower the step size eta"):
        where = f" at step {step}" if step is not None else ""
        super().__init__(f"{what} became non-finite (NaN or inf){where}; {fix}")


class BadOverride(SuiteError):
    def __init__(self, text: str, reason: str):
        super().__init__(f"bad --set {text!r}: {reason}; write it as FIELD=VALUE, e.g. --set P=128")


class InvalidSweep(SuiteError):
    """A claim handed ``RunContext.map`` something a worker process cannot run."""

    def __init__(self, what: str, fix: str):
        super().__init__(f"invalid sweep: {what}; {fix}")


class ExecutorUnavailable(SuiteError):
    """The requested sweep executor cannot be started here."""

    def __init__(self, kind: str, reason: str, fix: str):
        super().__init__(f"executor {kind!r} is unavailable: {reason}; {fix}")


class BadOption(SuiteError):
    def __init__(self, option: str, value, why: str):
        super().__init__(f"bad {option} {value!r}: {why}")
