"""HTTP under daphne: each request handled whole by Django's WSGI handler in a fixed pool of threads.

Taavon's views and middleware are synchronous. Under Django's own ASGI handler a request then
crosses between daphne's event loop and worker threads three times, because Django's innermost
request handler is asynchronous. It also starts a new thread for every request. On the two-CPU
benchmark machine that cost about 3 ms per request, twenty times what the middleware and a trivial
view cost themselves (``docs/PERFORMANCE.md``, "the serving stack alone").

Here the event loop reads the request body (refusing it with 413 past its route's limit, see
:mod:`taavon.core.body_limits`; under ``taavon serve`` daphne's request refuses it even earlier), one pool thread runs the request through the
middleware to the response, and the loop sends the response: one crossing each way. The
threads are reused, and the pool bounds how many requests use the database at once (set
``HTTP_THREADS`` no higher than ``DB_POOL_SIZE``). Streaming responses (exports, the
bulletin board, static files) are sent from the thread in pieces of about 64 KB, waiting for each send.
WebSockets stay with Channels (:mod:`taavon.asgi`).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from taavon.core import body_limits

# Request bodies larger than this (member imports) wait on disk, not in memory.
SPOOL_BYTES = 1024 * 1024
# A streamed answer leaves in pieces of about this size.
STREAM_CHUNK_BYTES = 64 * 1024


TOO_LARGE = object()  # a body past its route's limit, refused as it arrived


def _header(scope: dict, name: bytes) -> bytes | None:
    """The first value of header ``name`` (lower case) in an ASGI scope."""
    for raw_name, value in scope.get("headers", []):
        if raw_name.lower() == name:
            return value
    return None


def wsgi_environ(scope: dict, body) -> dict:
    """The WSGI environ of an ASGI HTTP ``scope`` whose body is the file ``body`` (PEP 3333:
    the path as UTF-8 bytes read as Latin-1, repeated headers joined)."""
    script_name = scope.get("root_path", "").encode("utf-8").decode("latin-1")
    path_info = scope["path"].encode("utf-8").decode("latin-1")
    if script_name and path_info.startswith(script_name):
        path_info = path_info[len(script_name) :]
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] if server[1] is not None else 80),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": str(client[0]),
        "REMOTE_PORT": str(client[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name == "content-length":
            key = "CONTENT_LENGTH"
        elif name == "content-type":
            key = "CONTENT_TYPE"
        else:
            key = "HTTP_" + name.upper().replace("-", "_")
        if key in environ:
            value = environ[key] + ("; " if name == "cookie" else ",") + value
        environ[key] = value
    return environ


class ThreadPoolHTTP:
    """An ASGI application for HTTP that runs ``wsgi_application`` in ``threads`` pooled threads."""

    def __init__(self, wsgi_application, threads: int):
        self.wsgi_application = wsgi_application
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="taavon-http")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"HTTP only, not {scope['type']!r}")
        path = scope["path"]
        limit = body_limits.limit_for(path)
        length = body_limits.declared_length(_header(scope, b"content-length"))
        # A declared length over the limit is refused before a byte of the body is read.
        body: Any = TOO_LARGE if length is not None and length > limit else await self._read_body(receive, limit)
        if body is None:
            return  # the client left before sending the whole request
        if body is TOO_LARGE:
            cookie, accept_language = _header(scope, b"cookie"), _header(scope, b"accept-language")
            headers, content = body_limits.raw_answer(
                path, limit, cookie.decode("latin-1") if cookie else None,
                accept_language.decode("latin-1") if accept_language else None,
            )
            await send({"type": "http.response.start", "status": body_limits.STATUS, "headers": headers})
            await send({"type": "http.response.body", "body": content})
            return
        loop = asyncio.get_running_loop()
        try:
            answer = await loop.run_in_executor(self.pool, self._handle, wsgi_environ(scope, body), loop, send)
        finally:
            body.close()
        if answer is not None:
            status, headers, content = answer
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": content})

    @staticmethod
    async def _read_body(receive, limit: int):
        """The body in a file; None if the client left, TOO_LARGE as soon as it passes ``limit``."""
        body = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        received = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                body.close()
                return None
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                body.close()
                return TOO_LARGE
            body.write(chunk)
            if not message.get("more_body", False):
                body.seek(0)
                return body

    def _handle(self, environ: dict, loop, send):
        """In a pool thread: run the request. A whole response comes back as (status, headers,
        content) for the loop to send; a streaming one is sent from here, chunk by chunk."""
        started: dict[str, Any] = {}

        def start_response(status, headers, exc_info=None):
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]

        result = self.wsgi_application(environ, start_response)
        try:
            if not getattr(result, "streaming", False):
                return started["status"], started["headers"], b"".join(result)

            def sync_send(message):
                asyncio.run_coroutine_threadsafe(send(message), loop).result()

            sync_send({"type": "http.response.start", "status": started["status"], "headers": started["headers"]})
            pending, size = [], 0
            for chunk in result:
                pending.append(chunk)
                size += len(chunk)
                if size >= STREAM_CHUNK_BYTES:  # one hand-over per 64 KB, not per CSV row
                    sync_send({"type": "http.response.body", "body": b"".join(pending), "more_body": True})
                    pending, size = [], 0
            sync_send({"type": "http.response.body", "body": b"".join(pending)})
            return None
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()  # Django's request_finished: the database connection goes back to the pool
