"""gwapi: the Kubernetes Gateway API as an embeddable library, from Python.

A thin, typed layer over the C ABI (``capi/include/gwapi/gwapi.h``) through
ctypes::

    import gwapi

    with gwapi.Engine() as engine:
        for r in engine.apply(open("routes.yaml", "rb").read()):
            print(r.outcome, r.kind, r.ref)
            for e in r.errors:
                print("   ", e.field, e.constraint)

Importing the package loads the shared library (see ``gwapi._ffi`` for where
it is looked for) and fails with ImportError when it is missing or its ABI
differs from the binding's.
"""

from __future__ import annotations

from gwapi._ffi import EXPECTED_ABI, LIBRARY_PATH
from gwapi.engine import Engine, ListFilter, abi_version, status_name, version
from gwapi.errors import (
    AbortedError,
    AlreadyExistsError,
    CancelledError,
    DataLossError,
    DeadlineExceededError,
    EngineClosedError,
    FailedPreconditionError,
    GwapiError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    OutOfRangeError,
    PermissionDeniedError,
    ResourceExhaustedError,
    Status,
    UnauthenticatedError,
    UnavailableError,
    UnimplementedError,
    UnknownError,
)
from gwapi.results import OUTCOMES, FieldError, ObjectResult, Outcome

__all__ = [
    "EXPECTED_ABI",
    "LIBRARY_PATH",
    "Engine",
    "ListFilter",
    "ObjectResult",
    "FieldError",
    "Outcome",
    "OUTCOMES",
    "Status",
    "version",
    "abi_version",
    "status_name",
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
]
