"""The reference scenario end to end, over real sockets.

Three network namespaces: a client, the node and a backend. The node runs
this project's eBPF datapath (``node_datapath``: tc programs on the
client-facing veth, socket programs on a child cgroup) over LB maps this
test writes with ``gwapi.LoadBalancer``, and a small HTTP/1.1 proxy
(``l7_proxy.py``) on the L7 port that decides each request with
``gwapi.Snapshot.match``. The test is the control plane: it applies
examples/seed to a ``gwapi.Engine``, hands the snapshot to the proxy and
syncs the maps.

Topology (all addresses exist only inside the namespaces made here)::

    client c0 10.10.1.2/24 ── n0 10.10.1.1/24  node  n1 10.244.1.1/24 ── b0 10.244.1.46/24 backend
    routes 172.17.0.64/32, 10.96.0.0/12 via 10.10.1.1       forwarding on     default via 10.244.1.1

Needs root, bpffs, cgroup v2 and the built artifacts::

    bazel build //capi:libgwapi.so.0 //tests/e2e:node_datapath
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PYTHON = "/usr/bin/python3"
PYTHON_DIR = REPO / "bindings" / "python"
SEED = REPO / "examples" / "seed"

GATEWAY = "cilium-ingress/gateway"
VIP = "172.17.0.64"
CLUSTER_IP = "10.96.120.15"
BACKEND_IP = "10.244.1.46"
BACKEND_PORT = 8080
PROXY_PORT = 12141
TCP_PORT = 9000
CLIENT_IP, NODE_CLIENT_IP = "10.10.1.2", "10.10.1.1"
NODE_BACKEND_IP = "10.244.1.1"

TCP_LISTENER_AND_ROUTE = f"""\
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gateway
  namespace: cilium-ingress
spec:
  gatewayClassName: cilium
  listeners:
  - name: http
    protocol: HTTP
    port: 80
    hostname: "*.example.com"
    allowedRoutes:
      namespaces:
        from: All
  - name: tcp
    protocol: TCP
    port: {TCP_PORT}
    allowedRoutes:
      namespaces:
        from: All
---
apiVersion: gateway.networking.k8s.io/v1
kind: TCPRoute
metadata:
  name: tcp
  namespace: default
spec:
  parentRefs:
  - name: gateway
    namespace: cilium-ingress
    sectionName: tcp
  rules:
  - backendRefs:
    - name: httpbin
      port: 8000
"""


def _first_existing(env: str, *candidates: Path) -> Path | None:
    if os.environ.get(env):
        return Path(os.environ[env])
    return next((c for c in candidates if c.exists()), None)


LIBRARY = _first_existing(
    "GWAPI_LIBRARY",
    REPO / "bazel-out" / "k8-fastbuild" / "bin" / "capi" / "libgwapi.so.0",
    REPO / "bazel-bin" / "capi" / "libgwapi.so.0",
)
NODE_DATAPATH = _first_existing(
    "GWAPI_NODE_DATAPATH",
    REPO / "bazel-out" / "k8-fastbuild" / "bin" / "tests" / "e2e" / "node_datapath",
    REPO / "bazel-bin" / "tests" / "e2e" / "node_datapath",
)
BUILD_HINT = "build it with `bazel build //capi:libgwapi.so.0 //tests/e2e:node_datapath`"


def sh(*args: str, check: bool = True, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
    return r


def mounts(fstype: str) -> list[str]:
    with open("/proc/self/mounts", encoding="utf-8") as f:
        return [line.split()[1] for line in f if line.split()[2] == fstype]


def in_netns(ns: str, *argv: str) -> list[str]:
    # nsenter switches only the network namespace. `ip netns exec` would
    # also remount /sys, hiding bpffs and the cgroup v2 mount below it.
    return ["nsenter", f"--net=/run/netns/{ns}", *argv]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PYTHON_DIR), env.get("PYTHONPATH")]))
    env["GWAPI_LIBRARY"] = str(LIBRARY)
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Proc:
    """A child process that prints "ready" once serving; stopped (and
    reaped) by stop(), which is idempotent."""

    def __init__(self, name: str, argv: list[str], *, stdin_pipe: bool = False) -> None:
        self.name = name
        self.log = tempfile.TemporaryFile()
        self.p = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if stdin_pipe else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=child_env(),
        )

    def wait_ready(self, timeout: float = 20) -> None:
        assert self.p.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r, _, _ = select.select([self.p.stdout], [], [], 0.2)
            if r:
                line = self.p.stdout.readline()
                if line.strip() == b"ready":
                    return
                if not line:
                    break
        self.p.poll()
        raise AssertionError(f"{self.name} did not become ready (exit {self.p.returncode}): {self.stderr()}")

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-4000:]

    def stop(self, *, graceful_stdin: bool = False) -> int | None:
        if self.p.poll() is None:
            if graceful_stdin and self.p.stdin is not None:
                self.p.stdin.close()
                try:
                    self.p.wait(10)
                except subprocess.TimeoutExpired:
                    pass
            if self.p.poll() is None:
                self.p.terminate()
                try:
                    self.p.wait(10)
                except subprocess.TimeoutExpired:
                    self.p.kill()
                    self.p.wait(10)
        for f in (self.p.stdin, self.p.stdout):
            if f is not None:
                f.close()
        return self.p.returncode


class Scenario:
    """Everything the test made; torn down in reverse order by the fixture."""

    def __init__(self, stack: contextlib.ExitStack) -> None:
        self.stack = stack
        tag = uuid.uuid4().hex[:8]
        self.client, self.node, self.backend = (f"gwe2e-{r}-{tag}" for r in ("client", "node", "backend"))
        self.pin_dir = ""
        self.cgroup = ""
        self.config_dir = ""
        self.proxy: Proc | None = None

    @property
    def pin_path(self) -> str:
        return f"{self.pin_dir}/tc/globals"

    def add_netns(self, name: str) -> None:
        sh("ip", "netns", "add", name)
        self.stack.callback(sh, "ip", "netns", "del", name, check=False)

    def build_topology(self) -> None:
        for ns in (self.client, self.node, self.backend):
            self.add_netns(ns)
        n, c, b = (["ip", "-n", ns] for ns in (self.node, self.client, self.backend))
        for cmd in (
            n + ["link", "add", "n0", "type", "veth", "peer", "name", "c0", "netns", self.client],
            n + ["link", "add", "n1", "type", "veth", "peer", "name", "b0", "netns", self.backend],
            n + ["addr", "add", f"{NODE_CLIENT_IP}/24", "dev", "n0"],
            n + ["addr", "add", f"{NODE_BACKEND_IP}/24", "dev", "n1"],
            c + ["addr", "add", f"{CLIENT_IP}/24", "dev", "c0"],
            b + ["addr", "add", f"{BACKEND_IP}/24", "dev", "b0"],
            *(x + ["link", "set", "lo", "up"] for x in (n, c, b)),
            n + ["link", "set", "n0", "up"],
            n + ["link", "set", "n1", "up"],
            c + ["link", "set", "c0", "up"],
            b + ["link", "set", "b0", "up"],
            c + ["route", "add", f"{VIP}/32", "via", NODE_CLIENT_IP],
            c + ["route", "add", "10.96.0.0/12", "via", NODE_CLIENT_IP],
            # Replies of the L4 path go to the client address: back through
            # the node, whose tc egress restores the frontend.
            b + ["route", "add", "default", "via", NODE_BACKEND_IP],
        ):
            sh(*cmd)
        sh(*in_netns(self.node, "sysctl", "-qw", "net.ipv4.ip_forward=1"))

    def make_pins(self) -> None:
        if "/sys/fs/bpf" not in mounts("bpf"):
            sh("mount", "-t", "bpf", "bpf", "/sys/fs/bpf")
        self.pin_dir = tempfile.mkdtemp(prefix="gwapi_e2e_", dir="/sys/fs/bpf")
        self.stack.callback(shutil.rmtree, self.pin_dir, ignore_errors=True)

    def make_cgroup(self) -> None:
        roots = mounts("cgroup2")
        if not roots:
            pytest.skip("no cgroup2 filesystem in /proc/self/mounts")
        self.cgroup = tempfile.mkdtemp(prefix="gwapi_e2e_", dir=roots[0])
        self.stack.callback(remove_cgroup, self.cgroup)

    def start(self, proc: Proc, *, graceful_stdin: bool = False) -> Proc:
        self.stack.callback(proc.stop, graceful_stdin=graceful_stdin)
        proc.wait_ready()
        return proc


def remove_cgroup(path: str) -> None:
    # Processes leave a cgroup asynchronously after they exit.
    for _ in range(50):
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)
    os.rmdir(path)


@pytest.fixture
def scenario() -> Iterator[Scenario]:
    if os.geteuid() != 0:
        pytest.skip("needs root: network namespaces, bpffs, cgroup v2 and BPF programs")
    if LIBRARY is None or not LIBRARY.exists():
        pytest.fail(f"libgwapi.so.0 not found (or set GWAPI_LIBRARY); {BUILD_HINT}")
    if NODE_DATAPATH is None or not NODE_DATAPATH.exists():
        pytest.fail(f"node_datapath not found (or set GWAPI_NODE_DATAPATH); {BUILD_HINT}")
    with contextlib.ExitStack() as stack:
        s = Scenario(stack)
        s.build_topology()
        s.make_pins()
        s.make_cgroup()
        s.config_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="gwapi_e2e_"))
        yield s


def import_gwapi():  # noqa: ANN201  (the module, imported late on purpose)
    # The child processes and this one must load the same library.
    os.environ["GWAPI_LIBRARY"] = str(LIBRARY)
    if str(PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(PYTHON_DIR))
    import gwapi

    return gwapi


def http_get(ns: str, host: str, address: str, port: int, path: str) -> tuple[int, str]:
    """A GET from inside network namespace `ns`: curl when installed, else
    Python's http.client. Returns (status, body); status 0 when the
    connection failed."""
    url = f"http://{address}:{port}{path}"
    if shutil.which("curl"):
        r = subprocess.run(
            in_netns(ns, "curl", "-sS", "-m", "5", "-H", f"Host: {host}", "-w", "\n%{http_code}", url),
            capture_output=True, text=True, timeout=20,
        )
        body, _, code = r.stdout.rpartition("\n")
        return (int(code) if r.returncode == 0 and code.isdigit() else 0), body or r.stderr
    script = (
        "import http.client,json,sys\n"
        "c=http.client.HTTPConnection(sys.argv[1],int(sys.argv[2]),timeout=5)\n"
        "try:\n"
        " c.request('GET',sys.argv[3],headers={'Host':sys.argv[4]});r=c.getresponse()\n"
        " print(json.dumps([r.status,r.read().decode('utf-8','replace')]))\n"
        "except OSError as e:\n"
        " print(json.dumps([0,repr(e)]))\n"
    )
    r = subprocess.run(
        in_netns(ns, PYTHON, "-c", script, address, str(port), path, host),
        capture_output=True, text=True, timeout=20,
    )
    status, body = json.loads(r.stdout or json.dumps([0, r.stderr]))
    return int(status), body


class ControlPlane:
    """The engine, the LB writer and the files the proxy reads."""

    def __init__(self, gwapi, s: Scenario) -> None:  # noqa: ANN001
        self.gwapi = gwapi
        self.s = s
        self.engine = gwapi.Engine("io.cilium/gateway-controller")
        s.stack.callback(self.engine.close)
        self.lb = gwapi.LoadBalancer(s.pin_path)  # creates and pins the LB maps
        s.stack.callback(self.lb.close)

    def apply(self, yaml: bytes | str) -> None:
        for r in self.engine.apply(yaml):
            assert r.outcome != "rejected", (r.kind, r.name, [e.text for e in r.errors])

    def publish(self) -> None:
        """Hands the current snapshot to the proxy and syncs the maps."""
        with self.engine.snapshot() as snap:
            # Replacing snapshot.pb is what the proxy watches.
            write_atomic(Path(self.s.config_dir) / "snapshot.pb", snap.serialize())
            self.lb.sync(snap)


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def test_reference_scenario(scenario: Scenario) -> None:
    s = scenario
    gwapi = import_gwapi()
    cp = ControlPlane(gwapi, s)
    for f in sorted(SEED.glob("*.yaml")):
        cp.apply(f.read_bytes())
    cp.publish()

    rows = cp.lb.list()
    l7 = [r for r in rows if r.service.startswith(f"{VIP}:80/") and r.slot == 0]
    assert l7, gwapi.lb.format_lb_list(rows)
    assert "l7-load-balancer" in l7[0].backend and f"L7LB Proxy Port: {PROXY_PORT}" in l7[0].backend, l7
    assert any(r.service.startswith(f"{CLUSTER_IP}:8000/") and f"{BACKEND_IP}:{BACKEND_PORT}" in r.backend
               for r in rows), gwapi.lb.format_lb_list(rows)

    s.start(Proc("echo server", in_netns(s.backend, PYTHON, str(HERE / "echo_server.py"),
                                         BACKEND_IP, str(BACKEND_PORT))))
    datapath = s.start(
        Proc("node_datapath", in_netns(s.node, str(NODE_DATAPATH), f"--pin_path={s.pin_path}",
                                       f"--cgroup={s.cgroup}", "--ifname=n0",
                                       f"--node_address={NODE_CLIENT_IP}"), stdin_pipe=True),
        graceful_stdin=True,
    )
    # The proxy joins the child cgroup before it execs, so its every
    # connect() already passes the socket programs.
    proxy = s.start(Proc("proxy", [
        "sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', s.cgroup,
        *in_netns(s.node, PYTHON, str(HERE / "l7_proxy.py"), "--listen", f"0.0.0.0:{PROXY_PORT}",
                  "--gateway", GATEWAY, "--port", "80", "--config", s.config_dir),
    ]))

    # L7: client -> VIP:80 -> tc DNAT to the proxy -> match -> ClusterIP ->
    # socket LB -> backend, and the answer back the same way.
    status, body = http_get(s.client, "httpbin.example.com", VIP, 80, "/get")
    assert status == 200, (body, proxy.stderr())
    echo = json.loads(body)
    assert echo["path"] == "/get" and echo["method"] == "GET"
    assert dict((k.lower(), v) for k, v in echo["headers"])["host"] == "httpbin.example.com"
    # The backend was reached at its own address, from the node: the
    # proxy's connect() to the ClusterIP was translated.
    assert echo["local"] == f"{BACKEND_IP}:{BACKEND_PORT}" and echo["peer"].startswith(NODE_BACKEND_IP + ":")

    status, body = http_get(s.client, "httpbin.example.com", VIP, 80, "/post")
    assert status == 404, body

    # Removing the route: the new snapshot and maps take effect with every
    # process left running.
    cp.engine.delete("gateway.networking.k8s.io", "HTTPRoute", "default", "http")
    cp.publish()
    status, body = http_get(s.client, "httpbin.example.com", VIP, 80, "/get")
    assert status == 404, (body, proxy.stderr())

    # L4: a TCP listener and TCPRoute to the same Service, served by the tc
    # program alone: the proxy is stopped first.
    proxy.stop()
    status, _ = http_get(s.client, "httpbin.example.com", VIP, 80, "/get")
    assert status == 0, "port 80 still answers with the proxy stopped"
    cp.apply(TCP_LISTENER_AND_ROUTE)
    cp.publish()
    rows = cp.lb.list()
    assert any(r.service.startswith(f"{VIP}:{TCP_PORT}/") and f"{BACKEND_IP}:{BACKEND_PORT}" in r.backend
               for r in rows), gwapi.lb.format_lb_list(rows)
    status, body = http_get(s.client, "httpbin.example.com", VIP, TCP_PORT, "/get")
    assert status == 200, body
    echo = json.loads(body)
    assert echo["path"] == "/get"
    # The client's own address reaches the backend: no proxy in between.
    assert echo["peer"].startswith(CLIENT_IP + ":"), echo

    # Closing stdin detaches everything: no tc filter on n0, no program on
    # the cgroup, and a clean exit.
    assert datapath.stop(graceful_stdin=True) == 0, datapath.stderr()
    for direction in ("ingress", "egress"):
        shown = sh(*in_netns(s.node, "tc", "filter", "show", "dev", "n0", direction)).stdout
        assert shown.strip() == "", shown
    if shutil.which("bpftool"):
        shown = sh("bpftool", "cgroup", "show", s.cgroup).stdout
        assert shown.strip() == "", shown
