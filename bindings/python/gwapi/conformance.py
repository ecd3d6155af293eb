"""Replays a conformance corpus (``shared/conformance/README.md`` format)
against the engine's status output.

The corpus restates the upstream Gateway API conformance suite as data: per
case, the objects to load and the status a conformant controller must write.
This module plays the part the README calls "the harness": it builds each
case's object store exactly as the README prescribes (sections 2 to 5), lets
the engine compute status, checks every status assertion (section 6.3,
steps of section 8 included) and reports the case as ``passed``,
``failed: <first difference>`` or ``not-applicable: <reason>``.

Request entries are judged against the engine's compiled routing snapshot
(``conformance_requests``): every decision-level field (class D) is checked.
What it cannot check it never reports as passed (README section 10): the
parts of a request that need live traffic (class L: TLS handshakes, h2c and
WebSocket upgrades, backend timing and retries) and ``provisionedResources``
(class I, objects the engine would provision). A case holding any of those is
``not-applicable`` once everything checkable passes; a failing assertion
still makes it ``failed``.

Any directory in the corpus format works (``cases/*.json`` plus
``manifests/``), so other corpora can be replayed with the same code.
"""

from __future__ import annotations

import base64
import copy
import datetime
import functools
import ipaddress
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Optional, Sequence

from gwapi.conformance_requests import RequestJudge
from gwapi.engine import Engine, supported_features
from gwapi.errors import GwapiError, NotFoundError
from gwapi.results import ObjectResult, ObjectStatus

__all__ = [
    "DEFAULT_CONTROLLER",
    "DEFAULT_GATEWAY_CLASS",
    "Settings",
    "CaseResult",
    "Corpus",
    "CorpusError",
    "replay",
    "summary_line",
]

#: The controller name the replayer's GatewayClass carries (the engine's
#: own default, so a default Engine is responsible for every case).
DEFAULT_CONTROLLER = "gwapi.dev/gateway-controller"
#: The GatewayClass every corpus Gateway names.
DEFAULT_GATEWAY_CLASS = "gwapi-conformance"
#: The pool that gives Gateways their addresses and makes the usable static
#: address usable (the engine treats an IPAddress as usable when it lies in
#: an enabled CiliumLoadBalancerIPPool).
DEFAULT_POOL_CIDR = "192.0.2.0/24"
#: Inside the pool, at its far end so automatic assignment (first free
#: address in pool order) does not hand it to another Gateway first.
DEFAULT_USABLE_ADDRESS = "192.0.2.200"
#: Outside every pool (TEST-NET-2).
DEFAULT_UNUSABLE_ADDRESS = "198.51.100.7"

#: lastTransitionTime stamp, so a run's status output is reproducible.
FIXED_TIME_UNIX = 1767225600  # 2026-01-01T00:00:00Z
#: creationTimestamps count up from here, one second per object.
_EPOCH_UNIX = 1704067200  # 2024-01-01T00:00:00Z

_GATEWAY_GROUP = "gateway.networking.k8s.io"
_ROUTE_KINDS = frozenset({"HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"})
_SKIP_READINESS = "gateway-api/skip-this-for-readiness"
_CERTS_FILE = Path(__file__).resolve().parent / "conformance_certs.json"
_CA_CRT = re.compile(r"\{CA_CRT:([^/{}]+)/([^/{}]+)\}\Z")

Outcome = Literal["passed", "failed", "not-applicable"]
_Key = tuple[str, str, str, str]  # (group, kind, namespace, name)


class CorpusError(Exception):
    """The directory is not a corpus, or a case names something it lacks."""


@dataclass(frozen=True)
class Settings:
    """What README section 1 says the harness supplies."""

    controller_name: str = DEFAULT_CONTROLLER
    gateway_class: str = DEFAULT_GATEWAY_CLASS
    #: The features treated as claimed; None asks the engine.
    features: frozenset[str] | None = None
    pool_cidr: str = DEFAULT_POOL_CIDR
    usable_address: str = DEFAULT_USABLE_ADDRESS
    unusable_address: str = DEFAULT_UNUSABLE_ADDRESS

    def address_type(self, value: str) -> str:
        """``IPAddress`` for an IP literal, else ``Hostname``."""
        try:
            ipaddress.ip_address(value)
        except ValueError:
            return "Hostname"
        return "IPAddress"


@dataclass(frozen=True)
class CaseResult:
    """One case's verdict; ``differences`` lists every failed assertion."""

    name: str
    outcome: Outcome
    detail: str  # the first difference, or the reason it is not applicable
    checked: int = 0  # status and request assertions evaluated
    differences: tuple[str, ...] = ()

    def line(self) -> str:
        """``NAME: passed`` / ``NAME: failed: ...`` / ``NAME: not-applicable: ...``."""
        return f"{self.name}: {self.outcome}" + (f": {self.detail}" if self.detail else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "outcome": self.outcome,
            "detail": self.detail,
            "checked": self.checked,
            "differences": list(self.differences),
        }


def summary_line(results: Sequence[CaseResult]) -> str:
    """The last line a run prints: ``N passed, N failed, N skipped``."""
    count = {o: sum(1 for r in results if r.outcome == o) for o in ("passed", "failed", "not-applicable")}
    return f"{count['passed']} passed, {count['failed']} failed, {count['not-applicable']} skipped"


# --------------------------------------------------------------------------
# Reading a corpus


@functools.lru_cache(maxsize=1)
def _yaml_loader() -> Any:
    """A SafeLoader that keeps timestamps as strings.

    PyYAML would turn an unquoted ``creationTimestamp`` into a datetime,
    which JSON cannot carry and the API server never produces.
    """
    try:
        import yaml
    except ImportError as e:  # pragma: no cover - depends on the host
        raise CorpusError("reading corpus manifests needs PyYAML (Debian: python3-yaml)") from e

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


class Corpus:
    """A corpus directory: ``cases/*.json`` and ``manifests/*.yaml``.

    Manifests are parsed once and copied per case, since every case loads
    base.yaml again.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.cases_dir = self.root / "cases"
        self.manifests_dir = self.root / "manifests"
        if not self.cases_dir.is_dir():
            raise CorpusError(f"{self.root}: not a conformance corpus (no cases/ directory)")
        self._manifests: dict[str, list[dict[str, Any]]] = {}

    def case_names(self) -> list[str]:
        return sorted(p.stem for p in self.cases_dir.glob("*.json"))

    def case(self, name: str) -> dict[str, Any]:
        path = self.cases_dir / f"{name}.json"
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CorpusError(f"{self.root}: no case named {name}") from None
        except json.JSONDecodeError as e:
            raise CorpusError(f"{path}: not JSON: {e}") from None
        if not isinstance(doc, dict):
            raise CorpusError(f"{path}: a case is a JSON object")
        return doc

    def manifest(self, name: str) -> list[dict[str, Any]]:
        """The documents of one manifest file, in order (a fresh copy)."""
        if name not in self._manifests:
            path = self.manifests_dir / name
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise CorpusError(f"{self.root}: manifest {name} not found") from None
            loader = _yaml_loader()
            import yaml  # importable: _yaml_loader checked

            try:
                docs = [d for d in yaml.load_all(text, Loader=loader) if d is not None]
            except yaml.YAMLError as e:
                raise CorpusError(f"{path}: not YAML: {e}") from None
            if not all(isinstance(d, dict) for d in docs):
                raise CorpusError(f"{path}: every document must be an object")
            self._manifests[name] = docs
        return copy.deepcopy(self._manifests[name])

    def has_base(self) -> bool:
        return (self.manifests_dir / "base.yaml").is_file()


# --------------------------------------------------------------------------
# Placeholders (README section 4) and suite objects (section 5)


def _suite_objects() -> list[dict[str, Any]]:
    """The fourteen suite Secrets/ConfigMaps with real PEM stand-ins."""
    doc = json.loads(_CERTS_FILE.read_text(encoding="utf-8"))
    return [dict(o) for o in doc["objects"]]


class _Placeholders:
    """Replaces the section-4 placeholders in every string of a document."""

    def __init__(self, settings: Settings, suite: list[dict[str, Any]]) -> None:
        usable, unusable = settings.usable_address, settings.unusable_address
        self.strings = {
            "{GATEWAY_CLASS_NAME}": settings.gateway_class,
            "{GATEWAY_CONTROLLER_NAME}": settings.controller_name,
            "{USABLE_ADDRESS}": usable,
            "{USABLE_ADDRESS_TYPE}": settings.address_type(usable),
            "{UNUSABLE_ADDRESS}": unusable,
            "{UNUSABLE_ADDRESS_TYPE}": settings.address_type(unusable),
        }
        self.addresses = {
            "PLACEHOLDER_USABLE_ADDRS": {"type": settings.address_type(usable), "value": usable},
            "PLACEHOLDER_UNUSABLE_ADDRS": {"type": settings.address_type(unusable), "value": unusable},
        }
        self.ca = {
            (o["namespace"], o["name"]): o["data"]["ca.crt"]
            for o in suite
            if o["kind"] == "ConfigMap"
        }

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"value"} and value["value"] in self.addresses:
                # spec.addresses[] entries: replaced with value and type.
                return dict(self.addresses[value["value"]])
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, str):
            return self._string(value)
        return value

    def _string(self, s: str) -> str:
        m = _CA_CRT.match(s)
        if m:
            pem = self.ca.get((m.group(1), m.group(2)))
            if pem is None:
                raise CorpusError(f"{s}: no generated CA ConfigMap of that name")
            return pem
        if "{" not in s and "PLACEHOLDER_" not in s:
            return s
        for k, v in self.strings.items():
            s = s.replace(k, v)
        return s


# --------------------------------------------------------------------------
# The object store the harness maintains (README sections 2 and 3)


def _group(api_version: str) -> str:
    group, _, _ = api_version.rpartition("/")
    return group


def _key(obj: dict[str, Any]) -> _Key:
    meta = obj.get("metadata") or {}
    return (
        _group(str(obj.get("apiVersion", ""))),
        str(obj.get("kind", "")),
        str(meta.get("namespace", "") or ""),
        str(meta.get("name", "")),
    )


def _content(obj: dict[str, Any]) -> dict[str, Any]:
    """Everything outside metadata and status: what a generation counts."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


def _timestamp(unix: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix))


def _unix(timestamp: str) -> int:
    """Seconds since the epoch of an RFC 3339 time; 0 when unreadable (an
    unreadable carried timestamp then orders nothing after it)."""
    try:
        when = datetime.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return 0
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return int(when.timestamp())


@dataclass
class _Store:
    """The harness's view of the cluster: objects with the metadata the API
    server would maintain (generation, creationTimestamp, uid)."""

    objects: dict[_Key, dict[str, Any]] = field(default_factory=dict)
    clock: int = 0
    uids: int = 0

    def put(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Creates or replaces ``obj``; returns the object as stored."""
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        old = self.objects.get(_key(obj))
        if old is None:
            meta["generation"] = 1
            if "creationTimestamp" in meta:
                # Kept as carried; later objects must still come after it.
                self.clock = max(self.clock, _unix(str(meta["creationTimestamp"])) - _EPOCH_UNIX)
            else:
                self.clock += 1
                meta["creationTimestamp"] = _timestamp(_EPOCH_UNIX + self.clock)
            self.uids += 1
            meta.setdefault("uid", f"00000000-0000-4000-8000-{self.uids:012d}")
        else:
            old_meta = old["metadata"]
            bump = _content(obj) != _content(old)
            meta["generation"] = old_meta["generation"] + (1 if bump else 0)
            meta["creationTimestamp"] = old_meta["creationTimestamp"]
            meta["uid"] = old_meta["uid"]
        self.objects[_key(obj)] = obj
        return obj

    def delete(self, key: _Key) -> bool:
        return self.objects.pop(key, None) is not None

    def gateways_in(self, namespace: str) -> list[dict[str, Any]]:
        return [
            o for (g, k, ns, _), o in sorted(self.objects.items())
            if g == _GATEWAY_GROUP and k == "Gateway" and ns == namespace
        ]


# --------------------------------------------------------------------------
# Status assertions (README section 6.3)


def _fmt_conditions(actual: Any) -> str:
    if not isinstance(actual, list) or not actual:
        return "none"
    parts = []
    for c in actual:
        if isinstance(c, dict):
            parts.append(f"{c.get('type')}={c.get('status')}/{c.get('reason')}")
    return ", ".join(parts)


def _fmt_expected(c: dict[str, Any]) -> str:
    s = str(c.get("type"))
    if "status" in c:
        s += f"={c['status']}"
    if "reason" in c:
        s += f" (reason {c['reason']})"
    return s


def _conditions_diff(expected: list[dict[str, Any]], actual: Any) -> str | None:
    """Subset match: every expected condition has a matching actual one."""
    actual = actual if isinstance(actual, list) else []
    if len(actual) < len(expected):
        return (
            f"expected at least {len(expected)} conditions, got {len(actual)} "
            f"[{_fmt_conditions(actual)}]"
        )
    for want in expected:
        if not any(_condition_matches(want, got) for got in actual):
            return f"no condition {_fmt_expected(want)} [actual: {_fmt_conditions(actual)}]"
    return None


def _condition_matches(want: dict[str, Any], got: Any) -> bool:
    if not isinstance(got, dict) or got.get("type") != want.get("type"):
        return False
    return all(got.get(f) == want[f] for f in ("status", "reason") if f in want)


def _scoped_conditions(kind: str, status: dict[str, Any]) -> list[Any]:
    """The conditions an observedGeneration assertion covers."""
    if kind in _ROUTE_KINDS:
        return [c for p in _list(status.get("parents")) for c in _list(_dict(p).get("conditions"))]
    if kind == "BackendTLSPolicy":
        return [c for a in _list(status.get("ancestors")) for c in _list(_dict(a).get("conditions"))]
    return _list(status.get("conditions"))


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _check_observed_generation(kind: str, want: int, status: dict[str, Any]) -> str | None:
    for c in _scoped_conditions(kind, status):
        got = _dict(c).get("observedGeneration")
        if got != want:
            return f"condition {_dict(c).get('type')} has observedGeneration {got}, expected {want}"
    return None


def _check_has_address(status: dict[str, Any]) -> str | None:
    if any(_dict(a).get("type") for a in _list(status.get("addresses"))):
        return None
    return f"no address with a type in status.addresses ({_list(status.get('addresses'))})"


def _check_addresses(expected: list[dict[str, Any]], exact: bool, status: dict[str, Any]) -> str | None:
    actual = [(_dict(a).get("type"), _dict(a).get("value")) for a in _list(status.get("addresses"))]
    for want in expected:
        if (want.get("type"), want.get("value")) not in actual:
            return f"address {want.get('type')} {want.get('value')} missing from status.addresses {actual}"
    if exact and len(actual) != len(expected):
        return f"status.addresses is {actual}, expected exactly {len(expected)} entries"
    return None


def _check_zero_routes(status: dict[str, Any]) -> str | None:
    listeners = _list(status.get("listeners"))
    if not listeners or (len(listeners) == 1 and _dict(listeners[0]).get("attachedRoutes") == 0):
        return None
    routes = {_dict(l).get("name"): _dict(l).get("attachedRoutes") for l in listeners}
    return f"expected no attached routes, listeners report {routes}"


def _kinds(v: Any) -> list[tuple[str, str]]:
    return [(_dict(k).get("group") or _GATEWAY_GROUP, str(_dict(k).get("kind"))) for k in _list(v)]


def _check_listener(want: dict[str, Any], got: dict[str, Any], exact: bool) -> str | None:
    name = want.get("name")
    if exact:
        if got.get("attachedRoutes") != want.get("attachedRoutes"):
            return (
                f"listener {name}: attachedRoutes {got.get('attachedRoutes')}, "
                f"expected {want.get('attachedRoutes')}"
            )
        want_kinds, got_kinds = _kinds(want.get("supportedKinds")), _kinds(got.get("supportedKinds"))
        if not want_kinds and got_kinds:
            return f"listener {name}: supportedKinds {got_kinds}, expected none"
        for k in want_kinds:
            if k not in got_kinds:
                return f"listener {name}: supportedKinds {got_kinds} lacks {k[0]}/{k[1]}"
    if "conditions" in want:
        diff = _conditions_diff(want["conditions"], got.get("conditions"))
        if diff:
            return f"listener {name}: {diff}"
    return None


def _check_listeners(expected: list[dict[str, Any]], exact: bool, status: dict[str, Any]) -> str | None:
    actual = {_dict(l).get("name"): _dict(l) for l in _list(status.get("listeners"))}
    if exact and len(actual) != len(expected):
        return f"status.listeners holds {sorted(map(str, actual))}, expected exactly {len(expected)}"
    for want in expected:
        got = actual.get(want.get("name"))
        if got is None:
            return f"listener {want.get('name')} missing from status.listeners {sorted(map(str, actual))}"
        diff = _check_listener(want, got, exact)
        if diff:
            return diff
    return None


def _parent_matches(want: dict[str, Any], got: dict[str, Any], controller: str) -> str | None:
    """Why ``got`` (a status.parents entry) does not satisfy ``want``."""
    ref, got_ref = _dict(want.get("parentRef")), _dict(got.get("parentRef"))
    if "controllerName" in want and got.get("controllerName") != controller:
        return f"controllerName {got.get('controllerName')}"
    if "group" in ref or "kind" in ref:
        g = got_ref.get("group", _GATEWAY_GROUP)
        k = got_ref.get("kind", "Gateway")
        if (g, k) != (ref.get("group"), ref.get("kind")):
            return f"parentRef {g}/{k}"
    if got_ref.get("name") != ref.get("name"):
        return "name"
    if "namespace" in got_ref:
        if got_ref["namespace"] != ref.get("namespace"):
            return "namespace"
    elif want.get("namespaceRequired"):
        return "parentRef.namespace unset"
    return _conditions_diff(_list(want.get("conditions")), got.get("conditions"))


def _fmt_parent(p: dict[str, Any]) -> str:
    ref = _dict(p.get("parentRef"))
    where = f"{ref.get('namespace', '')}/{ref.get('name')}".lstrip("/")
    if ref.get("sectionName"):
        where += f"#{ref['sectionName']}"
    return f"{where} [{_fmt_conditions(p.get('conditions'))}]"


def _check_parents(
    expected: list[dict[str, Any]], exact: bool, status: dict[str, Any], controller: str
) -> str | None:
    actual = [_dict(p) for p in _list(status.get("parents"))]
    for want in expected:
        ref = _dict(want.get("parentRef"))
        same = [p for p in actual if _dict(p.get("parentRef")).get("name") == ref.get("name")]
        reasons = [_parent_matches(want, p, controller) for p in actual]
        if all(r is not None for r in reasons):
            target = f"{ref.get('namespace')}/{ref.get('name')}"
            if not same:
                shown = "; ".join(_fmt_parent(p) for p in actual) or "none"
                return f"no status.parents entry for {target} (parents: {shown})"
            first = next(r for p, r in zip(actual, reasons) if p in same)
            return f"parent {target}: {first}"
    if exact and len(actual) != len(expected):
        shown = "; ".join(_fmt_parent(p) for p in actual)
        return f"status.parents holds {len(actual)} entries, expected exactly {len(expected)} ({shown})"
    return None


def _check_ancestors(expected: list[dict[str, Any]], status: dict[str, Any]) -> str | None:
    actual = [_dict(a) for a in _list(status.get("ancestors"))]
    for want in expected:
        ref = _dict(want.get("ancestorRef"))
        candidates = [
            a for a in actual
            if _dict(a.get("ancestorRef")).get("name") == ref.get("name")
            and _dict(a.get("ancestorRef")).get("namespace", ref.get("namespace")) == ref.get("namespace")
        ]
        diffs = [_conditions_diff(_list(want.get("conditions")), a.get("conditions")) for a in candidates]
        if not candidates:
            names = [_dict(a.get("ancestorRef")).get("name") for a in actual]
            return f"no status.ancestors entry for {ref.get('namespace')}/{ref.get('name')} (ancestors: {names})"
        if all(d is not None for d in diffs):
            return f"ancestor {ref.get('namespace')}/{ref.get('name')}: {diffs[0]}"
    return None


_Check = Callable[[dict[str, Any], dict[str, Any], str], Optional[str]]

#: Assertion field -> check(entry, status, controller). Qualifier fields
#: (``*Exact``) are read by the check of the list they qualify.
_CHECKS: dict[str, _Check] = {
    "observedGeneration": lambda e, s, c: _check_observed_generation(e["kind"], e["observedGeneration"], s),
    "hasAddress": lambda e, s, c: _check_has_address(s),
    "addresses": lambda e, s, c: _check_addresses(e["addresses"], bool(e.get("addressesExact")), s),
    "attachedListenerSets": lambda e, s, c: (
        None
        if s.get("attachedListenerSets", 0) == e["attachedListenerSets"]
        else f"attachedListenerSets {s.get('attachedListenerSets', 0)}, expected {e['attachedListenerSets']}"
    ),
    "conditions": lambda e, s, c: _conditions_diff(e["conditions"], s.get("conditions")),
    "zeroRoutes": lambda e, s, c: _check_zero_routes(s),
    "listeners": lambda e, s, c: _check_listeners(e["listeners"], bool(e.get("listenersExact")), s),
    "parents": lambda e, s, c: _check_parents(e["parents"], bool(e.get("parentsExact")), s, c),
    "ancestors": lambda e, s, c: _check_ancestors(e["ancestors"], s),
}
_QUALIFIERS = frozenset({"kind", "namespace", "name", "addressesExact", "listenersExact", "parentsExact"})


# --------------------------------------------------------------------------
# Running one case


@dataclass
class _Run:
    """State of one case's replay: the store, the engine, the findings."""

    settings: Settings
    engine: Engine
    store: _Store
    placeholders: _Placeholders
    differences: list[str] = field(default_factory=list)
    checked: int = 0
    not_applicable: list[str] = field(default_factory=list)
    rejected: dict[_Key, str] = field(default_factory=dict)
    statuses: dict[tuple[str, str, str], ObjectStatus] = field(default_factory=dict)

    def load(self, objects: Iterable[dict[str, Any]]) -> None:
        """Stores ``objects`` (metadata per section 3) and hands them to the
        engine in one apply, in order."""
        stored = [self.store.put(self.placeholders(o)) for o in objects]
        if stored:
            self._note(self.engine.apply(json.dumps(stored)))

    def delete(self, ref: dict[str, Any]) -> None:
        key = (
            _group(str(ref.get("apiVersion", ""))),
            str(ref.get("kind", "")),
            str(ref.get("namespace", "") or ""),
            str(ref.get("name", "")),
        )
        if not self.store.delete(key):
            self.differences.append(f"delete: {key[1]} {key[2]}/{key[3]} does not exist")
            return
        self.rejected.pop(key, None)
        try:
            self.engine.delete(*key)
        except NotFoundError:
            pass  # a kind the engine ignores (or rejected): nothing stored

    def _note(self, results: list[ObjectResult]) -> None:
        """Remembers rejected objects: a status entry about one is explained
        by the rejection rather than by a missing status."""
        for r in results:
            if r.outcome == "rejected":
                first = r.errors[0].text if r.errors else "rejected"
                self.rejected[r.key] = first
            else:
                self.rejected.pop(r.key, None)

    def reconcile(self) -> None:
        self.statuses = {(s.kind, s.namespace, s.name): s for s in self.engine.status()}

    def check_entry(self, where: str, entry: dict[str, Any]) -> None:
        entry = self.placeholders(entry)
        kind, ns, name = entry.get("kind", ""), entry.get("namespace", ""), entry.get("name", "")
        label = f"{where}{kind} {ns + '/' if ns else ''}{name}"
        fields = [f for f in entry if f not in _QUALIFIERS]
        unknown = [f for f in fields if f not in _CHECKS]
        if unknown:
            raise CorpusError(f"{label}: unknown status fields {unknown}")
        self.checked += len(fields)
        found = self.statuses.get((kind, ns, name))
        if found is None:
            self.differences.append(f"{label}: {self._why_no_status(kind, ns, name)}")
            return
        for f in fields:
            diff = _CHECKS[f](entry, found.status, self.settings.controller_name)
            if diff:
                self.differences.append(f"{label}: {f}: {diff}")

    def _why_no_status(self, kind: str, ns: str, name: str) -> str:
        for key, text in self.rejected.items():
            if key[1:] == (kind, ns, name):
                return f"the engine rejected the object ({text})"
        if not any(k[1:] == (kind, ns, name) for k in self.store.objects):
            return "no such object in the store"
        return "the engine reports no status for it"

    def check_namespaces_ready(self, where: str, namespaces: list[str]) -> None:
        for ns in namespaces:
            for gw in self.store.gateways_in(ns):
                meta = gw["metadata"]
                if (meta.get("annotations") or {}).get(_SKIP_READINESS) == "true":
                    continue
                self.checked += 1
                label = f"{where}namespacesReady: Gateway {ns}/{meta['name']}"
                found = self.statuses.get(("Gateway", ns, meta["name"]))
                status = found.status if found else {}
                diff = _check_observed_generation("Gateway", meta["generation"], status) or _conditions_diff(
                    [{"type": "Accepted", "status": "True"}, {"type": "Programmed", "status": "True"}],
                    status.get("conditions"),
                )
                if diff:
                    self.differences.append(f"{label}: {diff}")

    def check_block(self, where: str, block: dict[str, Any]) -> None:
        """The checks of the top level or of one step (README 2.3/2.4)."""
        self.reconcile()
        self.check_namespaces_ready(where, list(block.get("namespacesReady", [])))
        for entry in block.get("status", []):
            self.check_entry(where, entry)
        requests = block.get("requests", [])
        if requests:
            self.check_requests(where, requests)

    def _gateway_addresses(self) -> dict[str, str]:
        out = {}
        for (kind, ns, name), s in self.statuses.items():
            addresses = s.status.get("addresses") or []
            if kind == "Gateway" and addresses:
                out[f"{ns}/{name}"] = str(addresses[0].get("value", ""))
        return out

    def check_requests(self, where: str, requests: list[dict[str, Any]]) -> None:
        """README section 7, against one snapshot of the reconciled state."""
        with self.engine.snapshot() as snap:
            judge = RequestJudge(snap, self._gateway_addresses())
            for i, entry in enumerate(requests):
                entry = self.placeholders(entry)
                r = entry["request"]
                label = (
                    f"{where}request {i} ({r['protocol']} {entry['gateway']}:{entry['port']}"
                    f"{' ' + r['host'] if 'host' in r else ''}{' ' + r['path'] if 'path' in r else ''})"
                )
                verdict = judge.judge(entry)
                self.checked += verdict.checked
                self.differences += [f"{label}: {d}" for d in verdict.differences]
                self.not_applicable += [f"{label}: {n}" for n in verdict.not_applicable]


def _not_applicable_reasons(case: dict[str, Any], run: _Run) -> list[str]:
    """Assertions this replayer cannot check (README section 10)."""
    reasons = []
    if run.not_applicable:
        n = len(run.not_applicable)
        more = f" (and {n - 1} more)" if n > 1 else ""
        reasons.append(f"{run.not_applicable[0]}{more}")
    if "provisionedResources" in case:
        reasons.append("provisionedResources is class I (infrastructure the engine does not provision)")
    return reasons


def _skip_reason(case: dict[str, Any], claimed: frozenset[str]) -> str | None:
    """README 2.1: the features the case needs, or its skipIf."""
    missing = [f for f in case.get("features", []) if f not in claimed]
    if missing:
        return f"the engine does not claim {', '.join(missing)}"
    skip_if = case.get("skipIf", {})
    for f in skip_if.get("supported", []):
        if f in claimed:
            return f"the engine supports {f}"
    for f in skip_if.get("notSupported", []):
        if f not in claimed:
            return f"the engine does not support {f}"
    return None


def _setup_objects(settings: Settings, corpus: Corpus, case: dict[str, Any], suite: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Everything README 2.2 loads before the first check, in order."""
    objects: list[dict[str, Any]] = [
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "GatewayClass",
            "metadata": {"name": settings.gateway_class},
            "spec": {"controllerName": settings.controller_name},
        },
        {
            "apiVersion": "cilium.io/v2alpha1",
            "kind": "CiliumLoadBalancerIPPool",
            "metadata": {"name": "gwapi-conformance-pool"},
            "spec": {"blocks": [{"cidr": settings.pool_cidr}]},
        },
    ]
    if corpus.has_base():
        objects += corpus.manifest("base.yaml")
    for name in case.get("manifests", []):
        objects += corpus.manifest(name)
    objects += [_suite_object(o) for o in suite]
    return objects


def _suite_object(o: dict[str, Any]) -> dict[str, Any]:
    meta = {"name": o["name"], "namespace": o["namespace"]}
    if o["kind"] == "ConfigMap":
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": dict(o["data"])}
    data = {k: base64.b64encode(v.encode()).decode() for k, v in o["data"].items()}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "kubernetes.io/tls", "data": data}


def _missing_suite_objects(case: dict[str, Any], suite: list[dict[str, Any]]) -> list[str]:
    """``generated`` entries that are not one of the known suite objects."""
    known = {(o["kind"], o["namespace"], o["name"]) for o in suite}
    return [
        f"{g.get('kind')} {g.get('namespace')}/{g.get('name')}"
        for g in case.get("generated", [])
        if (g.get("kind"), g.get("namespace"), g.get("name")) not in known
    ]


def run_case(
    corpus: Corpus, name: str, settings: Settings, claimed: frozenset[str], suite: list[dict[str, Any]]
) -> CaseResult:
    """Replays one case and judges it."""
    case = corpus.case(name)
    skip = _skip_reason(case, claimed)
    if skip:
        return CaseResult(name, "not-applicable", skip)
    unknown = _missing_suite_objects(case, suite)
    if unknown:
        raise CorpusError(f"{name}: generated objects unknown to the replayer: {', '.join(unknown)}")
    with Engine(settings.controller_name, fixed_time_unix=FIXED_TIME_UNIX) as engine:
        run = _Run(settings, engine, _Store(), _Placeholders(settings, suite))
        run.load(_setup_objects(settings, corpus, case, suite))
        run.check_block("", case)
        for i, step in enumerate(case.get("steps", []), start=1):
            where = f"step {i}: "
            for ref in step.get("delete", []):
                run.delete(ref)
            run.load(step.get("apply", []))
            run.check_block(where, step)
    if run.differences:
        return CaseResult(name, "failed", run.differences[0], run.checked, tuple(run.differences))
    reasons = _not_applicable_reasons(case, run)
    if reasons:
        detail = "; ".join(reasons) + f" ({run.checked} assertions passed)"
        return CaseResult(name, "not-applicable", detail, run.checked)
    return CaseResult(name, "passed", "", run.checked)


def replay(
    root: str | Path,
    settings: Settings | None = None,
    cases: Sequence[str] | None = None,
    on_result: Callable[[CaseResult], None] | None = None,
) -> list[CaseResult]:
    """Replays ``cases`` (default: all) of the corpus at ``root``.

    ``on_result`` is called as each case finishes, so a CLI can stream
    lines. Raises CorpusError when the directory or a named case is not
    there; an engine error or a malformed case fails that case only.
    """
    settings = settings or Settings()
    corpus = Corpus(root)
    names = corpus.case_names()
    if cases:
        unknown = [c for c in cases if c not in names]
        if unknown:
            raise CorpusError(f"{root}: no case named {', '.join(unknown)}")
        names = [n for n in names if n in set(cases)]
    claimed = settings.features if settings.features is not None else frozenset(supported_features())
    suite = _suite_objects()
    results = []
    for name in names:
        try:
            result = run_case(corpus, name, settings, claimed, suite)
        except GwapiError as e:
            result = CaseResult(name, "failed", f"engine error: {e}")
        except CorpusError as e:
            # A malformed case cannot pass; the others still run.
            result = CaseResult(name, "failed", f"corpus error: {e}")
        results.append(result)
        if on_result:
            on_result(result)
    return results
