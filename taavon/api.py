"""The HTTP API at ``/api/v1``: one NinjaAPI, one router per app.

Machine clients authenticate with ``Authorization: Bearer <token>`` (per-user API tokens);
browsers with their session. Endpoints call the same services and selectors as the pages.
"""

import asyncio
import functools
import logging
import math

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.urls import URLPattern, path, register_converter
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_ratelimit.exceptions import Ratelimited
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as InvalidInput

from taavon.accounts.api import auth_router
from taavon.accounts.api import router as accounts_router
from taavon.accounts.auth import api_auth
from taavon.assemblies.api import router as assemblies_router
from taavon.assemblies.published.api import router as held_router
from taavon.core import api_errors
from taavon.core.api import router as home_router
from taavon.core.api_inputs import RowIdConverter
from taavon.registry.api import people_router
from taavon.registry.api import router as registry_router
from taavon.registry.board.api import router as board_router
from taavon.registry.imports.api import router as import_router
from taavon.registry.public.api import router as public_router
from taavon.registry.verification.api import queue_router as verification_queue_router
from taavon.registry.verification.api import router as verification_router
from taavon.rules.api import router as rules_router

register_converter(RowIdConverter, "row_id")

logger = logging.getLogger(__name__)


def _bounded_ids(url):
    """``url`` with its ``int`` path ids read as row ids: a number past 64 bits is a 404, not an overflow in the query."""
    route = str(url.pattern)
    if not isinstance(url, URLPattern) or "<int:" not in route:
        return url
    return path(route.replace("<int:", "<row_id:"), url.callback, url.default_args, url.name)


def _method_refused_in_shape(url):
    """``url`` whose answer to a method no operation takes (django-ninja's plain-text 405) is in the one error shape."""
    if not isinstance(url, URLPattern) or asyncio.iscoroutinefunction(url.callback):
        return url  # every operation is sync today; an async one keeps django-ninja's own view
    callback = url.callback

    @functools.wraps(callback)  # keeps the csrf_exempt mark django-ninja puts on its views
    def view(request, *args, **kwargs):
        response = callback(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = ", ".join(sorted(m.strip() for m in response["Allow"].split(",")))
            return api_errors.refusal(
                405, message=_("Allowed: %(allowed)s.") % {"allowed": allowed}, headers={"Allow": response["Allow"]}
            )
        return response

    return path(str(url.pattern), view, url.default_args, url.name)


class TaavonApi(NinjaAPI):
    """The API whose OpenAPI document also lists the error answers every operation may give, and
    whose path ids are bounded to what a database row id can be."""

    def _get_urls(self):
        return [_method_refused_in_shape(_bounded_ids(url)) for url in super()._get_urls()]

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        return api_errors.document_errors(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = TaavonApi(
    title="Taavon API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    description=(
        "The comprehensive and smart cooperatives platform. Authenticate with a bearer API token.\n\n"
        "Every error answer is `{\"detail\": …, \"errors\": [{\"field\", \"code\", \"message\"}]}`: "
        "`field` is the dotted path of the input (null: the whole request), `code` a stable machine code, "
        "`message` for people in the language of `Accept-Language` (then the `taavon_language` cookie; "
        "Persian by default). 422: something sent is wrong; 409: the object's present state does not allow it."
    ),
)

api.add_router("/auth", auth_router, tags=["logging in"])
api.add_router("/accounts", accounts_router, auth=api_auth(), tags=["accounts"])
api.add_router("/me", home_router, auth=api_auth(), tags=["accounts"])
api.add_router("/cooperatives", registry_router, auth=api_auth(), tags=["registry"])
api.add_router("/cooperatives", import_router, auth=api_auth(), tags=["member import"])
api.add_router("/cooperatives", verification_router, auth=api_auth(), tags=["member verification"])
api.add_router("/verification-requests", verification_queue_router, auth=api_auth(), tags=["member verification"])
api.add_router("/cooperatives", board_router, auth=api_auth(), tags=["board"])
api.add_router("/people", people_router, auth=api_auth(), tags=["registry"])
api.add_router("/public", public_router, tags=["public register"])
api.add_router("/public", held_router, tags=["public register"])
api.add_router("/rules", rules_router, tags=["legal rules"])
api.add_router("/assemblies", assemblies_router, auth=api_auth(), tags=["general assemblies"])


# Every error leaves in the one shape (taavon.core.api_errors), translated by the request's language.


@api.exception_handler(ValidationError)
def on_service_refusal(request, exc):
    return api_errors.service_refusal(exc)


@api.exception_handler(InvalidInput)
def on_invalid_input(request, exc):
    return api_errors.json_response(_("The data is not valid."), api_errors.input_errors(exc.errors), status=422)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return api_errors.refusal(403)


@api.exception_handler(Ratelimited)
def on_rate_limited(request, exc):
    # A PermissionDenied to django-ratelimit; to a client it is "not now", not "never".
    return api_errors.refusal(429)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api_errors.refusal(404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return api_errors.refusal(401)


@api.exception_handler(Throttled)
def on_throttled(request, exc):
    if exc.wait is None:
        return api_errors.refusal(429)
    seconds = max(1, math.ceil(exc.wait))  # whole seconds, as django-ninja then writes Retry-After
    message = _("Too many requests. Please wait %(seconds)s seconds and try again.") % {
        "seconds": api_errors.localized_number(seconds)
    }
    return api_errors.refusal(429, message=message, headers={"Retry-After": str(seconds)})


# django-ninja's own refusals, by their status: a body that is not JSON (400), a failed CSRF check
# of a session caller (403).
_HTTP_ERRORS = {
    400: ("malformed_json", gettext_lazy("The body is not valid JSON.")),
    403: ("csrf_failed", gettext_lazy("The CSRF check failed: reload the page, or call the API with a token.")),
}


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    code, message = _HTTP_ERRORS.get(exc.status_code, (None, None))
    return api_errors.refusal(exc.status_code, code=code, message=message)


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    logger.exception("Unexpected error answering %s %s", request.method, request.path)
    return api_errors.refusal(500)
