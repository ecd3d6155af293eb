"""Routing snapshots through the Python binding and ``gwapi match``: the seed
scenario's requests, the protobuf round trip, lifetimes, and filters."""

from __future__ import annotations

import dataclasses
import json
import threading
from pathlib import Path

import pytest

import gwapi
from conftest import REPO, RunCli

SEED = sorted(str(p) for p in (REPO / "examples" / "seed").glob("*.yaml"))
CILIUM = "io.cilium/gateway-controller"
GW = "cilium-ingress/gateway"


def seed_engine() -> gwapi.Engine:
    engine = gwapi.Engine(CILIUM)
    for path in SEED:
        for r in engine.apply(Path(path).read_bytes()):
            assert r.outcome != "rejected", r
    return engine


def test_seed_get_is_forwarded_to_httpbin() -> None:
    with seed_engine() as engine, engine.snapshot() as snap:
        d = snap.match(gateway=GW, port=80, host="httpbin.example.com", path="/get")
    assert d.forwarded and d.status == 0
    assert (d.route_kind, d.route, d.rule, d.listener) == ("HTTPRoute", "default/http", 0, "http")
    assert d.backend == gwapi.BackendChoice(
        "Service", "default", "httpbin", 8000, 1, True, "http", cluster_ips=("10.96.120.15",)
    )
    assert d.request is not None and (d.request.host, d.request.path) == ("httpbin.example.com", "/get")


@pytest.mark.parametrize(
    "host,path",
    [("httpbin.example.com", "/post"), ("other.example.com", "/get"), ("example.com", "/get")],
)
def test_seed_requests_no_route_answer_404(host: str, path: str) -> None:
    with seed_engine() as engine, engine.snapshot() as snap:
        d = snap.match(gateway=GW, port=80, host=host, path=path)
    assert d.status == 404 and d.route is None and d.backend is None


def test_host_any_case_and_port_suffix_match_the_same_route() -> None:
    with seed_engine() as engine, engine.snapshot() as snap:
        for host in ("HTTPBIN.Example.COM", "httpbin.example.com:80", "httpbin.example.com:8080"):
            assert snap.match(gateway=GW, host=host, path="/get").route == "default/http", host


def test_other_port_and_unknown_gateway_answer_404() -> None:
    with seed_engine() as engine, engine.snapshot() as snap:
        assert snap.gateway_index("cilium-ingress/nope") == -1
        assert snap.match(gateway=GW, port=8080, host="httpbin.example.com", path="/get").status == 404
        assert snap.match(gateway="x/y", host="httpbin.example.com", path="/get").status == 404


def test_serialized_snapshot_loads_and_decides_the_same() -> None:
    with seed_engine() as engine, engine.snapshot() as snap:
        data = snap.serialize()
        asked = [("httpbin.example.com", "/get"), ("httpbin.example.com", "/post"), ("a.example.com", "/")]
        before = [snap.match(gateway=GW, host=h, path=p) for h, p in asked]
    with gwapi.Snapshot.load(data) as loaded:
        assert [loaded.match(gateway=GW, host=h, path=p) for h, p in asked] == before
        assert loaded.serialize() == data


def test_load_rejects_bytes_that_are_not_a_snapshot() -> None:
    with pytest.raises(gwapi.InvalidArgumentError):
        gwapi.Snapshot.load(b"\xff\xff\xff\xff not a protobuf")


def test_snapshot_outlives_its_engine() -> None:
    engine = seed_engine()
    snap = engine.snapshot()
    engine.close()
    assert snap.match(gateway=GW, host="httpbin.example.com", path="/get").forwarded
    snap.close()
    with pytest.raises(gwapi.FailedPreconditionError):
        snap.match(gateway=GW, host="httpbin.example.com", path="/get")


def test_snapshot_is_immutable_while_the_engine_changes() -> None:
    with seed_engine() as engine:
        old = engine.snapshot()
        engine.delete("gateway.networking.k8s.io", "HTTPRoute", "default", "http")
        with engine.snapshot() as new:
            assert new.match(gateway=GW, host="httpbin.example.com", path="/get").status == 404
        assert old.match(gateway=GW, host="httpbin.example.com", path="/get").forwarded
        old.close()


def test_many_threads_match_one_snapshot() -> None:
    with seed_engine() as engine, engine.snapshot() as snap:
        errors: list[str] = []

        def work() -> None:
            for i in range(200):
                d = snap.match(gateway=GW, host="httpbin.example.com", path="/get" if i % 2 else "/x")
                if d.forwarded != bool(i % 2):
                    errors.append(f"request {i}: {d}")

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []


FILTERS = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: filters
  namespace: default
spec:
  parentRefs:
  - name: gateway
    namespace: cilium-ingress
  hostnames: ["filters.example.com"]
  rules:
  - matches:
    - path: {type: PathPrefix, value: /old}
    filters:
    - type: URLRewrite
      urlRewrite:
        hostname: new.example.com
        path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: X-Set, value: "1"}]
        add: [{name: X-Add, value: "2"}]
        remove: [X-Remove]
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        set: [{name: X-Resp, value: "3"}]
    backendRefs:
    - name: httpbin
      port: 8000
  - matches:
    - path: {type: Exact, value: /redirect}
    filters:
    - type: RequestRedirect
      requestRedirect: {scheme: https, statusCode: 301}
  - matches:
    - path: {type: Exact, value: /missing}
    backendRefs:
    - name: does-not-exist
      port: 80
"""


def filters_snapshot() -> gwapi.Snapshot:
    with seed_engine() as engine:
        results = engine.apply(FILTERS)
        assert [r.outcome for r in results] == ["accepted"], results
        return engine.snapshot()


def test_rewrite_and_header_filters_shape_the_forwarded_request() -> None:
    with filters_snapshot() as snap:
        d = snap.match(
            gateway=GW, host="filters.example.com", path="/old/x?q=1",
            headers=[("X-Set", "0"), ("x-remove", "gone"), ("Keep", "k")],
        )
    assert d.forwarded and d.rule == 0
    assert d.request is not None
    assert (d.request.host, d.request.path) == ("new.example.com", "/new/x?q=1")
    assert d.request.header("x-set") == "1" and d.request.header("X-Add") == "2"
    assert d.request.header("X-Remove") is None and d.request.header("keep") == "k"
    assert d.response({"Server": "echo"}) == {"server": "echo", "x-resp": "3"}


def test_redirect_answers_with_location() -> None:
    with filters_snapshot() as snap:
        d = snap.match(gateway=GW, host="filters.example.com", path="/redirect")
    assert d.status == 301 and not d.forwarded
    assert d.location == "https://filters.example.com/redirect"


def test_rule_whose_backend_is_missing_answers_500() -> None:
    with filters_snapshot() as snap:
        d = snap.match(gateway=GW, host="filters.example.com", path="/missing")
    assert d.status == 500 and d.route == "default/filters" and d.rule == 2


def ca_config_map(namespace: str, name: str) -> str:
    """A ConfigMap holding a PEM ca.crt, as a YAML document and separator."""
    return f"""\
apiVersion: v1
kind: ConfigMap
metadata: {{name: {name}, namespace: {namespace}}}
data:
  ca.crt: |
    -----BEGIN CERTIFICATE-----
    MIIBfake
    -----END CERTIFICATE-----
---
"""


BACKEND_TLS = ca_config_map("default", "httpbin-ca") + """\
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: httpbin-tls, namespace: default}
spec:
  targetRefs: [{group: "", kind: Service, name: httpbin}]
  validation:
    caCertificateRefs: [{group: "", kind: ConfigMap, name: httpbin-ca}]
    hostname: httpbin.internal
    subjectAltNames: [{type: URI, uri: "spiffe://td/ns/default/sa/httpbin"}]
"""


def test_backend_tls_policy_names_its_certificates_in_the_decision() -> None:
    with seed_engine() as engine:
        assert [r.outcome for r in engine.apply(BACKEND_TLS)] == ["accepted", "accepted"]
        with engine.snapshot() as snap:
            d = snap.match(gateway=GW, host="httpbin.example.com", path="/get")
    assert d.forwarded and d.backend is not None
    assert d.backend.tls == gwapi.BackendTls(
        sni="httpbin.internal",
        ca_certificates=("ConfigMap default/httpbin-ca",),
        system_ca=False,
        subject_alt_names=(("URI", "spiffe://td/ns/default/sa/httpbin"),),
        client_certificate=None,
    )
    assert d.backend.tls_sni == "httpbin.internal"
    assert d.certificates == ()  # the seed's listener is plain HTTP


CERT = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJmYWtlCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K"
KEY = "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUJmYWtlCi0tLS0tRU5EIFBSSVZBVEUgS0VZLS0tLS0K"

HTTPS_GATEWAY = f"""\
apiVersion: v1
kind: Secret
metadata: {{name: cert, namespace: cilium-ingress}}
type: kubernetes.io/tls
data: {{tls.crt: {CERT}, tls.key: {KEY}}}
---
{ca_config_map("cilium-ingress", "client-ca")}\
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: gateway, namespace: cilium-ingress}}
spec:
  gatewayClassName: cilium
  tls:
    backend:
      clientCertificateRef: {{name: cert}}
    frontend:
      default:
        validation:
          caCertificateRefs: [{{group: "", kind: ConfigMap, name: client-ca}}]
          mode: AllowInsecureFallback
  listeners:
  - name: https
    protocol: HTTPS
    port: 443
    hostname: "*.example.com"
    tls: {{certificateRefs: [{{name: cert}}]}}
    allowedRoutes: {{namespaces: {{from: All}}}}
"""


def test_https_listener_and_gateway_client_certificate_in_the_decision() -> None:
    with seed_engine() as engine:
        results = engine.apply(HTTPS_GATEWAY + "---\n" + BACKEND_TLS)
        assert all(r.outcome == "accepted" for r in results), results
        with engine.snapshot() as snap:
            d = snap.match(
                gateway=GW, port=443, protocol="HTTPS", sni="httpbin.example.com",
                host="httpbin.example.com", path="/get",
            )
    assert d.forwarded and d.backend is not None and d.backend.tls is not None
    assert d.certificates == ("Secret cilium-ingress/cert",)
    assert d.client_validation == {
        "mode": "AllowInsecureFallback",
        "caCertificates": ["ConfigMap cilium-ingress/client-ca"],
    }
    assert d.backend.tls.client_certificate == "Secret cilium-ingress/cert"


def test_match_rejects_unknown_protocol() -> None:
    with seed_engine() as engine, engine.snapshot() as snap:
        with pytest.raises(ValueError):
            snap.match(gateway=GW, protocol="SPDY")


def test_decision_is_frozen() -> None:
    with seed_engine() as engine, engine.snapshot() as snap:
        d = snap.match(gateway=GW, host="httpbin.example.com", path="/get")
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.status = 1  # type: ignore[misc]


# -- gwapi match -------------------------------------------------------------


def test_cli_match_prints_one_line_per_decision(cli: RunCli) -> None:
    def match(host: str, path: str) -> str:
        proc = cli("match", "--controller", CILIUM, "--gateway", GW, "--host", host, "--path", path, *SEED)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.count("\n") == 1
        return proc.stdout.strip()

    assert match("httpbin.example.com", "/get") == (
        "GET httpbin.example.com/get -> HTTPRoute default/http rule 0 -> default/httpbin:8000"
    )
    assert match("httpbin.example.com", "/post") == "404 GET httpbin.example.com/post: no route matches"
    assert match("other.example.com", "/get") == "404 GET other.example.com/get: no route matches"


def test_cli_match_json_output(cli: RunCli) -> None:
    proc = cli("match", "--controller", CILIUM, "--gateway", GW, "--host", "httpbin.example.com",
               "--path", "/get", "-H", "X-A: 1", "-o", "json", *SEED)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["status"] == 0 and doc["route_name"] == "http"
    assert doc["backend"]["name"] == "httpbin" and doc["request"]["headers"] == [["X-A", "1"]]


def test_cli_match_unknown_gateway_is_an_error(cli: RunCli) -> None:
    proc = cli("match", "--controller", CILIUM, "--gateway", "nope/nope", "--host", "a", *SEED)
    assert proc.returncode == 1 and "Gateway nope/nope is not programmed" in proc.stderr


def test_cli_match_bad_header_is_a_usage_error(cli: RunCli) -> None:
    proc = cli("match", "--gateway", GW, "-H", "no-colon", *SEED)
    assert proc.returncode == 2 and "not 'Name: value'" in proc.stderr


BAD_REGEX = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: regex
  namespace: default
spec:
  parentRefs:
  - name: gateway
    namespace: cilium-ingress
  hostnames: ["regex.example.com"]
  rules:
  - matches:
    - path: {type: RegularExpression, value: "/a(?=b).*"}
    backendRefs: [{name: httpbin, port: 8000}]
  - matches:
    - path: {type: PathPrefix, value: /ok}
    backendRefs: [{name: httpbin, port: 8000}]
"""


def test_regex_re2_rejects_is_a_status_and_never_matches() -> None:
    with seed_engine() as engine:
        assert [r.outcome for r in engine.apply(BAD_REGEX)] == ["accepted"]
        st = engine.object_status("gateway.networking.k8s.io", "HTTPRoute", "default", "regex")
        conditions = {c["type"]: c for c in st["parents"][0]["conditions"]}
        assert conditions["Accepted"]["status"] == "True"
        assert conditions["PartiallyInvalid"]["reason"] == "UnsupportedValue"
        with engine.snapshot() as snap:
            assert snap.match(gateway=GW, host="regex.example.com", path="/ab").status == 404
            d = snap.match(gateway=GW, host="regex.example.com", path="/ok")
            assert d.forwarded and d.rule == 1


MIRRORS = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: mirrors
  namespace: default
spec:
  parentRefs:
  - name: gateway
    namespace: cilium-ingress
  hostnames: ["mirror.example.com"]
  rules:
  - filters:
    - type: RequestMirror
      requestMirror:
        backendRef: {name: httpbin, port: 8000}
        percent: 50
    backendRefs:
    - name: httpbin
      port: 8000
      filters:
      - type: RequestMirror
        requestMirror:
          backendRef: {name: httpbin, port: 8000}
"""


def test_rule_and_backend_level_mirrors_resolve() -> None:
    with seed_engine() as engine:
        assert [r.outcome for r in engine.apply(MIRRORS)] == ["accepted"]
        with engine.snapshot() as snap:
            d = snap.match(gateway=GW, host="mirror.example.com", path="/")
    assert d.forwarded
    assert [(m.backend.name, m.backend.valid, m.percent) for m in d.mirrors] == [
        ("httpbin", True, 50.0),
        ("httpbin", True, 100.0),
    ]
    assert all(m.backend.cluster_ips == ("10.96.120.15",) for m in d.mirrors)


def test_mutated_wire_bytes_load_or_fail_cleanly(capfd: pytest.CaptureFixture[str]) -> None:
    """Any bytes given to Snapshot.load either load (and then decide
    requests) or raise InvalidArgumentError: never a crash or a hang, and
    nothing written to the process's stderr."""
    import random

    with filters_snapshot() as snap:
        data = bytearray(snap.serialize())
    rng = random.Random(7)
    loaded = 0
    for _ in range(1500):
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(b))
            b[i] = rng.randrange(256)
        if rng.random() < 0.2:
            del b[rng.randrange(len(b)):]
        try:
            s = gwapi.Snapshot.load(bytes(b))
        except gwapi.InvalidArgumentError:
            continue
        with s:
            loaded += 1
            for path in ("/old/x", "/redirect", "/missing", "/"):
                s.match(gateway=GW, host="filters.example.com", path=path)
    assert loaded > 0
    assert capfd.readouterr().err == ""
