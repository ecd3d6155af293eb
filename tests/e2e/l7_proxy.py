"""The node's L7 proxy of the end-to-end test: a small HTTP/1.1 forwarding
proxy that decides each request with the gwapi matcher.

    l7_proxy.py --listen ADDR:PORT --gateway NS/NAME --port N --config DIR

DIR holds ``snapshot.pb`` (``gwapi.Snapshot.serialize()`` bytes), written
by the control plane; the proxy reloads it when the file is replaced. The
tc program sends the
Gateway's traffic here by DNAT to the node address, so the proxy no longer
sees the frontend; ``--gateway`` and ``--port`` name it (one L7 frontend
per proxy port).

Requests the snapshot does not forward are answered here (404 and the
like). Forwarded ones get the decision's rewritten request (method, path,
host, headers) and go to the chosen Service's ClusterIP and port: the socket
programs on this process's cgroup translate that to an endpoint, so the
proxy itself knows no endpoint. Prints "ready" once it listens.
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import gwapi

# Connection-level headers are the proxy's own business on each hop.
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-connection", "te", "trailer",
    "transfer-encoding", "upgrade", "content-length",
}


class Config:
    """The current snapshot, reloaded when its file changes. Thread-safe:
    readers take it under a lock."""

    def __init__(self, directory: str) -> None:
        self._dir = directory
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._snapshot: gwapi.Snapshot | None = None

    def current(self) -> gwapi.Snapshot | None:
        path = os.path.join(self._dir, "snapshot.pb")
        with self._lock:
            try:
                st = os.stat(path)
            except FileNotFoundError:
                return self._snapshot
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
            if stamp != self._stamp:
                with open(path, "rb") as f:
                    snapshot = gwapi.Snapshot.load(f.read())
                # Requests in flight keep the old snapshot alive through
                # their own reference; it is freed when they drop it.
                self._snapshot, self._stamp = snapshot, stamp
                sys.stderr.write(f"proxy: loaded snapshot {stamp}\n")
            return self._snapshot


def make_handler(config: Config, gateway: str, port: int) -> type[BaseHTTPRequestHandler]:
    class ProxyHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for k, v in headers.items():
                if k.lower() not in HOP_BY_HOP:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.close_connection = True

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            snap = config.current()
            if snap is None:
                self._answer(503, {}, b"no snapshot\n")
                return
            d = snap.match(
                gateway=gateway,
                port=port,
                host=self.headers.get("Host", ""),
                method=self.command,
                path=self.path,
                headers=list(self.headers.items()),
            )
            if not d.forwarded:
                extra = {"Location": d.location} if d.location else {}
                self._answer(d.status, d.response(extra), f"{d.status} from the gateway\n".encode())
                return
            assert d.backend is not None and d.request is not None
            if not d.backend.cluster_ips:
                self._answer(503, d.response(), b"backend Service has no cluster IP\n")
                return
            self._forward(d.backend.cluster_ips[0], d.backend.port, d, body)

        def _forward(self, ip: str, backend_port: int, d: Any, body: bytes) -> None:
            req = d.request
            conn = http.client.HTTPConnection(ip, backend_port, timeout=10)
            try:
                conn.putrequest(req.method, req.path, skip_host=True, skip_accept_encoding=True)
                conn.putheader("Host", req.host)
                for name, value in req.headers:
                    if name.lower() not in HOP_BY_HOP and name.lower() != "host":
                        conn.putheader(name, value)
                conn.putheader("Content-Length", str(len(body)))
                conn.putheader("Connection", "close")
                conn.endheaders(body)
                resp = conn.getresponse()
                data = resp.read()
                headers = {k: v for k, v in resp.getheaders()}
            except OSError as e:
                self._answer(502, {}, f"backend {ip}:{backend_port}: {e}\n".encode())
                return
            finally:
                conn.close()
            self._answer(resp.status, d.response(headers), data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

        def log_message(self, fmt: str, *args: object) -> None:
            sys.stderr.write("proxy: " + (fmt % args) + "\n")

    return ProxyHandler


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--listen", required=True, help="ADDR:PORT")
    p.add_argument("--gateway", required=True, help="namespace/name")
    p.add_argument("--port", type=int, required=True, help="the Gateway listener port")
    p.add_argument("--config", required=True, help="directory of snapshot.pb")
    a = p.parse_args()
    addr, _, lport = a.listen.rpartition(":")
    config = Config(a.config)
    server = ThreadingHTTPServer((addr, int(lport)), make_handler(config, a.gateway, a.port))
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
