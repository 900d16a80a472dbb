"""The HTTP API at ``/api/v1``: one NinjaAPI, one router per app.

Machine clients authenticate with ``Authorization: Bearer <token>`` (per-user API tokens);
browsers with their session. Endpoints call the same services and selectors as the pages.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import URLPattern, path, register_converter
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as InvalidInput

from taavon.accounts.api import router as accounts_router
from taavon.accounts.auth import api_auth
from taavon.assemblies.api import router as assemblies_router
from taavon.core.api import router as home_router
from taavon.core.api_errors import document_errors, invalid_input
from taavon.core.api_inputs import RowIdConverter
from taavon.core.errors import error_messages
from taavon.registry.api import people_router
from taavon.registry.api import router as registry_router
from taavon.registry.imports.api import router as import_router
from taavon.registry.public.api import router as public_router
from taavon.rules.api import router as rules_router

register_converter(RowIdConverter, "row_id")


def _bounded_ids(url):
    """``url`` with its ``int`` path ids read as row ids: a number past 64 bits is a 404, not an overflow in the query."""
    route = str(url.pattern)
    if not isinstance(url, URLPattern) or "<int:" not in route:
        return url
    return path(route.replace("<int:", "<row_id:"), url.callback, url.default_args, url.name)


class TaavonApi(NinjaAPI):
    """The API whose OpenAPI document also lists the error answers every operation may give, and
    whose path ids are bounded to what a database row id can be."""

    def _get_urls(self):
        return [_bounded_ids(url) for url in super()._get_urls()]

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        return document_errors(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = TaavonApi(
    title="Taavon API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    description="The comprehensive and smart cooperatives platform. Authenticate with a bearer API token.",
)

api.add_router("/accounts", accounts_router, auth=api_auth(), tags=["accounts"])
api.add_router("/me", home_router, auth=api_auth(), tags=["accounts"])
api.add_router("/cooperatives", registry_router, auth=api_auth(), tags=["registry"])
api.add_router("/cooperatives", import_router, auth=api_auth(), tags=["member import"])
api.add_router("/people", people_router, auth=api_auth(), tags=["registry"])
api.add_router("/public", public_router, tags=["public register"])
api.add_router("/rules", rules_router, tags=["legal rules"])
api.add_router("/assemblies", assemblies_router, auth=api_auth(), tags=["general assemblies"])


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    return api.create_response(request, {"detail": _("The data is not valid."), "errors": error_messages(exc)}, status=422)


@api.exception_handler(InvalidInput)
def on_invalid_input(request, exc):
    return api.create_response(request, invalid_input(exc.errors), status=422)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return api.create_response(request, {"detail": _("You do not have permission to do this.")}, status=403)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return api.create_response(request, {"detail": _("Authentication required.")}, status=401)
