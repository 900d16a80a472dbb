"""The API's one error shape, the statuses it is given with, and its place in the OpenAPI document.

Every error answer of ``/api/`` is ``{"detail": str, "errors": [{"field", "code", "message"}, ...]}``:
``detail`` says in a sentence what went wrong; ``errors`` has at least one entry, each with
``field`` (the dotted path of the input it is about: a body field, ``agenda.0.title``, a query or
path parameter; ``null`` when it is about the whole request), ``code`` (a stable snake_case
machine code) and ``message`` (for people, in the request's language: ``Accept-Language``, then
the language cookie; :mod:`taavon.core.languages`).

Statuses (docs/ARCHITECTURE.md, "The API's error contract"): 422 when something sent is wrong
(fix it and send again); 409 when what was sent is fine but the object it acts on does not allow
it in its present state (:func:`status_for`, from the codes each area declares with
:func:`state_conflicts`).
"""

import re
import typing
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import JsonResponse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic_core.core_schema import ErrorType

from .persian import to_persian_digits


class ErrorItem(Schema):
    field: str | None = Field(
        description="The input this is about, as a dotted path (body field, query or path parameter); null: the whole request."
    )
    code: str = Field(description="A stable machine code (snake_case), the same in every language.")
    message: str = Field(description="What is wrong, for people, in the language asked for.")


class ErrorOut(Schema):
    """``detail`` says what went wrong; ``errors`` lists each reason, with the input it is about."""

    detail: str
    errors: list[ErrorItem]


def error(field: str | None, code: str, message: Any) -> dict[str, Any]:
    """One entry of ``errors``."""
    return {"field": field, "code": code, "message": str(message)}


def body(detail: Any, errors: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """An error body in the one shape."""
    return {"detail": str(detail), "errors": list(errors)}


def json_response(detail: Any, errors: Iterable[dict[str, Any]], *, status: int, headers=None) -> JsonResponse:
    """An error answer in the one shape; what every error door of the API returns."""
    return JsonResponse(body(detail, errors), status=status, headers=headers)


# --------------------------------------------------------------------------- the shared answers

# status -> (detail, code, message) of an answer that names no input; each door may give its own code and message.
_GENERIC: dict[int, tuple[Any, str, Any]] = {
    400: (gettext_lazy("The request could not be read."), "bad_request", gettext_lazy("The request could not be read.")),
    401: (
        gettext_lazy("Authentication required."),
        "not_authenticated",
        gettext_lazy("Log in, or send a valid API token as “Authorization: Bearer <token>”."),
    ),
    403: (
        gettext_lazy("You do not have permission to do this."),
        "forbidden",
        gettext_lazy("Your role may not do this here."),
    ),
    404: (
        gettext_lazy("Not found."),
        "not_found",
        gettext_lazy("Nothing at this address is within your reach."),
    ),
    405: (gettext_lazy("This method is not allowed here."), "method_not_allowed", gettext_lazy("Allowed: %(allowed)s.")),
    409: (
        gettext_lazy("This cannot be done in the present state."),
        "state_conflict",
        gettext_lazy("This cannot be done in the present state."),
    ),
    422: (gettext_lazy("The data is not valid."), "invalid", gettext_lazy("The data is not valid.")),
    429: (
        gettext_lazy("Too many requests."),
        "rate_limited",
        gettext_lazy("Too many requests. Please wait a minute and try again."),
    ),
    500: (
        gettext_lazy("Something went wrong on our side."),
        "server_error",
        gettext_lazy("The error was logged. Try again later; if it persists, tell the support desk."),
    ),
}


def detail_for(status: int) -> str:
    return str(_GENERIC.get(status, _GENERIC[400 if status < 500 else 500])[0])


def refusal(status: int, *, code: str | None = None, message: Any = None, field: str | None = None, headers=None) -> JsonResponse:
    """The answer of ``status`` about the whole request (or ``field``), with the generic code and message unless given."""
    detail, generic_code, generic_message = _GENERIC.get(status, _GENERIC[400 if status < 500 else 500])
    return json_response(detail, [error(field, code or generic_code, message or generic_message)], status=status, headers=headers)


def localized_number(value: Any) -> str:
    """A number for a message: Persian digits when the answer is in Persian."""
    text = str(value)
    return to_persian_digits(text) if get_language() == "fa" else text


# --------------------------------------------------------------------------- service refusals

_STATE_CONFLICTS: set[str] = set()


def state_conflicts(*codes: str) -> None:
    """Declare the codes of service refusals that mean "the object's present state does not allow
    this" (409, not 422). Each area's ``api.py`` declares its own; a code means one thing across the API."""
    _STATE_CONFLICTS.update(codes)


def _errors_by_field(exc: ValidationError) -> dict[str | None, list[ValidationError]]:
    if hasattr(exc, "error_dict"):
        return {None if f == NON_FIELD_ERRORS else f: list(errors) for f, errors in exc.error_dict.items()}
    return {None: list(exc.error_list)}


def status_for(exc: ValidationError) -> int:
    """409 when every reason of ``exc`` is about the whole request and a declared state conflict, else 422.

    A reason tied to a field is always about what was sent (422).
    """
    by_field = _errors_by_field(exc)
    if set(by_field) != {None}:
        return 422
    codes = {e.code for e in by_field[None]}
    return 409 if codes and codes <= _STATE_CONFLICTS else 422


def service_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """The entries of ``errors`` for a Django ``ValidationError`` a service (or form cleaner) raised."""
    found = []
    for field, errors in _errors_by_field(exc).items():
        for e in errors:
            message = e.message % e.params if e.params else e.message
            found.append(error(field, e.code or "invalid", message))
    return found


def service_refusal(exc: ValidationError) -> JsonResponse:
    """The answer to a service's refusal: 409 or 422 (:func:`status_for`), every reason listed."""
    status = status_for(exc)
    return json_response(detail_for(status), service_errors(exc), status=status)


# --------------------------------------------------------------------------- input pydantic refuses

# Where a parameter came from, as django-ninja puts it first in an error's location.
_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}

_N = gettext_lazy
# pydantic's error types that our inputs can give -> (our code, our message with the error's context).
_PYDANTIC: dict[str, tuple[str, Any]] = {
    "missing": ("required", _N("This field is required.")),
    "extra_forbidden": ("unknown_field", _N("This field is not expected here: remove it.")),
    "json_invalid": ("malformed_json", _N("The body is not valid JSON.")),
    "json_type": ("malformed_json", _N("The body is not valid JSON.")),
    "int_type": ("not_integer", _N("Enter a whole number.")),
    "int_parsing": ("not_integer", _N("Enter a whole number.")),
    "int_from_float": ("not_integer", _N("Enter a whole number.")),
    "int_parsing_size": ("out_of_range", _N("This number is too large.")),
    "float_type": ("not_number", _N("Enter a number.")),
    "float_parsing": ("not_number", _N("Enter a number.")),
    "finite_number": ("not_number", _N("Enter a number.")),
    "decimal_type": ("not_number", _N("Enter a number.")),
    "decimal_parsing": ("not_number", _N("Enter a number.")),
    "bool_type": ("not_boolean", _N("Enter true or false.")),
    "bool_parsing": ("not_boolean", _N("Enter true or false.")),
    "string_type": ("not_text", _N("Enter text.")),
    "string_unicode": ("not_text", _N("Enter text.")),
    "string_too_short": ("min_length", _N("Enter at least %(min_length)s characters.")),
    "string_too_long": ("max_length", _N("Enter at most %(max_length)s characters.")),
    "string_pattern_mismatch": ("invalid_format", _N("This is not in the expected format.")),
    "too_short": ("too_few", _N("Give at least %(min_length)s items.")),
    "too_long": ("too_many", _N("Give at most %(max_length)s items.")),
    "list_type": ("not_list", _N("Give a list.")),
    "tuple_type": ("not_list", _N("Give a list.")),
    "set_type": ("not_list", _N("Give a list.")),
    "dict_type": ("not_object", _N("Give an object (named fields).")),
    "model_type": ("not_object", _N("Give an object (named fields).")),
    "model_attributes_type": ("not_object", _N("Give an object (named fields).")),
    "dataclass_type": ("not_object", _N("Give an object (named fields).")),
    "enum": ("invalid_choice", _N("Choose one of: %(expected)s.")),
    "literal_error": ("invalid_choice", _N("Choose one of: %(expected)s.")),
    "date_type": ("invalid_date", _N("Enter a valid date.")),
    "date_parsing": ("invalid_date", _N("Enter a valid date.")),
    "date_from_datetime_parsing": ("invalid_date", _N("Enter a valid date.")),
    "date_from_datetime_inexact": ("invalid_date", _N("Enter a date without a time.")),
    "datetime_type": ("invalid_datetime", _N("Enter a valid date and time.")),
    "datetime_parsing": ("invalid_datetime", _N("Enter a valid date and time.")),
    "datetime_from_date_parsing": ("invalid_datetime", _N("Enter a valid date and time.")),
    "datetime_object_invalid": ("invalid_datetime", _N("Enter a valid date and time.")),
    "time_type": ("invalid_time", _N("Enter a valid time.")),
    "time_parsing": ("invalid_time", _N("Enter a valid time.")),
    "timezone_aware": ("invalid_datetime", _N("Give the time with its offset, e.g. +03:30.")),
    "greater_than": ("min_value", _N("Enter a number greater than %(gt)s.")),
    "greater_than_equal": ("min_value", _N("Enter a number of at least %(ge)s.")),
    "less_than": ("max_value", _N("Enter a number less than %(lt)s.")),
    "less_than_equal": ("max_value", _N("Enter a number of at most %(le)s.")),
    "multiple_of": ("invalid", _N("Enter a multiple of %(multiple_of)s.")),
    "none_required": ("invalid", _N("Leave this empty.")),
    "url_type": ("invalid_url", _N("Enter a valid web address.")),
    "url_parsing": ("invalid_url", _N("Enter a valid web address.")),
    "url_scheme": ("invalid_url", _N("Enter a valid web address.")),
    "uuid_type": ("invalid", _N("Enter a valid identifier.")),
    "uuid_parsing": ("invalid", _N("Enter a valid identifier.")),
}
_FALLBACK = ("invalid", _N("This value is not valid."))
# pydantic's own types; any other is a PydanticCustomError of ours, whose message is already translated.
_BUILTIN_TYPES = set(typing.get_args(ErrorType))


def _choices(expected: str) -> str:
    """pydantic's ``'a', 'b' or 'c'`` as a list in the answer's language (its ``or`` is English)."""
    values = re.findall(r"'([^']*)'", expected) or [expected]
    return str(_(", ")).join(values)


def _pydantic_message(error_type: str, ctx: dict[str, Any], fallback: str) -> tuple[str, str]:
    if error_type in {"value_error", "assertion_error"}:
        # Our own validators raise ValueError with a translated message; pydantic prefixes it.
        return "invalid", fallback.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if error_type not in _BUILTIN_TYPES:
        return error_type, fallback
    code, message = _PYDANTIC.get(error_type, _FALLBACK)
    params = {key: localized_number(value) for key, value in ctx.items() if isinstance(value, int | float)}
    if "expected" in ctx:
        params["expected"] = _choices(str(ctx["expected"]))
    try:
        return code, str(message) % params if params else str(message)
    except (KeyError, TypeError, ValueError):  # a context without what the message names: its plain form
        return _FALLBACK[0] if code == "invalid" else code, str(_FALLBACK[1])


def field_of(loc: Iterable[Any]) -> str | None:
    """The dotted path the client knows for a django-ninja error location; None for the whole request."""
    parts = [str(part) for part in loc]
    if parts and parts[0] in _SOURCES:
        source, parts = parts[0], parts[1:]
        # A body's first step is the operation's argument name, which the client never sees.
        if source in {"body", "form"}:
            parts = parts[1:]
    return ".".join(parts) or None


def input_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """django-ninja's validation errors (pydantic's, with the source first in ``loc``) as entries of ``errors``."""
    found = []
    for e in errors:
        code, message = _pydantic_message(str(e.get("type", "")), dict(e.get("ctx") or {}), str(e.get("msg", "")))
        found.append(error(field_of(e.get("loc", ())), code, message))
    return found


# --------------------------------------------------------------------------- the OpenAPI document

_COMPONENT = "#/components/schemas/{model}"

# The error answers an operation may give, with the condition on the operation (method, document).
_SHARED: dict[str, tuple[str, Any]] = {
    "400": ("The request could not be read (a body that is not JSON).", lambda method, op: "requestBody" in op),
    "401": ("Authentication required.", lambda method, op: bool(op.get("security"))),
    "403": ("Your role may not do this.", lambda method, op: bool(op.get("security"))),
    "404": (
        "Not found, or outside your reach.",
        lambda method, op: bool(op.get("security")) or _has_path_parameters(op),
    ),
    "409": (
        "The object's present state does not allow this (e.g. voting has not opened, the notice is published).",
        lambda method, op: bool(op.get("security")) and method != "get",
    ),
    "413": ("The request body is larger than this address accepts.", lambda method, op: "requestBody" in op),
    "422": ("The data is not valid: `errors` says why, per field.", lambda method, op: True),
    "429": ("Too many requests: wait (see Retry-After) and try again.", lambda method, op: True),
}


def _has_path_parameters(operation: dict) -> bool:
    return any(p.get("in") == "path" for p in operation.get("parameters", []))


def document_errors(schema: dict) -> dict:
    """Add the shared error answers (in the one error shape) to every operation of an OpenAPI ``schema``; in place."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorOut.model_json_schema(ref_template=_COMPONENT)
    components.update(error_schema.pop("$defs", {}))
    components[ErrorOut.__name__] = error_schema
    content = {"application/json": {"schema": {"$ref": _COMPONENT.format(model=ErrorOut.__name__)}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            # An operation's own answers may be keyed by number (200) and the shared ones by text ("409"):
            # one key per status, or the document has the same key twice once serialised.
            responses = {str(status): answer for status, answer in operation.setdefault("responses", {}).items()}
            operation["responses"] = responses
            for status, (description, applies) in _SHARED.items():
                if applies(method, operation):
                    responses.setdefault(str(status), {"description": description, "content": content})
    return schema
