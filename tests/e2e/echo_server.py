"""The backend of the end-to-end test: an HTTP/1.1 server that answers
every request with 200 and a JSON echo of what it saw (method, path,
headers, the peer and the local address it was reached on).

    echo_server.py ADDRESS PORT

Prints "ready" once it listens; runs until terminated.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _echo(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        doc = {
            "method": self.command,
            "path": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body": body.decode("utf-8", "replace"),
            "peer": "%s:%d" % self.client_address[:2],
            "local": "%s:%d" % self.connection.getsockname()[:2],
        }
        out = json.dumps(doc).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _echo

    def log_message(self, fmt: str, *args: object) -> None:
        sys.stderr.write("echo: " + (fmt % args) + "\n")


def main() -> None:
    address, port = sys.argv[1], int(sys.argv[2])
    server = ThreadingHTTPServer((address, port), EchoHandler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
