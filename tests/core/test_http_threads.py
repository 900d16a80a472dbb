"""HTTP under daphne runs each request through Django in a pooled thread: what a browser sends
arrives intact, and what Django answers, whole or streamed, leaves intact."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.testing import ApplicationCommunicator

from taavon.core.http_threads import SPOOL_BYTES, ThreadPoolHTTP


def http_scope(path="/", *, method="GET", query=b"", headers=()):
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": [(k.encode(), v.encode()) for k, v in headers],
        "client": ("10.1.2.3", 51000),
        "server": ("taavon.example.ir", 8000),
    }


def served(app, scope, *body_parts):
    """Send ``scope`` and the body in parts; the status, headers and body chunks sent back.

    In a thread of its own with its own event loop, as daphne would run it (the browser tests leave
    an event loop in the test thread)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, _call(app, scope, *body_parts)).result()


async def _call(app, scope, *body_parts):
    communicator = ApplicationCommunicator(app, scope)
    parts = list(body_parts) or [b""]
    for n, part in enumerate(parts):
        await communicator.send_input({"type": "http.request", "body": part, "more_body": n < len(parts) - 1})
    start = await communicator.receive_output(timeout=10)
    chunks = []
    while True:
        message = await communicator.receive_output(timeout=10)
        chunks.append(message["body"])
        if not message.get("more_body"):
            break
    await communicator.wait(timeout=10)
    return start["status"], dict(start["headers"]), chunks


class Recorder:
    """A WSGI application that answers ``chunks`` and keeps what it was given."""

    def __init__(self, streaming=False, chunks=(b"first,", b"", b"second")):
        self.streaming = streaming
        self.chunks = chunks
        self.environ = None
        self.closed = False

    def __call__(self, environ, start_response):
        self.environ = dict(environ)
        self.body = environ["wsgi.input"].read()
        start_response("201 Created", [("Content-Type", "text/plain"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
        recorder = self

        class Answer:
            streaming = recorder.streaming

            def __iter__(self):
                yield from recorder.chunks

            def close(self):
                recorder.closed = True

        return Answer()


def test_the_request_arrives_as_django_expects_it_persian_path_cookies_and_client_included():
    app = Recorder()
    scope = http_scope(
        "/register/تعاونی",
        method="POST",
        query=b"q=%D8%AA%D8%B9%D8%A7%D9%88%D9%86%DB%8C",
        headers=[("Cookie", "taavon_language=en"), ("Cookie", "sessionid=x"), ("Content-Type", "application/json"),
                 ("X-Forwarded-For", "1.1.1.1"), ("Accept", "text/html"), ("accept", "application/json")],
    )
    status, headers, chunks = served(ThreadPoolHTTP(app, threads=2), scope, b'{"a":', b" 1}")

    environ = app.environ
    assert environ["PATH_INFO"].encode("latin-1").decode("utf-8") == "/register/تعاونی"
    assert environ["QUERY_STRING"] == "q=%D8%AA%D8%B9%D8%A7%D9%88%D9%86%DB%8C"
    assert environ["HTTP_COOKIE"] == "taavon_language=en; sessionid=x"
    assert environ["HTTP_ACCEPT"] == "text/html,application/json"
    assert environ["CONTENT_TYPE"] == "application/json"
    assert (environ["REMOTE_ADDR"], environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("10.1.2.3", "taavon.example.ir", "8000")
    assert app.body == b'{"a": 1}'
    assert status == 201 and b"".join(chunks) == b"first,second" and app.closed


def test_a_streamed_answer_leaves_in_pieces_and_the_response_is_closed():
    rows = [b"x" * 40_000] * 3  # an export's rows, gathered into pieces of at least 64 KB
    app = Recorder(streaming=True, chunks=rows)
    status, headers, chunks = served(ThreadPoolHTTP(app, threads=2), http_scope("/export.csv"))
    assert status == 201
    assert [len(c) for c in chunks] == [80_000, 40_000]
    assert app.closed

    small = Recorder(streaming=True)
    assert served(ThreadPoolHTTP(small, threads=1), http_scope("/export.csv"))[2] == [b"first,second"]


def test_a_large_upload_is_read_whole():
    app = Recorder()
    part = b"x" * (SPOOL_BYTES // 2 + 7)  # 1.5 MB in all: over the default limit, under the import's
    served(ThreadPoolHTTP(app, threads=1), http_scope("/cooperatives/7/members/import/", method="POST"), part, part, part)
    assert app.body == part * 3


@pytest.mark.django_db(transaction=True)
def test_taavon_pages_are_served_through_the_pool_in_persian_and_english():
    from taavon.asgi import application

    def page(path, query=b"", headers=()):
        scope = http_scope(path, query=query, headers=[("Host", "testserver"), *headers])
        status, _, chunks = served(application, scope)
        return status, b"".join(chunks).decode()

    assert page("/health") == (200, "ok")
    status, html = page("/register/", query=b"q=%D8%AA%D8%B9%D8%A7%D9%88%D9%86%DB%8C")
    assert status == 200 and 'dir="rtl"' in html
    status, html = page("/register/", headers=[("Cookie", "taavon_language=en")])
    assert status == 200 and 'dir="ltr"' in html
