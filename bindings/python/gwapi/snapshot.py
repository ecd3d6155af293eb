"""Compiled routing snapshots: what the engine decides for one request.

``Engine.snapshot()`` returns a :class:`Snapshot`, an immutable compiled
copy of the routing configuration that outlives the engine. Use it as a
context manager (or call :meth:`Snapshot.close`)::

    with engine.snapshot() as snap:
        d = snap.match(gateway="cilium-ingress/gateway", port=80,
                       host="httpbin.example.com", path="/get")
        d.status        # 0: forwarded to d.backend; else the Gateway's answer
        d.backend.name  # "httpbin"

:meth:`Snapshot.serialize` gives the ``gwapi.v1.Snapshot`` protobuf bytes;
:meth:`Snapshot.load` makes a snapshot from them in any process.
"""

from __future__ import annotations

import ctypes
import json
import weakref
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from gwapi import _ffi
from gwapi.errors import Status, error_for

__all__ = ["Snapshot", "Decision", "BackendChoice", "Mirror", "ForwardedRequest", "PROTOCOLS"]

#: Request protocols :meth:`Snapshot.match` understands, as the C ABI numbers them.
PROTOCOLS = {"HTTP": 0, "HTTPS": 1, "GRPC": 2, "GRPCS": 3, "TLS": 4, "TCP": 5, "UDP": 6}


@dataclass(frozen=True)
class BackendChoice:
    """A backendRef of the matched rule."""

    kind: str
    namespace: str
    name: str
    port: int
    weight: int
    valid: bool
    app_protocol: str = ""
    #: The SNI a BackendTLSPolicy makes the Gateway present, or None.
    tls_sni: str | None = None
    #: The Service's cluster IPs, where a proxy sends the request (the
    #: socket load balancer picks the endpoint); empty when not resolvable.
    cluster_ips: tuple[str, ...] = ()
    #: Under a BackendTLSPolicy, how the Gateway connects (None otherwise).
    tls: BackendTls | None = None


@dataclass(frozen=True)
class BackendTls:
    """How the Gateway originates TLS to a backend; certificates are named
    ("ConfigMap namespace/name"), never carried."""

    sni: str
    ca_certificates: tuple[str, ...] = ()
    system_ca: bool = False
    #: (type, value) pairs, type "Hostname" or "URI".
    subject_alt_names: tuple[tuple[str, str], ...] = ()
    #: The Gateway's client certificate ("Secret namespace/name"), or None.
    client_certificate: str | None = None


@dataclass(frozen=True)
class Mirror:
    backend: BackendChoice
    #: The configured share of requests mirrored, in percent.
    percent: float


@dataclass(frozen=True)
class ForwardedRequest:
    """The request the backend receives, after the request filters."""

    method: str
    host: str
    path: str
    headers: tuple[tuple[str, str], ...]

    def header(self, name: str) -> str | None:
        """All values of header ``name`` joined with ``,`` (any case), or None."""
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        return ",".join(values) if values else None


@dataclass(frozen=True)
class Decision:
    """What the Gateway does with one request."""

    #: 0 when forwarded to :attr:`backend`; otherwise the status the Gateway
    #: answers itself (404 no route, 500 invalid backend, 3xx redirect, 421
    #: misdirected, 200/204 CORS preflight).
    status: int
    listener: str | None
    route_kind: str | None
    route_namespace: str | None
    route_name: str | None
    rule: int | None
    rule_name: str
    backend: BackendChoice | None
    #: Every backendRef of the matched rule, with its configured weight.
    backends: tuple[BackendChoice, ...]
    location: str | None
    request: ForwardedRequest | None
    #: Response header edits in order: ("set" | "add" | "remove", name, value).
    response_headers: tuple[tuple[str, str, str], ...]
    mirrors: tuple[Mirror, ...]
    timeouts: Mapping[str, int] | None
    retry: Mapping[str, Any] | None
    #: "Terminate", "Passthrough" or "" for the listener that took the request.
    tls_mode: str
    #: The listener's certificates ("Secret namespace/name") when it
    #: terminates TLS.
    certificates: tuple[str, ...] = ()
    #: The listener's client certificate validation, {"mode": ...,
    #: "caCertificates": [...]}, or None.
    client_validation: Mapping[str, Any] | None = None

    @property
    def forwarded(self) -> bool:
        return self.status == 0

    @property
    def route(self) -> str | None:
        """``namespace/name`` of the matched route, or None."""
        return f"{self.route_namespace}/{self.route_name}" if self.route_name is not None else None

    def response(self, backend_headers: Mapping[str, str] | None = None) -> dict[str, str]:
        """The response headers a client sees: the backend's (or none, when
        the Gateway answers) with the response edits applied. Names are
        lower-cased; repeated values are joined with ``,``."""
        out: dict[str, str] = {k.lower(): v for k, v in (backend_headers or {}).items()}
        for op, name, value in self.response_headers:
            key = name.lower()
            if op == "set":
                out[key] = value
            elif op == "add":
                out[key] = f"{out[key]},{value}" if key in out else value
            else:
                out.pop(key, None)
        return out

    @staticmethod
    def _from_json(d: Mapping[str, Any]) -> Decision:
        route = d.get("route") or {}
        req = d.get("request")
        return Decision(
            status=int(d["status"]),
            listener=d.get("listener"),
            route_kind=route.get("kind"),
            route_namespace=route.get("namespace"),
            route_name=route.get("name"),
            rule=d.get("rule"),
            rule_name=d.get("ruleName", ""),
            backend=_backend(d["backend"]) if d.get("backend") else None,
            backends=tuple(_backend(b) for b in d.get("backends", [])),
            location=d.get("location"),
            request=(
                ForwardedRequest(
                    req["method"], req["host"], req["path"], tuple((h[0], h[1]) for h in req.get("headers", []))
                )
                if req
                else None
            ),
            response_headers=tuple((e[0], e[1], e[2]) for e in d.get("responseHeaders", [])),
            mirrors=tuple(Mirror(_backend(m["backend"]), float(m["percent"])) for m in d.get("mirrors", [])),
            timeouts=d.get("timeouts"),
            retry=d.get("retry"),
            tls_mode=d.get("tlsMode", ""),
            certificates=tuple(d.get("certificates", ())),
            client_validation=d.get("clientValidation"),
        )


def _backend(b: Mapping[str, Any]) -> BackendChoice:
    return BackendChoice(
        kind=b.get("kind", "Service"),
        namespace=b["namespace"],
        name=b["name"],
        port=int(b.get("port", 0)),
        weight=int(b.get("weight", 1)),
        valid=bool(b.get("valid", False)),
        app_protocol=b.get("appProtocol", ""),
        tls_sni=b.get("tlsSni"),
        cluster_ips=tuple(b.get("clusterIps", ())),
        tls=_backend_tls(b["tls"]) if "tls" in b else None,
    )


def _backend_tls(t: Mapping[str, Any]) -> BackendTls:
    return BackendTls(
        sni=t.get("sni", ""),
        ca_certificates=tuple(t.get("caCertificates", ())),
        system_ca=bool(t.get("systemCa", False)),
        subject_alt_names=tuple((k, v) for k, v in t.get("subjectAltNames", ())),
        client_certificate=t.get("clientCertificate"),
    )


def _view(s: str | bytes | None) -> tuple[bytes, int]:
    b = s.encode() if isinstance(s, str) else (s or b"")
    return b, len(b)


class Snapshot:
    """An immutable compiled routing configuration (a reference to it).

    Thread-safe: any number of threads may match against one snapshot, but
    :meth:`close` must not race them (close when no call is in flight, or
    let the garbage collector release it).
    """

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self._finalizer = weakref.finalize(self, _ffi.lib.gwapi_snapshot_free, handle)

    @classmethod
    def load(cls, data: bytes) -> Snapshot:
        """A snapshot from ``gwapi.v1.Snapshot`` protobuf bytes (see :meth:`serialize`)."""
        from gwapi.engine import _check  # local: engine imports this module

        out = _ffi.SnapshotP()
        err = _ffi.ErrorP()
        _check(_ffi.lib.gwapi_snapshot_load(bytes(data), len(data), ctypes.byref(out), ctypes.byref(err)), err)
        return cls(out)

    def close(self) -> None:
        """Drops this reference; matching on a closed snapshot raises."""
        self._finalizer()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _live(self) -> Any:
        if not self._finalizer.alive:
            raise error_for(Status.FAILED_PRECONDITION, "the snapshot is closed")
        return self._handle

    def serialize(self) -> bytes:
        """The ``gwapi.v1.Snapshot`` protobuf bytes."""
        from gwapi.engine import _check

        out = ctypes.c_void_p()
        out_len = ctypes.c_size_t()
        err = _ffi.ErrorP()
        try:
            _check(
                _ffi.lib.gwapi_snapshot_serialize(
                    self._live(), ctypes.byref(out), ctypes.byref(out_len), ctypes.byref(err)
                ),
                err,
            )
            return ctypes.string_at(out.value, out_len.value)
        finally:
            _ffi.lib.gwapi_string_free(out)

    def gateway_index(self, gateway: str) -> int:
        """The snapshot's index of Gateway ``namespace/name``; -1 when absent."""
        ns, _, name = gateway.partition("/")
        nsb, nsl = _view(ns)
        nb, nl = _view(name)
        return int(_ffi.lib.gwapi_snapshot_find_gateway(self._live(), nsb, nsl, nb, nl))

    def match(
        self,
        *,
        gateway: str,
        port: int = 80,
        protocol: str = "HTTP",
        host: str = "",
        method: str = "GET",
        path: str = "/",
        headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        sni: str = "",
        hash: int = 0,  # noqa: A002
    ) -> Decision:
        """Decides one request arriving at ``gateway`` (``namespace/name``) on ``port``."""
        from gwapi.engine import _take_owned

        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol {protocol!r} is not one of {', '.join(PROTOCOLS)}")
        pairs: Sequence[tuple[str, str]] = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        keep: list[bytes] = []  # keeps the encoded strings alive for the call
        hdrs = (_ffi.gwapi_header * max(1, len(pairs)))()
        for i, (n, v) in enumerate(pairs):
            nb, vb = n.encode(), v.encode()
            keep += [nb, vb]
            hdrs[i] = _ffi.gwapi_header(nb, len(nb), vb, len(vb))
        req = _ffi.gwapi_request()
        req.sz = ctypes.sizeof(_ffi.gwapi_request)
        req.gateway = self.gateway_index(gateway)
        req.port = port
        req.protocol = PROTOCOLS[protocol]
        fields = {"host": host, "method": method, "path": path, "sni": sni}
        for f, s in fields.items():
            b, n = _view(s)
            keep.append(b)
            setattr(req, f, b)
            setattr(req, f + "_len", n)
        req.headers = hdrs
        req.header_count = len(pairs)
        req.hash = hash & 0xFFFFFFFFFFFFFFFF
        out = ctypes.c_void_p()
        out_len = ctypes.c_size_t()
        err = _ffi.ErrorP()
        status = _ffi.lib.gwapi_snapshot_decide_json(
            self._live(), ctypes.byref(req), ctypes.byref(out), ctypes.byref(out_len), ctypes.byref(err)
        )
        text = _take_owned(status, err, out, out_len, "gwapi_snapshot_decide_json")
        return Decision._from_json(json.loads(text))
