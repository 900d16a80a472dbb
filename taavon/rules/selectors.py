"""Reads of the legal parameters, for the public rules page and the API."""

import datetime
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from taavon.core.persian import language_uses_persian_digits, to_persian_digits

from . import get
from .parameters import PARAMETERS

# The codes parameter values are made of, as people say them. The cooperative types repeat the
# registry's labels (same msgids): the rules layer imports no domain.
_WORDS = {
    "half_plus_one": gettext_lazy("half of the members plus one"),
    "any": gettext_lazy("any number of members present"),
    "absolute": gettext_lazy("absolute majority: more than half of the votes"),
    "employment": gettext_lazy("Employment-creating"),
    "trade": gettext_lazy("Trade / professional"),
    "border": gettext_lazy("Border residents"),
    "student": gettext_lazy("School students"),
    "housing": gettext_lazy("Housing"),
    "consumer": gettext_lazy("Consumer"),
    "credit": gettext_lazy("Credit"),
    "rural": gettext_lazy("Rural comprehensive"),
    "union": gettext_lazy("Union"),
}
_FRACTIONS = {
    Fraction(1, 2): gettext_lazy("one half"),
    Fraction(1, 3): gettext_lazy("one third"),
    Fraction(2, 3): gettext_lazy("two thirds"),
    Fraction(1, 4): gettext_lazy("one quarter"),
    Fraction(1, 5): gettext_lazy("one fifth"),
}


@dataclass(frozen=True)
class ParameterInForce:
    key: str
    value: Any
    default: Any
    description: str
    reference: str
    verified: bool

    @property
    def display_value(self) -> str:
        return display(self.value)

    @property
    def value_lines(self) -> list[str]:
        """The value in words in the active language: one line, or one per entry of a table."""
        return in_words_lines(self.value)

    @property
    def value_text(self) -> str:
        """The value in words in the active language, on one line."""
        return in_words(self.value)


def display(value: Any) -> str:
    """A parameter value as people read it: fractions as a/b, ranges as a–b, tables flattened."""
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, tuple):
        return "–".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {display(v) if v is not None else '–'}" for k, v in value.items())
    if value is None:
        return "–"
    return str(value)


def _number(value: int) -> str:
    return to_persian_digits(value) if language_uses_persian_digits() else str(value)


def in_words(value: Any) -> str:
    """A parameter value in words in the active language: never a code, ``None`` or ``True``.

    Codes («half_plus_one») become their words, fractions their names («one third») or a/b,
    ranges "from a to b" / "at least a", yes/no for flags; numbers use the language's digits.
    """
    return "؛ ".join(in_words_lines(value)) if language_uses_persian_digits() else "; ".join(in_words_lines(value))


def in_words_lines(value: Any) -> list[str]:
    """:func:`in_words`, with a table (a dict) as one line per entry."""
    if isinstance(value, dict):
        return [_("%(label)s: %(value)s") % {"label": _word(k), "value": in_words(v)} for k, v in value.items()]
    return [_one_in_words(value)]


def _word(code: Any) -> str:
    return str(_WORDS.get(code, code))


def _one_in_words(value: Any) -> str:
    if value is None:
        return _("no limit")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Fraction):
        if value in _FRACTIONS:
            return str(_FRACTIONS[value])
        return f"{_number(value.numerator)}/{_number(value.denominator)}"
    if isinstance(value, tuple) and len(value) == 2:
        low, high = value
        if high is None:
            return _("at least %(low)s") % {"low": _one_in_words(low)}
        if low is None:
            return _("at most %(high)s") % {"high": _one_in_words(high)}
        return _("from %(low)s to %(high)s") % {"low": _one_in_words(low), "high": _one_in_words(high)}
    if isinstance(value, int):
        return _number(value)
    if isinstance(value, str):
        return _word(value)
    return str(value)


def parameters_in_force(on: datetime.date | None = None) -> list[ParameterInForce]:
    """Every legal parameter with its value in force on ``on`` (default: today)."""
    return [
        ParameterInForce(
            key=spec.key,
            value=get(spec.key, on),
            default=spec.default,
            description=str(spec.description),
            reference=str(spec.reference),
            verified=spec.verified,
        )
        for spec in PARAMETERS.values()
    ]
