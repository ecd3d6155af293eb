"""Judges the ``requests`` entries of a conformance case (README section 7)
against the matcher's decision (:meth:`gwapi.Snapshot.match`).

Every field the README classes D (decision) is checked. What needs live
traffic is reported as not applicable with the reason, never as passed
(README section 10):

- the TLS handshake of HTTPS, H2 and TLS requests (the routing by SNI and
  Host is still checked), client certificates, and the transport form of a
  rejected connection;
- the h2c and WebSocket wire protocols (H2C_PRIOR_KNOWLEDGE, WEBSOCKET);
- timing and retries against a misbehaving backend (``backendDelay``,
  ``retrySimulation``): the ``response`` of such entries;
- endpoint identity (``backendPodPrefix``) and the certificate the Gateway
  presents to a TLS backend (``expectedRequest.clientCertificate``);
- an HTTPS ``connectionError`` or plain ``httpError`` that can only come
  from a handshake or backend TLS verification, when the decision is to
  forward.

gRPC requests are judged by the routing decision (the call's framing is
the client library's, not the Gateway's); TCP and UDP requests by the
backend they reach. A backend answers 200 to anything forwarded to it, as
the suite's echo server does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import urlsplit

from gwapi.snapshot import Decision, Snapshot

__all__ = ["RequestJudge", "RequestVerdict", "parse_duration_ms"]

# README 7.2: the matcher protocol for each corpus protocol, and the part of
# the exchange only live traffic can show.
_PROTOCOLS: dict[str, tuple[str, str | None]] = {
    "HTTP": ("HTTP", None),
    "HTTPS": ("HTTPS", "the TLS handshake"),
    "H2": ("HTTPS", "the TLS handshake and HTTP/2"),
    "H2C_PRIOR_KNOWLEDGE": ("HTTP", "the h2c prior-knowledge exchange"),
    "WEBSOCKET": ("HTTP", "the WebSocket upgrade and echo"),
    "GRPC": ("GRPC", None),
    "TLS": ("TLS", "the TLS handshake"),
    "TCP": ("TCP", None),
    "UDP": ("UDP", None),
}
_DEFAULT_PORTS = {"HTTP": 80, "H2C_PRIOR_KNOWLEDGE": 80, "WEBSOCKET": 80, "HTTPS": 443, "H2": 443}

# How grpc-go reports an HTTP status that is not a gRPC response
# (google.golang.org/grpc/internal/transport, HTTPStatusConvTab).
_GRPC_FROM_HTTP = {400: "Internal", 401: "Unauthenticated", 403: "PermissionDenied", 404: "Unimplemented",
                   429: "Unavailable", 502: "Unavailable", 503: "Unavailable", 504: "Unavailable"}


def parse_duration_ms(text: str) -> int | None:
    """A Gateway API duration ("1h2m", "500ms", "0s") in milliseconds."""
    units = {"h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
    total, i = 0, 0
    while i < len(text):
        j = i
        while j < len(text) and text[j].isdigit():
            j += 1
        if j == i:
            return None
        unit = "ms" if text[j : j + 2] == "ms" else text[j : j + 1]
        if unit not in units:
            return None
        total += int(text[i:j]) * units[unit]
        i = j + len(unit)
    return total if text else None


@dataclass
class RequestVerdict:
    """What judging one request entry found."""

    checked: int = 0
    differences: list[str] = field(default_factory=list)
    not_applicable: list[str] = field(default_factory=list)

    def check(self, what: str, diff: str | None) -> None:
        self.checked += 1
        if diff:
            self.differences.append(f"{what}: {diff}")


def _nowhite(s: str) -> str:
    return s.replace(" ", "")


def _describe(d: Decision) -> str:
    if d.route is None:
        return f"the Gateway answers {d.status} (no route)"
    where = f"{d.route_kind} {d.route} rule {d.rule}"
    if d.forwarded and d.backend is not None:
        return f"{where} forwards to {d.backend.namespace}/{d.backend.name}"
    return f"{where}, the Gateway answers {d.status}"


class RequestJudge:
    """Judges request entries against one snapshot.

    ``addresses`` maps ``namespace/name`` of a Gateway to its first status
    address (README 7.2: the default Host).
    """

    def __init__(self, snapshot: Snapshot, addresses: Mapping[str, str]) -> None:
        self._snapshot = snapshot
        self._addresses = addresses

    def judge(self, entry: Mapping[str, Any]) -> RequestVerdict:
        v = RequestVerdict()
        req = entry["request"]
        protocol = req["protocol"]
        if protocol not in _PROTOCOLS:
            v.check("request.protocol", f"unknown protocol {protocol!r}")
            return v
        kind, live = _PROTOCOLS[protocol]
        port = int(entry["port"])
        host = req.get("host")
        if host is None and protocol not in ("TLS", "TCP", "UDP"):
            address = self._addresses.get(entry["gateway"], "")
            host = address if _DEFAULT_PORTS.get(protocol) == port else f"{address}:{port}"
        d = self._snapshot.match(
            gateway=entry["gateway"],
            port=port,
            protocol=kind,
            host=host or "",
            method=req.get("method", "GET" if kind in ("HTTP", "HTTPS") else "POST" if kind == "GRPC" else ""),
            path=req.get("path", "/"),
            headers=dict(req.get("headers", {})),
            sni=req.get("sni", ""),
        )
        if live:
            v.not_applicable.append(f"{live} (class L)")
        if "clientCertificate" in req:
            v.not_applicable.append("client-certificate validation in the TLS handshake (class L)")
            return v  # its outcome depends on the handshake throughout
        response = entry.get("response")
        if "policy" in entry:
            self._check_policy(v, entry["policy"], d)
        if response is None:
            self._check_connection(v, entry, d)
        elif "failure" in response:
            self._check_failure(v, response["failure"], d)
        elif "backendDelay" in entry or "retrySimulation" in entry:
            v.not_applicable.append("the response depends on backend timing or retries (class L)")
        elif "grpcCode" in response:
            self._check_grpc(v, entry, response["grpcCode"], d)
        else:
            self._check_http(v, entry, response, d)
        return v

    # -- outcomes ------------------------------------------------------------

    def _check_connection(self, v: RequestVerdict, entry: Mapping[str, Any], d: Decision) -> None:
        """README 7.4, requests without ``response``: where the connection ends up."""
        if not d.forwarded:
            v.check("connection", f"expected it to reach a backend; {_describe(d)}")
            return
        self._check_backend(v, entry, d)
        self._check_weights(v, entry, d)
        expected = entry.get("expectedRequest") or {}
        self._check_backend_tls(v, entry["request"], expected, d)

    def _check_failure(self, v: RequestVerdict, failure: str, d: Decision) -> None:
        if failure == "httpError":
            if d.forwarded:
                v.not_applicable.append("httpError when the request is forwarded depends on backend TLS (class L)")
            else:
                v.check("response.failure", None if d.status != 200 else "the Gateway answers 200")
        elif failure == "connectionError":
            if d.listener is None:
                v.check("response.failure", None)
            else:
                v.not_applicable.append("connectionError on an accepted connection is decided in the handshake (class L)")
        elif failure == "connectionRejected":
            v.check(
                "response.failure",
                f"expected the connection to be rejected; {_describe(d)}" if d.forwarded else None,
            )
            v.not_applicable.append("the transport form of the rejection (class L)")
        else:
            v.check("response.failure", f"unknown failure {failure!r}")

    def _check_grpc(self, v: RequestVerdict, entry: Mapping[str, Any], code: str, d: Decision) -> None:
        actual = "OK" if d.forwarded else _GRPC_FROM_HTTP.get(d.status, "Unknown")
        v.check("response.grpcCode", None if actual == code else f"{actual}, expected {code}; {_describe(d)}")
        if actual == "OK" == code:
            self._check_backend(v, entry, d)
            self._check_weights(v, entry, d)

    def _check_http(self, v: RequestVerdict, entry: Mapping[str, Any], response: Mapping[str, Any], d: Decision) -> None:
        actual = 200 if d.forwarded else d.status
        codes = list(response["statusCodes"])
        if actual not in codes:
            v.check("response.statusCodes", f"{actual}, expected one of {codes}; {_describe(d)}")
            return
        v.check("response.statusCodes", None)
        if actual in (200, 204):
            if entry.get("notForwarded"):
                v.check("notForwarded", "the request was forwarded" if d.forwarded else None)
            else:
                self._check_backend(v, entry, d)
                self._check_expected_request(v, entry, d)
                self._check_weights(v, entry, d)
                self._check_mirrors(v, entry, d)
                if "backendAppProtocol" in entry:
                    got = d.backend.app_protocol if d.backend else ""
                    want = entry["backendAppProtocol"]
                    v.check("backendAppProtocol", None if got == want else f"{got!r}, expected {want!r}")
            self._check_response_headers(v, entry, response, d)
        elif 300 <= actual < 400 and "redirectRequest" in entry:
            self._check_redirect(v, entry["redirectRequest"], d)

    # -- fields --------------------------------------------------------------

    def _check_backend(self, v: RequestVerdict, entry: Mapping[str, Any], d: Decision) -> None:
        b = d.backend
        if "backendPodPrefix" in entry:
            v.not_applicable.append("backendPodPrefix names endpoints, not the backendRef (class L)")
        if "backend" in entry:
            got = f"{b.namespace}/{b.name}" if b else "none"
            want = f"{entry.get('namespace', '')}/{entry['backend']}"
            v.check("backend", None if got == want else f"{got}, expected {want}")
        elif "namespace" in entry:
            got = b.namespace if b else "none"
            v.check("namespace", None if got == entry["namespace"] else f"{got}, expected {entry['namespace']}")

    def _check_expected_request(self, v: RequestVerdict, entry: Mapping[str, Any], d: Decision) -> None:
        req = entry["request"]
        fwd = d.request
        if fwd is None:
            v.check("expectedRequest", "the decision carries no forwarded request")
            return
        expected = entry.get("expectedRequest")
        if expected is None:
            # Absent: the backend receives the request unchanged (README 7.6).
            diffs = []
            if fwd.path != req.get("path", "/"):
                diffs.append(f"path {fwd.path!r}, expected {req.get('path')!r}")
            if fwd.method != req.get("method", fwd.method):
                diffs.append(f"method {fwd.method}, expected {req.get('method')}")
            if "host" in req and fwd.host != req["host"]:
                diffs.append(f"host {fwd.host!r}, expected {req['host']!r}")
            for name, value in req.get("headers", {}).items():
                if fwd.header(name) != value:
                    diffs.append(f"header {name} {fwd.header(name)!r}, expected {value!r}")
            v.check("expectedRequest (unchanged)", "; ".join(diffs) or None)
        else:
            for f, want in expected.items():
                if f == "host":
                    v.check("expectedRequest.host", None if fwd.host == want else f"{fwd.host!r}, expected {want!r}")
                elif f == "method":
                    v.check("expectedRequest.method", None if fwd.method == want else f"{fwd.method}, expected {want}")
                elif f == "path":
                    v.check("expectedRequest.path", None if fwd.path == want else f"{fwd.path!r}, expected {want!r}")
                elif f == "headers":
                    for name, value in want.items():
                        got = fwd.header(name)
                        v.check(f"expectedRequest.headers.{name}", None if got == value else f"{got!r}, expected {value!r}")
                elif f == "absentHeaders":
                    for name in want:
                        got = fwd.header(name)
                        v.check(f"expectedRequest.absentHeaders.{name}", None if got is None else f"present ({got!r})")
            if "method" not in expected and fwd.method != req.get("method", fwd.method):
                v.check("expectedRequest.method", f"{fwd.method}, expected {req.get('method')}")
            self._check_backend_tls(v, req, expected, d)
        for svc, want in (entry.get("expectedRequestPerBackend") or {}).items():
            if d.backend is None or d.backend.name != svc:
                continue
            for name, value in want.get("headers", {}).items():
                got = fwd.header(name)
                v.check(f"expectedRequestPerBackend.{svc}.{name}", None if got == value else f"{got!r}, expected {value!r}")

    def _check_backend_tls(
        self, v: RequestVerdict, req: Mapping[str, Any], expected: Mapping[str, Any], d: Decision
    ) -> None:
        """The TLS the backend sees: passthrough or terminate, and its SNI."""
        passthrough = d.tls_mode == "Passthrough"
        if "backendIsTLS" in expected:
            want = bool(expected["backendIsTLS"])
            v.check("expectedRequest.backendIsTLS", None if passthrough == want else f"{passthrough}, expected {want}")
        if "sni" in expected:
            got = req.get("sni", "") if passthrough else (d.backend.tls_sni if d.backend else None)
            v.check("expectedRequest.sni", None if got == expected["sni"] else f"{got!r}, expected {expected['sni']!r}")
        if "clientCertificate" in expected:
            v.not_applicable.append("the client certificate presented to a TLS backend (class L)")

    def _check_response_headers(
        self, v: RequestVerdict, entry: Mapping[str, Any], response: Mapping[str, Any], d: Decision
    ) -> None:
        backend_headers = entry.get("backendSetResponseHeaders") if d.forwarded else None
        got = d.response(backend_headers)
        norm = _nowhite if response.get("ignoreWhitespace") else (lambda s: s)
        for name, value in (response.get("headers") or {}).items():
            actual = got.get(name.lower())
            ok = actual is not None and norm(actual) == norm(value)
            v.check(f"response.headers.{name}", None if ok else f"{actual!r}, expected {value!r}")
        for name, values in (response.get("validHeaderValues") or {}).items():
            actual = got.get(name.lower())
            ok = actual is not None and norm(actual) in {norm(x) for x in values}
            v.check(f"response.validHeaderValues.{name}", None if ok else f"{actual!r}, expected one of {values}")
        for name in response.get("absentHeaders") or []:
            actual = got.get(name.lower())
            v.check(f"response.absentHeaders.{name}", None if actual is None else f"present ({actual!r})")

    def _check_redirect(self, v: RequestVerdict, want: Mapping[str, Any], d: Decision) -> None:
        if not d.location:
            v.check("redirectRequest", "no Location")
            return
        loc = urlsplit(d.location)
        port = str(loc.port) if loc.port is not None else ""
        diffs = []
        if loc.scheme != want["scheme"]:
            diffs.append(f"scheme {loc.scheme!r}, expected {want['scheme']!r}")
        if "host" in want and loc.hostname != want["host"]:
            diffs.append(f"host {loc.hostname!r}, expected {want['host']!r}")
        if "port" in want:
            if port != want["port"]:
                diffs.append(f"port {port!r}, expected {want['port']!r}")
        elif port not in ("", "80" if want["scheme"] == "http" else "443"):
            diffs.append(f"port {port!r}, expected the scheme's default")
        if loc.path != want["path"]:
            diffs.append(f"path {loc.path!r}, expected {want['path']!r}")
        v.check("redirectRequest", f"Location {d.location!r}: " + "; ".join(diffs) if diffs else None)

    def _check_weights(self, v: RequestVerdict, entry: Mapping[str, Any], d: Decision) -> None:
        if "weights" not in entry:
            return
        got = {b.name: b.weight for b in d.backends}
        want = dict(entry["weights"])
        v.check("weights", None if got == want else f"{got}, expected {want}")

    def _check_mirrors(self, v: RequestVerdict, entry: Mapping[str, Any], d: Decision) -> None:
        for m in entry.get("mirroredTo") or []:
            found = [x for x in d.mirrors if x.backend.name == m["backend"] and x.backend.namespace == m["namespace"]]
            what = f"mirroredTo {m['namespace']}/{m['backend']}"
            if not found:
                v.check(what, f"not mirrored (mirrors: {[f'{x.backend.namespace}/{x.backend.name}' for x in d.mirrors]})")
                continue
            want = float(m.get("percent", 100))
            v.check(what, None if abs(found[0].percent - want) < 1e-6 else f"{found[0].percent}%, expected {want}%")

    def _check_policy(self, v: RequestVerdict, policy: Mapping[str, Any], d: Decision) -> None:
        if "retry" in policy:
            want = policy["retry"]
            got = d.retry or {}
            diffs = []
            if "codes" in want and sorted(got.get("codes", [])) != sorted(want["codes"]):
                diffs.append(f"codes {got.get('codes')}, expected {want['codes']}")
            if "attempts" in want and got.get("attempts") != want["attempts"]:
                diffs.append(f"attempts {got.get('attempts')}, expected {want['attempts']}")
            v.check("policy.retry", "; ".join(diffs) or None)
        if "timeouts" in policy:
            got = d.timeouts or {}
            for f, key in (("request", "requestMs"), ("backendRequest", "backendRequestMs")):
                if f in policy["timeouts"]:
                    want_ms = parse_duration_ms(policy["timeouts"][f])
                    v.check(
                        f"policy.timeouts.{f}",
                        None if got.get(key) == want_ms else f"{got.get(key)} ms, expected {want_ms} ms",
                    )
