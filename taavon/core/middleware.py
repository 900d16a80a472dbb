"""Middleware of every request: the language, and refusing text a database cannot store.

Language: Persian unless the user chose English with the switch (a cookie); the API also reads
``Accept-Language`` first (the rule is :func:`taavon.core.languages.language_for`).

Django's LocaleMiddleware would follow the browser's Accept-Language on pages too, which shows
English to most government desktops whatever their users read; Taavon is Persian first.
"""

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from . import api_errors
from .languages import API_PREFIX, language_for


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_for(
            request.path,
            accept_language=request.headers.get("Accept-Language"),
            cookie=request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
        )
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie") if request.path.startswith(API_PREFIX) else ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


NUL = "\x00"


def _fields_with_nul(request) -> list[str]:
    """The request's text fields that carry a NUL character (a database refuses to store one)."""
    found = [key or "__all__" for key, values in request.GET.lists() if NUL in key or any(NUL in v for v in values)]
    if request.method in ("POST", "PUT", "PATCH"):
        if request.content_type == "application/json":
            if b"\\u0000" in request.body or b"\x00" in request.body:
                found.append("__all__")
        elif request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            found += [key for key, values in request.POST.lists() if NUL in key or any(NUL in v for v in values)]
    return found


class RejectNulMiddleware:
    """Refuse text with a NUL character before any view sees it: a clear 4xx, never a 500 from the database.

    Uploaded files are not text fields and are left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fields = _fields_with_nul(request)
        if not fields:
            return self.get_response(request)
        message = _("The text contains a character that is not allowed (NUL). Remove it and try again.")
        if request.path.startswith(API_PREFIX):
            errors = [api_errors.error(None if f == "__all__" else f, "nul_character", message) for f in fields]
            return api_errors.json_response(_("The data is not valid."), errors, status=422)
        return render(request, "core/error.html", {"title": _("Bad request"), "message": message}, status=400)
