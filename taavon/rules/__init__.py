"""The one rules module: legal parameters with their references (see ``parameters.py``).

Use ``rules.get("board.size_max")`` for the value in force today, ``rules.get(key, on=date)``
for the value in force on a date, and ``rules.parameter(key).cite()`` to quote the rule in a
message.
"""

import datetime
from fractions import Fraction
from typing import Any


def parameter(key: str):
    from .parameters import PARAMETERS

    return PARAMETERS[key]


def _decode(raw: Any, default: Any) -> Any:
    if isinstance(default, Fraction) and isinstance(raw, str):
        return Fraction(raw)
    if isinstance(default, tuple) and isinstance(raw, list):
        return tuple(raw)
    return raw


def get(key: str, on: datetime.date | None = None) -> Any:
    """The value of parameter ``key`` in force on ``on`` (today by default)."""
    from django.utils import timezone

    from .models import ParameterValue

    spec = parameter(key)
    day = on or timezone.localdate()
    row = ParameterValue.objects.filter(key=key, effective_from__lte=day).order_by("-effective_from").first()
    return spec.default if row is None else _decode(row.value, spec.default)


def snapshot(keys, on: datetime.date | None = None) -> dict[str, Any]:
    """The values of several parameters on one day, as JSON-ready data (kept on an assembly)."""
    out = {}
    for key in keys:
        value = get(key, on)
        out[key] = str(value) if isinstance(value, Fraction) else value
    return out
