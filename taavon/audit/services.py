"""Recording changes of state. Every service that changes something calls :func:`record`."""

import datetime
import decimal
import uuid
from fractions import Fraction
from typing import Any

from django.db import models

from .actions import AuditAction
from .models import AuditEvent


def snapshot(instance: models.Model, fields=None) -> dict:
    """The JSON-ready values of a model instance's concrete fields (foreign keys as ids)."""
    data = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        data[field.attname] = _jsonable(getattr(instance, field.attname))
    return data


def _jsonable(value):
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, Fraction, uuid.UUID)):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def record(actor: Any, action: str, obj: models.Model, *, before=None, after=None, cooperative=None, ip=None) -> AuditEvent:
    """Append an audit event for ``obj``.

    ``actor`` is the user who acted (the audit layer imports no accounts, hence ``Any``); an
    anonymous user or ``None`` is recorded as the system.

    ``cooperative`` defaults to ``obj.cooperative`` (or ``obj`` itself when it is a cooperative),
    so the event is visible to whoever may see that cooperative.
    """
    if cooperative is None:
        # The cooperative model is the one the log's own key points to: the audit layer imports no domain.
        is_cooperative = isinstance(obj, AuditEvent._meta.get_field("cooperative").related_model)
        cooperative = obj if is_cooperative else getattr(obj, "cooperative", None)
    AuditAction(action)  # only declared names: a typo fails here, not in an investigation
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=str(actor) if actor else "system",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_label=str(obj)[:300],
        cooperative=cooperative,
        province_id=getattr(cooperative, "province_id", None),
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        ip=ip,
    )
