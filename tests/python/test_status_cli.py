"""Computed status through Python and the CLI: ``Engine.status``,
``object_status``, ``supported_features``, ``gwapi status`` and ``gwapi
describe`` on the seed example (examples/seed: Gateway cilium-ingress/gateway
with a pool address, route default/http to Service httpbin)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

import gwapi
from conftest import REPO, RunCli

SEED = sorted(str(p) for p in (REPO / "examples" / "seed").glob("*.yaml"))
CILIUM = ("--controller", "io.cilium/gateway-controller")
Write = Callable[[str, "str | bytes"], Path]

MISSING_BACKEND_ROUTE = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: broken
  namespace: default
spec:
  parentRefs:
  - name: gateway
    namespace: cilium-ingress
  hostnames:
  - broken.example.com
  rules:
  - backendRefs:
    - name: nowhere
      port: 8000
"""


def conditions(status: dict[str, Any]) -> dict[str, str]:
    return {c["type"]: c["status"] for c in status.get("conditions", [])}


def seed_engine(**kw: Any) -> gwapi.Engine:
    engine = gwapi.Engine("io.cilium/gateway-controller", **kw)
    for f in SEED:
        engine.apply(Path(f).read_bytes())
    return engine


def by_kind(statuses: list[dict[str, Any]], kind: str, ref: str) -> dict[str, Any]:
    ns, _, name = ref.rpartition("/")
    return next(s["status"] for s in statuses if (s["kind"], s["namespace"], s["name"]) == (kind, ns, name))


# -- the binding -----------------------------------------------------------------


def test_engine_status_of_the_seed() -> None:
    with seed_engine() as engine:
        statuses = {(s.kind, s.ref): s for s in engine.status()}
    gw = statuses[("Gateway", "cilium-ingress/gateway")]
    assert isinstance(gw, gwapi.ObjectStatus)
    assert conditions(gw.status)["Accepted"] == "True"
    assert conditions(gw.status)["Programmed"] == "True"
    assert {"type": "IPAddress", "value": "172.17.0.64"} in gw.status["addresses"]
    (parent,) = statuses[("HTTPRoute", "default/http")].status["parents"]
    assert conditions(parent) == {"Accepted": "True", "ResolvedRefs": "True"}
    assert parent["controllerName"] == "io.cilium/gateway-controller"


def test_object_status_and_not_found() -> None:
    with seed_engine() as engine:
        gw = engine.object_status("gateway.networking.k8s.io", "Gateway", "cilium-ingress", "gateway")
        assert conditions(gw)["Programmed"] == "True"
        with pytest.raises(gwapi.NotFoundError):
            engine.object_status("gateway.networking.k8s.io", "Gateway", "cilium-ingress", "nope")


def test_fixed_time_makes_status_reproducible_in_any_order() -> None:
    with seed_engine(fixed_time_unix=1767225600) as a, gwapi.Engine(
            "io.cilium/gateway-controller", fixed_time_unix=1767225600) as b:
        for f in reversed(SEED):
            b.apply(Path(f).read_bytes())
        assert a.status_json() == b.status_json()
        assert "2026-01-01T00:00:00Z" in a.status_json()


def test_fixed_time_rejects_bad_values() -> None:
    with pytest.raises(ValueError):
        gwapi.Engine(fixed_time_unix=-1)
    with pytest.raises(TypeError):
        gwapi.Engine(fixed_time_unix="now")  # type: ignore[arg-type]


def test_supported_features_is_a_sorted_tuple() -> None:
    features = gwapi.supported_features()
    assert isinstance(features, tuple) and features == tuple(sorted(features))
    assert {"Gateway", "HTTPRoute"} <= set(features)


# -- gwapi status ------------------------------------------------------------------


def test_status_tables_for_the_seed(cli: RunCli) -> None:
    proc = cli("status", *CILIUM, *SEED)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    gw_header = next(ln for ln in lines if ln.startswith("NAMESPACE") and "ATTACHED ROUTES" in ln)
    assert gw_header.split() == [
        "NAMESPACE", "NAME", "CLASS", "ADDRESS", "PROGRAMMED", "ACCEPTED", "LISTENERS", "ATTACHED", "ROUTES"]
    gw_row = next(ln.split() for ln in lines if ln.startswith("cilium-ingress "))
    assert gw_row == ["cilium-ingress", "gateway", "cilium", "172.17.0.64", "True", "True", "1", "1"]
    route_header = next(ln for ln in lines if "RESOLVEDREFS" in ln)
    assert route_header.split() == [
        "NAMESPACE", "NAME", "KIND", "HOSTNAMES", "PARENT", "ACCEPTED", "RESOLVEDREFS"]
    route_row = next(ln.split() for ln in lines if ln.startswith("default "))
    assert route_row == [
        "default", "http", "HTTPRoute", "httpbin.example.com", "cilium-ingress/gateway", "True", "True"]
    assert "=False" not in proc.stdout


def test_status_lists_false_conditions_beneath(cli: RunCli, write: Write) -> None:
    broken = write("broken.yaml", MISSING_BACKEND_ROUTE)
    proc = cli("status", *CILIUM, *SEED, broken)
    assert proc.returncode == 0, proc.stderr
    row = next(ln.split() for ln in proc.stdout.splitlines() if ln.startswith("default ") and " broken " in ln)
    assert row[-1] == "False"
    (note,) = [ln for ln in proc.stdout.splitlines() if "HTTPRoute default/broken" in ln and "=False" in ln]
    assert "ResolvedRefs=False (BackendNotFound)" in note
    assert "nowhere" in note  # the message names the missing Service


@pytest.mark.parametrize("output", ["json", "yaml"])
def test_status_stanzas_as_json_and_yaml(cli: RunCli, output: str) -> None:
    proc = cli("status", *CILIUM, "--output", output, *SEED)
    assert proc.returncode == 0, proc.stderr
    docs = json.loads(proc.stdout) if output == "json" else yaml.safe_load(proc.stdout)
    assert all(set(d) == {"apiVersion", "kind", "namespace", "name", "status"} for d in docs)
    gw = by_kind(docs, "Gateway", "cilium-ingress/gateway")
    assert conditions(gw)["Programmed"] == "True"
    assert any(a["value"] == "172.17.0.64" for a in gw["addresses"])
    (parent,) = by_kind(docs, "HTTPRoute", "default/http")["parents"]
    assert conditions(parent) == {"Accepted": "True", "ResolvedRefs": "True"}


def test_status_default_controller_is_not_cilium(cli: RunCli) -> None:
    proc = cli("status", *SEED)
    assert proc.returncode == 0, proc.stderr
    assert "172.17.0.64" not in proc.stdout


# -- gwapi describe ----------------------------------------------------------------


def test_describe_gateway(cli: RunCli) -> None:
    proc = cli("describe", "gateway", "cilium-ingress/gateway", *CILIUM, *SEED)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("Name:")
    assert "Namespace:   cilium-ingress" in out
    assert "Kind:        Gateway" in out
    assert "172.17.0.64" in out
    rows = {ln.split()[0]: ln.split()[1] for ln in out.splitlines() if ln.startswith("    ") and len(ln.split()) > 1}
    assert rows.get("Accepted") == "True" and rows.get("Programmed") == "True"


def test_describe_route_by_plural_kind(cli: RunCli) -> None:
    proc = cli("describe", "HTTPRoutes", "default/http", *CILIUM, *SEED)
    assert proc.returncode == 0, proc.stderr
    assert "Parent cilium-ingress/gateway (io.cilium/gateway-controller):" in proc.stdout
    assert "httpbin:8000" in proc.stdout


def test_describe_json_is_the_status_stanza(cli: RunCli) -> None:
    proc = cli("describe", "httproute", "default/http", *CILIUM, "-o", "json", *SEED)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert (doc["kind"], doc["namespace"], doc["name"]) == ("HTTPRoute", "default", "http")
    assert conditions(doc["status"]["parents"][0]) == {"Accepted": "True", "ResolvedRefs": "True"}


def test_describe_missing_object(cli: RunCli) -> None:
    proc = cli("describe", "gateway", "cilium-ingress/nope", *CILIUM, *SEED)
    assert proc.returncode == 1
    assert "gateway cilium-ingress/nope not found" in proc.stderr
    assert "Traceback" not in proc.stderr
