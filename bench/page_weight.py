"""Page weight: how many requests a browser makes and how many bytes cross the wire for a few
pages of the demo, in Persian and in English, on a first visit (empty cache) and a second one.

    # serve the demo as `make run` does (DEBUG off, TAAVON_DEMO on) on a free port, measure, stop it
    .venv/bin/python bench/page_weight.py
    # or measure a server that is already running (e.g. `make run` in another terminal)
    .venv/bin/python bench/page_weight.py --url http://127.0.0.1:8000
    .venv/bin/python bench/page_weight.py --json /tmp/weight.json

The floor is the smallest answer the same server gives (the load balancer's /health: one request,
headers and two bytes), measured in the same run, so the figures can be read against it. Bytes are
what Chromium counts as transferred: response headers plus the body as sent (compressed when the
server compressed it). The database must hold the demo (`taavon demo --if-empty`): a
cooperative's public page is one of the pages measured. docs/PERFORMANCE.md records a run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_demo() -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DEBUG": "false", "TAAVON_DEMO": "true"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port), "--no-worker"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 600  # a first start collects the static files
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit("the demo server did not start (is the database migrated and loaded?)") from None
            time.sleep(0.5)


def pages(base: str) -> dict[str, str]:
    register = urllib.request.urlopen(base + "/register/", timeout=30).read().decode()
    cooperative = re.search(r'href="(/register/\d+/)"', register)
    found = {"home": "/", "public register": "/register/", "login": "/accounts/login/"}
    if cooperative:
        found["a cooperative's public page"] = cooperative.group(1)
    return found


def visit(context, url: str) -> dict:
    """Load ``url`` in a tab of ``context`` until the network is quiet; requests and bytes."""
    page = context.new_page()
    seen: list = []
    page.on("requestfinished", lambda request: seen.append(request))
    page.goto(url, wait_until="networkidle")
    transferred = 0
    from_network = 0
    for request in seen:
        response = request.response()
        if response is None or response.from_service_worker:
            continue
        sizes = request.sizes()
        if sizes["responseBodySize"] < 0:
            continue
        from_network += 1
        transferred += sizes["responseHeadersSize"] + sizes["responseBodySize"]
    page.close()
    return {"requests": len(seen), "from_network": from_network, "bytes": transferred, "files": [r.url.split("/")[-1] or "/" for r in seen]}


def measure(base: str) -> dict:
    from playwright.sync_api import sync_playwright

    results: dict = {"url": base, "floor": None, "pages": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            context = browser.new_context()
            results["floor"] = visit(context, base + "/health")
            context.close()
            for language in ("fa", "en"):
                for name, path in pages(base).items():
                    # A fresh context is an empty cache; the second visit in it is a returning visitor.
                    context = browser.new_context()
                    context.add_cookies([{"name": "taavon_language", "value": language, "url": base}])
                    first = visit(context, base + path)
                    again = visit(context, base + path)
                    context.close()
                    results["pages"].append({"page": name, "path": path, "language": language, "first": first, "again": again})
        finally:
            browser.close()
    return results


def report(results: dict) -> None:
    floor = results["floor"]
    print(f"floor (/health): {floor['requests']} request, {floor['bytes']:,} bytes")
    print(f"{'page':<30} {'lang':<4} {'first visit':>22} {'second visit':>24}")
    for row in results["pages"]:
        first, again = row["first"], row["again"]
        print(
            f"{row['page']:<30} {row['language']:<4} "
            f"{first['requests']:>3} req {first['bytes'] / 1024:>9.1f} KB   "
            f"{again['from_network']:>3} from network {again['bytes'] / 1024:>6.1f} KB"
        )
        print(f"{'':<36}{', '.join(first['files'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="measure this running server instead of starting the demo")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    process = None
    base = args.url.rstrip("/") if args.url else None
    if base is None:
        process, base = start_demo()
    try:
        results = measure(base)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
