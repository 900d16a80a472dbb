"""The one rules module: legal parameters with their references (see ``parameters.py``).

Use ``rules.get("board.size_max")`` for the value in force today, ``rules.get(key, on=date)``
for the value in force on a date, ``rules.value(key, snapshot=assembly.rules)`` for the value an
assembly was convened under, and ``rules.cite(key)`` to quote the rule in a message. Checks that
apply the rules and what they find are in :mod:`taavon.rules.checks` (``Check``, ``Finding``).
"""

import datetime
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .parameters import Parameter


def parameter(key: str) -> "Parameter":
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


def value(key: str, *, snapshot: Mapping[str, Any] | None = None, on: datetime.date | None = None) -> Any:
    """The value of ``key`` in ``snapshot`` (an assembly's frozen rules) when it has one, else ``get(key, on)``."""
    if snapshot and key in snapshot:
        # A stored 0, False or empty value is the rule the assembly was convened under: keep it.
        return _decode(snapshot[key], parameter(key).default)
    return get(key, on)


def cite(key: str, *, strict: bool = True) -> str:
    """The citation of parameter ``key`` (description and legal reference) in the active language.

    With ``strict=False`` a key that names no parameter (an old document's) cites as "".
    """
    from .parameters import PARAMETERS

    if not strict and key not in PARAMETERS:
        return ""
    return parameter(key).cite()


def history(key: str) -> list[tuple[datetime.date, Any]]:
    """Every administrator's value of ``key`` with the day it took effect, newest first."""
    from .models import ParameterValue

    spec = parameter(key)
    rows = ParameterValue.objects.filter(key=key).order_by("-effective_from").values_list("effective_from", "value")
    return [(day, _decode(raw, spec.default)) for day, raw in rows]


def snapshot(keys: Iterable[str], on: datetime.date | None = None) -> dict[str, Any]:
    """The values of several parameters on one day, as JSON-ready data (kept on an assembly)."""
    out = {}
    for key in keys:
        value = get(key, on)
        out[key] = str(value) if isinstance(value, Fraction) else value
    return out


from .checks import Check, Compare, Condition, Finding, Severity, Text  # noqa: E402  (checks need value/cite above)

__all__ = [
    "Check",
    "Compare",
    "Condition",
    "Finding",
    "Severity",
    "Text",
    "cite",
    "get",
    "history",
    "parameter",
    "snapshot",
    "value",
]
