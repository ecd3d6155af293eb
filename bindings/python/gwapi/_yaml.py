"""YAML output for the CLI: PyYAML when importable, else a tiny emitter.

The tool promises stdlib-only operation, so YAML output cannot require
PyYAML. The fallback emits only what JSON can hold (the CLI's documents come
from JSON), in the block style kubectl prints: two-space indents, sequence
items at their key's indent, strings quoted whenever a YAML 1.1 reader
(PyYAML, Go's yaml.v2) could read them as anything but a string.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["dump", "dump_fallback"]

# Plain scalars that stay strings in every YAML version: a letter, '_' or '/'
# first (no digit, sign, '.', indicator), then no ': ', ' #' or flow chars.
_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./-]*\Z")
# YAML 1.1 booleans and nulls, which the pattern above would let through.
_RESERVED = frozenset(
    "y n yes no on off true false null".split()
)


def _scalar(v: Any) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return ".nan"
        if math.isinf(v):
            return ".inf" if v > 0 else "-.inf"
        return json.dumps(v)
    s = str(v)
    if _PLAIN.match(s) and s.lower() not in _RESERVED:
        return s
    # A JSON string is a valid YAML double-quoted scalar (ASCII-escaped so
    # that no Unicode line separator reaches the output raw).
    return json.dumps(s)


def _emit(v: Any, indent: int, out: list[str]) -> None:
    """Appends the lines of a non-empty container ``v`` at ``indent``."""
    pad = " " * indent
    if isinstance(v, dict):
        for key, item in v.items():
            k = _scalar(key)
            if isinstance(item, dict) and item:
                out.append(f"{pad}{k}:")
                _emit(item, indent + 2, out)
            elif isinstance(item, list) and item:
                out.append(f"{pad}{k}:")
                _emit(item, indent, out)  # kubectl style: "- " at the key's indent
            else:
                out.append(f"{pad}{k}: {_inline(item)}")
        return
    for item in v:
        if isinstance(item, (dict, list)) and item:
            sub: list[str] = []
            _emit(item, indent + 2, sub)
            out.append(f"{pad}- {sub[0][indent + 2:]}")
            out.extend(sub[1:])
        else:
            out.append(f"{pad}- {_inline(item)}")


def _inline(v: Any) -> str:
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, list):
        return "[]"
    return _scalar(v)


def dump_fallback(doc: Any) -> str:
    """The document as block YAML, without PyYAML."""
    if isinstance(doc, (dict, list)) and doc:
        lines: list[str] = []
        _emit(doc, 0, lines)
        return "\n".join(lines) + "\n"
    return _inline(doc) + "\n"


def dump(doc: Any) -> str:
    """The document as block YAML (PyYAML's safe dumper when available)."""
    try:
        import yaml
    except ImportError:
        return dump_fallback(doc)
    text: str = yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, allow_unicode=True)
    return text
