"""The API's one error shape, for input pydantic refuses too, and the error answers every operation documents."""

from typing import Any

from django.utils.translation import gettext as _
from ninja import Schema

# Where a parameter came from, as django-ninja puts it first in an error's location.
_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}


class ErrorOut(Schema):
    """``detail`` says what went wrong; ``errors`` (bad input only) lists messages per field, ``__all__`` for the whole."""

    detail: str
    errors: dict[str, list[str]] | None = None


def field_messages(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """django-ninja's validation errors as ``{field: [message, ...]}``, fields named as the client sent them."""
    found: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in _SOURCES:
            source, loc = loc[0], loc[1:]
            # A body's first step is the operation's argument name, which the client never sees.
            if source in {"body", "form"} and len(loc) > 1:
                loc = loc[1:]
        message = str(error.get("msg", ""))
        # pydantic prefixes the messages of our own validators (ValueError): the message alone is the clear one.
        message = message.removeprefix("Value error, ")
        found.setdefault(".".join(loc) or "__all__", []).append(message)
    return found


def invalid_input(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The body of a 422 for ``errors`` from django-ninja, in the one error shape."""
    return {"detail": _("The data is not valid."), "errors": field_messages(errors)}


# The error answers any operation may give, with the condition on the operation's document.
_SHARED = {
    "400": ("The request could not be read (e.g. a body that is not JSON).", lambda op: "requestBody" in op),
    "401": ("Authentication required.", lambda op: bool(op.get("security"))),
    "403": ("Your role may not do this.", lambda op: bool(op.get("security"))),
    "404": ("Not found, or outside your reach.", lambda op: bool(op.get("security")) or _has_path_parameters(op)),
    "422": ("The data is not valid: `errors` says why, per field.", lambda op: True),
}


def _has_path_parameters(operation: dict) -> bool:
    return any(p.get("in") == "path" for p in operation.get("parameters", []))


def document_errors(schema: dict) -> dict:
    """Add the shared error answers (in the one error shape) to every operation of an OpenAPI ``schema``; in place."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ErrorOut.model_json_schema()
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, (description, applies) in _SHARED.items():
                if applies(operation):
                    responses.setdefault(status, {"description": description, "content": content})
    return schema
