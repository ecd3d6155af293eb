"""Human views of computed status: ``gwapi status`` tables and ``gwapi
describe`` pages.

The tables read like ``kubectl get`` / gwctl (capitalised headers, two-space
gaps) because that is what Gateway API users scan every day; every False
condition (True for the negative-polarity Conflicted, PartiallyInvalid,
OverlappingTLSConfig) is spelled out beneath its table with reason and
message, since "Accepted False" alone never tells anyone what to fix.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from gwapi import _yaml
from gwapi.results import ObjectStatus

__all__ = ["status_tables", "describe", "condition", "ROUTE_KINDS"]

ROUTE_KINDS = ("HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute")
_NONE = "<none>"

Spec = Callable[[str, str, str], "dict[str, Any] | None"]  # (kind, ns, name) -> stored object


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "") -> str:
    """A kubectl-style table: columns padded to their widest cell with a
    two-space gap, no trailing spaces."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = []
    for row in [list(headers), *rows]:
        cells = [c.ljust(w) for c, w in zip(row, widths)]
        lines.append((indent + "  ".join(cells)).rstrip())
    return "\n".join(lines) + "\n"


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def condition(conditions: Any, type_: str) -> str:
    """The status ("True", "False", "Unknown") of condition ``type_``, or
    "Unknown" when it is absent: absent is not the same as False."""
    for c in _list(conditions):
        if _dict(c).get("type") == type_:
            return str(_dict(c).get("status", "Unknown"))
    return "Unknown"


#: Conditions of negative polarity: True is the problem, False the healthy
#: state ("Conflicted=False (NoConflicts)" is not worth a line).
_NEGATIVE = frozenset({"Conflicted", "PartiallyInvalid", "OverlappingTLSConfig"})


def _false_lines(what: str, conditions: Any) -> list[str]:
    """One line per condition in its unhealthy state: False, or True for
    the negative-polarity types."""
    out = []
    for c in _list(conditions):
        c = _dict(c)
        bad = "True" if c.get("type") in _NEGATIVE else "False"
        if c.get("status") == bad:
            message = f": {c['message']}" if c.get("message") else ""
            out.append(f"  {what}: {c.get('type')}={bad} ({c.get('reason', '')}){message}")
    return out


def _ref(ns: str, name: str) -> str:
    return f"{ns}/{name}" if ns else name


def _parent_ref(p: dict[str, Any]) -> str:
    ref = _dict(p.get("parentRef"))
    text = _ref(str(ref.get("namespace", "")), str(ref.get("name", "")))
    if ref.get("kind") and ref.get("kind") != "Gateway":
        text = f"{ref['kind']}/{text}"
    if ref.get("sectionName"):
        text += f"#{ref['sectionName']}"
    if ref.get("port"):
        text += f":{ref['port']}"
    return text


# --------------------------------------------------------------------------
# gwapi status


def _gateway_class_table(items: list[ObjectStatus], spec: Spec) -> tuple[str, list[str]]:
    rows, notes = [], []
    for s in items:
        obj = spec(s.kind, s.namespace, s.name) or {}
        controller = str(_dict(obj.get("spec")).get("controllerName", ""))
        rows.append([s.name, controller, condition(s.status.get("conditions"), "Accepted")])
        notes += _false_lines(f"GatewayClass {s.name}", s.status.get("conditions"))
    return format_table(["NAME", "CONTROLLER", "ACCEPTED"], rows), notes


def _gateway_table(items: list[ObjectStatus], spec: Spec) -> tuple[str, list[str]]:
    rows, notes = [], []
    for s in items:
        obj = spec(s.kind, s.namespace, s.name) or {}
        listeners = [_dict(l) for l in _list(s.status.get("listeners"))]
        addresses = ",".join(str(_dict(a).get("value", "")) for a in _list(s.status.get("addresses")))
        conditions = s.status.get("conditions")
        rows.append([
            s.namespace,
            s.name,
            str(_dict(obj.get("spec")).get("gatewayClassName", "")),
            addresses or _NONE,
            condition(conditions, "Programmed"),
            condition(conditions, "Accepted"),
            str(len(listeners)),
            str(sum(int(l.get("attachedRoutes", 0) or 0) for l in listeners)),
        ])
        where = f"Gateway {s.ref}"
        notes += _false_lines(where, conditions)
        for l in listeners:
            notes += _false_lines(f"{where} listener {l.get('name')}", l.get("conditions"))
    headers = ["NAMESPACE", "NAME", "CLASS", "ADDRESS", "PROGRAMMED", "ACCEPTED", "LISTENERS", "ATTACHED ROUTES"]
    return format_table(headers, rows), notes


def _listener_set_table(items: list[ObjectStatus], spec: Spec) -> tuple[str, list[str]]:
    rows, notes = [], []
    for s in items:
        obj = spec(s.kind, s.namespace, s.name) or {}
        parent = _dict(_dict(obj.get("spec")).get("parentRef"))
        parent_ref = _ref(str(parent.get("namespace", s.namespace)), str(parent.get("name", "")))
        conditions = s.status.get("conditions")
        listeners = [_dict(l) for l in _list(s.status.get("listeners"))]
        rows.append([
            s.namespace, s.name, parent_ref,
            condition(conditions, "Accepted"), condition(conditions, "Programmed"), str(len(listeners)),
        ])
        notes += _false_lines(f"ListenerSet {s.ref}", conditions)
        for l in listeners:
            notes += _false_lines(f"ListenerSet {s.ref} listener {l.get('name')}", l.get("conditions"))
    headers = ["NAMESPACE", "NAME", "PARENT", "ACCEPTED", "PROGRAMMED", "LISTENERS"]
    return format_table(headers, rows), notes


def _route_table(items: list[ObjectStatus], spec: Spec) -> tuple[str, list[str]]:
    rows, notes = [], []
    for s in items:
        obj = spec(s.kind, s.namespace, s.name) or {}
        hostnames = ",".join(map(str, _list(_dict(obj.get("spec")).get("hostnames")))) or "*"
        parents = [_dict(p) for p in _list(s.status.get("parents"))]
        for p in parents or [{}]:
            conditions = p.get("conditions")
            rows.append([
                s.namespace, s.name, s.kind, hostnames,
                _parent_ref(p) if p else _NONE,
                condition(conditions, "Accepted") if p else "-",
                condition(conditions, "ResolvedRefs") if p else "-",
            ])
            if p:
                notes += _false_lines(f"{s.kind} {s.ref} parent {_parent_ref(p)}", conditions)
    headers = ["NAMESPACE", "NAME", "KIND", "HOSTNAMES", "PARENT", "ACCEPTED", "RESOLVEDREFS"]
    return format_table(headers, rows), notes


def _policy_table(items: list[ObjectStatus], spec: Spec) -> tuple[str, list[str]]:
    rows, notes = [], []
    for s in items:
        for a in [_dict(a) for a in _list(s.status.get("ancestors"))] or [{}]:
            ref = _dict(a.get("ancestorRef"))
            ancestor = _ref(str(ref.get("namespace", "")), str(ref.get("name", ""))) if a else _NONE
            conditions = a.get("conditions")
            rows.append([
                s.namespace, s.name, s.kind, ancestor,
                condition(conditions, "Accepted") if a else "-",
                condition(conditions, "ResolvedRefs") if a else "-",
            ])
            if a:
                notes += _false_lines(f"{s.kind} {s.ref} ancestor {ancestor}", conditions)
    headers = ["NAMESPACE", "NAME", "KIND", "ANCESTOR", "ACCEPTED", "RESOLVEDREFS"]
    return format_table(headers, rows), notes


def status_tables(statuses: Sequence[ObjectStatus], spec: Spec) -> str:
    """Every table that has rows, each followed by its False conditions.

    ``spec`` looks up the stored object, for the columns status does not
    carry (class, hostnames, controller).
    """
    groups: list[tuple[Callable[[ObjectStatus], bool], Any]] = [
        (lambda s: s.kind == "GatewayClass", _gateway_class_table),
        (lambda s: s.kind == "Gateway", _gateway_table),
        (lambda s: s.kind == "ListenerSet", _listener_set_table),
        (lambda s: s.kind in ROUTE_KINDS, _route_table),
        (lambda s: s.kind == "BackendTLSPolicy", _policy_table),
    ]
    blocks = []
    for select, render in groups:
        items = [s for s in statuses if select(s)]
        if not items:
            continue
        table, notes = render(items, spec)
        blocks.append(table + "".join(n + "\n" for n in notes))
    return "\n".join(blocks)


# --------------------------------------------------------------------------
# gwapi describe


def _conditions_block(conditions: Any, indent: str) -> list[str]:
    rows = [
        [
            str(_dict(c).get("type", "")),
            str(_dict(c).get("status", "")),
            str(_dict(c).get("reason", "")),
            str(_dict(c).get("observedGeneration", "")),
            str(_dict(c).get("lastTransitionTime", "")),
            str(_dict(c).get("message", "")),
        ]
        for c in _list(conditions)
    ]
    if not rows:
        return [f"{indent}{_NONE}"]
    headers = ["TYPE", "STATUS", "REASON", "OBSERVED GENERATION", "LAST TRANSITION", "MESSAGE"]
    return format_table(headers, rows, indent).rstrip("\n").split("\n")


def _map_line(label: str, m: Any) -> str:
    items = [f"{k}={v}" for k, v in sorted(_dict(m).items())]
    return f"{label:<13}{', '.join(items) or _NONE}"


def _spec_summary(kind: str, spec: dict[str, Any]) -> list[str]:
    """Tables for the parts users look at; the raw YAML otherwise."""
    if kind == "Gateway" or kind == "ListenerSet":
        lines = [f"  Gateway Class: {spec['gatewayClassName']}"] if "gatewayClassName" in spec else []
        if "parentRef" in spec:
            lines.append(f"  Parent: {_parent_ref({'parentRef': spec['parentRef']})}")
        rows = [
            [str(l.get("name", "")), str(l.get("protocol", "")), str(l.get("port", "")), str(l.get("hostname", "*"))]
            for l in map(_dict, _list(spec.get("listeners")))
        ]
        if rows:
            lines.append("  Listeners:")
            lines += format_table(["NAME", "PROTOCOL", "PORT", "HOSTNAME"], rows, "    ").rstrip("\n").split("\n")
        return lines
    if kind in ROUTE_KINDS:
        lines = ["  Parent Refs: " + (", ".join(_parent_ref({"parentRef": p}) for p in _list(spec.get("parentRefs"))) or _NONE)]
        lines.append("  Hostnames:   " + (", ".join(map(str, _list(spec.get("hostnames")))) or "*"))
        for i, rule in enumerate(map(_dict, _list(spec.get("rules")))):
            backends = ", ".join(
                f"{_dict(b).get('name')}:{_dict(b).get('port', '')}".rstrip(":")
                for b in _list(rule.get("backendRefs"))
            )
            lines.append(f"  Rule {i}:      {len(_list(rule.get('matches')))} matches -> {backends or _NONE}")
        return lines
    text = _yaml.dump(spec).rstrip("\n")
    return ["  " + ln for ln in text.split("\n")] if spec else [f"  {_NONE}"]


def _status_section(kind: str, status: dict[str, Any]) -> list[str]:
    lines = ["Status:"]
    if "addresses" in status:
        values = ", ".join(f"{_dict(a).get('value')} ({_dict(a).get('type')})" for a in _list(status["addresses"]))
        lines.append(f"  Addresses: {values or _NONE}")
    if "attachedListenerSets" in status:
        lines.append(f"  Attached Listener Sets: {status['attachedListenerSets']}")
    if "supportedFeatures" in status:
        names = [str(_dict(f).get("name", f)) for f in _list(status["supportedFeatures"])]
        lines.append(f"  Supported Features: {', '.join(names) or _NONE}")
    if "conditions" in status or kind in ("GatewayClass", "Gateway", "ListenerSet"):
        lines.append("  Conditions:")
        lines += _conditions_block(status.get("conditions"), "    ")
    for l in map(_dict, _list(status.get("listeners"))):
        kinds = ", ".join(str(_dict(k).get("kind")) for k in _list(l.get("supportedKinds")))
        lines.append(
            f"  Listener {l.get('name')}: attached routes {l.get('attachedRoutes', 0)}, "
            f"supported kinds {kinds or _NONE}"
        )
        lines += _conditions_block(l.get("conditions"), "    ")
    for p in map(_dict, _list(status.get("parents"))):
        lines.append(f"  Parent {_parent_ref(p)} ({p.get('controllerName', '')}):")
        lines += _conditions_block(p.get("conditions"), "    ")
    for a in map(_dict, _list(status.get("ancestors"))):
        lines.append(f"  Ancestor {_parent_ref({'parentRef': a.get('ancestorRef')})} ({a.get('controllerName', '')}):")
        lines += _conditions_block(a.get("conditions"), "    ")
    return lines


def describe(obj: dict[str, Any], status: dict[str, Any] | None) -> str:
    """A ``kubectl describe``-like page: metadata, spec summary, status with
    condition tables. ``status`` None means the engine writes none."""
    meta = _dict(obj.get("metadata"))
    kind = str(obj.get("kind", ""))
    lines = [
        f"{'Name:':<13}{meta.get('name', '')}",
        f"{'Namespace:':<13}{meta.get('namespace', '') or _NONE}",
        _map_line("Labels:", meta.get("labels")),
        _map_line("Annotations:", meta.get("annotations")),
        f"{'API Version:':<13}{obj.get('apiVersion', '')}",
        f"{'Kind:':<13}{kind}",
        f"{'Generation:':<13}{meta.get('generation', '')}",
        "Spec:",
        *_spec_summary(kind, _dict(obj.get("spec"))),
    ]
    if status is None:
        lines += ["Status:", "  <none> (no GatewayClass of this controller is responsible for it)"]
    else:
        lines += _status_section(kind, status)
    return "\n".join(lines) + "\n"
