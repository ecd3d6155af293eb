"""The ctypes layer itself: the prototype table covers the header, struct
layouts equal the C compiler's, the raw list accessors agree with the list's
JSON, a list outlives its engine, and loading fails clearly.

Checks that could crash the interpreter (C-side lifetime bugs) run in a
subprocess so that a crash is a failed test, not a dead test run.
"""

from __future__ import annotations

import ctypes
import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import PYTHON_DIR, REPO, cli_env
from gwapi import _ffi
from gwapi.engine import read_object_list

HEADER = REPO / "capi" / "include" / "gwapi" / "gwapi.h"
CC = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")


def header_functions() -> set[str]:
    text = re.sub(r"/\*.*?\*/", "", HEADER.read_text(), flags=re.S)
    return set(re.findall(r"\b(gwapi_[a-z_]+)\s*\(", text))


def test_prototype_table_covers_every_header_function() -> None:
    assert header_functions() == set(_ffi._PROTOTYPES)
    for name in _ffi._PROTOTYPES:
        assert getattr(_ffi.lib, name).argtypes is not None, name


STRUCTS = {
    "gwapi_str": _ffi.gwapi_str,
    "gwapi_error": _ffi.gwapi_error,
    "gwapi_engine_opts": _ffi.gwapi_engine_opts,
    "gwapi_object_info": _ffi.gwapi_object_info,
    "gwapi_field_error": _ffi.gwapi_field_error,
    "gwapi_object_key": _ffi.gwapi_object_key,
}


@pytest.mark.skipif(CC is None, reason="needs a C compiler to read the C layout")
def test_struct_layouts_match_the_c_compiler(tmp_path: Path) -> None:
    lines = ["#include <stdio.h>", "#include <stddef.h>", "#include <gwapi/gwapi.h>",
             "int main(void) {"]
    for cname, py in STRUCTS.items():
        lines.append(f'  printf("{cname} sizeof %zu\\n", sizeof({cname}));')
        for fname, _ in py._fields_:
            lines.append(f'  printf("{cname} {fname} %zu\\n", offsetof({cname}, {fname}));')
    lines.append('  printf("enum sizeof %zu\\n", sizeof(gwapi_status));')
    lines += ["  return 0;", "}"]
    src = tmp_path / "layout.c"
    src.write_text("\n".join(lines) + "\n")
    exe = tmp_path / "layout"
    subprocess.run([CC, "-std=c11", "-I", str(HEADER.parents[1]), str(src), "-o", str(exe)],
                   check=True)
    c_layout = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    py_lines = []
    for cname, py in STRUCTS.items():
        py_lines.append(f"{cname} sizeof {ctypes.sizeof(py)}")
        for fname, _ in py._fields_:
            py_lines.append(f"{cname} {fname} {getattr(py, fname).offset}")
    py_lines.append(f"enum sizeof {ctypes.sizeof(_ffi.gwapi_status)}")
    assert c_layout.splitlines() == py_lines


def _apply_raw(data: bytes) -> tuple[object, object]:
    engine = _ffi.EngineP()
    assert _ffi.lib.gwapi_engine_new(None, ctypes.byref(engine), None) == 0
    out = _ffi.ObjectListP()
    status = _ffi.lib.gwapi_engine_apply(engine, data, len(data), ctypes.byref(out), None)
    assert status == 0
    return engine, out


def test_accessors_agree_with_list_json(docs: SimpleNamespace) -> None:
    engine, lst = _apply_raw(docs.join(docs.route, docs.route_bad_enum, docs.deployment).encode())
    try:
        via_structs = [r.to_dict() for r in read_object_list(lst)]
        via_json = json.loads(_ffi.read_str(_ffi.lib.gwapi_object_list_json(lst)))
        assert via_structs == via_json
        assert _ffi.lib.gwapi_object_list_count(lst) == 3
        # Out of range is an error, not a read past the end.
        info = _ffi.gwapi_object_info()
        info.sz = ctypes.sizeof(info)
        assert _ffi.lib.gwapi_object_list_get(lst, 3, ctypes.byref(info)) == 3
        fe = _ffi.gwapi_field_error()
        fe.sz = ctypes.sizeof(fe)
        assert _ffi.lib.gwapi_object_list_error(lst, 0, 0, ctypes.byref(fe)) == 3
    finally:
        _ffi.lib.gwapi_object_list_free(lst)
        _ffi.lib.gwapi_engine_free(engine)


def test_smaller_sz_fills_only_the_known_prefix(docs: SimpleNamespace) -> None:
    """An older caller (smaller struct) must not be written past its sz."""
    engine, lst = _apply_raw(docs.route.encode())
    try:
        info = _ffi.gwapi_object_info()
        sentinel = 0x5A5A5A5A
        info.error_count = sentinel
        info.sz = _ffi.gwapi_object_info.error_count.offset  # everything before error_count
        assert _ffi.lib.gwapi_object_list_get(lst, 0, ctypes.byref(info)) == 0
        assert info.error_count == sentinel
        assert info.sz == _ffi.gwapi_object_info.error_count.offset
        assert _ffi.read_str(info.name) == "http"
    finally:
        _ffi.lib.gwapi_object_list_free(lst)
        _ffi.lib.gwapi_engine_free(engine)


def test_errors_are_copied_then_freed() -> None:
    engine = _ffi.EngineP()
    assert _ffi.lib.gwapi_engine_new(None, ctypes.byref(engine), None) == 0
    try:
        err = _ffi.ErrorP()
        status = _ffi.lib.gwapi_engine_apply(engine, b"{", 1, None, ctypes.byref(err))
        assert status == 3 and err
        assert err.contents.code == 3
        assert _ffi.read_cstr(err.contents.message)
        _ffi.lib.gwapi_error_free(err)
        # Without an err pointer the status alone comes back.
        assert _ffi.lib.gwapi_engine_apply(engine, b"{", 1, None, None) == 3
    finally:
        _ffi.lib.gwapi_engine_free(engine)


def test_free_null_is_a_noop() -> None:
    _ffi.lib.gwapi_engine_free(None)
    _ffi.lib.gwapi_object_list_free(None)
    _ffi.lib.gwapi_error_free(None)
    _ffi.lib.gwapi_string_free(None)


def run_python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=env or cli_env(), timeout=120)


def test_list_outlives_its_engine() -> None:
    """gwapi_engine_apply hands the list to the caller (``**out``): it must stay
    readable after gwapi_engine_free. Run apart, since a bug here crashes."""
    proc = run_python("""
        import ctypes, gc, json
        from gwapi import _ffi
        from gwapi.engine import read_object_list
        lib = _ffi.lib
        e = _ffi.EngineP()
        assert lib.gwapi_engine_new(None, ctypes.byref(e), None) == 0
        data = b"apiVersion: v1\\nkind: Service\\nmetadata: {name: s, namespace: d}\\n---\\n" \\
               b"apiVersion: gateway.networking.k8s.io/v1\\nkind: HTTPRoute\\n" \\
               b"metadata: {name: b, namespace: d}\\nspec: {hostnames: [Bad_Host]}\\n"
        out = _ffi.ObjectListP()
        assert lib.gwapi_engine_apply(e, data, len(data), ctypes.byref(out), None) == 0
        listed = _ffi.ObjectListP()
        assert lib.gwapi_engine_list(e, 2, ctypes.byref(listed), None) == 0
        lib.gwapi_engine_free(e)
        # Scribble over freed memory so that a dangling view shows.
        junk = [bytes(64) * 1000 for _ in range(200)]
        gc.collect()
        for lst in (out, listed):
            rs = read_object_list(lst)
            assert json.loads(_ffi.read_str(lib.gwapi_object_list_json(lst))) == \\
                [r.to_dict() for r in rs]
            lib.gwapi_object_list_free(lst)
        print("ok")
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok")


def test_engine_collected_while_results_are_used() -> None:
    proc = run_python("""
        import gc, gwapi
        results = []
        for i in range(50):
            e = gwapi.Engine()
            results += e.apply("apiVersion: gateway.networking.k8s.io/v1\\nkind: HTTPRoute\\n"
                               f"metadata: {{name: r{i}, namespace: d}}\\n"
                               "spec: {hostnames: [Bad_Host]}\\n")
            del e
            gc.collect()
        assert all(r.outcome == "rejected" and r.errors[0].field == "spec.hostnames[0]"
                   for r in results)
        keep = gwapi.Engine()  # freed at interpreter exit by its finalizer
        print("ok")
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "ok\n"


# -- loading -----------------------------------------------------------------------


def import_with_library(path: str) -> subprocess.CompletedProcess[str]:
    env = cli_env()
    env["GWAPI_LIBRARY"] = path
    return run_python("import gwapi", env)


def test_missing_library_is_a_clear_import_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope" / "libgwapi.so.0")
    proc = import_with_library(missing)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError:") and missing in last and "GWAPI_LIBRARY" in last


def test_not_a_library_is_a_clear_import_error(tmp_path: Path) -> None:
    bogus = tmp_path / "libgwapi.so.0"
    bogus.write_text("not an ELF file")
    proc = import_with_library(str(bogus))
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError:") and str(bogus) in last


@pytest.mark.skipif(CC is None, reason="needs a C compiler to build a stand-in library")
def test_abi_mismatch_is_a_clear_import_error(tmp_path: Path) -> None:
    stubs = [f"void {n}(void) {{}}" for n in sorted(_ffi._PROTOTYPES) if n != "gwapi_abi_version"]
    src = tmp_path / "stub.c"
    src.write_text("\n".join(stubs) + "\nunsigned gwapi_abi_version(void) { return 2; }\n")
    so = tmp_path / "libgwapi.so.0"
    subprocess.run([CC, "-shared", "-fPIC", str(src), "-o", str(so)], check=True)
    proc = import_with_library(str(so))
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError:") and str(so) in last and "ABI" in last


@pytest.mark.skipif(CC is None, reason="needs a C compiler to build a stand-in library")
def test_missing_symbol_is_a_clear_import_error(tmp_path: Path) -> None:
    src = tmp_path / "stub.c"
    src.write_text("unsigned gwapi_abi_version(void) { return 1; }\n")
    so = tmp_path / "libgwapi.so.0"
    subprocess.run([CC, "-shared", "-fPIC", str(src), "-o", str(so)], check=True)
    proc = import_with_library(str(so))
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError:") and str(so) in last


def test_library_search_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GWAPI_LIBRARY", raising=False)
    assert _ffi.candidate_paths() == [
        PYTHON_DIR / "gwapi" / "libgwapi.so.0",
        REPO / "bazel-bin" / "capi" / "libgwapi.so.0",
    ]
    # An explicit choice is the only candidate: a typo is reported, not skipped.
    monkeypatch.setenv("GWAPI_LIBRARY", str(tmp_path / "x.so"))
    assert _ffi.candidate_paths() == [tmp_path / "x.so"]
