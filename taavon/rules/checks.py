"""The vocabulary of checks: what a check finds (:class:`Finding`) and how a check is declared.

A :class:`Finding` is one rule applied to one object: the rule's key, a stable code, a
:class:`Severity`, whether it passed, and a message kept as an English msgid with its parameters
so it reads in whichever language asks (``finding.message``, ``finding.message_in("fa")``).

Two kinds of declaration produce findings:

:class:`Check`
    A rule measured in the database: a *measure* and a *bound* (both expressions over the model,
    the bound built from the rules) and how they compare. The same declaration answers for one
    object (:meth:`Check.evaluate`) and for a whole queryset (:meth:`Check.failing`, one filter),
    so the nightly report over every cooperative and the cooperative's page cannot disagree.
:class:`Condition`
    A rule tested in Python on one object and its context (a candidate's eligibility).

This module imports no domain app; the apps declare their checks in their own modules.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

# Context passed to a declaration's expression factories and tests (e.g. ``on=date``).
Context = Mapping[str, Any]
ExpressionFactory = Callable[[Context], Any]


class Severity(enum.StrEnum):
    """What a failed check means: ERROR blocks (the entry or the notice), WARNING flags, INFO informs."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


def _render(msgid: str, params: Mapping[str, Any] | None) -> str:
    text = gettext(msgid) if msgid else ""
    if not params:
        return text
    # Lazy parameters (nested messages, numbers in the reader's digits) render now, in this language.
    values = {k: str(v) if isinstance(v, (Text, Promise)) else v for k, v in params.items()}
    try:
        return text % values
    except (KeyError, ValueError, TypeError):
        return text


@dataclass(frozen=True)
class Text:
    """An English msgid and its parameters, rendered in the active language whenever it is shown."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return _render(self.msgid, self.params)


def _plain(value: Any) -> Any:
    """A parameter as JSON data: lazy text is rendered in the active language."""
    return str(value) if isinstance(value, (Text, Promise)) else value


@dataclass(frozen=True)
class Finding:
    """One rule applied to one object: passed or not, why, and the rule quoted.

    ``key`` is the rule applied (a parameter key of :mod:`taavon.rules`, or the name of a rule
    outside the parameter table, then cited by ``cite_as``); ``code`` names the check itself
    (one rule may have several checks: the minimum and the maximum members). ``message`` and
    ``title`` are English msgids, shown in the active language through the properties.
    """

    key: str
    code: str
    severity: Severity
    passed: bool
    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    title_msgid: str = ""
    cite_as: Any = None  # lazy text: the citation of a rule outside the parameter table

    @property
    def message(self) -> str:
        return _render(self.msgid, self.params)

    @property
    def title(self) -> str:
        return gettext(self.title_msgid) if self.title_msgid else ""

    @property
    def citation(self) -> str:
        if self.cite_as is not None:
            return str(self.cite_as)
        from . import cite

        return cite(self.key, strict=False)

    @property
    def ok(self) -> bool:
        return self.passed

    @property
    def blocking(self) -> bool:
        """Failed, and it blocks: the entry is refused or the notice cannot be published."""
        return not self.passed and self.severity == Severity.ERROR

    @property
    def warning(self) -> bool:
        """Failed, and it is only flagged."""
        return not self.passed and self.severity == Severity.WARNING

    def message_in(self, language: str) -> str:
        """The message in ``language`` ("fa" or "en")."""
        with translation.override(language):
            return self.message

    @property
    def message_fa(self) -> str:
        return self.message_in("fa")

    @property
    def message_en(self) -> str:
        return self.message_in("en")

    def as_record(self) -> dict:
        """The finding as language-free JSON data (msgid and parameters), to store and read back."""
        return {
            "code": self.code,
            "key": self.key,
            "severity": str(self.severity),
            "passed": self.passed,
            "message": self.msgid,
            "params": {k: _plain(v) for k, v in self.params.items()},
        }

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> Finding:
        """A finding read back from :meth:`as_record` data (older records may lack fields)."""
        code = data.get("code") or data.get("rule") or ""
        return cls(
            key=data.get("key") or code,
            code=code,
            severity=Severity(data.get("severity") or Severity.ERROR),
            passed=bool(data.get("passed", False)),
            msgid=data.get("message") or "",
            params=dict(data.get("params") or {}),
        )

    def as_dict(self) -> dict:
        """The finding as shown to a reader (API output): texts in the active language, plus its record."""
        return {
            **self.as_record(),
            "title": self.title,
            "message": self.message,
            "msgid": self.msgid,
            "citation": self.citation,
            "ok": self.passed,
            "blocking": self.blocking,
            "warning": self.warning,
        }


# --------------------------------------------------------------------------- declarations


class Compare(enum.Enum):
    """How a check's measure must stand to its bound, in Python and as a database filter."""

    AT_LEAST = (operator.ge, "lt")  # passes when measure >= bound; fails where measure < bound
    AT_MOST = (operator.le, "gt")  # passes when measure <= bound; fails where measure > bound

    def holds(self, measure: Any, bound: Any) -> bool:
        return self.value[0](measure, bound)

    def fails(self, measure: str, bound: str) -> models.Q:
        return models.Q(**{f"{measure}__{self.value[1]}": models.F(bound)})


def _no_params(obj: Any, values: Mapping[str, Any]) -> dict:
    return dict(values)


def _always(context: Context) -> bool:
    return True


@dataclass(frozen=True)
class Check:
    """A rule measured in the database, evaluable for one object or for a whole queryset.

    ``measure`` and ``bound`` build expressions over the model from the context (``on``: the day
    whose rules apply, today by default); a NULL bound means the rule does not apply to that row
    (no maximum for its type). ``extra`` adds values the message needs; ``params`` turns the
    fetched values (``measure``, ``bound`` and the extras) into the message's parameters.
    """

    code: str
    key: str
    title: str  # English msgid
    message: str  # English msgid, formatted with params(obj, values)
    severity: Severity
    measure: ExpressionFactory
    bound: ExpressionFactory
    compare: Compare
    params: Callable[[Any, Mapping[str, Any]], dict] = _no_params
    extra: Mapping[str, ExpressionFactory] = field(default_factory=dict, hash=False)
    in_force: Callable[[Context], bool] = _always
    cite_as: Any = None

    def _names(self) -> tuple[str, str]:
        return f"_{self.code}_measure", f"_{self.code}_bound"

    def _annotated(self, queryset: models.QuerySet, context: Context, *, extra: bool = False) -> models.QuerySet:
        measure, bound = self._names()
        annotations = {measure: self.measure(context), bound: self.bound(context)}
        if extra:
            annotations |= {f"_{self.code}_{name}": make(context) for name, make in self.extra.items()}
        return queryset.annotate(**annotations)

    def values(self, obj: models.Model, **context: Any) -> dict:
        """The measure, the bound and the extras for one object, in one query."""
        queryset = self._annotated(type(obj)._default_manager.filter(pk=obj.pk), context, extra=True)
        prefix = f"_{self.code}_"
        row = queryset.values(*[name for name in queryset.query.annotations if name.startswith(prefix)]).get()
        return {name.removeprefix(prefix): value for name, value in row.items()}

    def allows(self, measure: Any, bound: Any) -> bool:
        """Whether ``measure`` meets ``bound`` under this rule (no bound: the rule does not apply)."""
        return bound is None or self.compare.holds(measure, bound)

    def finding(self, obj: Any, values: Mapping[str, Any]) -> Finding:
        """The finding for one object whose values are already fetched."""
        return Finding(
            key=self.key,
            code=self.code,
            severity=self.severity,
            passed=self.allows(values["measure"], values["bound"]),
            msgid=self.message,
            params=self.params(obj, values),
            title_msgid=self.title,
            cite_as=self.cite_as,
        )

    def evaluate(self, obj: models.Model, **context: Any) -> Finding | None:
        """This rule applied to ``obj``; None when the rule is not in force or has no bound for it."""
        if not self.in_force(context):
            return None
        values = self.values(obj, **context)
        return None if values["bound"] is None else self.finding(obj, values)

    def failing(self, queryset: models.QuerySet, **context: Any) -> models.QuerySet:
        """The objects of ``queryset`` that fail this rule, as one database filter."""
        if not self.in_force(context):
            return queryset.none()
        measure, bound = self._names()
        return (
            self._annotated(queryset, context)
            .filter(**{f"{bound}__isnull": False})
            .filter(self.compare.fails(measure, bound))
        )


@dataclass(frozen=True)
class Condition:
    """A rule tested in Python on one object and its context, giving a :class:`Finding`."""

    code: str
    key: str
    message: str  # English msgid, formatted with params(obj, context)
    test: Callable[..., bool]  # test(obj, **context) -> True when the rule is met
    params: Callable[..., dict] = lambda obj, **context: {}
    severity: Severity = Severity.ERROR
    title: str = ""
    cite_as: Any = None

    def evaluate(self, obj: Any, **context: Any) -> Finding:
        """This rule applied to ``obj``."""
        passed = bool(self.test(obj, **context))
        return Finding(
            key=self.key,
            code=self.code,
            severity=self.severity,
            passed=passed,
            msgid=self.message,
            params={} if passed else self.params(obj, **context),
            title_msgid=self.title,
            cite_as=self.cite_as,
        )


def by_date(
    key: str, date_field: str, *, pick: Callable[[Any], Any] = lambda v: v, output_field: models.Field | None = None
) -> models.Case:
    """The value of ``key`` in force on each row's ``date_field``, as a database expression.

    ``pick`` maps a value to what the expression holds (a fraction's numerator, say). A row
    without a date gets today's value, like ``rules.get(key, None)``.
    """
    from . import get, history, parameter

    output_field = output_field or models.BigIntegerField()
    whens = [models.When(**{f"{date_field}__isnull": True}, then=models.Value(pick(get(key)), output_field))]
    # Newest first: the first value that took effect on or before the row's date wins, as in get().
    whens += [
        models.When(**{f"{date_field}__gte": day}, then=models.Value(pick(value), output_field))
        for day, value in history(key)
    ]
    return models.Case(*whens, default=models.Value(pick(parameter(key).default), output_field), output_field=output_field)
