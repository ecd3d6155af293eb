"""The one table of ctypes prototypes for ``capi/include/gwapi/gwapi.h``.

Every C function the binding calls is declared here, once, with its argtypes
and restype: ctypes' default (``int`` return, unchecked arguments) silently
truncates 64-bit pointers, so nothing outside this module touches the library
without a prototype.

The library is looked up, in order, through

1. the environment variable ``GWAPI_LIBRARY`` (a path to the .so; when set it
   is the only candidate, so a typo is reported rather than papered over),
2. ``libgwapi.so.0`` next to this file (an installed wheel),
3. ``<repo>/bazel-bin/capi/libgwapi.so.0`` (a development checkout).

Import fails with an ImportError that names the path when the library is
missing, lacks a symbol, or reports an ABI generation other than
``EXPECTED_ABI``: a binding that disagrees with its library about struct
layouts corrupts memory, which is worse than not loading.

Memory rules (from the header): strings the library *lends* (``gwapi_str``,
static names) are copied with ``ctypes.string_at``; strings it hands over
(``gwapi_engine_get_json``) are received as ``c_void_p``, copied, then freed
with ``gwapi_string_free`` -- never through ``c_char_p``, whose automatic
conversion would drop the pointer we must free.
"""

from __future__ import annotations

import ctypes
import os
from ctypes import (
    POINTER,
    Structure,
    c_char_p,
    c_int,
    c_int32,
    c_int64,
    c_size_t,
    c_uint32,
    c_uint64,
    c_void_p,
)
from pathlib import Path
from typing import Any, Final

__all__ = [
    "EXPECTED_ABI",
    "LIBRARY_NAME",
    "LIBRARY_PATH",
    "lib",
    "gwapi_str",
    "gwapi_error",
    "gwapi_engine_opts",
    "gwapi_object_info",
    "gwapi_field_error",
    "gwapi_object_key",
    "EngineP",
    "SnapshotP",
    "LbP",
    "gwapi_lb_opts",
    "gwapi_header",
    "gwapi_request",
    "gwapi_match_result",
    "gwapi_route_info",
    "gwapi_backend_info",
    "ObjectListP",
    "ErrorP",
    "read_str",
    "read_cstr",
    "candidate_paths",
]

#: GWAPI_ABI_VERSION this binding was written against.
EXPECTED_ABI: Final = 1
#: The soname: the file a runtime loader looks for.
LIBRARY_NAME: Final = "libgwapi.so.0"

_PACKAGE_DIR: Final = Path(__file__).resolve().parent
# bindings/python/gwapi -> bindings/python -> bindings -> <repo>
_REPO_DIR: Final = _PACKAGE_DIR.parents[2]


# --------------------------------------------------------------------------
# Types. Field order and types mirror gwapi.h exactly; C enums are int-sized.

gwapi_status = c_int
gwapi_outcome = c_int
gwapi_list_filter = c_int


class gwapi_str(Structure):
    """``gwapi_str``: a (ptr, len) view lent by the library."""

    _fields_ = [("ptr", c_void_p), ("len", c_size_t)]


class gwapi_error(Structure):
    """``gwapi_error``: owned by the caller, freed with gwapi_error_free."""

    _fields_ = [
        ("code", gwapi_status),
        ("message", c_void_p),
        ("location", c_void_p),
        ("sys_errno", c_int),
    ]


class gwapi_engine_opts(Structure):
    """``gwapi_engine_opts``; ``sz`` must be set to ``ctypes.sizeof``."""

    _fields_ = [
        ("sz", c_size_t),
        ("controller_name", c_char_p),
        ("max_input_bytes", c_uint64),
        ("max_string_bytes", c_uint64),
        ("max_depth", c_uint32),
        ("max_objects", c_uint64),
        ("max_alias_nodes", c_uint64),
        # Appended after ABI 1 shipped: a library that predates it reads
        # only the first sz bytes it knows, so the field is simply ignored.
        ("fixed_time_unix", c_int64),
    ]


class gwapi_object_info(Structure):
    """``gwapi_object_info``: one entry of an object list."""

    _fields_ = [
        ("sz", c_size_t),
        ("api_version", gwapi_str),
        ("kind", gwapi_str),
        ("ns", gwapi_str),
        ("name", gwapi_str),
        ("outcome", gwapi_outcome),
        ("generation", c_int64),
        ("source", gwapi_str),
        ("note", gwapi_str),
        ("error_count", c_size_t),
    ]


class gwapi_field_error(Structure):
    """``gwapi_field_error``: one validation finding."""

    _fields_ = [
        ("sz", c_size_t),
        ("field", gwapi_str),
        ("type", gwapi_str),
        ("value", gwapi_str),
        ("detail", gwapi_str),
        ("constraint", gwapi_str),
        ("text", gwapi_str),
    ]


class gwapi_object_key(Structure):
    """``gwapi_object_key``: (pointer, length) strings, copied by the call."""

    _fields_ = [
        ("sz", c_size_t),
        ("group", c_char_p),
        ("group_len", c_size_t),
        ("kind", c_char_p),
        ("kind_len", c_size_t),
        ("ns", c_char_p),
        ("ns_len", c_size_t),
        ("name", c_char_p),
        ("name_len", c_size_t),
    ]


class gwapi_engine(Structure):
    """Opaque ``gwapi_engine``: only ever handled through a pointer."""


class gwapi_object_list(Structure):
    """Opaque ``gwapi_object_list``."""


class gwapi_snapshot(Structure):
    """Opaque ``gwapi_snapshot``."""


class gwapi_header(Structure):
    _fields_ = [
        ("name", c_char_p),
        ("name_len", c_size_t),
        ("value", c_char_p),
        ("value_len", c_size_t),
    ]


class gwapi_request(Structure):
    _fields_ = [
        ("sz", c_size_t),
        ("gateway", c_int32),
        ("port", c_uint32),
        ("protocol", c_uint32),
        ("host", c_char_p),
        ("host_len", c_size_t),
        ("method", c_char_p),
        ("method_len", c_size_t),
        ("path", c_char_p),
        ("path_len", c_size_t),
        ("sni", c_char_p),
        ("sni_len", c_size_t),
        ("headers", POINTER(gwapi_header)),
        ("header_count", c_size_t),
        ("hash", c_uint64),
    ]


class gwapi_match_result(Structure):
    _fields_ = [
        ("sz", c_size_t),
        ("status", c_uint32),
        ("listener", c_int32),
        ("route", c_int32),
        ("rule", c_int32),
        ("backend", c_int32),
    ]


class gwapi_route_info(Structure):
    _fields_ = [
        ("sz", c_size_t),
        ("kind", gwapi_str),
        ("ns", gwapi_str),
        ("name", gwapi_str),
        ("rule_count", c_size_t),
    ]


class gwapi_backend_info(Structure):
    _fields_ = [
        ("sz", c_size_t),
        ("ns", gwapi_str),
        ("name", gwapi_str),
        ("port", c_uint32),
        ("weight", c_uint32),
        ("valid", c_int32),
    ]


class gwapi_lb(Structure):
    """Opaque ``gwapi_lb``."""


class gwapi_lb_opts(Structure):
    _fields_ = [
        ("sz", c_size_t),
        ("pin_path", c_char_p),
        ("in_memory", c_uint32),
        ("l7_proxy_port", c_uint32),
        ("max_entries", c_uint32),
        ("protocol_differentiation", c_uint32),
        ("open_existing", c_uint32),
    ]


# Distinct pointer types so that passing a list where an engine is expected
# is a ctypes ArgumentError instead of undefined behaviour.
EngineP = POINTER(gwapi_engine)
ObjectListP = POINTER(gwapi_object_list)
ErrorP = POINTER(gwapi_error)
SnapshotP = POINTER(gwapi_snapshot)
LbP = POINTER(gwapi_lb)

# --------------------------------------------------------------------------
# The prototype table: name -> (restype, argtypes).

_PROTOTYPES: Final[dict[str, tuple[Any, list[Any]]]] = {
    "gwapi_version": (c_char_p, []),  # static string: c_char_p is safe
    "gwapi_abi_version": (c_uint32, []),
    "gwapi_status_name": (c_char_p, [gwapi_status]),  # static string
    "gwapi_error_free": (None, [ErrorP]),
    "gwapi_engine_new": (
        gwapi_status,
        [POINTER(gwapi_engine_opts), POINTER(EngineP), POINTER(ErrorP)],
    ),
    "gwapi_engine_free": (None, [EngineP]),
    "gwapi_object_list_count": (c_size_t, [ObjectListP]),
    "gwapi_object_list_get": (
        gwapi_status,
        [ObjectListP, c_size_t, POINTER(gwapi_object_info)],
    ),
    "gwapi_object_list_error": (
        gwapi_status,
        [ObjectListP, c_size_t, c_size_t, POINTER(gwapi_field_error)],
    ),
    "gwapi_object_list_json": (gwapi_str, [ObjectListP]),
    "gwapi_object_list_free": (None, [ObjectListP]),
    "gwapi_engine_apply": (
        gwapi_status,
        # bytes pass as a pointer to their own buffer (no copy); the length
        # travels separately, so embedded NULs are fine.
        [EngineP, c_char_p, c_size_t, POINTER(ObjectListP), POINTER(ErrorP)],
    ),
    "gwapi_engine_delete": (
        gwapi_status,
        [EngineP, POINTER(gwapi_object_key), POINTER(ErrorP)],
    ),
    "gwapi_engine_list": (
        gwapi_status,
        [EngineP, gwapi_list_filter, POINTER(ObjectListP), POINTER(ErrorP)],
    ),
    "gwapi_engine_get_json": (
        gwapi_status,
        [
            EngineP,
            POINTER(gwapi_object_key),
            POINTER(c_void_p),  # owned char*: c_void_p, never c_char_p
            POINTER(c_size_t),
            POINTER(ErrorP),
        ],
    ),
    "gwapi_string_free": (None, [c_void_p]),
    # Status (owned char* out-parameters: c_void_p, never c_char_p).
    "gwapi_engine_status_json": (
        gwapi_status,
        [EngineP, POINTER(c_void_p), POINTER(c_size_t), POINTER(ErrorP)],
    ),
    "gwapi_engine_object_status_json": (
        gwapi_status,
        [
            EngineP,
            POINTER(gwapi_object_key),
            POINTER(c_void_p),
            POINTER(c_size_t),
            POINTER(ErrorP),
        ],
    ),
    "gwapi_supported_features_json": (
        gwapi_status,
        [POINTER(c_void_p), POINTER(c_size_t), POINTER(ErrorP)],
    ),
    # Routing snapshots.
    "gwapi_engine_snapshot": (gwapi_status, [EngineP, POINTER(SnapshotP), POINTER(ErrorP)]),
    "gwapi_snapshot_ref": (SnapshotP, [SnapshotP]),
    "gwapi_snapshot_free": (None, [SnapshotP]),
    "gwapi_snapshot_serialize": (
        gwapi_status,
        [SnapshotP, POINTER(c_void_p), POINTER(c_size_t), POINTER(ErrorP)],
    ),
    "gwapi_snapshot_load": (gwapi_status, [c_char_p, c_size_t, POINTER(SnapshotP), POINTER(ErrorP)]),
    "gwapi_snapshot_find_gateway": (c_int32, [SnapshotP, c_char_p, c_size_t, c_char_p, c_size_t]),
    "gwapi_snapshot_match": (
        gwapi_status,
        [SnapshotP, POINTER(gwapi_request), POINTER(gwapi_match_result)],
    ),
    "gwapi_snapshot_route": (gwapi_status, [SnapshotP, c_int32, POINTER(gwapi_route_info)]),
    "gwapi_snapshot_backend": (
        gwapi_status,
        [SnapshotP, c_int32, c_int32, c_int32, POINTER(gwapi_backend_info)],
    ),
    "gwapi_snapshot_decide_json": (
        gwapi_status,
        [SnapshotP, POINTER(gwapi_request), POINTER(c_void_p), POINTER(c_size_t), POINTER(ErrorP)],
    ),
    # eBPF load-balancer maps.
    "gwapi_lb_open": (gwapi_status, [POINTER(gwapi_lb_opts), POINTER(LbP), POINTER(ErrorP)]),
    "gwapi_lb_free": (None, [LbP]),
    "gwapi_lb_sync": (
        gwapi_status,
        [LbP, SnapshotP, POINTER(c_void_p), POINTER(c_size_t), POINTER(ErrorP)],
    ),
    "gwapi_lb_list_json": (gwapi_status, [LbP, POINTER(c_void_p), POINTER(c_size_t), POINTER(ErrorP)]),
}


def read_str(s: gwapi_str) -> str:
    """Copies a lent ``gwapi_str`` into a Python str.

    Uses the length, not the NUL, so embedded NULs survive; undecodable bytes
    become U+FFFD rather than raising in the middle of reading a result list.
    """
    if not s.ptr or s.len == 0:
        return ""
    return ctypes.string_at(s.ptr, s.len).decode("utf-8", errors="replace")


def read_cstr(p: int | None) -> str:
    """Copies a lent NUL-terminated ``const char *`` (may be NULL)."""
    if not p:
        return ""
    return ctypes.string_at(p).decode("utf-8", errors="replace")


def candidate_paths() -> list[Path]:
    """The paths tried, in order (see the module docstring for why)."""
    env = os.environ.get("GWAPI_LIBRARY")
    if env:
        return [Path(env)]
    return [
        _PACKAGE_DIR / LIBRARY_NAME,
        _REPO_DIR / "bazel-bin" / "capi" / LIBRARY_NAME,
    ]


def _load() -> tuple[ctypes.CDLL, Path]:
    candidates = candidate_paths()
    path = next((p for p in candidates if p.exists()), None)
    if path is None:
        tried = ", ".join(str(p) for p in candidates)
        raise ImportError(
            f"gwapi: cannot find {LIBRARY_NAME} (tried: {tried}); build it with "
            "`bazel build //capi:libgwapi.so.0` or set GWAPI_LIBRARY to its path"
        )
    try:
        library = ctypes.CDLL(str(path))
    except OSError as e:
        raise ImportError(f"gwapi: cannot load {path}: {e}") from e
    for name, (restype, argtypes) in _PROTOTYPES.items():
        try:
            fn = getattr(library, name)
        except AttributeError:
            raise ImportError(
                f"gwapi: {path} does not export {name}; it is not a gwapi "
                f"library of ABI {EXPECTED_ABI}"
            ) from None
        fn.restype = restype
        fn.argtypes = argtypes
    abi = int(library.gwapi_abi_version())
    if abi != EXPECTED_ABI:
        raise ImportError(
            f"gwapi: {path} has ABI version {abi}, but this binding expects "
            f"{EXPECTED_ABI}; use a matching library (GWAPI_LIBRARY) or binding"
        )
    return library, path


lib: ctypes.CDLL
#: The library actually loaded.
LIBRARY_PATH: Path
lib, LIBRARY_PATH = _load()
