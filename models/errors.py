"""The root of every user-facing exception of the suite, and the errors of the models layer.

``SuiteError`` lives in ``models`` because that is the lowest layer: ``claims``, ``checks`` and
``report`` derive their own errors from it, each in its own ``errors.py``
(``claims/errors.py``, ``checks/errors.py``, ``report/errors.py``); ``models`` imports nothing
of theirs. Each message is built in the
constructor and names the argument, its value and the fix (cf. Hypothesis ``errors.py``).
``checks.cli.main`` catches :class:`SuiteError` only; anything else is a bug and keeps
its traceback.
"""
from __future__ import annotations


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


class DeviceUnavailable(SuiteError):
    def __init__(self, device: str):
        super().__init__(
            f"device {device!r} was requested but is not available on this machine; "
            "use --device auto (CUDA when present, else CPU) or --device cpu"
        )


class NonFiniteValue(SuiteError, FloatingPointError):
    """Training produced NaN or inf."""

    def __init__(self, what: str, step: int | None = None, fix: str = "lower the step size eta"):
        where = f" at step {step}" if step is not None else ""
        super().__init__(f"{what} became non-finite (NaN or inf){where}; {fix}")
