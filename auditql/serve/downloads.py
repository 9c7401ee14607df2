"""Download the current result as CSV, JSON or Parquet, streamed: the bytes are what `auditql query --format
…` writes (the same writers, the same streamed rows from the facade), sent as they are made.

Why a thread and a bounded queue: the writers write to a file object, a batch at a time, while the HTTP
response wants an iterator of chunks. The writer runs in its own thread into a small queue; the response
takes chunks from it. Memory stays a few chunks however large the result, and a browser that stops reading
(a cancelled download) stops the writer at its next write and cancels the query.
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from auditql import api
from auditql.serve.views import Settings, _error, _prepared, _reader

CHUNK = 64 * 1024
MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json", "parquet": "application/vnd.apache.parquet"}


class Cancelled(Exception):
    """The browser went away: the writer stops."""


class Pipe(io.RawIOBase):
    """A write-only file whose bytes come out of `chunks()` in another thread, at most `depth` chunks ahead."""

    def __init__(self, depth: int = 8):
        self.queue: queue.Queue[bytes | BaseException | None] = queue.Queue(depth)
        self.buffer = bytearray()
        self.cancelled = threading.Event()
        self.position = 0

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def tell(self) -> int:
        return self.position

    def write(self, data: Any) -> int:
        if self.cancelled.is_set():
            raise Cancelled()
        data = bytes(data)
        self.buffer += data
        self.position += len(data)
        if len(self.buffer) >= CHUNK:
            self._put(bytes(self.buffer))
            self.buffer.clear()
        return len(data)

    def _put(self, item: bytes | BaseException | None) -> None:
        while not self.cancelled.is_set():
            try:
                self.queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue
        if item is not None and not isinstance(item, BaseException):
            raise Cancelled()

    def finish(self, error: BaseException | None = None) -> None:
        if self.buffer and error is None:
            self._put(bytes(self.buffer))
        self.buffer.clear()
        self._put(error)

    def chunks(self) -> Iterator[bytes]:
        try:
            while True:
                item = self.queue.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    # headers are sent: the only way left to tell the browser is to end the body early
                    raise item
                yield item
        finally:
            self.cancelled.set()


def _write(
    settings: Settings, request: Request, fmt: str, pipe: Pipe, ready: Callable[[BaseException | None], None]
) -> None:
    """Run the query and write it into `pipe` (in the writer thread); `ready` says whether it started."""
    started = False
    try:
        with _reader(settings) as con:
            t = _prepared(con, request, table_view=False)
            if fmt == "parquet":
                import pyarrow.parquet as pq

                with api.arrow_stream(con, t, settings.timeout) as batches:
                    ready(None)
                    started = True
                    with pq.ParquetWriter(pipe, batches.schema, compression="zstd") as writer:
                        for batch in batches:
                            writer.write_batch(batch)
            else:
                from auditql import output

                with api.stream(con, t, None, settings.timeout) as rows:
                    ready(None)
                    started = True
                    text = io.TextIOWrapper(pipe, encoding="utf-8", newline="", write_through=True)  # type: ignore[type-var]
                    output.render(rows, fmt, text, terminal=False)
                    text.flush()
                    text.detach()
        pipe.finish()
    except Cancelled:
        pipe.finish()
    except Exception as exc:
        if not started:
            ready(exc)
        pipe.finish(exc)


def download(request: Request) -> Response:
    """`/download?q=…&format=csv|json|parquet`: the whole result, streamed, with every column."""
    settings: Settings = request.app.state.settings
    fmt = request.query_params.get("format", "csv")
    if fmt not in MEDIA:
        return PlainTextResponse(f"{fmt!r} is not a download format. Try one of: {', '.join(MEDIA)}", status_code=400)
    pipe = Pipe()
    began = threading.Event()
    failure: list[BaseException | None] = [None]

    def ready(error: BaseException | None) -> None:
        failure[0] = error
        began.set()

    threading.Thread(target=_write, args=(settings, request, fmt, pipe, ready), daemon=True).start()
    began.wait()
    if failure[0] is not None:  # refused before any byte: an error the page can show
        pipe.cancelled.set()
        return _error(failure[0], settings)  # type: ignore[arg-type]
    name = f"auditql-result.{fmt}"
    return StreamingResponse(
        pipe.chunks(), media_type=MEDIA[fmt], headers={"content-disposition": f'attachment; filename="{name}"'}
    )
