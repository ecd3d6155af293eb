"""The conformance replayer (``gwapi conformance``) as CI runs it.

Two things are proven here: the engine passes every status and request
assertion of the shared corpus for the features it claims, and the replayer
itself can fail (a synthetic corpus with deliberately wrong cases), so a
green run means something. Cases that need live traffic are never reported
passed.

The shared corpus is read from ``$GWAPI_SHARED_DIR/conformance`` (default
``<repo>/../shared/conformance``), as .ci/test sets it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PYTHON_DIR = REPO / "bindings" / "python"
SYNTHETIC = Path(__file__).resolve().parent / "data" / "corpus"
SUMMARY = re.compile(r"(\d+) passed, (\d+) failed, (\d+) skipped")


def shared_corpus() -> Path:
    root = os.environ.get("GWAPI_SHARED_DIR") or str(REPO.parent / "shared")
    return Path(root) / "conformance"


def conformance(*args: str | os.PathLike[str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``gwapi conformance ARGS`` in a subprocess, as a user runs it."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PYTHON_DIR), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "gwapi", "conformance", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def shared_run() -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One replay of the whole shared corpus, shared by the tests below."""
    corpus = shared_corpus()
    if not (corpus / "cases").is_dir():
        pytest.fail(
            f"conformance corpus not found at {corpus}; set GWAPI_SHARED_DIR to the "
            "directory holding conformance/"
        )
    return corpus, conformance(corpus)


def test_shared_corpus_has_no_failed_case(shared_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    corpus, proc = shared_run
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines, proc.stderr
    summary = SUMMARY.fullmatch(lines[-1])
    assert summary, f"last line is not the summary: {lines[-1]!r}"
    failed = [ln for ln in lines if ": failed: " in ln]
    assert not failed, "\n".join(failed)
    assert proc.returncode == 0, proc.stderr
    cases = sorted(p.stem for p in (corpus / "cases").glob("*.json"))
    assert sum(map(int, summary.groups())) == len(cases)
    assert [ln.split(":", 1)[0] for ln in lines[:-1]] == cases


# Request protocols whose exchange only live traffic can show (README 7.2,
# section 10): a case holding one is never "passed".
LIVE_PROTOCOLS = {"HTTPS", "H2", "TLS", "H2C_PRIOR_KNOWLEDGE", "WEBSOCKET"}


def needs_live_traffic(case: dict) -> bool:
    requests = case["requests"] + [r for s in case.get("steps", []) for r in s["requests"]]
    return "provisionedResources" in case or any(
        r["request"]["protocol"] in LIVE_PROTOCOLS
        or "clientCertificate" in r["request"]
        or "backendDelay" in r
        or "retrySimulation" in r
        or "backendPodPrefix" in r
        for r in requests
    )


def test_live_traffic_assertions_are_never_reported_passed(
        shared_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    corpus, proc = shared_run
    outcome = dict(ln.split(": ", 1) for ln in proc.stdout.splitlines()[:-1])
    live = 0
    for path in sorted((corpus / "cases").glob("*.json")):
        case = json.loads(path.read_text())
        if needs_live_traffic(case):
            live += 1
            assert not outcome[case["name"]].startswith("passed"), case["name"]
    assert live > 0


def test_request_cases_pass_at_decision_level(
        shared_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """Plain HTTP request cases are checkable end to end: at least some pass."""
    corpus, proc = shared_run
    outcome = dict(ln.split(": ", 1) for ln in proc.stdout.splitlines()[:-1])
    passed_with_requests = [
        p.stem for p in sorted((corpus / "cases").glob("*.json"))
        if json.loads(p.read_text())["requests"] and outcome[p.stem] == "passed"
    ]
    assert len(passed_with_requests) >= 10, passed_with_requests


def test_synthetic_corpus_one_passed_one_failed() -> None:
    proc = conformance(SYNTHETIC, "--features", "Gateway,HTTPRoute")
    lines = proc.stdout.splitlines()
    assert lines[-1] == "1 passed, 1 failed, 0 skipped", proc.stdout + proc.stderr
    assert proc.returncode == 1
    assert "SyntheticPass: passed" in lines
    (failed,) = [ln for ln in lines if ln.startswith("SyntheticFail: ")]
    assert failed.startswith("SyntheticFail: failed: Gateway synthetic/gw: conditions: ")
    assert "DeliberatelyAbsent" in failed


def test_synthetic_corpus_json_output() -> None:
    proc = conformance(SYNTHETIC, "--features", "Gateway,HTTPRoute", "--output", "json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["summary"] == "1 passed, 1 failed, 0 skipped"
    outcomes = {c["name"]: c["outcome"] for c in doc["cases"]}
    assert outcomes == {"SyntheticFail": "failed", "SyntheticPass": "passed"}
    passed = next(c for c in doc["cases"] if c["name"] == "SyntheticPass")
    assert passed["checked"] > 0 and passed["differences"] == []


def test_unclaimed_feature_is_not_applicable() -> None:
    proc = conformance(SYNTHETIC, "--features", "Gateway", "--case", "SyntheticPass")
    assert proc.stdout.splitlines() == [
        "SyntheticPass: not-applicable: the engine does not claim HTTPRoute",
        "0 passed, 0 failed, 1 skipped",
    ]
    assert proc.returncode == 0


def test_not_a_corpus_is_a_clear_error(tmp_path: Path) -> None:
    proc = conformance(tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ") and "not a conformance corpus" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_case_is_a_clear_error() -> None:
    proc = conformance(SYNTHETIC, "--features", "Gateway", "--case", "NoSuchCase")
    assert proc.returncode == 1
    assert "no case named NoSuchCase" in proc.stderr


def with_requests(tmp_path: Path, requests: list[dict]) -> Path:
    """The synthetic corpus with SyntheticPass carrying ``requests``."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SYNTHETIC, corpus)
    (corpus / "cases" / "SyntheticFail.json").unlink()
    case = json.loads((corpus / "cases" / "SyntheticPass.json").read_text())
    case["requests"] = requests
    (corpus / "cases" / "SyntheticPass.json").write_text(json.dumps(case))
    return corpus


def http_request(path: str, backend: str, codes: list[int]) -> dict:
    entry = {
        "gateway": "synthetic/gw", "port": 80,
        "request": {"protocol": "HTTP", "method": "GET", "path": path},
        "response": {"statusCodes": codes},
    }
    if backend:
        entry.update({"backend": backend, "namespace": "synthetic"})
    return entry


def test_http_request_assertions_pass(tmp_path: Path) -> None:
    corpus = with_requests(tmp_path, [http_request("/", "backend", [200]), http_request("/x?y=1", "backend", [200])])
    proc = conformance(corpus, "--features", "Gateway,HTTPRoute")
    assert proc.stdout.splitlines() == ["SyntheticPass: passed", "1 passed, 0 failed, 0 skipped"], proc.stderr
    assert proc.returncode == 0


def test_wrong_backend_expectation_fails(tmp_path: Path) -> None:
    corpus = with_requests(tmp_path, [http_request("/", "elsewhere", [200])])
    proc = conformance(corpus, "--features", "Gateway,HTTPRoute")
    first, last = proc.stdout.splitlines()
    assert first.startswith("SyntheticPass: failed: request 0 (HTTP synthetic/gw:80 /): backend: "), first
    assert "synthetic/backend, expected synthetic/elsewhere" in first
    assert last == "0 passed, 1 failed, 0 skipped"
    assert proc.returncode == 1


def test_wrong_status_expectation_fails(tmp_path: Path) -> None:
    corpus = with_requests(tmp_path, [http_request("/", "", [404])])
    proc = conformance(corpus, "--features", "Gateway,HTTPRoute")
    assert "response.statusCodes: 200, expected one of [404]" in proc.stdout
    assert proc.returncode == 1


def test_live_exchange_makes_a_passing_case_not_applicable(tmp_path: Path) -> None:
    entry = http_request("/", "backend", [200])
    entry["request"] = {"protocol": "H2C_PRIOR_KNOWLEDGE", "method": "GET", "path": "/"}
    proc = conformance(with_requests(tmp_path, [entry]), "--features", "Gateway,HTTPRoute")
    assert proc.returncode == 0, proc.stderr
    first, last = proc.stdout.splitlines()
    assert first.startswith("SyntheticPass: not-applicable: request 0 (H2C_PRIOR_KNOWLEDGE synthetic/gw:80 /): "
                            "the h2c prior-knowledge exchange (class L)"), first
    assert last == "0 passed, 0 failed, 1 skipped"
