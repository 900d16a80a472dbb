"""Back-office lists of the registry. Staff who are not superusers see only what
:mod:`taavon.accounts.scoping` lets them see (VIEW). Cooperatives and people may be corrected
here (audited); memberships, positions and status changes are read-only, because their rules are
checked on entry by the officer and supervisor pages and the API. The audit log is listed here,
read-only, because the registry's reach policy is what scopes it."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from taavon.accounts.scoping import Action, has_authority, scope
from taavon.audit.admin import AuditedAdmin
from taavon.audit.models import AuditEvent

from .models import Cooperative, Membership, Person, Position, StatusChange


class ScopedAdmin(AuditedAdmin, admin.ModelAdmin):
    """Rows limited by scope for everyone but superusers."""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return self.scoped(qs, request.user)

    def scoped(self, qs, user):
        return scope(qs, user, Action.VIEW)

    def _may_change(self, request, obj) -> bool:
        if request.user.is_superuser or obj is None:
            return True
        return has_authority(request.user, obj)

    def has_add_permission(self, request):
        # New entries go through the pages and the API, where the rules are checked on entry.
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)



class ReadOnlyAdmin(ScopedAdmin):
    """Shown, never written: entries go through the pages and the API, where the rules are checked."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    fields = readonly_fields = ("effective_on", "status", "reason", "changed_by", "recorded_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Cooperative)
class CooperativeAdmin(ScopedAdmin):
    list_display = ["name", "national_id", "province", "activity", "legal_type", "status", "member_count"]
    list_filter = ["status", "activity", "legal_type", "province"]
    search_fields = ["name", "name_key", "national_id", "registration_number"]
    list_select_related = ["province"]
    # Status changes go through the supervisor's page (dated, with a reason, audited).
    readonly_fields = ["status", "member_count", "sector", "created_at", "updated_at"]
    inlines = [StatusChangeInline]
    show_full_result_count = False


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    list_display = ["national_code", "first_name", "last_name", "mobile", "gender", "birth_date"]
    search_fields = ["national_code", "first_name", "last_name", "name_key", "mobile"]
    show_full_result_count = False

    def scoped(self, qs, user):
        # A person is reached through the memberships the user may see.
        return qs.filter(pk__in=scope(Membership.objects.all(), user, Action.VIEW).values("person_id"))

    def _may_change(self, request, obj) -> bool:
        if request.user.is_superuser or obj is None:
            return True
        return scope(Membership.objects.filter(person=obj), request.user, Action.AUTHORITY).exists()


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["person", "cooperative", "membership_number", "joined_on", "shares_held", "status", "verified_at"]
    list_filter = ["status"]
    search_fields = ["person__national_code", "person__name_key", "cooperative__name_key", "membership_number"]
    list_select_related = ["person", "cooperative"]
    show_full_result_count = False


@admin.register(Position)
class PositionAdmin(ReadOnlyAdmin):
    list_display = ["person", "role", "cooperative", "term_start", "term_end", "ended_on"]
    list_filter = ["body", "role"]
    search_fields = ["person__national_code", "person__name_key", "cooperative__name_key"]
    list_select_related = ["person", "cooperative"]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["cooperative", "status", "effective_on", "changed_by", "recorded_at"]
    list_filter = ["status"]
    search_fields = ["cooperative__name_key", "cooperative__national_id"]
    list_select_related = ["cooperative", "changed_by"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log with each event's place in the hash chain (empty until the sealer runs)."""

    list_display = ["at", "actor_label", "action", "object_type", "object_id", "seq", "short_digest"]
    list_filter = ["action"]
    search_fields = ["object_label", "actor_label", "object_id"]
    ordering = ["-id"]
    show_full_result_count = False
    fields = readonly_fields = (
        *("at", "actor_label", "action", "object_type", "object_id", "object_label", "cooperative", "province"),
        *("before", "after", "ip", "seq", "digest"),
    )

    @admin.display(description=_("digest"))
    def short_digest(self, event: AuditEvent) -> str:
        return event.digest[:16]
