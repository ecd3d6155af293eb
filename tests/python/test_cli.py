"""The command-line tool as a user runs it: a subprocess, its exit status,
stdout and stderr."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

import pytest
import yaml

from conftest import LAUNCHER, RunCli, cli_env

Write = Callable[[str, "str | bytes"], Path]


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr


# -- validate ----------------------------------------------------------------------


def test_validate_all_accepted_exits_0(cli: RunCli, write: Write, docs: SimpleNamespace) -> None:
    f = write("ok.yaml", docs.join(docs.gateway_class, docs.gateway, docs.route))
    proc = cli("validate", f)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        "accepted  GatewayClass gwapi\n"
        "accepted  Gateway default/gw\n"
        "accepted  HTTPRoute default/http\n"
    )
    assert proc.stderr == ""


def test_validate_rejected_prints_field_errors_and_exits_1(
        cli: RunCli, write: Write, docs: SimpleNamespace) -> None:
    f = write("mixed.yaml", docs.join(docs.route, docs.route_bad_enum, docs.deployment))
    proc = cli("validate", f)
    assert proc.returncode == 1
    no_traceback(proc)
    lines = proc.stdout.splitlines()
    assert lines[0] == "accepted  HTTPRoute default/http"
    assert lines[1] == "rejected  HTTPRoute default/bad"
    errors = [ln for ln in lines[2:] if ln.startswith("    ")]
    assert errors and any(
        ln.startswith("    spec.rules[0].matches[0].path.type: Unsupported value: ") for ln in errors)
    assert re.fullmatch(r"ignored   Deployment default/web \(.+\)", lines[-1])


def test_validate_cel_error_line(cli: RunCli, write: Write, docs: SimpleNamespace) -> None:
    proc = cli("validate", write("p.yaml", docs.route_bad_path))
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0] == "rejected  HTTPRoute default/bad-path"
    assert proc.stdout.splitlines()[1].startswith("    spec.rules[0].matches[0].path")


def test_validate_unchanged_keeps_two_space_gap(cli: RunCli, write: Write,
                                                docs: SimpleNamespace) -> None:
    f = write("r.yaml", docs.route)
    proc = cli("validate", f, f)
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == [
        "accepted   HTTPRoute default/http",
        "unchanged  HTTPRoute default/http",
    ]


def test_validate_decode_error_is_one_line_on_stderr(
        cli: RunCli, write: Write, docs: SimpleNamespace) -> None:
    good = write("good.yaml", docs.route)
    bad = write("bad.yaml", docs.malformed_yaml)
    proc = cli("validate", bad, good)
    assert proc.returncode == 1
    no_traceback(proc)
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"error: {bad}: "), line
    (err,) = json.loads(cli("validate", "-o", "json", bad).stdout)["errors"]
    assert err["location"] and err["location"] in line
    # The other file is still validated.
    assert proc.stdout == "accepted  HTTPRoute default/http\n"


def test_validate_missing_file(cli: RunCli, tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    proc = cli("validate", missing)
    assert proc.returncode == 1
    no_traceback(proc)
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"error: {missing}: ")


def test_validate_stdin(cli: RunCli, docs: SimpleNamespace) -> None:
    proc = cli("validate", "-", stdin=docs.join(docs.route, docs.route_bad_enum))
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[:2] == [
        "accepted  HTTPRoute default/http",
        "rejected  HTTPRoute default/bad",
    ]


def test_validate_stdin_decode_error(cli: RunCli, docs: SimpleNamespace) -> None:
    proc = cli("validate", "-", stdin=docs.malformed_yaml)
    assert proc.returncode == 1
    (line,) = proc.stderr.splitlines()
    assert line.startswith("error: <stdin>: ")


def test_validate_files_share_one_engine(cli: RunCli, write: Write, docs: SimpleNamespace) -> None:
    a = write("a.yaml", docs.route)
    b = write("b.yaml", docs.route.replace("port: 8000", "port: 9000"))
    proc = cli("validate", "-o", "json", a, b)
    doc = json.loads(proc.stdout)
    assert [(o["file"], o["outcome"], o["generation"]) for o in doc["objects"]] == [
        (str(a), "accepted", 1), (str(b), "accepted", 2)]


def test_validate_directory(cli: RunCli, write: Write, docs: SimpleNamespace) -> None:
    write("dir/1-gateway.yaml", docs.gateway)
    write("dir/2-route.yml", docs.route)
    write("dir/README.md", "not a manifest")
    proc = cli("validate", Path(write("dir/3.json", "[]")).parent)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["accepted  Gateway default/gw",
                                        "accepted  HTTPRoute default/http"]


def test_validate_json_output(cli: RunCli, write: Write, docs: SimpleNamespace) -> None:
    good = write("good.yaml", docs.join(docs.route, docs.route_bad_enum, docs.deployment))
    bad = write("bad.yaml", docs.malformed_yaml)
    proc = cli("validate", "--output", "json", good, bad)
    assert proc.returncode == 1
    assert proc.stderr == ""  # everything is in the document
    doc = json.loads(proc.stdout)
    assert set(doc) == {"objects", "errors"}
    objs = doc["objects"]
    assert [(o["outcome"], o["kind"], o["namespace"], o["name"]) for o in objs] == [
        ("accepted", "HTTPRoute", "default", "http"),
        ("rejected", "HTTPRoute", "default", "bad"),
        ("ignored", "Deployment", "default", "web"),
    ]
    assert {o["file"] for o in objs} == {str(good)}
    for o in objs:
        assert set(o) >= {"apiVersion", "generation", "source", "note", "errors"}
    assert any(e["field"] == "spec.rules[0].matches[0].path.type"
               and e["constraint"] == "spec.rules[].matches[].path.type#enum"
               for e in objs[1]["errors"])
    (err,) = doc["errors"]
    assert err["file"] == str(bad)
    assert err["code"] == "INVALID_ARGUMENT"
    assert err["message"] and err["location"]


def test_validate_json_all_good(cli: RunCli, write: Write, docs: SimpleNamespace) -> None:
    proc = cli("validate", "-o", "json", write("r.yaml", docs.route))
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["errors"] == []


# -- get -----------------------------------------------------------------------------


def test_get_table(cli: RunCli, write: Write, docs: SimpleNamespace) -> None:
    f = write("all.yaml", docs.join(docs.route, docs.service, docs.gateway, docs.gateway_class,
                                    docs.deployment))
    proc = cli("get", f)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "KIND          NAMESPACE  NAME     GENERATION",
        "Gateway       default    gw       1",
        "GatewayClass             gwapi    1",
        "HTTPRoute     default    http     1",
        "Service       default    httpbin  1",
    ]


def test_get_reports_rejected_and_exits_1(cli: RunCli, write: Write,
                                          docs: SimpleNamespace) -> None:
    proc = cli("get", write("x.yaml", docs.join(docs.route, docs.route_bad_enum)))
    assert proc.returncode == 1
    no_traceback(proc)
    assert [ln.split()[:3] for ln in proc.stdout.splitlines()] == [
        ["KIND", "NAMESPACE", "NAME"], ["HTTPRoute", "default", "http"]]
    (warning,) = proc.stderr.splitlines()
    assert warning.startswith("warning: ") and "HTTPRoute default/bad" in warning


def test_get_nothing_stored(cli: RunCli, write: Write, docs: SimpleNamespace) -> None:
    proc = cli("get", write("d.yaml", docs.deployment))
    assert proc.returncode == 0
    assert proc.stdout == ""
    assert proc.stderr == "No resources found\n"


def test_get_json_is_a_list_with_defaults(cli: RunCli, write: Write,
                                          docs: SimpleNamespace) -> None:
    proc = cli("get", "-o", "json", write("r.yaml", docs.join(docs.route, docs.gateway)))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert (doc["apiVersion"], doc["kind"]) == ("v1", "List")
    assert [i["kind"] for i in doc["items"]] == ["Gateway", "HTTPRoute"]
    route = doc["items"][1]
    assert route["spec"]["rules"][0]["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    assert route["spec"]["rules"][0]["backendRefs"][0]["weight"] == 1
    assert proc.stdout.startswith('{\n    "apiVersion"')  # kubectl's four-space indent


def test_get_yaml_matches_json(cli: RunCli, write: Write, docs: SimpleNamespace) -> None:
    f = write("r.yaml", docs.join(docs.route, docs.gateway_class))
    as_json = json.loads(cli("get", "-o", "json", f).stdout)
    proc = cli("get", "--output", "yaml", f)
    assert proc.returncode == 0
    assert yaml.safe_load(proc.stdout) == as_json
    assert "\nitems:\n- " in proc.stdout


def test_get_yaml_without_pyyaml(cli: RunCli, write: Write, docs: SimpleNamespace,
                                 tmp_path: Path) -> None:
    """The fallback emitter: hide PyYAML from the subprocess."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "yaml.py").write_text("raise ImportError('PyYAML hidden by the test')\n")
    f = write("r.yaml", docs.join(docs.route, docs.gateway_class))
    env = cli_env()
    env["PYTHONPATH"] = f"{blocker}{os.pathsep}{env['PYTHONPATH']}"
    proc = subprocess.run([sys.executable, "-m", "gwapi", "get", "-o", "yaml", str(f)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    as_json = json.loads(cli("get", "-o", "json", f).stdout)
    assert yaml.safe_load(proc.stdout) == as_json


# -- version, usage, launcher ---------------------------------------------------------------


def test_version(cli: RunCli) -> None:
    proc = cli("version")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert re.fullmatch(r"Library Version: \d+\.\d+\.\d+", lines[0])
    assert lines[1] == "ABI Version: 1"
    info = json.loads(cli("version", "-o", "json").stdout)
    assert info["abiVersion"] == 1 and Path(info["library"]).exists()


@pytest.mark.parametrize("args", [[], ["validate"], ["frobnicate"], ["get", "-o", "wide", "x"]])
def test_usage_errors_exit_2(cli: RunCli, args: list[str]) -> None:
    proc = cli(*args)
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: gwapi")
    no_traceback(proc)


def test_launcher_through_symlink_from_any_cwd(tmp_path: Path, write: Write,
                                               docs: SimpleNamespace) -> None:
    link = tmp_path / "bin" / "gwapi"
    link.parent.mkdir()
    link.symlink_to(LAUNCHER)
    f = write("r.yaml", docs.route)
    # A `gwapi` folder in the cwd must not shadow the package.
    (tmp_path / "gwapi").mkdir()
    (tmp_path / "gwapi" / "__init__.py").write_text("raise SystemExit('shadowed')\n")
    env = cli_env()
    env.pop("PYTHONPATH")
    env["GWAPI_PYTHON"] = sys.executable
    proc = subprocess.run([str(link), "validate", f.name], cwd=tmp_path, capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "accepted  HTTPRoute default/http\n"


def test_broken_pipe_is_quiet(write: Write, docs: SimpleNamespace, tmp_path: Path) -> None:
    many = docs.join(*[docs.route.replace("name: http", f"name: r{i}") for i in range(2000)])
    f = write("many.yaml", many)
    proc = subprocess.run(
        f"'{sys.executable}' -m gwapi validate '{f}' | head -1",
        shell=True, capture_output=True, text=True, env=cli_env(), timeout=120)
    assert proc.stdout == "accepted  HTTPRoute default/r0\n"
    no_traceback(proc)
