"""The demo as `make run` serves it: DEBUG off and TAAVON_DEMO on, over plain http, with no secret
key given. Visitors get the custom error pages (never Django's debug page with its list of URLs),
the one-time codes still on screen, cookies that come back over http, and static files with hashed
names, compressed, cached for a year."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]

# `make run` serves the embedded default (SQLite): checked once, in the SQLite pass (collecting the
# static files alone takes about three minutes of CI).
pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the demo is the embedded default; served and checked in the SQLite pass only",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    var = tmp_path_factory.mktemp("demo")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(PYTHONPATH=str(PROJECT), TAAVON_VAR_DIR=str(var), DEBUG="false", TAAVON_DEMO="true")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], cwd=PROJECT, env=env, check=True, timeout=300)
    # `serve` collects the static files itself when it finds no collection (as on a first start).
    process = subprocess.Popen(
        [*manage, "serve", "--port", str(port), "--no-worker"],
        cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 600
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("the demo did not start: " + process.stderr.read().decode()[-2000:])
            time.sleep(0.5)
    yield f"http://127.0.0.1:{port}", var
    process.terminate()
    process.wait(timeout=30)


def fetch(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_the_demo_serves_hashed_compressed_static_files_cached_for_a_year(demo):
    base, _ = demo
    status, _, body = fetch(base + "/")
    assert status == 200
    page = body.decode()
    sheets = re.findall(r'href="(/static/[^"]+\.css)"', page)
    assert any(re.fullmatch(r"/static/taavon/taavon\.[0-9a-f]{12}\.css", s) for s in sheets), sheets

    stylesheet = next(s for s in sheets if "bootstrap" in s)
    plain_status, _, plain = fetch(base + stylesheet)
    for encoding in ("br", "gzip"):
        status, headers, body = fetch(base + stylesheet, **{"Accept-Encoding": encoding})
        assert status == 200 and plain_status == 200
        assert headers["Content-Encoding"] == encoding
        assert "immutable" in headers["Cache-Control"] and "max-age=315360000" in headers["Cache-Control"]
        assert len(body) < len(plain) / 4, f"{encoding}: {len(body)} of {len(plain)} bytes"


def test_the_demo_shows_its_own_error_page_not_the_debug_page(demo):
    base, _ = demo
    status, _, body = fetch(base + "/no-such-page/")
    page = body.decode()
    assert status == 404
    assert "URLconf" not in page and "Traceback" not in page and "DEBUG = True" not in page
    assert 'class="demo-banner' in page
    assert "یافت نشد" in page or "وجود ندارد" in page


def test_the_demo_keeps_its_cookies_on_plain_http_and_shows_codes(demo):
    base, var = demo
    status, headers, body = fetch(base + "/accounts/login/")
    assert status == 200  # not redirected to https
    cookies = headers.get_all("Set-Cookie") or []
    assert cookies and not any("; secure" in c.lower() for c in cookies)
    assert "Strict-Transport-Security" not in headers
    assert 'class="demo-banner' in body.decode()
    # Without a SECRET_KEY the demo made one of its own, readable by its owner only.
    key = var / "demo_secret_key"
    assert key.exists() and oct(key.stat().st_mode & 0o777) == "0o600"
