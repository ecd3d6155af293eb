"""The eBPF load-balancer maps, synced from routing snapshots.

::

    with gwapi.LoadBalancer(pin_path="/sys/fs/bpf/tc/globals") as lb:
        report = lb.sync(snapshot)   # writes only what changed
        for row in lb.list():        # as `cilium-dbg bpf lb list` shows them
            print(row.service, row.backend)

``in_memory=True`` keeps the maps in memory (no kernel, no root): what the
maps would hold, for tools and tests.
"""

from __future__ import annotations

import ctypes
import json
import threading
import weakref
from dataclasses import dataclass
from typing import Any

from gwapi import _ffi
from gwapi.errors import Status, error_for

__all__ = ["LoadBalancer", "LbRow", "SyncReport", "format_lb_list"]


@dataclass(frozen=True)
class LbRow:
    """One services-map entry (slot 0 is the frontend's master entry)."""

    service: str  # "172.17.0.64:80/ANY (0)"
    backend: str  # "0.0.0.0:0 (1) (0) [LoadBalancer, l7-load-balancer] (L7LB Proxy Port: 12141)"
    slot: int
    rev_nat: int
    count: int
    l7_proxy_port: int
    backend_id: int
    flags: str


@dataclass(frozen=True)
class SyncReport:
    frontends_changed: int
    frontends_removed: int
    entries_written: int
    entries_deleted: int
    notes: tuple[str, ...]


def format_lb_list(rows: list[LbRow]) -> str:
    """The rows as ``cilium-dbg bpf lb list`` prints them: one line per
    services-map entry, the key (with its slot) beside what it holds."""
    title = ("SERVICE ADDRESS", "BACKEND ADDRESS (REVNAT_ID) (SLOT)")
    width = max([len(title[0])] + [len(r.service) for r in rows]) + 3
    lines = [f"{title[0]:<{width}}{title[1]}"]
    lines += [f"{r.service:<{width}}{r.backend}" for r in rows]
    return "\n".join(lines) + "\n"


class LoadBalancer:
    """A writer of the Cilium-compatible LB maps (one owner; not thread-safe)."""

    def __init__(
        self,
        pin_path: str | None = None,
        *,
        in_memory: bool = False,
        l7_proxy_port: int = 12141,
        max_entries: int = 0,
        protocol_differentiation: bool = False,
        create: bool = True,
    ) -> None:
        """Opens the maps pinned under ``pin_path`` (default
        /sys/fs/bpf/tc/globals), creating missing ones unless ``create`` is
        False (then NotFoundError), or an in-memory map set."""
        from gwapi.engine import _check

        if not 0 < l7_proxy_port <= 65535:
            raise ValueError("l7_proxy_port must be in 1..65535")
        opts = _ffi.gwapi_lb_opts()
        opts.sz = ctypes.sizeof(opts)
        opts.pin_path = pin_path.encode() if pin_path else None
        opts.in_memory = 1 if in_memory else 0
        opts.l7_proxy_port = l7_proxy_port
        opts.max_entries = max_entries
        opts.protocol_differentiation = 1 if protocol_differentiation else 0
        opts.open_existing = 0 if create else 1
        handle = _ffi.LbP()
        err = _ffi.ErrorP()
        _check(_ffi.lib.gwapi_lb_open(ctypes.byref(opts), ctypes.byref(handle), ctypes.byref(err)), err)
        self._handle: Any = handle
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _ffi.lib.gwapi_lb_free, handle)

    def close(self) -> None:
        self._finalizer()

    def __enter__(self) -> LoadBalancer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _live(self) -> Any:
        if not self._finalizer.alive:
            raise error_for(Status.FAILED_PRECONDITION, "the load balancer is closed")
        return self._handle

    def sync(self, snapshot: Any) -> SyncReport:
        """Makes the maps hold the LB view of ``snapshot`` (a :class:`gwapi.Snapshot`)."""
        from gwapi.engine import _take_owned

        out = ctypes.c_void_p()
        out_len = ctypes.c_size_t()
        err = _ffi.ErrorP()
        with self._lock:
            status = _ffi.lib.gwapi_lb_sync(
                self._live(), snapshot._live(), ctypes.byref(out), ctypes.byref(out_len), ctypes.byref(err)
            )
            doc = json.loads(_take_owned(status, err, out, out_len, "gwapi_lb_sync"))
        return SyncReport(
            doc["frontendsChanged"], doc["frontendsRemoved"], doc["entriesWritten"], doc["entriesDeleted"],
            tuple(doc["notes"]),
        )

    def list(self) -> list[LbRow]:
        """Every services-map entry, sorted."""
        from gwapi.engine import _take_owned

        out = ctypes.c_void_p()
        out_len = ctypes.c_size_t()
        err = _ffi.ErrorP()
        with self._lock:
            status = _ffi.lib.gwapi_lb_list_json(self._live(), ctypes.byref(out), ctypes.byref(out_len), ctypes.byref(err))
            rows = json.loads(_take_owned(status, err, out, out_len, "gwapi_lb_list_json"))
        return [
            LbRow(r["service"], r["backend"], r["slot"], r["revNat"], r["count"], r["l7ProxyPort"], r["backendId"], r["flags"])
            for r in rows
        ]
