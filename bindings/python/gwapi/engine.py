"""The Engine: a typed, owning wrapper over ``gwapi_engine``.

Lifetime: ``close()`` frees the C engine and is idempotent; a
``weakref.finalize`` does the same when the Engine is collected without
being closed (no ``__del__``, which runs in unpredictable states at
interpreter shutdown). Result lists are copied into frozen dataclasses and
freed inside the call that produced them, so nothing returned to the caller
points into C memory.

Thread-safety: the C engine is single-writer ("calls on one engine must not
overlap"), and ctypes releases the GIL around every foreign call, so each
Engine serialises its calls with a lock. Distinct Engines run in parallel.
"""

from __future__ import annotations

import ctypes
import json
import threading
import weakref
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Literal

from gwapi import _ffi
from gwapi._ffi import lib
from gwapi.errors import EngineClosedError, Status, error_for

if TYPE_CHECKING:
    from gwapi.snapshot import Snapshot
from gwapi.results import OUTCOMES, FieldError, ObjectResult, ObjectStatus

__all__ = [
    "Engine",
    "ListFilter",
    "version",
    "abi_version",
    "status_name",
    "supported_features",
]

#: What ``Engine.list`` returns (``gwapi_list_filter``).
ListFilter = Literal["stored", "rejected", "all"]
_FILTERS: Final[dict[str, int]] = {"stored": 0, "rejected": 1, "all": 2}

_U64_MAX: Final = (1 << 64) - 1
_U32_MAX: Final = (1 << 32) - 1
_I64_MAX: Final = (1 << 63) - 1


def version() -> str:
    """The version of the loaded library ("0.1.0")."""
    raw: bytes | None = lib.gwapi_version()
    return raw.decode() if raw else ""


def abi_version() -> int:
    """GWAPI_ABI_VERSION of the loaded library (checked at import)."""
    return int(lib.gwapi_abi_version())


def status_name(code: int) -> str:
    """"OK", "INVALID_ARGUMENT", ... as the library names a status number."""
    raw: bytes | None = lib.gwapi_status_name(code)
    return raw.decode() if raw else "UNKNOWN_STATUS"


def supported_features() -> tuple[str, ...]:
    """The Gateway API features the engine claims ("Gateway", "HTTPRoute",
    ...), sorted: what a conformance run decides its cases by."""
    out = ctypes.c_void_p()
    out_len = ctypes.c_size_t()
    err = _ffi.ErrorP()
    status = lib.gwapi_supported_features_json(ctypes.byref(out), ctypes.byref(out_len), ctypes.byref(err))
    doc = json.loads(_take_owned(status, err, out, out_len, "gwapi_supported_features_json"))
    if not isinstance(doc, list) or not all(isinstance(f, str) for f in doc):
        raise error_for(Status.INTERNAL, "gwapi_supported_features_json returned a non-list")
    return tuple(doc)


def _take_owned(status: int, err: Any, out: ctypes.c_void_p, out_len: ctypes.c_size_t, fn: str) -> str:
    """Checks a call that hands over a ``char *``, copies it, frees it.

    The buffer is freed even when the status is an error (it is NULL then,
    and freeing NULL is a no-op), so no path leaks it.
    """
    try:
        _check(status, err)
        if not out.value:
            raise error_for(Status.INTERNAL, f"{fn} returned OK and no buffer")
        data = ctypes.string_at(out.value, out_len.value)
    finally:
        lib.gwapi_string_free(out)
    return data.decode("utf-8")


def _raise_for(status: int, err: Any = None) -> None:
    """Raises the exception for a non-OK status, consuming ``err``.

    The ``gwapi_error`` is copied into Python strings and freed before the
    exception is built, so an exception never owns C memory.
    """
    message = location = ""
    sys_errno = 0
    if err:
        try:
            e = err.contents
            message = _ffi.read_cstr(e.message)
            location = _ffi.read_cstr(e.location)
            sys_errno = int(e.sys_errno)
        finally:
            lib.gwapi_error_free(err)
    if status == Status.OK:
        return
    raise error_for(status, message or status_name(status), location, sys_errno)


def _check(status: int, err: Any = None) -> None:
    if status != Status.OK or err:
        _raise_for(status, err)


def _to_bytes(what: str, s: str | None) -> bytes:
    if s is None:
        return b""
    if not isinstance(s, str):
        raise TypeError(f"{what} must be str, not {type(s).__name__}")
    return s.encode("utf-8")


def _make_key(group: str, kind: str, namespace: str | None, name: str) -> _ffi.gwapi_object_key:
    """Builds a ``gwapi_object_key``; the Structure keeps the bytes alive."""
    g, k, ns, n = (
        _to_bytes("group", group),
        _to_bytes("kind", kind),
        _to_bytes("namespace", namespace),
        _to_bytes("name", name),
    )
    key = _ffi.gwapi_object_key()
    key.sz = ctypes.sizeof(key)
    key.group, key.group_len = g, len(g)
    key.kind, key.kind_len = k, len(k)
    key.ns, key.ns_len = ns, len(ns)
    key.name, key.name_len = n, len(n)
    return key


def _read_field_error(lst: Any, i: int, j: int) -> FieldError:
    fe = _ffi.gwapi_field_error()
    fe.sz = ctypes.sizeof(fe)
    _check(lib.gwapi_object_list_error(lst, i, j, ctypes.byref(fe)))
    rs = _ffi.read_str
    return FieldError(
        field=rs(fe.field),
        type=rs(fe.type),
        value=rs(fe.value),
        detail=rs(fe.detail),
        constraint=rs(fe.constraint),
        text=rs(fe.text),
    )


def read_object_list(lst: Any) -> list[ObjectResult]:
    """Copies a ``gwapi_object_list`` through its struct accessors.

    Does not free the list; the caller owns it.
    """
    results: list[ObjectResult] = []
    rs = _ffi.read_str
    for i in range(lib.gwapi_object_list_count(lst)):
        info = _ffi.gwapi_object_info()
        info.sz = ctypes.sizeof(info)
        _check(lib.gwapi_object_list_get(lst, i, ctypes.byref(info)))
        if not 0 <= info.outcome < len(OUTCOMES):
            raise error_for(
                Status.UNKNOWN,
                f"library reported outcome {info.outcome}, which this binding does not know",
            )
        results.append(
            ObjectResult(
                api_version=rs(info.api_version),
                kind=rs(info.kind),
                namespace=rs(info.ns),
                name=rs(info.name),
                outcome=OUTCOMES[info.outcome],
                generation=int(info.generation),
                source=rs(info.source),
                note=rs(info.note),
                errors=tuple(
                    _read_field_error(lst, i, j) for j in range(info.error_count)
                ),
            )
        )
    return results


def _take_object_list(lst: Any) -> list[ObjectResult]:
    """Reads then frees an owned list (even when reading fails)."""
    try:
        return read_object_list(lst)
    finally:
        lib.gwapi_object_list_free(lst)


def _limit(name: str, value: int | None, maximum: int) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be int, not {type(value).__name__}")
    if not 0 < value <= maximum:
        raise ValueError(f"{name} must be between 1 and {maximum}, not {value}")
    return value


def _unix_time(value: int | None) -> int:
    """``fixed_time_unix``: seconds since the epoch; None or 0 is the real
    clock (the header's 0)."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"fixed_time_unix must be int, not {type(value).__name__}")
    if not 0 <= value <= _I64_MAX:
        raise ValueError(f"fixed_time_unix must be between 0 and {_I64_MAX}, not {value}")
    return value


class Engine:
    """An object store that validates what it is given as the Kubernetes API
    server would, and computes the status a conformant controller writes.

    ``None`` for any option means the library's default. ``fixed_time_unix``
    stamps every lastTransitionTime with that time (seconds since the epoch)
    instead of the clock, so status output is reproducible. Use as a context
    manager, or call ``close()``; both are optional (the engine is freed when
    collected) but make the release deterministic.
    """

    def __init__(
        self,
        controller_name: str | None = None,
        *,
        max_input_bytes: int | None = None,
        max_string_bytes: int | None = None,
        max_depth: int | None = None,
        max_objects: int | None = None,
        max_alias_nodes: int | None = None,
        fixed_time_unix: int | None = None,
    ) -> None:
        opts = _ffi.gwapi_engine_opts()
        opts.sz = ctypes.sizeof(opts)
        if controller_name is not None:
            raw = _to_bytes("controller_name", controller_name)
            if not raw or b"\0" in raw:
                raise ValueError("controller_name must be non-empty and contain no NUL")
            opts.controller_name = raw
        opts.max_input_bytes = _limit("max_input_bytes", max_input_bytes, _U64_MAX)
        opts.max_string_bytes = _limit("max_string_bytes", max_string_bytes, _U64_MAX)
        opts.max_depth = _limit("max_depth", max_depth, _U32_MAX)
        opts.max_objects = _limit("max_objects", max_objects, _U64_MAX)
        opts.max_alias_nodes = _limit("max_alias_nodes", max_alias_nodes, _U64_MAX)
        # A fixed clock makes lastTransitionTime (hence whole status
        # documents) reproducible; None keeps the real clock.
        opts.fixed_time_unix = _unix_time(fixed_time_unix)

        handle = _ffi.EngineP()
        err = _ffi.ErrorP()
        _check(lib.gwapi_engine_new(ctypes.byref(opts), ctypes.byref(handle), ctypes.byref(err)), err)
        if not handle:
            raise error_for(Status.INTERNAL, "gwapi_engine_new returned OK and no engine")
        self._handle: Any = handle
        self._lock = threading.Lock()
        # The finalizer holds the handle and the C function (hence the
        # library), never self.
        self._finalizer = weakref.finalize(self, lib.gwapi_engine_free, handle)

    # -- lifetime ----------------------------------------------------------

    def close(self) -> None:
        """Frees the C engine. Idempotent; later calls raise EngineClosedError."""
        with self._lock:
            self._handle = None
            self._finalizer()

    @property
    def closed(self) -> bool:
        return self._handle is None

    def __enter__(self) -> Engine:
        self._live()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<gwapi.Engine {'closed' if self.closed else 'open'}>"

    def _live(self) -> Any:
        """The handle; the caller must hold the lock so close() cannot race."""
        if self._handle is None:
            raise EngineClosedError("the engine is closed")
        return self._handle

    # -- operations ----------------------------------------------------------

    def apply(self, data: bytes | bytearray | memoryview | str) -> list[ObjectResult]:
        """Decodes, validates and stores every object of ``data``.

        ``data`` is multi-document YAML, a JSON object or array, or a List.
        Returns every object of the input with its outcome; rejected objects
        carry their field errors. Raises InvalidArgumentError (with a
        ``location``) when the input cannot be decoded, in which case nothing
        was stored.
        """
        if isinstance(data, str):
            raw = data.encode("utf-8")
        elif isinstance(data, bytes):
            raw = data
        elif isinstance(data, (bytearray, memoryview)):
            raw = bytes(data)
        else:
            raise TypeError(f"data must be bytes or str, not {type(data).__name__}")
        out = _ffi.ObjectListP()
        err = _ffi.ErrorP()
        with self._lock:
            status = lib.gwapi_engine_apply(
                self._live(), raw, len(raw), ctypes.byref(out), ctypes.byref(err)
            )
        if status != Status.OK:
            lib.gwapi_object_list_free(out)  # NULL on failure; free(NULL) is a no-op
            _raise_for(status, err)
        _check(status, err)
        return _take_object_list(out)

    def delete(self, group: str, kind: str, namespace: str | None, name: str) -> None:
        """Removes a stored object and any rejection recorded for it.

        ``group`` "" is the core group; ``namespace`` "" or None for
        cluster-scoped kinds. Raises NotFoundError when there is neither.
        """
        key = _make_key(group, kind, namespace, name)
        err = _ffi.ErrorP()
        with self._lock:
            status = lib.gwapi_engine_delete(self._live(), ctypes.byref(key), ctypes.byref(err))
        _check(status, err)

    def list(self, filter: ListFilter = "stored") -> list[ObjectResult]:  # noqa: A002
        """Lists objects sorted by group, kind, namespace, name.

        "stored": accepted objects as stored; "rejected": the latest rejected
        version of each object (with its field errors); "all": both.
        """
        code = _FILTERS.get(filter) if isinstance(filter, str) else None
        if code is None:
            raise ValueError(f"filter must be one of {sorted(_FILTERS)}, not {filter!r}")
        out = _ffi.ObjectListP()
        err = _ffi.ErrorP()
        with self._lock:
            status = lib.gwapi_engine_list(self._live(), code, ctypes.byref(out), ctypes.byref(err))
        if status != Status.OK:
            lib.gwapi_object_list_free(out)
            _raise_for(status, err)
        _check(status, err)
        return _take_object_list(out)

    def get(self, group: str, kind: str, namespace: str | None, name: str) -> dict[str, Any]:
        """The stored object, defaults applied, as decoded JSON.

        Raises NotFoundError when nothing is stored under that key (a
        rejected object is not stored).
        """
        raw = self.get_json(group, kind, namespace, name)
        doc = json.loads(raw)
        if not isinstance(doc, dict):
            raise error_for(Status.INTERNAL, "gwapi_engine_get_json returned a non-object")
        return doc

    def get_json(self, group: str, kind: str, namespace: str | None, name: str) -> str:
        """Like get(), but the JSON text as the library wrote it."""
        key = _make_key(group, kind, namespace, name)
        out = ctypes.c_void_p()
        out_len = ctypes.c_size_t()
        err = _ffi.ErrorP()
        with self._lock:
            status = lib.gwapi_engine_get_json(
                self._live(), ctypes.byref(key), ctypes.byref(out), ctypes.byref(out_len),
                ctypes.byref(err),
            )
        try:
            _check(status, err)
            if not out.value:
                raise error_for(Status.INTERNAL, "gwapi_engine_get_json returned OK and no buffer")
            data = ctypes.string_at(out.value, out_len.value)
        finally:
            lib.gwapi_string_free(out)  # owned: freed by the library, after copying
        return data.decode("utf-8")

    # -- status ----------------------------------------------------------------

    def status(self) -> list[ObjectStatus]:
        """The status of every object the engine is responsible for, sorted
        by group, kind, namespace, name.

        Computed from what is stored now, so call it again after apply() or
        delete(); each call returns fresh copies.
        """
        doc = json.loads(self.status_json())
        if not isinstance(doc, list):
            raise error_for(Status.INTERNAL, "gwapi_engine_status_json returned a non-array")
        return [_object_status(entry) for entry in doc]

    def snapshot(self) -> Snapshot:
        """Compiles the current routing configuration into an immutable
        :class:`~gwapi.snapshot.Snapshot` (it outlives the engine)."""
        from gwapi.snapshot import Snapshot

        out = _ffi.SnapshotP()
        err = _ffi.ErrorP()
        with self._lock:
            _check(lib.gwapi_engine_snapshot(self._live(), ctypes.byref(out), ctypes.byref(err)), err)
        return Snapshot(out)

    def status_json(self) -> str:
        """Like status(), but the JSON array as the library wrote it
        (byte-identical for the same stored objects)."""
        out = ctypes.c_void_p()
        out_len = ctypes.c_size_t()
        err = _ffi.ErrorP()
        with self._lock:
            status = lib.gwapi_engine_status_json(
                self._live(), ctypes.byref(out), ctypes.byref(out_len), ctypes.byref(err)
            )
        return _take_owned(status, err, out, out_len, "gwapi_engine_status_json")

    def object_status(self, group: str, kind: str, namespace: str | None, name: str) -> dict[str, Any]:
        """One object's status stanza.

        Raises NotFoundError when the object is not stored or the engine
        writes no status for it (a route no parent of this controller
        handles).
        """
        key = _make_key(group, kind, namespace, name)
        out = ctypes.c_void_p()
        out_len = ctypes.c_size_t()
        err = _ffi.ErrorP()
        with self._lock:
            status = lib.gwapi_engine_object_status_json(
                self._live(), ctypes.byref(key), ctypes.byref(out), ctypes.byref(out_len),
                ctypes.byref(err),
            )
        doc = json.loads(_take_owned(status, err, out, out_len, "gwapi_engine_object_status_json"))
        if not isinstance(doc, dict):
            raise error_for(Status.INTERNAL, "gwapi_engine_object_status_json returned a non-object")
        return doc


def _object_status(entry: Any) -> ObjectStatus:
    """Checks one entry of the status array's shape and copies it."""
    if not isinstance(entry, dict) or not isinstance(entry.get("status", {}), dict):
        raise error_for(Status.INTERNAL, "gwapi_engine_status_json returned a malformed entry")
    return ObjectStatus(
        api_version=str(entry.get("apiVersion", "")),
        kind=str(entry.get("kind", "")),
        namespace=str(entry.get("namespace", "")),
        name=str(entry.get("name", "")),
        status=entry.get("status", {}),
    )
