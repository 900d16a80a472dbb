"""Which language a request is answered in: the one rule, for Django's middleware and for the
answers given before Django runs (``body_limits.raw_answer``).

Pages: the ``taavon_language`` cookie (the switch), else Persian. Taavon is Persian first, and
the browsers of most government desktops ask for English whatever their users read.

The API (``/api/``): ``Accept-Language`` first, then the cookie, then Persian. A machine client
says what it wants in the header; a browser script calling the API with its session carries the
cookie of the page, which still counts when the header names no language we have.
"""

from django.conf import settings
from django.utils.translation import get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header

API_PREFIX = "/api/"


def _supported(code: str) -> str | None:
    try:
        return get_supported_language_variant(code)
    except LookupError:
        return None


def from_accept_language(header: str | None) -> str | None:
    """The first language of an ``Accept-Language`` header (by its q weights) that we have, else None."""
    if not header:
        return None
    for code, weight in parse_accept_lang_header(header[:500]):
        if code != "*" and weight > 0 and (found := _supported(code)):
            return found
    return None


def from_cookie(value: str | None) -> str | None:
    return value if value in dict(settings.LANGUAGES) else None


def language_for(path: str, *, accept_language: str | None, cookie: str | None) -> str:
    """The language to answer ``path`` in, given the raw ``Accept-Language`` header and the language cookie's value."""
    chosen = from_cookie(cookie)
    if path.startswith(API_PREFIX):
        chosen = from_accept_language(accept_language) or chosen
    return chosen or settings.LANGUAGE_CODE
