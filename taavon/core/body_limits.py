"""The most a request body may carry on each route, and the 413 answer past it.

The limits are declared once, in ``settings.REQUEST_BODY_LIMITS``: path prefix (``*`` stands for
one path segment) -> bytes, the longest matching prefix winning and ``""`` covering every other
route. They are enforced at three doors, so no path buffers an over-large body:

- ``taavon serve`` (daphne): :mod:`taavon.core.daphne_limits` refuses as the body arrives, before
  daphne writes it to a temporary file: at once when ``Content-Length`` is over the limit, else as
  soon as the running total of a chunked body passes it;
- :class:`taavon.core.http_threads.ThreadPoolHTTP` does the same for any other ASGI server;
- :class:`BodyLimitMiddleware` refuses a ``Content-Length`` over the limit under WSGI and the test
  client, before anything reads the body.

The first two answer before Django's middleware could run (nothing of the request is read yet),
so their answer is a minimal one of its own (:func:`too_large_answer`): the API's error shape under
``/api/``, else a small page, in the language :func:`taavon.core.languages.language_for` picks.
"""

from __future__ import annotations

import functools
import json
import re
from http.cookies import SimpleCookie

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from taavon.core import api_errors
from taavon.core.languages import language_for
from taavon.core.persian import to_persian_digits

STATUS = 413


@functools.lru_cache(maxsize=8)
def _compiled(limits: tuple[tuple[str, int], ...]) -> list[tuple[re.Pattern, int, int]]:
    compiled = []
    for prefix, limit in limits:
        pattern = "[^/]+".join(re.escape(part) for part in prefix.split("*"))
        compiled.append((re.compile(pattern), len(prefix), limit))
    return compiled


def limit_for(path: str) -> int:
    """The most bytes a request body to ``path`` may carry (``settings.REQUEST_BODY_LIMITS``)."""
    best_length, best = -1, settings.REQUEST_BODY_LIMITS[""]
    for pattern, length, limit in _compiled(tuple(settings.REQUEST_BODY_LIMITS.items())):
        if length > best_length and pattern.match(path):
            best_length, best = length, limit
    return best


def _size(limit: int, language: str) -> str:
    megabytes = limit / (1024 * 1024)
    number = f"{megabytes:g}" if megabytes >= 1 else f"{megabytes:.2f}"
    text = _("%(number)s MB") % {"number": number}
    return to_persian_digits(text) if language == "fa" else text


def _messages(limit: int, language: str) -> tuple[str, str]:
    title = _("The request is too large")
    message = _("This address accepts at most %(size)s in one request. Send less, or split a file into smaller ones.") % {
        "size": _size(limit, language)
    }
    return title, message


def language_of(path: str, cookie_header: str | None, accept_language: str | None = None) -> str:
    """The language to answer ``path`` in, from the raw ``Cookie`` and ``Accept-Language`` headers."""
    chosen = None
    if cookie_header:
        cookies: SimpleCookie = SimpleCookie()
        try:
            cookies.load(cookie_header)
        except Exception:  # a malformed cookie header chooses nothing
            cookies.clear()
        if settings.LANGUAGE_COOKIE_NAME in cookies:
            chosen = cookies[settings.LANGUAGE_COOKIE_NAME].value
    return language_for(path, accept_language=accept_language, cookie=chosen)


@functools.lru_cache(maxsize=64)
def too_large_answer(path_kind: str, limit: int, language: str) -> tuple[bytes, bytes]:
    """The content type and body of a 413 given before Django runs: ``path_kind`` is ``"api"`` or ``"page"``."""
    with translation.override(language):
        title, message = _messages(limit, language)
        if path_kind == "api":
            body = json.dumps(api_errors.body(title, [api_errors.error(None, "too_large", message)]), ensure_ascii=False)
            return b"application/json", body.encode("utf-8")
        html = render_to_string(
            "core/too_large.html", {"title": title, "message": message, "rtl": translation.get_language_bidi()}
        )
        return b"text/html; charset=utf-8", html.encode("utf-8")


def raw_answer(
    path: str, limit: int, cookie_header: str | None, accept_language: str | None = None
) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The headers and body of the 413 for ``path`` when Django's middleware cannot run; the connection closes after it."""
    from taavon.core.security import policy_for

    language = language_of(path, cookie_header, accept_language)
    content_type, body = too_large_answer("api" if path.startswith("/api/") else "page", limit, language)
    headers = [
        (b"Content-Type", content_type),
        (b"Content-Length", str(len(body)).encode()),
        (b"Content-Language", language.encode()),
        (b"Content-Security-Policy", policy_for(path, None).encode()),
        (b"X-Content-Type-Options", b"nosniff"),
        (b"X-Frame-Options", b"DENY"),
        (b"Connection", b"close"),
    ]
    return headers, body


def declared_length(value: str | bytes | None) -> int | None:
    """The ``Content-Length`` as a number, or None when absent or not a number."""
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


class BodyLimitMiddleware:
    """Refuse a request whose ``Content-Length`` is over its route's limit, before anything reads the body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        length = declared_length(request.META.get("CONTENT_LENGTH"))
        limit = limit_for(request.path)
        if length is None or length <= limit:
            return self.get_response(request)
        language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
        title, message = _messages(limit, language)
        response: HttpResponse
        if request.path.startswith("/api/"):
            response = api_errors.json_response(title, [api_errors.error(None, "too_large", message)], status=STATUS)
        else:
            response = render(request, "core/error.html", {"title": title, "message": message}, status=STATUS)
        return response
