"""Errors of the checks layer: the command line, overrides and sweep executors. All derive
from ``models.errors.SuiteError``."""
from __future__ import annotations

from models.errors import SuiteError


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


class BadRef(SuiteError):
    def __init__(self, ref: str, why: str):
        super().__init__(f"--changed {ref!r}: {why}; pass a git ref such as main or HEAD~1")


class BadDiffInput(SuiteError):
    def __init__(self, path: str, why: str):
        super().__init__(f"cannot compare {path}: {why}; pass a results folder (as written by "
                         "`python -m checks run`) or its report.json export")


class ScaffoldError(SuiteError):
    def __init__(self, what: str, fix: str):
        super().__init__(f"{what}; {fix}")


class InsufficientMemory(SuiteError, MemoryError):
    """A run's estimated peak memory exceeds what the machine has available."""

    def __init__(self, claim_id: str, estimate_gb: float, available_gb: float, where: str, detail: str = ""):
        self.claim_id, self.estimate_gb, self.available_gb = claim_id, estimate_gb, available_gb
        super().__init__(f"{claim_id}: estimated peak memory {estimate_gb:.1f} GB{detail} exceeds the "
                         f"{available_gb:.1f} GB available on {where}; refused before running. Use a smaller "
                         f"configuration (--set), fewer --workers, or a machine with more memory")
