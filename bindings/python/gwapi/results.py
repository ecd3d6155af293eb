"""Result types: immutable copies of what the library reported.

Results are plain frozen dataclasses holding Python strings, copied out of a
``gwapi_object_list`` before the list is freed. They therefore hold no C
memory and outlive the Engine (and the list) that produced them: there is
no parent to keep alive, and nothing to crash when the engine is collected
first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Outcome", "OUTCOMES", "FieldError", "ObjectResult", "ObjectStatus"]

#: What happened to one object (``gwapi_outcome``).
Outcome = Literal["accepted", "rejected", "ignored", "unchanged"]
#: Indexed by the C enum's numbers.
OUTCOMES: tuple[Outcome, ...] = ("accepted", "rejected", "ignored", "unchanged")


@dataclass(frozen=True)
class FieldError:
    """One validation finding, as the Kubernetes API server reports it.

    ``constraint`` names the schema constraint that fired
    ("spec.rules[].matches[].path.type#enum"); it is stable across releases,
    so tools should match on it (and ``field``) rather than on ``detail``.
    """

    field: str
    type: str
    value: str
    detail: str
    constraint: str
    text: str

    def __str__(self) -> str:
        return self.text

    def to_dict(self) -> dict[str, str]:
        """The shape of ``gwapi_object_list_json``'s error entries."""
        return {
            "field": self.field,
            "type": self.type,
            "value": self.value,
            "detail": self.detail,
            "constraint": self.constraint,
            "text": self.text,
        }


class _ObjectIdentity:
    """Identity helpers shared by the result types; they read the
    ``api_version``, ``kind``, ``namespace`` and ``name`` fields."""

    api_version: str
    kind: str
    namespace: str
    name: str

    @property
    def group(self) -> str:
        """The API group ("" for the core group), as delete()/get() take it."""
        group, _, _ = self.api_version.rpartition("/")
        return group

    @property
    def ref(self) -> str:
        """"namespace/name", or "name" for cluster-scoped objects."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @property
    def key(self) -> tuple[str, str, str, str]:
        """(group, kind, namespace, name): the store's identity."""
        return (self.group, self.kind, self.namespace, self.name)


@dataclass(frozen=True)
class ObjectResult(_ObjectIdentity):
    """One object offered to (or listed by) an Engine, with its outcome."""

    api_version: str
    kind: str
    namespace: str  # "" for cluster-scoped kinds
    name: str
    outcome: Outcome
    generation: int
    source: str  # where in the input: "document 2 (line 14)"; "" in listings
    note: str  # why it was ignored, or ""
    errors: tuple[FieldError, ...] = ()


    def to_dict(self) -> dict[str, Any]:
        """The shape of ``gwapi_object_list_json``'s entries."""
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "outcome": self.outcome,
            "generation": self.generation,
            "source": self.source,
            "note": self.note,
            "errors": [e.to_dict() for e in self.errors],
        }


@dataclass(frozen=True)
class ObjectStatus(_ObjectIdentity):
    """The status the engine computed for one object.

    ``status`` is the object's whole ``status`` stanza, decoded from the
    library's JSON: a fresh dict owned by the caller (frozen covers the
    identity fields, not the stanza's contents).
    """

    api_version: str
    kind: str
    namespace: str  # "" for cluster-scoped kinds
    name: str
    status: dict[str, Any]


    def conditions(self) -> list[dict[str, Any]]:
        """``status.conditions`` (empty when the stanza has none)."""
        found = self.status.get("conditions")
        return found if isinstance(found, list) else []

    def to_dict(self) -> dict[str, Any]:
        """The shape of ``gwapi_engine_status_json``'s entries."""
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "status": self.status,
        }
