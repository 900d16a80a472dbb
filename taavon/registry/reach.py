"""The registry's reach policy: how cooperatives and the audit log lead to a cooperative.

Registered in ``settings.REACH_POLICIES``. Every other registry row has a ``cooperative`` key,
which :mod:`taavon.accounts.scoping` follows without being told.
"""

from __future__ import annotations

from django.db.models import Model, QuerySet

from taavon.accounts.scoping import Action, ReachPolicy

from .models import Cooperative


class RegistryPolicy(ReachPolicy):
    """A cooperative is its own path; an audit event keeps its province even without a cooperative."""

    def cooperative_path(self, model: type[Model]) -> tuple[str, str] | None:
        label = model._meta.label_lower
        if label == "registry.cooperative":
            return "province_id", "id"
        if label == "audit.auditevent":
            return "province_id", "cooperative_id"
        return None

    def queryset(self, model: type[Model], action: Action) -> QuerySet | None:
        if model is Cooperative:
            return Cooperative.objects.select_related("province", "county")
        return None
