#!/usr/bin/env python3
"""Extracts the validation schemas of the Gateway API CRDs for lib/validate.

Reads every CustomResourceDefinition in a directory of CRD YAML files and
writes, for every served version, one entry
    {"group", "kind", "version", "scope", "schema"}
where "schema" is the version's openAPIV3Schema with every validation keyword
kept and the documentation (description, title, example, externalDocs)
dropped. The `status` subtree is removed: these CRDs all have a status
subresource, so the API server ignores status on writes to the main resource,
which is the only write gwapi models. An unknown schema keyword is an error,
so a new upstream keyword can never be dropped silently.

The output is a JSON array with one entry per line, entries sorted by group,
kind and version, keys sorted, no insignificant whitespace: the same input
always gives byte-identical output.

Regenerate the committed file (from the repository root) with:
    /usr/bin/python3 lib/validate/schema/gen_crd_schema.py \\
        ../shared/gateway-api/v1.6.1/standard \\
        lib/validate/schema/gateway_api_v1.6.1.json

Needs Python 3 and PyYAML (Debian: python3-yaml).
"""

import json
import os
import sys

import yaml

# Keywords the API server validates or acts on; everything else is either
# documentation (dropped) or an error.
_SCHEMA_KEYWORDS = {
    "type", "format", "enum", "pattern", "minLength", "maxLength",
    "minItems", "maxItems", "uniqueItems", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minProperties",
    "maxProperties", "required", "properties", "additionalProperties",
    "items", "default", "nullable", "anyOf", "oneOf", "allOf", "not",
    "x-kubernetes-validations", "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys", "x-kubernetes-map-type",
    "x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string",
    "x-kubernetes-embedded-resource",
}
_DOC_KEYWORDS = {"description", "title", "example", "externalDocs"}
_RULE_KEYS = {"rule", "message", "messageExpression", "reason", "fieldPath",
              "optionalOldSelf"}


def _strip(schema, where):
    """Returns a copy of `schema` with validation keywords only."""
    if not isinstance(schema, dict):
        raise ValueError(f"{where}: a schema must be a mapping")
    out = {}
    for key, value in schema.items():
        if key in _DOC_KEYWORDS:
            continue
        if key not in _SCHEMA_KEYWORDS:
            raise ValueError(f"{where}: unknown schema keyword {key!r}")
        if key == "properties":
            out[key] = {name: _strip(sub, f"{where}.{name}") for name, sub in value.items()}
        elif key in ("items", "not"):
            out[key] = _strip(value, f"{where}[{key}]")
        elif key == "additionalProperties":
            out[key] = value if isinstance(value, bool) else _strip(value, f"{where}{{}}")
        elif key in ("anyOf", "oneOf", "allOf"):
            out[key] = [_strip(sub, f"{where}#{key}[{i}]") for i, sub in enumerate(value)]
        elif key == "x-kubernetes-validations":
            rules = []
            for i, rule in enumerate(value):
                unknown = set(rule) - _RULE_KEYS
                if unknown:
                    raise ValueError(f"{where}#{key}[{i}]: unknown rule keys {sorted(unknown)}")
                rules.append(dict(rule))
            out[key] = rules
        else:
            # Literal values (default, enum, bounds, flags) are kept verbatim.
            out[key] = value
    return out


def _entries(path):
    with open(path, encoding="utf-8") as f:
        docs = list(yaml.safe_load_all(f))
    for doc in docs:
        if not doc or doc.get("kind") != "CustomResourceDefinition":
            continue  # e.g. the safe-upgrades ValidatingAdmissionPolicy
        spec = doc["spec"]
        for version in spec["versions"]:
            if not version.get("served", False):
                continue
            where = f"{os.path.basename(path)}:{version['name']}"
            schema = _strip(version["schema"]["openAPIV3Schema"], where)
            props = schema.get("properties", {})
            if "status" in props:
                # Writes to the main resource never change status (status
                # subresource), so status is neither defaulted nor validated here.
                if "status" not in version.get("subresources", {}):
                    raise ValueError(f"{where}: status without a status subresource")
                del props["status"]
                if "required" in schema:
                    schema["required"] = [r for r in schema["required"] if r != "status"]
            if props.get("metadata", {}) != {"type": "object"}:
                raise ValueError(f"{where}: metadata schema is not plain ObjectMeta")
            yield {
                "group": spec["group"],
                "kind": spec["names"]["kind"],
                "version": version["name"],
                "scope": spec["scope"],
                "schema": schema,
            }


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write(f"usage: {argv[0]} CRD_DIR [OUT_JSON]\n")
        return 2
    crd_dir = argv[1]
    entries = []
    for name in sorted(os.listdir(crd_dir)):
        if name.endswith((".yaml", ".yml")):
            entries.extend(_entries(os.path.join(crd_dir, name)))
    entries.sort(key=lambda e: (e["group"], e["kind"], e["version"]))
    lines = [json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
             for e in entries]
    text = "[\n" + ",\n".join(lines) + "\n]\n"
    if len(argv) == 3:
        with open(argv[2], "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
