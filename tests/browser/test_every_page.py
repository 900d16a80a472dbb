"""Every page, as every role, on a 360 px phone in Persian: nothing wider than the screen, no ASCII
digit, no raw value, and no accessibility violation (axe-core, WCAG 2.1 A and AA; run once per
distinct content of ``<main>``, so a role shown what another saw is not axed again), then every
distinct address once more in English on a desktop, for axe's contrast checks (axe skips contrast on
joined Persian letters, and the desktop shows the navigation bar the phone folds away).

The pages are found from Django's URL resolver as in ``tests/test_scoping_walk.py``, so a new
page is crawled without editing this file; its address parameters are filled from the dataset of
``tests/dataset.py`` (every assembly state, every item of each), and a parameter the dataset does
not know fails the crawl until it is taught there. A route is a page when the test client gets a
200 HTML document (with ``<html``) for the role; fragments, downloads and refusals are left out.

Codes that must stay ASCII (receipt codes, hashes, a draw's seed) are marked in the template with
``class="ltr-code"`` or sit in ``<code>``/``<kbd>``/``<samp>``: the digit check skips them.

The failure message is one line per finding: ``role  url  check: detail`` (also written to
``var/test-results/every-page.txt``). While fixing, crawl a part: ``CRAWL_ROLES=officer,member``
(names as in ``tests/dataset.py``) and ``CRAWL_ONLY=<regex of the address>``; with ``-s`` the
findings print as they come.

Heavy (a few minutes of chromium): it runs in the SQLite pass of CI only; pages do not depend on
the database engine, and the PostgreSQL pass already holds the 30 minutes' budget tight.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from taavon.rules.parameters import PARAMETERS
from tests import dataset
from tests.test_scoping_walk import PARAM, walk

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the page crawl runs in the SQLite pass only (pages do not depend on the engine; CI time)",
    ),
]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
REPORT = Path(__file__).resolve().parents[2] / "var" / "test-results" / "every-page.txt"

# Not pages of the app: the admin has its own tests, the API answers JSON, the rest are Django's.
NOT_PAGES = re.compile(r"^/(admin/|api/|i18n/|static/|media/|health)")
DOWNLOAD = re.compile(r"\.(json|csv|xlsx|pdf)$")

# One pass over the page's visible text: overflow, ASCII digits and raw values together.
LOOK = """
(ruleKeys) => {
  const W = window.innerWidth;
  const out = {width: document.documentElement.scrollWidth, screen: W, wide: [], digits: [], raw: []};
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.dataset.testid ? "[data-testid=" + el.dataset.testid + "]" : "")
    + (el.classList.length ? "." + [...el.classList].slice(0, 3).join(".") : "");
  const path = (el) => { const parts = []; for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) parts.unshift(name(e)); return parts.join(" > "); };
  if (out.width > W) {
    const scrolls = (el) => { for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) { const o = getComputedStyle(e).overflowX; if (o !== "visible") return true; } return false; };
    let wide = [...document.body.querySelectorAll("*")].filter((el) => {
      const r = el.getBoundingClientRect();
      return (r.right > W + 1 || r.left < -1) && !scrolls(el);
    });
    wide = wide.filter((el) => !wide.some((o) => o !== el && el.contains(o)));
    out.wide = wide.slice(0, 3).map((el) => { const r = el.getBoundingClientRect(); return path(el) + " [" + Math.round(r.left) + ".." + Math.round(r.right) + "]"; });
    if (!wide.length) out.wide = ["(no single element: look for a negative margin or a positioned element)"];
  }
  const codes = "code, kbd, samp, .ltr-code, script, style, noscript, template";
  const RAW = new RegExp("\\\\b(None|True|False)\\\\b| object at |\\\\{'|\\\\['|\\\\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\\\\b");
  const keys = new Set(ruleKeys);
  const visible = (el) => (el.closest("select") || el).checkVisibility({visibilityProperty: true});
  const seen = (text, el) => {
    // A digit inside a Latin word (UTF-8, A4, a hex hash) belongs to a code, not a number.
    const numbers = text.split(/\\s+/).some((word) => /[0-9]/.test(word) && !/[A-Za-z]/.test(word));
    if (numbers && !el.closest(codes) && out.digits.length < 5) out.digits.push(text.slice(0, 80) + "  @ " + path(el));
    const words = text.match(/[a-z][a-z0-9_]*\\.[a-z0-9_.]+/g) || [];
    const m = text.match(RAW) || words.find((w) => keys.has(w));
    if (m && !el.closest(codes) && out.raw.length < 5) out.raw.push(text.slice(0, 80) + "  @ " + path(el));
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walker.nextNode());) {
    const el = n.parentElement, text = n.nodeValue.trim();
    if (text && el && !el.closest("script, style, template") && visible(el)) seen(text, el);
  }
  for (const el of document.querySelectorAll("input[placeholder], textarea[placeholder], input[type=submit][value], input[type=button][value]")) {
    if (visible(el)) seen(el.placeholder || el.value, el);
  }
  // What axe would see of the page's own content: a role shown the same markup is not run again.
  const main = document.querySelector("main");
  out.markup = main ? main.innerHTML.replace(/name="csrfmiddlewaretoken" value="[^"]*"/g, "") : "";
  return out;
}
"""

RUN_AXE = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((v) => v.id + " (" + v.nodes.length + "): " + v.help + " | "
    + v.nodes.slice(0, 3).map((n) => n.target.join(" ") + ((n.any[0] || n.all[0] || n.none[0] || {}).message ? " - " + (n.any[0] || n.all[0] || n.none[0]).message : "")).join(" ; "));
}
"""


def _fills(template: str, namespace: str, ds: dataset.Dataset, role: str) -> list[str]:
    """Every address of ``template`` in the dataset (an assembly route once per assembly, an item
    route once per item of each)."""
    names = [m.group("name") for m in PARAM.finditer(template)]
    if "accounts/" in template:
        namespace = "accounts"
    choices: list[dict] = [{}]
    for name in names:
        grown = []
        for chosen in choices:
            if name == "item_id":
                values = ds.items_of(chosen["assembly_id"])
            elif name == "proxy_id":
                values = ds.proxies.get(chosen["assembly_id"], [])
            else:
                try:
                    values = ds.values(name, namespace, role)
                except LookupError:
                    raise AssertionError(
                        f"The page crawl does not know the route parameter {name!r} of /{template}: teach tests/dataset.py."
                    ) from None
            grown += [{**chosen, name: v} for v in values]
        choices = grown
    return ["/" + PARAM.sub(lambda m, c=c: str(c[m.group("name")]), template).replace("^", "").replace("$", "") for c in choices]


def _pages_of(role: str, ds: dataset.Dataset, client: Client, not_pages: set[str]) -> list[str]:
    """The addresses that are pages for ``role``; ``not_pages`` collects the routes that are
    never one (POST only, downloads, fragments), so the next role does not ask again."""
    pages = []
    for template, namespace in walk():
        if NOT_PAGES.match("/" + template) or DOWNLOAD.search(template) or template in not_pages:
            continue
        for url in _fills(template, namespace, ds, role):
            response = client.get(url)
            if response.status_code == 405 or response.streaming:
                not_pages.add(template)
                break
            if response.status_code != 200:
                continue
            if not response.get("Content-Type", "").startswith("text/html") or b"<html" not in response.content[:300]:
                not_pages.add(template)
                break
            pages.append(url)
    return pages


def _client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _context(browser, live_server, client: Client, *, language: str, viewport: dict):
    context = browser.new_context(viewport=viewport, locale="fa-IR" if language == "fa" else "en-US")
    # Added through the DevTools protocol: the page's Content-Security-Policy does not apply to it.
    context.add_init_script(path=str(AXE))
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    if settings.SESSION_COOKIE_NAME in client.cookies:
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": live_server.url})
    context.add_cookies(cookies)
    return context


def test_every_page_fits_a_phone_speaks_persian_and_passes_axe_for_every_role(browser, live_server):
    ds = dataset.build()
    rule_keys = sorted(PARAMETERS)
    findings: list[str] = []
    english_done: set[str] = set()
    axed: set[str] = set()
    crawled = 0
    not_pages: set[str] = set()
    started = time.monotonic()

    def found(role: str, url: str, what: str) -> None:
        findings.append(f"{role:15} {url:50} {what}")
        print(findings[-1], flush=True)  # as they come, for a long crawl watched with -s

    roles = os.environ.get("CRAWL_ROLES", "").split(",") if os.environ.get("CRAWL_ROLES") else dataset.ROLES
    only = re.compile(os.environ.get("CRAWL_ONLY", ""))
    for role in roles:
        cache.clear()  # the public pages' limit per address (60 a minute) is not what the crawl checks
        client = _client_for(ds.users[role])
        with translation.override("fa"):
            pages = [url for url in _pages_of(role, ds, client, not_pages) if only.search(url)]
        print(f"{time.monotonic() - started:6.1f}s {role}: {len(pages)} pages", flush=True)
        fa = _context(browser, live_server, client, language="fa", viewport=PHONE)
        en = _context(browser, live_server, client, language="en", viewport=DESKTOP)
        fa_page, en_page = fa.new_page(), en.new_page()
        for url in pages:
            crawled += 1
            if crawled % 25 == 0:
                cache.clear()
            fa_page.goto(live_server.url + url)
            look = fa_page.evaluate(LOOK, rule_keys)
            if look["width"] > look["screen"]:
                found(role, url, f"overflow: {look['width']}px on a {look['screen']}px screen; wide: {' | '.join(look['wide'])}")
            for text in look["digits"]:
                found(role, url, f"ASCII digit: {text}")
            for text in look["raw"]:
                found(role, url, f"raw value: {text}")
            markup = hashlib.sha256(f"{url}\n{look['markup']}".encode()).hexdigest()
            if markup in axed:
                continue  # another role saw this very page: axe found what it finds
            axed.add(markup)
            for violation in fa_page.evaluate(RUN_AXE, AXE_TAGS):
                found(role, url, f"axe fa: {violation}")
            if url not in english_done:
                english_done.add(url)
                en_page.goto(live_server.url + url)
                for violation in en_page.evaluate(RUN_AXE, AXE_TAGS):
                    found(role, url, f"axe en: {violation}")
        fa.close()
        en.close()
        print(f"{time.monotonic() - started:6.1f}s {role} crawled", flush=True)

    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(findings) + "\n", encoding="utf-8")
    assert crawled > 40 or roles != dataset.ROLES, f"only {crawled} pages were crawled: has the dataset lost its pages?"
    assert not findings, f"{len(findings)} findings on {crawled} pages (also in {REPORT}):\n" + "\n".join(findings)
