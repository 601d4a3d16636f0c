"""A tiny static HTTP server on 127.0.0.1 for tests, the demo and benchmarks.

A folder (and optional special routes: a status, headers and body per path) in; a base URL
out while the `serve` context is open. `__BASE_URL__` in .txt/.xml files is replaced by the
server's own base URL, so a generated robots.txt and sitemap point at it. Runs in a thread of
the calling process, or as its own process:

    python -m crawler.loopback FOLDER [--port 8765]
"""

from __future__ import annotations

import argparse
import contextlib
import mimetypes
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_URL_TOKEN = b"__BASE_URL__"


@dataclass(frozen=True)
class Route:
    """A special response for one path: status, body and headers."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up early (a crawler refusing an enormous page) is normal."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler(root: Path, routes: Mapping[str, Route], base_url: list[str], log: list | None):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # one response is headers + body: no 40 ms ACK wait

        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = unquote(urlsplit(self.path).path)
            if log is not None:
                log.append((self.headers.get("Host", ""), path))
            route = routes.get(path) or self._file(path)
            body = route.body
            if path.endswith((".txt", ".xml")):
                body = body.replace(BASE_URL_TOKEN, base_url[0].encode())
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _file(self, path: str) -> Route:
            target = (root / path.lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            if root.resolve() not in target.parents or not target.is_file():
                return Route(404, b"<html><body><h1>Not found</h1></body></html>")
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if kind.startswith("text/") or kind.endswith("xml"):
                kind += "; charset=utf-8"
            return Route(200, target.read_bytes(), {"Content-Type": kind})

    return Handler


@contextlib.contextmanager
def serve(
    root: str | Path,
    routes: Mapping[str, Route] | None = None,
    port: int = 0,
    log: list | None = None,
) -> Iterator[str]:
    """Serve `root` on 127.0.0.1 (a free port unless given); yields the base URL. With `log`,
    every request's (Host header, path) is appended to it."""
    base_url = [""]
    handler = _handler(Path(root), routes or {}, base_url, log)
    server = _Server(("127.0.0.1", port), handler)
    base_url[0] = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base_url[0]
    finally:
        server.shutdown()
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.loopback")
    parser.add_argument("root", type=Path)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    with serve(args.root, port=args.port) as url:
        print(f"serving {args.root} at {url}/ (Ctrl-C stops)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
