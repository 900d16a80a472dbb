"""Reads of the legal parameters, for the public rules page and the API."""

import datetime
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from . import get
from .parameters import PARAMETERS


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


def parameters_in_force(on: datetime.date | None = None) -> list[ParameterInForce]:
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
