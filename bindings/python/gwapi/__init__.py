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
from gwapi.engine import (
    Engine,
    ListFilter,
    abi_version,
    status_name,
    supported_features,
    version,
)
from gwapi import errors as _errors
from gwapi.errors import *  # noqa: F401,F403  (one class per status code)
from gwapi.results import OUTCOMES, FieldError, ObjectResult, ObjectStatus, Outcome
from gwapi.lb import LbRow, LoadBalancer
from gwapi.snapshot import BackendChoice, BackendTls, Decision, Snapshot

__all__ = [
    "BackendChoice",
    "BackendTls",
    "LbRow",
    "LoadBalancer",
    "Decision",
    "Snapshot",
    "EXPECTED_ABI",
    "LIBRARY_PATH",
    "Engine",
    "ListFilter",
    "ObjectResult",
    "ObjectStatus",
    "FieldError",
    "Outcome",
    "OUTCOMES",
    "version",
    "abi_version",
    "status_name",
    "supported_features",
    *_errors.__all__,
]
