"""Errors of the report layer and of the result contract (``report/result.py``); all under the
suite's one root, ``models.errors.SuiteError``."""
from __future__ import annotations

from models.errors import SuiteError


class ResultSchemaError(SuiteError):
    def __init__(self, path: str, found, expected):
        super().__init__(
            f"result file {path} has schema_version {found!r}, this suite reads {expected}; "
            "re-run the claim with `python -m checks run --claim ID` to regenerate it"
        )


class CorruptResult(SuiteError):
    def __init__(self, path: str, why: str):
        super().__init__(f"result file {path} is not valid JSON ({why}); delete it and re-run its claim")


class WriteFailed(SuiteError):
    def __init__(self, path: str, exc: OSError):
        super().__init__(f"could not write {path}: {exc.strerror or exc}; nothing was half-written "
                         "(free some space or choose another folder)")


class BadResultsDir(SuiteError):
    def __init__(self, path: str, why: str, fix: str):
        super().__init__(f"results folder {path} {why}; {fix}")


class NoResults(SuiteError):
    def __init__(self, path: str):
        super().__init__(f"no results directory {path}; run `python -m checks run` first "
                         "or pass --results DIR")


class BadReportPath(SuiteError):
    def __init__(self, path: str, why: str, fix: str):
        super().__init__(f"report path {path} {why}; {fix}")
