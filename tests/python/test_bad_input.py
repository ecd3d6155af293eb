"""Every input in tests/data/bad/ (and two too large to keep as files) must
give a non-zero exit from `gwapi validate`, one clear error naming the object
or the input location (and the field), no traceback, no crash, and nothing
stored. See tests/data/bad/README.md.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import gwapi
from conftest import BAD_DIR, cli_env

CASES = sorted(p for p in BAD_DIR.glob("*") if p.is_file() and p.suffix != ".md") \
    if BAD_DIR.is_dir() else []

# A field error line under a rejected object: "    spec.x[0].y: <type>: ..."
FIELD_LINE = re.compile(r"    [A-Za-z][\w.\[\]/-]*: \S.*")
REJECTED_LINE = re.compile(r"rejected  \S+ \S+.*")


def _generated(tmp: Path) -> list[Path]:
    big = tmp / "string-100mb.yaml"
    with big.open("wb") as f:
        f.write(b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\n"
                b"  namespace: default\ndata:\n  blob: \"")
        chunk = b"x" * (1 << 20)
        for _ in range(100):
            f.write(chunk)
        f.write(b"\"\n")
    deep = tmp / "nested-10000.json"
    deep.write_text('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "deep", '
                    '"namespace": "default"}, "data": {"k": ' + "[" * 10000 + "]" * 10000 + "}}")
    return [big, deep]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {p.name: p for p in _generated(tmp_path_factory.mktemp("bad"))}


def _case_path(case: str, generated: dict[str, Path]) -> Path:
    if case == "<none>":
        pytest.fail(f"no bad-input cases in {BAD_DIR}: the folder is missing or empty; "
                    "add one file per case (see the module docstring)")
    return generated.get(case) or BAD_DIR / case


CASE_IDS = [p.name for p in CASES] or ["<none>"]
ALL_IDS = CASE_IDS + ["string-100mb.yaml", "nested-10000.json"]


def _decode_error_location(path: Path) -> str:
    """The location the library gives for an undecodable input ("" if none)."""
    with gwapi.Engine() as engine:
        try:
            engine.apply(path.read_bytes())
        except gwapi.InvalidArgumentError as e:
            return e.location
    return ""


@pytest.mark.parametrize("case", ALL_IDS)
def test_cli_reports_bad_input(case: str, generated: dict[str, Path]) -> None:
    path = _case_path(case, generated)
    proc = subprocess.run([sys.executable, "-m", "gwapi", "validate", str(path)],
                          capture_output=True, text=True, env=cli_env(), timeout=300)
    out, err = proc.stdout.splitlines(), proc.stderr.splitlines()
    context = f"exit {proc.returncode}\nstdout:\n{proc.stdout[:2000]}\nstderr:\n{proc.stderr[:2000]}"
    assert proc.returncode == 1, context
    assert "Traceback" not in proc.stdout + proc.stderr, context
    if err:
        # Undecodable: one line naming the file and the input location.
        assert len(err) == 1, context
        assert err[0].startswith(f"error: {path}: "), context
        location = _decode_error_location(path)
        assert location, f"the library reports no location for this input\n{context}"
        assert location in err[0], context
        assert out == [], context
    else:
        # Decoded but invalid: each rejected object named, then its fields.
        rejected = [i for i, ln in enumerate(out) if REJECTED_LINE.fullmatch(ln)]
        assert rejected, context
        for i in rejected:
            assert i + 1 < len(out) and FIELD_LINE.fullmatch(out[i + 1]), context
        assert not any(ln.startswith("accepted") for ln in out), context


@pytest.mark.parametrize("case", ALL_IDS)
def test_engine_stores_nothing_from_bad_input(case: str, generated: dict[str, Path]) -> None:
    path = _case_path(case, generated)
    with gwapi.Engine() as engine:
        try:
            results = engine.apply(path.read_bytes())
        except gwapi.InvalidArgumentError as e:
            assert e.message and e.location, repr(e)
        else:
            assert any(r.outcome == "rejected" for r in results), results
            for r in results:
                if r.outcome == "rejected":
                    assert r.errors and all(fe.field and fe.constraint for fe in r.errors), r
        assert engine.list("stored") == []
