"""Turning Django validation errors into a stable shape for pages and the API."""

from django.core.exceptions import ValidationError


def error_messages(exc: ValidationError) -> dict[str, list[str]]:
    """``{field: [message, ...]}``; errors not tied to a field are under ``"__all__"``."""
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}
