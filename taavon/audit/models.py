from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One change of state: who, when, what, before and after. Append-only.

    ``cooperative`` and ``province`` are copied onto the event so scoping (who may read it) needs
    no join to the changed object, which may since have been deleted.
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    object_label = models.CharField(max_length=300, blank=True)
    cooperative = models.ForeignKey(
        "registry.Cooperative", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    province = models.ForeignKey("geo.Province", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # Set by the sealer (taavon.audit.chain), never by record(): the place in the hash chain and
    # the SHA-256 over the previous digest and this event's fields. Empty until sealed.
    seq = models.PositiveBigIntegerField(_("sequence number"), null=True, blank=True, unique=True, editable=False)
    digest = models.CharField(_("digest"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"]),
            models.Index(fields=["cooperative", "-at"]),
            # The sealer's queue: small, because events leave it within a minute.
            models.Index(fields=["id"], condition=Q(seq__isnull=True), name="audit_event_unsealed"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only.")

    @property
    def sealed(self) -> bool:
        """Whether the sealer has given this event its place in the hash chain."""
        return self.seq is not None

    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field whose value differs."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class ChainHead(models.Model):
    """The last sealed entry of the audit chain: one row, which sealers lock to take turns."""

    seq = models.PositiveBigIntegerField(default=0)
    digest = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self):
        return f"{self.seq}:{self.digest}"
