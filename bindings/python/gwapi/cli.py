"""The ``gwapi`` command-line tool: validate manifests offline, show the store.

Output follows kubectl's conventions so it reads (and greps, and parses)
like the tools Gateway API users already know: tables with capitalised
headers and two-space gaps, ``-o json`` with four-space indents, ``-o yaml``
as a ``List``, diagnostics on stderr prefixed ``error:``/``warning:``.

Exit status: 0 when every file decoded and no object was rejected, 1
otherwise, 2 for a usage error (argparse).
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence, TextIO

from gwapi import _yaml
from gwapi._ffi import LIBRARY_PATH
from gwapi.engine import Engine, abi_version, version
from gwapi.errors import GwapiError, Status
from gwapi.results import ObjectResult

__all__ = ["main", "build_parser", "format_table"]

_STDIN = "-"
_MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


# --------------------------------------------------------------------------
# Reading and applying inputs


@dataclass
class _Applied:
    """What applying a set of files to one engine produced."""

    objects: list[tuple[str, ObjectResult]] = field(default_factory=list)  # (file, result)
    errors: list[dict[str, str]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.errors) or any(r.outcome == "rejected" for _, r in self.objects)


def _expand(paths: Sequence[str]) -> list[str]:
    """Expands directories into their manifests (sorted, not recursive), as
    ``kubectl apply -f DIR`` does."""
    out: list[str] = []
    for p in paths:
        if p != _STDIN and os.path.isdir(p):
            found = sorted(
                str(c) for c in Path(p).iterdir() if c.is_file() and c.suffix in _MANIFEST_SUFFIXES
            )
            out.extend(found or [p])  # an empty directory reports itself below
        else:
            out.append(p)
    return out


def _read(path: str) -> bytes:
    if path == _STDIN:
        return sys.stdin.buffer.read()
    if os.path.isdir(path):
        raise FileNotFoundError(errno.ENOENT, "no .yaml, .yml or .json files in directory", path)
    with open(path, "rb") as f:
        return f.read()


def _os_status(e: OSError) -> str:
    return {
        errno.ENOENT: Status.NOT_FOUND.name,
        errno.EACCES: Status.PERMISSION_DENIED.name,
        errno.EPERM: Status.PERMISSION_DENIED.name,
    }.get(e.errno or 0, Status.UNKNOWN.name)


def _apply_files(engine: Engine, paths: Sequence[str], *, report: bool) -> _Applied:
    """Applies every file to ``engine`` in order.

    A file that cannot be read or decoded is recorded (and, when ``report``,
    printed to stderr as one ``error:`` line) and the rest still run: one bad
    file must not hide the findings in the others.
    """
    applied = _Applied()
    for path in _expand(paths):
        shown = "<stdin>" if path == _STDIN else path
        entry: dict[str, str] | None = None
        try:
            results = engine.apply(_read(path))
        except OSError as e:
            entry = {"file": shown, "code": _os_status(e), "message": e.strerror or str(e), "location": ""}
        except GwapiError as e:
            code = e.code.name if isinstance(e.code, Status) else str(e.code)
            entry = {"file": shown, "code": code, "message": e.message, "location": e.location}
        else:
            applied.objects.extend((shown, r) for r in results)
        if entry is not None:
            applied.errors.append(entry)
            if report:
                message, location = entry["message"], entry["location"]
                # Some messages already quote their location; say it once.
                where = f" ({location})" if location and location not in message else ""
                print(f"error: {shown}: {message}{where}", file=sys.stderr)
    return applied


# --------------------------------------------------------------------------
# Formatting


def _describe(file: str, r: ObjectResult) -> str:
    """"HTTPRoute default/http"; falls back to the input position when the
    object has no name, so every line still points somewhere."""
    kind = r.kind or "<no kind>"
    if r.name:
        return f"{kind} {r.ref}"
    where = f"{file}: {r.source}" if r.source else file
    return f"{kind} <no name> ({where})"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A kubectl-style table: columns padded to their widest cell with a
    two-space gap, no trailing spaces."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = []
    for row in [list(headers), *rows]:
        cells = [c.ljust(w) for c, w in zip(row, widths)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def _dump_json(doc: Any, out: TextIO) -> None:
    json.dump(doc, out, indent=4, ensure_ascii=False)
    out.write("\n")


def _list_document(items: list[dict[str, Any]]) -> dict[str, Any]:
    """What ``kubectl get -o json|yaml`` prints for several objects."""
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


# --------------------------------------------------------------------------
# Subcommands


def _cmd_validate(args: argparse.Namespace) -> int:
    with Engine() as engine:
        applied = _apply_files(engine, args.files, report=args.output == "text")
    out = sys.stdout
    if args.output == "json":
        objects = [{"file": f, **r.to_dict()} for f, r in applied.objects]
        _dump_json({"objects": objects, "errors": applied.errors}, out)
    else:
        width = max([len("accepted"), *(len(r.outcome) for _, r in applied.objects)]) + 2
        for f, r in applied.objects:
            line = f"{r.outcome.ljust(width)}{_describe(f, r)}"
            if r.note:
                line += f" ({r.note})"
            out.write(line + "\n")
            for e in r.errors:
                out.write(f"    {e.text or _field_error_text(e.field, e.type, e.value, e.detail)}\n")
    return 1 if applied.failed else 0


def _field_error_text(field_: str, type_: str, value: str, detail: str) -> str:
    parts = [p for p in (field_, type_, value, detail) if p]
    return ": ".join(parts)


def _cmd_get(args: argparse.Namespace) -> int:
    with Engine() as engine:
        applied = _apply_files(engine, args.files, report=True)
        for f, r in applied.objects:
            if r.outcome == "rejected":
                n = len(r.errors)
                print(
                    f"warning: {f}: {_describe(f, r)} was rejected "
                    f"({n} field error{'s' if n != 1 else ''}; see `gwapi validate`)",
                    file=sys.stderr,
                )
        stored = sorted(engine.list("stored"), key=lambda r: (r.kind, r.namespace, r.name, r.group))
        if args.output == "text":
            if stored:
                rows = [[r.kind, r.namespace, r.name, str(r.generation)] for r in stored]
                sys.stdout.write(format_table(["KIND", "NAMESPACE", "NAME", "GENERATION"], rows))
            else:
                print("No resources found", file=sys.stderr)
        else:
            doc = _list_document([engine.get(*r.key) for r in stored])
            if args.output == "json":
                _dump_json(doc, sys.stdout)
            else:
                sys.stdout.write(_yaml.dump(doc))
    return 1 if applied.failed else 0


def _cmd_version(args: argparse.Namespace) -> int:
    info = {"libraryVersion": version(), "abiVersion": abi_version(), "library": str(LIBRARY_PATH)}
    if args.output == "json":
        _dump_json(info, sys.stdout)
    else:
        print(f"Library Version: {info['libraryVersion']}")
        print(f"ABI Version: {info['abiVersion']}")
        print(f"Library: {info['library']}")
    return 0


# --------------------------------------------------------------------------
# Entry point


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gwapi",
        description="Validate Kubernetes Gateway API manifests offline, as the API server would.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    files_help = "manifest files (YAML, JSON or a List); '-' reads stdin; a directory means its manifests"

    p = sub.add_parser("validate", help="validate manifests and report every object's outcome")
    p.add_argument("files", nargs="+", metavar="FILE", help=files_help)
    p.add_argument("-o", "--output", choices=["text", "json"], default="text")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("get", help="apply manifests and print what the store holds")
    p.add_argument("files", nargs="+", metavar="FILE", help=files_help)
    p.add_argument("-o", "--output", choices=["text", "json", "yaml"], default="text")
    p.set_defaults(func=_cmd_get)

    p = sub.add_parser("version", help="print the library's version")
    p.add_argument("-o", "--output", choices=["text", "json"], default="text")
    p.set_defaults(func=_cmd_version)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        status = func(args)
        sys.stdout.flush()
        return status
    except GwapiError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`gwapi get ... | head`): not an error of ours.
        # Point stdout at /dev/null so the interpreter's final flush is quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
