"""The embedded CRD schema is exactly what the generator makes of the
upstream CRDs: nobody edited the generated file by hand, and it is not stale."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCHEMA_DIR = REPO / "lib" / "validate" / "schema"


def test_committed_schema_equals_regenerated() -> None:
    shared = os.environ.get("GWAPI_SHARED_DIR", str(REPO.parent / "shared"))
    crds = Path(shared) / "gateway-api" / "v1.6.1" / "standard"
    assert crds.is_dir(), f"{crds} not found: set GWAPI_SHARED_DIR"
    out = subprocess.run(
        [sys.executable, str(SCHEMA_DIR / "gen_crd_schema.py"), str(crds)],
        check=True, capture_output=True, text=True,
    ).stdout
    committed = (SCHEMA_DIR / "gateway_api_v1.6.1.json").read_text(encoding="utf-8")
    assert out == committed, "regenerate with lib/validate/schema/gen_crd_schema.py"
