"""The ``gwapi`` command-line tool: validate manifests offline, show the store,
show the status the engine computes, decide a request (``match``), replay a
conformance corpus.

Output follows kubectl's conventions so it reads (and greps, and parses)
like the tools Gateway API users already know: tables with capitalised
headers and two-space gaps, ``-o json`` with four-space indents, ``-o yaml``
as a ``List``, diagnostics on stderr prefixed ``error:``/``warning:``.

Exit status: 0 when every file decoded and no object was rejected, 1
otherwise, 2 for a usage error (argparse).
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence, TextIO

from gwapi import _yaml, conformance, statusview
from gwapi._ffi import LIBRARY_PATH
from gwapi.engine import Engine, abi_version, version
from gwapi.errors import GwapiError, NotFoundError, Status
from gwapi.results import ObjectResult, ObjectStatus
from gwapi.lb import LbRow, LoadBalancer, format_lb_list
from gwapi.snapshot import PROTOCOLS, Decision

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


def _warn_rejected(applied: _Applied) -> None:
    for f, r in applied.objects:
        if r.outcome == "rejected":
            n = len(r.errors)
            print(
                f"warning: {f}: {_describe(f, r)} was rejected "
                f"({n} field error{'s' if n != 1 else ''}; see `gwapi validate`)",
                file=sys.stderr,
            )


def _stored_lookup(engine: Engine) -> Callable[[str, str, str], dict[str, Any] | None]:
    """(kind, namespace, name) -> stored object, for the columns that come
    from spec rather than status."""
    keys = {(r.kind, r.namespace, r.name): r.key for r in engine.list("stored")}

    def lookup(kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        key = keys.get((kind, namespace, name))
        return engine.get(*key) if key else None

    return lookup


def _emit_status(items: list[ObjectStatus], output: str) -> None:
    docs = [s.to_dict() for s in items]
    if output == "json":
        _dump_json(docs, sys.stdout)
    else:
        sys.stdout.write(_yaml.dump(docs))


def _cmd_status(args: argparse.Namespace) -> int:
    with Engine(args.controller) as engine:
        applied = _apply_files(engine, args.files, report=True)
        _warn_rejected(applied)
        statuses = engine.status()
        if args.output != "text":
            _emit_status(statuses, args.output)
        elif statuses:
            sys.stdout.write(statusview.status_tables(statuses, _stored_lookup(engine)))
        else:
            print(
                "No status: no stored GatewayClass names the controller "
                f"{args.controller or 'of the engine (default)'}",
                file=sys.stderr,
            )
    return 1 if applied.failed else 0


def _find_object(engine: Engine, kind: str, ref: str) -> ObjectResult | None:
    """The stored object of ``kind`` (case-insensitive, singular or plural)
    named ``ns/name`` (or ``name`` for cluster-scoped kinds)."""
    namespace, _, name = ref.rpartition("/")
    wanted = kind.lower()
    for r in engine.list("stored"):
        k = r.kind.lower()
        if wanted in (k, k + "s", k + "es") and r.namespace == namespace and r.name == name:
            return r
    return None


def _cmd_describe(args: argparse.Namespace) -> int:
    with Engine(args.controller) as engine:
        applied = _apply_files(engine, args.files, report=True)
        _warn_rejected(applied)
        found = _find_object(engine, args.kind, args.ref)
        if found is None:
            print(f"error: {args.kind} {args.ref} not found in the given files", file=sys.stderr)
            return 1
        try:
            status: dict[str, Any] | None = engine.object_status(*found.key)
        except NotFoundError:
            status = None
        if args.output == "text":
            sys.stdout.write(statusview.describe(engine.get(*found.key), status))
        else:
            doc = ObjectStatus(found.api_version, found.kind, found.namespace, found.name, status or {})
            if args.output == "json":
                _dump_json(doc.to_dict(), sys.stdout)
            else:
                sys.stdout.write(_yaml.dump(doc.to_dict()))
    return 1 if applied.failed else 0


def _cmd_conformance(args: argparse.Namespace) -> int:
    features = None
    if args.features is not None:
        features = frozenset(f.strip() for f in args.features.split(",") if f.strip())
    settings = conformance.Settings(
        controller_name=args.controller,
        gateway_class=args.gateway_class,
        features=features,
    )
    cases = [c.strip() for arg in args.case or [] for c in arg.split(",") if c.strip()]
    text = args.output == "text"

    def stream(result: conformance.CaseResult) -> None:
        if text:
            print(result.line(), flush=True)

    results = conformance.replay(args.dir, settings, cases or None, stream)
    line = conformance.summary_line(results)
    if text:
        print(line)
    else:
        _dump_json({"cases": [r.to_dict() for r in results], "summary": line}, sys.stdout)
    return 1 if any(r.outcome == "failed" for r in results) else 0


def format_decision(d: Decision, method: str, host: str, path: str) -> str:
    """One line a human reads at a glance: what was asked, what happens."""
    asked = f"{method} {host}{path}"
    where = f"{d.route_kind} {d.route} rule {d.rule}" + (f" ({d.rule_name})" if d.rule_name else "")
    if d.route is None:
        why = {404: "no route matches", 421: "misdirected: the Host belongs to another listener",
               400: "the path is refused"}.get(d.status, "no route")
        return f"{d.status} {asked}: {why}"
    if not d.forwarded:
        if d.location:
            return f"{d.status} {asked} -> {where} -> redirect {d.location}"
        if d.status == 500:
            bad = f" {d.backend.namespace}/{d.backend.name}" if d.backend else ""
            return f"500 {asked} -> {where} -> no usable backend{bad}"
        return f"{d.status} {asked} -> {where} -> answered by the Gateway"
    b = d.backend
    parts = [f"{asked} -> {where} -> {b.namespace}/{b.name}:{b.port}" if b else f"{asked} -> {where}"]
    if b and len(d.backends) > 1:
        parts.append(f"(weight {b.weight}/{sum(x.weight for x in d.backends)})")
    fwd = d.request
    if fwd is not None:
        if fwd.path != path:
            parts.append(f"[path {fwd.path}]")
        if fwd.host != host:
            parts.append(f"[host {fwd.host}]")
    for m in d.mirrors:
        parts.append(f"[mirror {m.backend.namespace}/{m.backend.name} {m.percent:g}%]")
    edits = len(d.response_headers)
    if edits:
        parts.append(f"[{edits} response header edit{'s' if edits != 1 else ''}]")
    if d.timeouts:
        parts.append("[timeouts " + ", ".join(f"{k[:-2]} {v} ms" for k, v in d.timeouts.items()) + "]")
    if d.retry:
        parts.append(f"[retry {d.retry.get('attempts', '-')}x on {d.retry.get('codes', [])}]")
    return " ".join(parts)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 0 < port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1..65535)")
    return port


def _parse_header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"header {text!r} is not 'Name: value'")
    return name.strip(), value.strip()


def _cmd_match(args: argparse.Namespace) -> int:
    with Engine(args.controller) as engine:
        applied = _apply_files(engine, args.files, report=True)
        _warn_rejected(applied)
        with engine.snapshot() as snap:
            if snap.gateway_index(args.gateway) < 0:
                print(f"error: Gateway {args.gateway} is not programmed by this controller "
                      "(see `gwapi status`)", file=sys.stderr)
                return 1
            d = snap.match(
                gateway=args.gateway, port=args.port, protocol=args.protocol, host=args.host,
                method=args.method, path=args.path, headers=args.header or [], sni=args.sni or "",
                hash=args.hash,
            )
    if args.output == "json":
        _dump_json(dataclasses.asdict(d), sys.stdout)
    else:
        print(format_decision(d, args.method, args.host, args.path))
    return 1 if applied.failed else 0


def _lb_rows_out(rows: list[LbRow], output: str) -> None:
    if output == "json":
        _dump_json([dataclasses.asdict(r) for r in rows], sys.stdout)
    else:
        sys.stdout.write(format_lb_list(rows))


def _cmd_lb_list(args: argparse.Namespace) -> int:
    with LoadBalancer(args.pin_path, create=False) as lb:
        _lb_rows_out(lb.list(), args.output)
    return 0


def _cmd_lb_sync(args: argparse.Namespace) -> int:
    if args.in_memory == bool(args.pin_path):
        print("error: give exactly one of --pin-path and --in-memory", file=sys.stderr)
        return 2
    with Engine(args.controller) as engine:
        applied = _apply_files(engine, args.files, report=True)
        _warn_rejected(applied)
        with engine.snapshot() as snap, LoadBalancer(
            args.pin_path,
            in_memory=args.in_memory,
            l7_proxy_port=args.proxy_port,
            protocol_differentiation=args.protocol_differentiation,
        ) as lb:
            report = lb.sync(snap)
            for note in report.notes:
                print(f"warning: {note}", file=sys.stderr)
            print(
                f"synced: {report.frontends_changed} frontends changed, {report.frontends_removed} removed, "
                f"{report.entries_written} entries written, {report.entries_deleted} deleted"
            )
            _lb_rows_out(lb.list(), args.output)
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
        description="Validate Kubernetes Gateway API manifests offline, as the API server would; "
        "show the status a conformant controller writes for them.",
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

    controller_help = (
        "the controller name whose GatewayClasses the engine is responsible for "
        "(default: the engine's own, gwapi.dev/gateway-controller; the seed example "
        "uses io.cilium/gateway-controller)"
    )
    p = sub.add_parser(
        "status",
        help="apply manifests and print the status the engine computes",
        description="Tables of GatewayClasses, Gateways, ListenerSets, routes and "
        "BackendTLSPolicies with their key conditions; every False condition is "
        "listed beneath its table with reason and message.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help=files_help)
    p.add_argument("--controller", metavar="NAME", help=controller_help)
    p.add_argument("-o", "--output", choices=["text", "json", "yaml"], default="text",
                   help="json/yaml: the status stanzas [{apiVersion, kind, namespace, name, status}]")
    p.set_defaults(func=_cmd_status)

    p = sub.add_parser("describe", help="show one object: metadata, spec summary and status")
    p.add_argument("kind", metavar="KIND", help="Gateway, HTTPRoute, ... (case-insensitive; plurals work)")
    p.add_argument("ref", metavar="NS/NAME", help="namespace/name, or name for cluster-scoped kinds")
    p.add_argument("files", nargs="+", metavar="FILE", help=files_help)
    p.add_argument("--controller", metavar="NAME", help=controller_help)
    p.add_argument("-o", "--output", choices=["text", "json", "yaml"], default="text",
                   help="json/yaml: the object's status stanza")
    p.set_defaults(func=_cmd_describe)

    p = sub.add_parser(
        "conformance",
        help="replay a conformance corpus against the engine's status",
        description="Replays every case of DIR (cases/*.json and manifests/, the format of "
        "shared/conformance/README.md): prints one line per case, 'NAME: passed', "
        "'NAME: failed: <first difference>' or 'NAME: not-applicable: <reason>', then "
        "'N passed, N failed, N skipped'. Exits 1 when a case failed.",
    )
    p.add_argument("dir", metavar="DIR", help="the corpus directory (holding cases/ and manifests/)")
    p.add_argument("--features", metavar="F,...",
                   help="the features to treat as claimed (default: what the engine claims)")
    p.add_argument("--case", action="append", metavar="NAME", help="run only this case (repeatable, or NAME,NAME)")
    p.add_argument("--controller", default=conformance.DEFAULT_CONTROLLER, metavar="NAME",
                   help=f"the controller name of the harness's GatewayClass (default: {conformance.DEFAULT_CONTROLLER})")
    p.add_argument("--gateway-class", default=conformance.DEFAULT_GATEWAY_CLASS, metavar="NAME",
                   help=f"the GatewayClass every corpus Gateway names (default: {conformance.DEFAULT_GATEWAY_CLASS})")
    p.add_argument("-o", "--output", choices=["text", "json"], default="text")
    p.set_defaults(func=_cmd_conformance)

    p = sub.add_parser(
        "match",
        help="decide one request: route, rule, backend and filters",
        description="Applies the manifests, compiles the routing snapshot and decides one request "
        "arriving at a Gateway, as the Gateway's proxy would.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help=files_help)
    p.add_argument("--gateway", required=True, metavar="NS/NAME", help="the Gateway the request arrives at")
    p.add_argument("--port", type=_port, default=80, metavar="N", help="the listener port (default 80)")
    p.add_argument("--protocol", default="HTTP", choices=sorted(PROTOCOLS), help="default HTTP")
    p.add_argument("--host", default="", metavar="H", help="the Host header (any case, optional :port)")
    p.add_argument("--path", default="/", metavar="P", help="path with optional ?query (default /)")
    p.add_argument("--method", default="GET", metavar="M")
    p.add_argument("-H", "--header", action="append", type=_parse_header, metavar="'K: V'",
                   help="a request header (repeatable)")
    p.add_argument("--sni", metavar="NAME", help="TLS server name (HTTPS, GRPCS, TLS)")
    p.add_argument("--hash", type=int, default=0, metavar="N",
                   help="flow hash that picks among weighted backends (default 0)")
    p.add_argument("--controller", metavar="NAME", help=controller_help)
    p.add_argument("-o", "--output", choices=["text", "json"], default="text")
    p.set_defaults(func=_cmd_match)

    p = sub.add_parser("lb", help="the eBPF load-balancer maps (Cilium's layout)")
    lb_sub = p.add_subparsers(dest="lb_command", metavar="COMMAND", required=True)
    q = lb_sub.add_parser("list", help="print the LB maps as `cilium-dbg bpf lb list` does")
    q.add_argument("--pin-path", metavar="P", help="the maps' pin directory (default /sys/fs/bpf/tc/globals)")
    q.add_argument("-o", "--output", choices=["text", "json"], default="text")
    q.set_defaults(func=_cmd_lb_list)
    q = lb_sub.add_parser(
        "sync",
        help="write the LB view of the manifests into the maps, then list them",
        description="Applies the manifests, compiles the routing snapshot and makes the LB maps hold "
        "its frontends: Gateway addresses to the L7 proxy port, TCP/UDP listeners to their "
        "routes' endpoints, Services' ClusterIPs to their endpoints.",
    )
    q.add_argument("files", nargs="+", metavar="FILE", help=files_help)
    q.add_argument("--pin-path", metavar="P", help="the maps' pin directory (created if missing)")
    q.add_argument("--in-memory", action="store_true", help="an in-memory map set: what the maps would hold")
    q.add_argument("--proxy-port", type=_port, default=12141, metavar="N", help="the node's L7 proxy port")
    q.add_argument("--protocol-differentiation", action="store_true",
                   help="separate TCP and UDP entries on one address and port (Cilium 1.17); "
                   "default: protocol 0, as Cilium 1.16")
    q.add_argument("--controller", metavar="NAME", help=controller_help)
    q.add_argument("-o", "--output", choices=["text", "json"], default="text")
    q.set_defaults(func=_cmd_lb_sync)

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
    except (GwapiError, conformance.CorpusError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except ImportError as e:
        # A library without the status engine: say which symbol is missing.
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
