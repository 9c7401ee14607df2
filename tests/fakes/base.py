"""A small threaded HTTP server with the faults the pull tests need, shared by the five fakes.

Faults are queued per path prefix and used once each: an HTTP status (with Retry-After), a body cut short
(Content-Length promises more than is sent), a dropped connection, a renamed field, or a hang until released
(so a test can kill a pull half way). Every request is logged (method, path, query, form) for assertions."""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, value: Any, status: int = 200) -> Reply:
        return cls(status, json.dumps(value).encode(), {"Content-Type": "application/json"})


@dataclass
class Fault:
    prefix: str
    kind: str  # "status", "truncate", "drop", "rename", "hang"
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    rename: tuple[str, str] = ("", "")
    skip: int = 0  # let this many matching requests pass first


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    body: bytes


class Fake:
    """Subclasses implement `route(request) -> Reply`."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.log: list[Request] = []
        self.lock = threading.Lock()
        self.hanging = threading.Event()  # set while a "hang" fault holds a request
        self.release = threading.Event()
        self.server: ThreadingHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self, port: int = 0) -> Fake:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def fault(self, prefix: str, kind: str, **kwargs: Any) -> None:
        self.faults.append(Fault(prefix, kind, **kwargs))

    def requests(self, prefix: str) -> list[Request]:
        return [r for r in self.log if r.path.startswith(prefix)]

    @staticmethod
    def token() -> str:
        return secrets.token_hex(16)

    # -- serving -----------------------------------------------------------------------------------------
    def route(self, request: Request) -> Reply:
        raise NotImplementedError

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        form: dict[str, str] = {}
        if "form-urlencoded" in (handler.headers.get("Content-Type") or ""):
            form = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        request = Request(method, parts.path, query, form, {k.lower(): v for k, v in handler.headers.items()}, body)
        with self.lock:
            self.log.append(request)
            fault = self._take_fault(parts.path)
        if fault is not None and fault.kind == "hang":
            self.hanging.set()
            self.release.wait(60)
        if fault is not None and fault.kind == "drop":
            handler.close_connection = True
            return
        if fault is not None and fault.kind == "status":
            reply = Reply.json({"error": f"injected {fault.status}"}, fault.status)
            reply.headers.update(fault.headers)
        else:
            with self.lock:
                reply = self.route(request)
        if fault is not None and fault.kind == "rename":
            old, new = fault.rename
            reply.body = reply.body.replace(f'"{old}"'.encode(), f'"{new}"'.encode())
        handler.send_response(reply.status)
        for key, value in reply.headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(reply.body)))
        if fault is not None and fault.kind == "truncate":
            handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.write(reply.body[: len(reply.body) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return
        handler.end_headers()
        handler.wfile.write(reply.body)

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if path.startswith(fault.prefix):
                if fault.skip:
                    fault.skip -= 1
                    return None
                self.faults.remove(fault)
                return fault
        return None
