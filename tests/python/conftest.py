"""Shared fixtures for the Python binding and CLI tests.

The tests import the package from ``bindings/python`` of this checkout and
load the library the binding finds on its own (``GWAPI_LIBRARY``, else
``bazel-bin/capi/libgwapi.so.0``): build it first with
``bazel build //capi:libgwapi.so.0``. A missing library fails collection
with the binding's ImportError, which says what to do.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Iterator

import pytest

REPO = Path(__file__).resolve().parents[2]
PYTHON_DIR = REPO / "bindings" / "python"
LAUNCHER = PYTHON_DIR / "bin" / "gwapi"
BAD_DIR = REPO / "tests" / "data" / "bad"

if str(PYTHON_DIR) not in sys.path:
    sys.path.insert(0, str(PYTHON_DIR))

import gwapi  # noqa: E402  (needs the path above)

GATEWAY_CLASS = """\
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: gwapi
spec:
  controllerName: gwapi.dev/gateway-controller
"""

GATEWAY = """\
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  gatewayClassName: gwapi
  listeners:
  - name: http
    protocol: HTTP
    port: 80
"""

ROUTE = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: http
  namespace: default
spec:
  parentRefs:
  - name: gw
  hostnames: [httpbin.example.com]
  rules:
  - backendRefs:
    - name: httpbin
      port: 8000
"""

# spec.rules[0].matches[0].path.type is an enum: Exact, PathPrefix, RegularExpression.
ROUTE_BAD_ENUM = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: bad
  namespace: default
spec:
  rules:
  - matches:
    - path:
        type: Prefix
        value: /
"""

# The CEL rule on path: PathPrefix values must be absolute.
ROUTE_BAD_PATH = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: bad-path
  namespace: default
spec:
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: foo
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 1
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: httpbin
  namespace: default
spec:
  ports:
  - port: 8000
"""

MALFORMED_YAML = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: x
  namespace: [unclosed
"""


def join(*docs: str) -> str:
    """Multi-document YAML."""
    return "---\n".join(docs)


@pytest.fixture
def docs() -> SimpleNamespace:
    """The sample manifests, by name."""
    return SimpleNamespace(
        gateway_class=GATEWAY_CLASS,
        gateway=GATEWAY,
        route=ROUTE,
        route_bad_enum=ROUTE_BAD_ENUM,
        route_bad_path=ROUTE_BAD_PATH,
        deployment=DEPLOYMENT,
        service=SERVICE,
        malformed_yaml=MALFORMED_YAML,
        join=join,
    )


@pytest.fixture
def engine() -> Iterator[gwapi.Engine]:
    with gwapi.Engine() as e:
        yield e


def cli_env() -> dict[str, str]:
    """The environment a CLI subprocess runs in: this checkout's package."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PYTHON_DIR), env.get("PYTHONPATH")]))
    return env


RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(tmp_path: Path) -> RunCli:
    """Runs ``python3 -m gwapi ARGS`` (this interpreter) and captures text output."""

    def run(*args: str | os.PathLike[str], stdin: str | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gwapi", *map(str, args)],
            input=stdin,
            capture_output=True,
            text=True,
            env=cli_env(),
            cwd=tmp_path,
            timeout=timeout,
        )

    return run


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Writes a file under tmp_path and returns its path."""

    def w(name: str, content: str | bytes) -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            p.write_text(content)
        else:
            p.write_bytes(content)
        return p

    return w
