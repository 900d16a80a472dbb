"""An over-large request body is refused as it arrives, per route: a stranger's 50 MB POST to the
login page costs the server neither the 50 MB on disk nor in memory, while an officer's member
file, larger than any form, still goes through on its own route.

Three doors are proved: a real ``taavon serve`` process (daphne), the ASGI thread pool alone, and
the Django middleware the test client (and any WSGI server) goes through.
"""

import csv
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from taavon.accounts.models import ApiToken, Role
from taavon.core.body_limits import limit_for
from taavon.core.http_threads import ThreadPoolHTTP
from taavon.registry.imports import services as imports
from taavon.registry.models import ImportBatch
from tests import helpers
from tests.core.test_http_threads import Recorder, http_scope, served

PROJECT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
PIECE = 64 * 1024


# --- a real `taavon serve` -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`taavon serve` in a process of its own, as `make run` starts it; its address and process id."""
    var = tmp_path_factory.mktemp("serve")
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT),
        "TAAVON_VAR_DIR": str(var),
        "TMPDIR": str(var),  # where daphne would spool a body it buffered
        "TAAVON_DEMO": "false",
        "DATABASE_URL": f"sqlite:///{var / 'serve.sqlite3'}",
    }
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "taavon.cli", "serve", "--port", str(port), "--no-worker"],
        cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("taavon serve did not start")
            time.sleep(0.3)
    yield {"port": port, "pid": process.pid, "var": var}
    process.terminate()
    process.wait(timeout=20)


class Upload:
    """One raw HTTP request sent piece by piece while a second thread reads the answer, as a browser
    or curl does; counts the body bytes the server took before it closed the connection."""

    def __init__(self, port: int, head: str):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.sock.sendall(head.encode("latin-1"))
        self.answer = b""
        self.sent = 0
        self.reader = threading.Thread(target=self._read)
        self.reader.start()

    def _read(self):
        try:
            while chunk := self.sock.recv(65536):
                self.answer += chunk
        except OSError:
            pass

    def send(self, pieces):
        """Send the pieces until the server stops taking them."""
        try:
            for piece in pieces:
                self.sock.sendall(piece)
                self.sent += len(piece)
        except OSError:
            pass

    def finish(self) -> bytes:
        self.reader.join(timeout=20)
        self.sock.close()
        return self.answer

    def answered(self, within: float = 10.0) -> bool:
        deadline = time.monotonic() + within
        while b"\r\n\r\n" not in self.answer and time.monotonic() < deadline:
            time.sleep(0.02)
        return b"\r\n\r\n" in self.answer


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def _temp_files(pid: int, under: Path) -> list[str]:
    fds = Path(f"/proc/{pid}/fd")
    names = []
    for fd in fds.iterdir():
        try:
            names.append(os.readlink(fd))
        except OSError:
            continue
    return [name for name in names if name.startswith(str(under))]


def test_a_50_mb_post_to_the_login_page_is_refused_before_its_body_is_read(server):
    size = 50 * MB
    rss_before = _rss_kb(server["pid"])
    upload = Upload(
        server["port"],
        f"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {size}\r\nCookie: taavon_language=en\r\n\r\n",
    )
    # The answer comes before a single byte of the body is sent.
    assert upload.answered(), "no answer to the headers alone"
    assert upload.sent == 0
    assert _temp_files(server["pid"], server["var"]) == []

    upload.send(b"a" * PIECE for _ in range(size // PIECE))
    answer = upload.finish()

    head, _, body = answer.partition(b"\r\n\r\n")
    assert _status(answer) == 413
    assert b"Connection: close" in head
    assert b"The request is too large" in body and b'lang="en"' in body
    # The server took a little past the answer (kernel buffers, a short linger), never the body.
    assert upload.sent < 10 * MB
    assert _rss_kb(server["pid"]) - rss_before < 10 * 1024


def test_a_chunked_post_without_a_length_is_cut_off_at_the_limit(server):
    upload = Upload(
        server["port"],
        "POST /api/v1/accounts/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n",
    )
    chunk = b"%x\r\n" % PIECE + b" " * PIECE + b"\r\n"
    upload.send(chunk for _ in range((50 * MB) // PIECE))
    answer = upload.finish()

    head, _, body = answer.partition(b"\r\n\r\n")
    assert _status(answer) == 413, answer[:300]
    # The API's one error shape, in Persian by default.
    payload = json.loads(body)
    assert set(payload) == {"detail", "errors"} and "۱" in payload["errors"][0]["message"]
    assert payload["errors"][0]["code"] == "too_large" and payload["errors"][0]["field"] is None
    assert upload.sent < 10 * MB


def test_a_member_file_over_the_default_limit_reaches_its_route(server):
    """2 MB, more than any form may carry, to the import page: Django answers it (here the
    stranger is refused by CSRF), not the body limit."""
    size = 2 * MB
    upload = Upload(
        server["port"],
        f"POST /cooperatives/1/members/import/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Content-Type: application/octet-stream\r\nContent-Length: {size}\r\n\r\n",
    )
    upload.send(b"x" * PIECE for _ in range(size // PIECE))
    answer = upload.finish()
    assert upload.sent == size
    assert _status(answer) in (302, 403)


# --- the ASGI thread pool alone (any ASGI server) --------------------------------------------


def test_the_pool_refuses_a_declared_length_over_the_limit_without_reading_or_running_the_view():
    app = Recorder()
    scope = http_scope("/accounts/login/", method="POST", headers=[("Content-Length", str(400 * MB))])
    status, headers, chunks = served(ThreadPoolHTTP(app, threads=1), scope, b"x" * 10)
    assert status == 413 and app.environ is None
    assert headers[b"Content-Type"].startswith(b"text/html")


def test_the_pool_cuts_off_a_body_without_length_as_it_passes_the_limit():
    app = Recorder()
    piece = b"x" * (limit_for("/api/v1/people") // 2 + 1)
    scope = http_scope("/api/v1/people", method="POST", headers=[("Cookie", "taavon_language=en")])
    status, headers, chunks = served(ThreadPoolHTTP(app, threads=1), scope, piece, piece, piece)
    assert status == 413 and app.environ is None
    payload = json.loads(b"".join(chunks))
    assert payload["detail"] == "The request is too large"
    assert payload["errors"] == [{
        "field": None, "code": "too_large",
        "message": "This address accepts at most 1 MB in one request. Send less, or split a file into smaller ones.",
    }]


# --- Django's middleware (the test client, WSGI) ----------------------------------------------


@pytest.mark.django_db
def test_the_login_page_refuses_a_body_over_the_limit_in_persian_and_english(client):
    big = "a=" + "x" * (limit_for("/accounts/login/") + 1)
    response = client.post("/accounts/login/", big, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "۱" in helpers.text(response)

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post("/accounts/login/", big, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "This address accepts at most 1 MB in one request." in helpers.text(response)


@pytest.mark.django_db
def test_the_api_refuses_a_body_over_the_limit_in_its_error_shape(client):
    api = helpers.Api(client)
    response = api.post("/accounts/login", {"national_code": "x" * (limit_for("/api/v1/accounts/login") + 1)})
    assert response.status_code == 413
    assert response.json()["detail"] == "The request is too large"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(None, "too_large")]


@pytest.mark.django_db(transaction=True)
def test_an_officer_uploads_a_member_file_larger_than_any_form_through_the_served_application():
    """Through taavon.asgi (thread pool, middleware, API) with a bearer token: 2 MB of member file."""
    from taavon.asgi import application

    coop = helpers.cooperative(authorised_capital=1_000_000_000)
    officer = helpers.user(Role.OFFICER, cooperative=coop, password=None)
    _, token = ApiToken.issue(officer, "import")
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["کد ملی", "نام", "نام خانوادگی", "شماره عضویت", "تاریخ عضویت", "سهام", "مبلغ پرداختی", "یادداشت"])
    for n in range(20):  # an unknown column the import ignores, 100 KB a row
        writer.writerow([helpers.national_code(), "علی", "محمدی", str(100 + n), "1400/01/15", 1_000_000, 0, "x" * 100_000])
    content = rows.getvalue().encode("utf-8")
    assert limit_for("/accounts/login/") < len(content) < imports.MAX_FILE_BYTES

    boundary = "taavonboundary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"members.csv\"\r\n"
        f"Content-Type: text/csv\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    path = f"/api/v1/cooperatives/{coop.pk}/member-imports"
    scope = http_scope(path, method="POST", headers=[
        ("Host", "testserver"), ("Authorization", f"Bearer {token}"),
        ("Content-Type", f"multipart/form-data; boundary={boundary}"), ("Content-Length", str(len(body))),
    ])
    pieces = [body[i : i + PIECE] for i in range(0, len(body), PIECE)]
    status, _, chunks = served(application, scope, *pieces)
    assert status == 201, b"".join(chunks)[:500]
    batch = ImportBatch.objects.get(cooperative=coop)
    assert batch.total_rows == 20


def test_the_import_routes_take_the_whole_member_file_and_django_agrees_with_the_default():
    assert limit_for("/cooperatives/5/members/import/") > imports.MAX_FILE_BYTES
    assert limit_for("/api/v1/cooperatives/5/member-imports") > imports.MAX_FILE_BYTES
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.REQUEST_BODY_LIMITS[""]
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= settings.REQUEST_BODY_LIMITS[""]
