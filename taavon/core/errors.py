"""Turning Django validation errors into the shapes pages and the API show: the one flattening."""

from django.core.exceptions import ValidationError


def error_messages(exc: ValidationError) -> dict[str, list[str]]:
    """``{field: [message, ...]}``; errors not tied to a field are under ``"__all__"``."""
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


def message_list(exc: ValidationError) -> list[str]:
    """Every message of ``exc``, field errors included, in order."""
    return [message for messages in error_messages(exc).values() for message in messages]


def add_to_form(form, exc: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Show a service's ``exc`` on ``form``: on the field it names (renamed by ``fields``) when the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = (fields or {}).get(field, field)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc)
