"""The C ABI through the typed binding: apply, outcomes, field errors,
delete, list, get, decode errors, limits and engine lifetime.

Assertions look at fields and constraint names, never at message text,
which may be reworded.
"""

from __future__ import annotations

import gc
import json
import re
import threading
import weakref
from types import SimpleNamespace

import pytest

import gwapi

GW = "gateway.networking.k8s.io"


def outcomes(results: list[gwapi.ObjectResult]) -> list[tuple[str, str, str]]:
    return [(r.outcome, r.kind, r.ref) for r in results]


# -- version ---------------------------------------------------------------


def test_version_and_abi() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", gwapi.version())
    assert gwapi.abi_version() == gwapi.EXPECTED_ABI == 1
    assert gwapi.LIBRARY_PATH.exists()


def test_status_names_match_enum() -> None:
    for s in gwapi.Status:
        assert gwapi.status_name(s) == s.name
    assert gwapi.status_name(99) == "UNKNOWN_STATUS"


# -- apply: formats ----------------------------------------------------------


def test_apply_yaml_documents(engine: gwapi.Engine, docs: SimpleNamespace) -> None:
    results = engine.apply(docs.join(docs.gateway_class, docs.gateway, docs.route))
    assert outcomes(results) == [
        ("accepted", "GatewayClass", "gwapi"),
        ("accepted", "Gateway", "default/gw"),
        ("accepted", "HTTPRoute", "default/http"),
    ]
    for r in results:
        assert r.generation == 1
        assert r.errors == ()
        assert r.note == ""
        assert r.source  # where in the input
    assert results[0].namespace == ""  # cluster-scoped
    assert results[2].api_version == f"{GW}/v1"
    assert results[2].group == GW
    assert results[2].key == (GW, "HTTPRoute", "default", "http")


def test_apply_sources_differ_per_document(engine: gwapi.Engine, docs: SimpleNamespace) -> None:
    results = engine.apply(docs.join(docs.gateway, docs.route))
    assert results[0].source != results[1].source


def test_apply_accepts_bytes_str_and_bytearray(docs: SimpleNamespace) -> None:
    for data in (docs.route, docs.route.encode(), bytearray(docs.route.encode()),
                 memoryview(docs.route.encode())):
        with gwapi.Engine() as e:
            assert outcomes(e.apply(data)) == [("accepted", "HTTPRoute", "default/http")]


def test_apply_rejects_other_types(engine: gwapi.Engine) -> None:
    with pytest.raises(TypeError):
        engine.apply(42)  # type: ignore[arg-type]


def test_apply_json_object(engine: gwapi.Engine) -> None:
    obj = {
        "apiVersion": f"{GW}/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "j", "namespace": "default"},
        "spec": {"parentRefs": [{"name": "gw"}]},
    }
    assert outcomes(engine.apply(json.dumps(obj))) == [("accepted", "HTTPRoute", "default/j")]


def test_apply_json_array(engine: gwapi.Engine) -> None:
    objs = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}},
        {"apiVersion": f"{GW}/v1", "kind": "HTTPRoute",
         "metadata": {"name": "r", "namespace": "team-a"}, "spec": {}},
    ]
    assert outcomes(engine.apply(json.dumps(objs))) == [
        ("accepted", "Namespace", "team-a"),
        ("accepted", "HTTPRoute", "team-a/r"),
    ]


def test_apply_list_kind(engine: gwapi.Engine) -> None:
    lst = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {"apiVersion": f"{GW}/v1", "kind": "HTTPRoute",
             "metadata": {"name": f"r{i}", "namespace": "default"}, "spec": {}}
            for i in range(3)
        ],
    }
    results = engine.apply(json.dumps(lst))
    assert [r.name for r in results] == ["r0", "r1", "r2"]
    assert {r.outcome for r in results} == {"accepted"}
    assert len({r.source for r in results}) == 3


def test_apply_yaml_list_kind(engine: gwapi.Engine, docs: SimpleNamespace) -> None:
    indented = "".join("  " + line + "\n" for line in docs.route.splitlines())
    data = "apiVersion: v1\nkind: List\nitems:\n-" + indented[1:]
    assert outcomes(engine.apply(data)) == [("accepted", "HTTPRoute", "default/http")]


def test_apply_empty_input_is_no_objects(engine: gwapi.Engine) -> None:
    assert engine.apply("") == []
    assert engine.apply(b"---\n") == []


# -- apply: outcomes -----------------------------------------------------------


def test_same_object_again_is_unchanged(engine: gwapi.Engine, docs: SimpleNamespace) -> None:
    engine.apply(docs.route)
    (r,) = engine.apply(docs.route)
    assert r.outcome == "unchanged"
    assert r.generation == 1


def test_spec_change_is_accepted_with_next_generation(engine: gwapi.Engine,
                                                       docs: SimpleNamespace) -> None:
    engine.apply(docs.route)
    (r,) = engine.apply(docs.route.replace("port: 8000", "port: 8001"))
    assert (r.outcome, r.generation) == ("accepted", 2)


def test_unmodelled_kind_is_ignored_with_note(engine: gwapi.Engine, docs: SimpleNamespace) -> None:
    (r,) = engine.apply(docs.deployment)
    assert (r.outcome, r.kind, r.ref) == ("ignored", "Deployment", "default/web")
    assert r.note
    assert r.errors == ()
    assert engine.list("all") == []


def test_rejected_object_lists_field_errors(engine: gwapi.Engine, docs: SimpleNamespace) -> None:
    (r,) = engine.apply(docs.route_bad_enum)
    assert (r.outcome, r.kind, r.ref) == ("rejected", "HTTPRoute", "default/bad")
    fields = {(e.field, e.constraint) for e in r.errors}
    assert ("spec.rules[0].matches[0].path.type",
            "spec.rules[].matches[].path.type#enum") in fields
    (e,) = [e for e in r.errors if e.field == "spec.rules[0].matches[0].path.type"]
    assert e.type == "Unsupported value"
    assert json.loads(e.value) == "Prefix"
    assert e.detail
    assert e.text.startswith(e.field + ": ")  # the API server's one-line form


def test_rejected_by_cel_rule(engine: gwapi.Engine, docs: SimpleNamespace) -> None:
    (r,) = engine.apply(docs.route_bad_path)
    assert r.outcome == "rejected"
    assert r.errors
    assert any(
        e.field.startswith("spec.rules[0].matches[0].path")
        and e.constraint.startswith("spec.rules[].matches[].path")
        and "#x-kubernetes-validations[" in e.constraint
        for e in r.errors
    ), r.errors


def test_rejected_hostname_pattern(engine: gwapi.Engine, docs: SimpleNamespace) -> None:
    (r,) = engine.apply(docs.route.replace("httpbin.example.com", "Httpbin.example.com"))
    assert r.outcome == "rejected"
    assert [(e.field, e.constraint) for e in r.errors] == [
        ("spec.hostnames[0]", "spec.hostnames[]#pattern")
    ]


def test_each_object_is_judged_on_its_own(engine: gwapi.Engine, docs: SimpleNamespace) -> None:
    results = engine.apply(docs.join(docs.route, docs.route_bad_enum, docs.deployment))
    assert [r.outcome for r in results] == ["accepted", "rejected", "ignored"]
    assert [r.name for r in engine.list("stored")] == ["http"]


def test_rejected_update_keeps_stored_version(engine: gwapi.Engine, docs: SimpleNamespace) -> None:
    engine.apply(docs.route)
    (r,) = engine.apply(docs.route.replace("httpbin.example.com", "Bad_Host"))
    assert r.outcome == "rejected"
    stored = engine.get(GW, "HTTPRoute", "default", "http")
    assert stored["spec"]["hostnames"] == ["httpbin.example.com"]
    assert stored["metadata"]["generation"] == 1
    (rej,) = engine.list("rejected")
    assert (rej.outcome, rej.name) == ("rejected", "http")
    assert rej.errors and rej.errors[0].field == "spec.hostnames[0]"


# -- delete / list / get ---------------------------------------------------------


def test_delete_then_not_found(engine: gwapi.Engine, docs: SimpleNamespace) -> None:
    engine.apply(docs.join(docs.gateway_class, docs.route))
    engine.delete(GW, "HTTPRoute", "default", "http")
    engine.delete(GW, "GatewayClass", None, "gwapi")  # cluster-scoped: None or ""
    assert engine.list("all") == []
    with pytest.raises(gwapi.NotFoundError) as info:
        engine.delete(GW, "HTTPRoute", "default", "http")
    err = info.value
    assert err.code == gwapi.Status.NOT_FOUND
    assert isinstance(err, gwapi.GwapiError) and isinstance(err, LookupError)
    assert err.message


def test_delete_removes_recorded_rejection(engine: gwapi.Engine, docs: SimpleNamespace) -> None:
    engine.apply(docs.route_bad_enum)
    assert [r.name for r in engine.list("rejected")] == ["bad"]
    engine.delete(GW, "HTTPRoute", "default", "bad")
    assert engine.list("all") == []
    with pytest.raises(gwapi.NotFoundError):
        engine.delete(GW, "HTTPRoute", "default", "bad")


def test_list_filters_and_order(engine: gwapi.Engine, docs: SimpleNamespace) -> None:
    engine.apply(docs.join(docs.route, docs.gateway, docs.service, docs.gateway_class,
                           docs.route_bad_enum))
    stored = engine.list("stored")
    assert engine.list() == stored
    keys = [r.key for r in stored]
    assert keys == sorted(keys)  # group, kind, namespace, name
    assert keys == [
        ("", "Service", "default", "httpbin"),
        (GW, "Gateway", "default", "gw"),
        (GW, "GatewayClass", "", "gwapi"),
        (GW, "HTTPRoute", "default", "http"),
    ]
    assert {r.outcome for r in stored} == {"accepted"}
    assert all(r.source == "" for r in stored)  # listings have no input position
    rejected = engine.list("rejected")
    assert [(r.outcome, r.name) for r in rejected] == [("rejected", "bad")]
    assert rejected[0].errors
    everything = engine.list("all")
    assert sorted(everything, key=lambda r: (r.key, r.outcome)) == sorted(
        stored + rejected, key=lambda r: (r.key, r.outcome))
    with pytest.raises(ValueError):
        engine.list("accepted")  # type: ignore[arg-type]


def test_get_applies_crd_defaults(engine: gwapi.Engine, docs: SimpleNamespace) -> None:
    engine.apply(docs.route)
    obj = engine.get(GW, "HTTPRoute", "default", "http")
    assert obj["kind"] == "HTTPRoute"
    assert obj["metadata"]["name"] == "http"
    assert obj["metadata"]["generation"] == 1
    parent = obj["spec"]["parentRefs"][0]
    assert (parent["group"], parent["kind"]) == (GW, "Gateway")
    rule = obj["spec"]["rules"][0]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    backend = rule["backendRefs"][0]
    assert (backend["group"], backend["kind"], backend["weight"]) == ("", "Service", 1)
    assert json.loads(engine.get_json(GW, "HTTPRoute", "default", "http")) == obj


def test_get_drops_status(engine: gwapi.Engine, docs: SimpleNamespace) -> None:
    engine.apply(docs.route + "status:\n  parents: []\n")
    assert "status" not in engine.get(GW, "HTTPRoute", "default", "http")


def test_get_missing_and_rejected_are_not_found(engine: gwapi.Engine,
                                                docs: SimpleNamespace) -> None:
    engine.apply(docs.route_bad_enum)
    for name in ("bad", "nothing"):
        with pytest.raises(gwapi.NotFoundError):
            engine.get(GW, "HTTPRoute", "default", name)


def test_keys_are_length_delimited(engine: gwapi.Engine, docs: SimpleNamespace) -> None:
    engine.apply(docs.route)
    with pytest.raises(gwapi.NotFoundError):
        engine.get(GW, "HTTPRoute", "default", "http\0trailing")


# -- decode errors and limits --------------------------------------------------------


def test_malformed_yaml_fails_with_location_and_stores_nothing(
        engine: gwapi.Engine, docs: SimpleNamespace) -> None:
    with pytest.raises(gwapi.InvalidArgumentError) as info:
        engine.apply(docs.join(docs.route, docs.malformed_yaml))
    err = info.value
    assert err.code == gwapi.Status.INVALID_ARGUMENT
    assert isinstance(err, ValueError)
    assert err.message
    assert err.location  # e.g. "document 2, line 5, column ..."
    assert err.location in str(err)
    assert engine.list("all") == []


def test_malformed_json_fails_with_location(engine: gwapi.Engine) -> None:
    with pytest.raises(gwapi.InvalidArgumentError) as info:
        engine.apply('{"apiVersion": "v1", "kind": ')
    assert info.value.location


def test_max_input_bytes(docs: SimpleNamespace) -> None:
    with gwapi.Engine(max_input_bytes=64) as e:
        with pytest.raises(gwapi.InvalidArgumentError):
            e.apply(docs.route)
        assert e.list("all") == []


def test_max_objects(docs: SimpleNamespace) -> None:
    with gwapi.Engine(max_objects=1) as e:
        e.apply(docs.route)
        with pytest.raises(gwapi.InvalidArgumentError):
            e.apply(docs.join(docs.gateway, docs.route))


def test_max_depth() -> None:
    deep = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "d", ' \
           '"namespace": "default"}, "data": {"k": ' + "[" * 40 + "]" * 40 + "}}"
    with gwapi.Engine(max_depth=16) as e:
        with pytest.raises(gwapi.InvalidArgumentError):
            e.apply(deep)


def test_max_string_bytes() -> None:
    doc = ('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\n  namespace: default\n'
           f'data:\n  k: "{"x" * 4096}"\n')
    with gwapi.Engine(max_string_bytes=1024) as e:
        with pytest.raises(gwapi.InvalidArgumentError):
            e.apply(doc)


def test_max_alias_nodes() -> None:
    doc = ('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: default\n'
           'x: &a [1, 2, 3, 4, 5, 6, 7, 8]\ny: [*a, *a, *a, *a, *a, *a, *a, *a]\n')
    with gwapi.Engine(max_alias_nodes=10) as e:
        with pytest.raises(gwapi.InvalidArgumentError):
            e.apply(doc)


@pytest.mark.parametrize("kwargs", [
    {"max_depth": -1}, {"max_input_bytes": 0}, {"max_depth": 1 << 32},
    {"controller_name": ""}, {"controller_name": "a\0b"},
])
def test_bad_options_raise_before_reaching_c(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        gwapi.Engine(**kwargs)  # type: ignore[arg-type]


def test_controller_name_option(docs: SimpleNamespace) -> None:
    with gwapi.Engine("example.com/gateway-controller") as e:
        assert e.apply(docs.gateway_class)[0].outcome == "accepted"


# -- lifetime ---------------------------------------------------------------------


def test_use_after_close_raises(docs: SimpleNamespace) -> None:
    e = gwapi.Engine()
    e.close()
    e.close()  # idempotent
    assert e.closed
    for call in (lambda: e.apply(docs.route), lambda: e.list(),
                 lambda: e.get(GW, "HTTPRoute", "default", "http"),
                 lambda: e.delete(GW, "HTTPRoute", "default", "http")):
        with pytest.raises(gwapi.EngineClosedError):
            call()
    with pytest.raises(ValueError):  # as for a closed file
        e.list()
    with pytest.raises(gwapi.EngineClosedError):
        with e:
            pass


def test_context_manager_closes(docs: SimpleNamespace) -> None:
    with gwapi.Engine() as e:
        e.apply(docs.route)
    assert e.closed
    with pytest.raises(gwapi.GwapiError):
        e.apply(docs.route)


def test_collected_engine_is_freed() -> None:
    e = gwapi.Engine()
    finalizer = e._finalizer
    assert finalizer.alive
    ref = weakref.ref(e)
    del e
    gc.collect()
    assert ref() is None
    assert not finalizer.alive


def test_results_outlive_their_engine(docs: SimpleNamespace) -> None:
    e = gwapi.Engine()
    results = e.apply(docs.join(docs.route, docs.route_bad_enum, docs.deployment))
    listed = e.list("all")
    del e
    gc.collect()
    # Results are copies: reading them after the engine is gone is safe.
    assert [r.outcome for r in results] == ["accepted", "rejected", "ignored"]
    assert results[1].errors[0].field.startswith("spec.")
    assert results[1].errors[0].constraint
    assert [r.name for r in listed] == ["bad", "http"]


def test_results_are_frozen(engine: gwapi.Engine, docs: SimpleNamespace) -> None:
    (r,) = engine.apply(docs.route_bad_enum)
    with pytest.raises(AttributeError):
        r.outcome = "accepted"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        r.errors[0].field = "x"  # type: ignore[misc]
    assert hash(r) == hash(r)
    assert r.to_dict()["errors"][0]["constraint"] == r.errors[0].constraint


def test_concurrent_calls_on_one_engine_are_serialised(docs: SimpleNamespace) -> None:
    failures: list[BaseException] = []
    with gwapi.Engine() as e:
        def work(i: int) -> None:
            try:
                for j in range(20):
                    e.apply(docs.route.replace("name: http", f"name: r{i}-{j}"))
                    e.list("all")
            except BaseException as exc:  # noqa: BLE001 - reported below
                failures.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        assert len(e.list()) == 80
