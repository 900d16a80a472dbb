"""What every audited back-office list shares: each save and delete made in the admin is recorded
(who, when, before, after), as the pages and the API record theirs."""

from typing import TYPE_CHECKING

from .services import record, snapshot

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    _AdminBase = ModelAdmin  # what the mixin is mixed into
else:
    _AdminBase = object


class AuditedAdmin(_AdminBase):
    """Mix into a ``ModelAdmin`` before it. ``audit_fields`` limits the snapshot (None: every
    field); :meth:`audit_action` names what is recorded for ``"add"``, ``"change"``, ``"delete"``."""

    audit_fields: list[str] | None = None

    def audit_action(self, obj, verb: str) -> str:
        return f"{obj._meta.model_name}.admin_{verb}"

    def audit_snapshot(self, obj, fields: list[str] | None = None):
        fields = fields if fields is not None else self.audit_fields
        return snapshot(obj, fields=fields) if fields is not None else snapshot(obj)

    def stored_snapshot(self, obj, fields: list[str] | None = None):
        """The snapshot of ``obj`` as the database still has it (before a save), or None if new."""
        old = type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk is not None else None
        return self.audit_snapshot(old, fields) if old is not None else None

    def save_model(self, request, obj, form, change):
        before = self.stored_snapshot(obj) if change else None
        super().save_model(request, obj, form, change)
        verb = "change" if change else "add"
        record(request.user, self.audit_action(obj, verb), obj, before=before, after=self.audit_snapshot(obj))

    def delete_model(self, request, obj):
        record(request.user, self.audit_action(obj, "delete"), obj, before=self.audit_snapshot(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record(request.user, self.audit_action(obj, "delete"), obj, before=self.audit_snapshot(obj))
        super().delete_queryset(request, queryset)
