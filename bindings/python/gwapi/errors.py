"""Exceptions: one class per ``gwapi_status`` code.

The C ABI reports failures as a status number plus an optional
``gwapi_error``; Python callers get an exception they can catch by kind
(``except gwapi.NotFoundError``) instead of comparing numbers. Classes that
have an obvious builtin counterpart also derive from it (NotFoundError is a
LookupError, InvalidArgumentError a ValueError) so generic code that knows
nothing of gwapi still does the right thing.

Validation findings are *not* exceptions: a rejected object is data in the
result list (see ``ObjectResult``), exactly as in the C API.
"""

from __future__ import annotations

import enum

__all__ = [
    "Status",
    "GwapiError",
    "CancelledError",
    "UnknownError",
    "InvalidArgumentError",
    "DeadlineExceededError",
    "NotFoundError",
    "AlreadyExistsError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "FailedPreconditionError",
    "AbortedError",
    "OutOfRangeError",
    "UnimplementedError",
    "InternalError",
    "UnavailableError",
    "DataLossError",
    "UnauthenticatedError",
    "EngineClosedError",
    "error_for",
]


class Status(enum.IntEnum):
    """``gwapi_status``: the numbers of absl::StatusCode (and gRPC)."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


class GwapiError(Exception):
    """Base of every error the library reports.

    ``code`` is the Status (an int for numbers outside the enum), ``message``
    the one-line description, ``location`` where in the input ("document 2,
    line 7, column 3", a field path) or "" when unknown, ``sys_errno`` the
    errno behind it or 0.
    """

    #: The status code this class stands for (overridden by subclasses).
    status: Status = Status.UNKNOWN

    def __init__(
        self,
        message: str,
        *,
        code: Status | int | None = None,
        location: str = "",
        sys_errno: int = 0,
    ) -> None:
        super().__init__(message)
        self.code: Status | int = type(self).status if code is None else code
        self.message = message
        self.location = location
        self.sys_errno = sys_errno

    def __str__(self) -> str:
        # Some messages already quote their location; do not say it twice.
        if not self.location or self.location in self.message:
            return self.message
        return f"{self.message} ({self.location})"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, code={self.code!r}, "
            f"location={self.location!r})"
        )


class CancelledError(GwapiError):
    status = Status.CANCELLED


class UnknownError(GwapiError):
    status = Status.UNKNOWN


class InvalidArgumentError(GwapiError, ValueError):
    status = Status.INVALID_ARGUMENT


class DeadlineExceededError(GwapiError, TimeoutError):
    status = Status.DEADLINE_EXCEEDED


class NotFoundError(GwapiError, LookupError):
    status = Status.NOT_FOUND


class AlreadyExistsError(GwapiError):
    status = Status.ALREADY_EXISTS


class PermissionDeniedError(GwapiError, PermissionError):
    status = Status.PERMISSION_DENIED


class ResourceExhaustedError(GwapiError):
    status = Status.RESOURCE_EXHAUSTED


class FailedPreconditionError(GwapiError):
    status = Status.FAILED_PRECONDITION


class AbortedError(GwapiError):
    status = Status.ABORTED


class OutOfRangeError(GwapiError, IndexError):
    status = Status.OUT_OF_RANGE


class UnimplementedError(GwapiError, NotImplementedError):
    status = Status.UNIMPLEMENTED


class InternalError(GwapiError):
    status = Status.INTERNAL


class UnavailableError(GwapiError):
    status = Status.UNAVAILABLE


class DataLossError(GwapiError):
    status = Status.DATA_LOSS


class UnauthenticatedError(GwapiError):
    status = Status.UNAUTHENTICATED


class EngineClosedError(FailedPreconditionError, ValueError):
    """An Engine was used after close().

    Raised by the binding itself, never by the library: a freed handle must
    not reach C. A ValueError too, as for I/O on a closed file.
    """


_BY_CODE: dict[int, type[GwapiError]] = {
    cls.status.value: cls
    for cls in (
        CancelledError,
        UnknownError,
        InvalidArgumentError,
        DeadlineExceededError,
        NotFoundError,
        AlreadyExistsError,
        PermissionDeniedError,
        ResourceExhaustedError,
        FailedPreconditionError,
        AbortedError,
        OutOfRangeError,
        UnimplementedError,
        InternalError,
        UnavailableError,
        DataLossError,
        UnauthenticatedError,
    )
}


def error_for(
    code: int, message: str, location: str = "", sys_errno: int = 0
) -> GwapiError:
    """The exception for a non-OK status code (UnknownError for numbers
    outside the enum, keeping the raw number in ``.code``)."""
    try:
        status: Status | int = Status(code)
    except ValueError:
        status = code
    cls = _BY_CODE.get(code, UnknownError)
    return cls(message, code=status, location=location, sys_errno=sys_errno)
