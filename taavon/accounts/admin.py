"""Administration of users, role grants, API tokens and one-time codes (staff only).

Every change made here is written to the audit log, like changes made anywhere else.
Password hashes, token hashes and code hashes are never shown or editable.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from taavon.audit.admin import AuditedAdmin
from taavon.audit.services import record, snapshot
from taavon.core.identifiers import clean_mobile, clean_national_code

from . import services
from .models import ApiToken, OneTimeCode, RoleGrant, User

USER_AUDIT_FIELDS = [
    "national_code",
    "full_name",
    "mobile",
    "email",
    "person",
    "is_active",
    "is_staff",
    "is_superuser",
    "failed_logins",
    "locked_until",
]
GRANT_AUDIT_FIELDS = ["user", "role", "cooperative", "province", "bank_code", "position"]


class _IdentifierCleaning:
    """National code and mobile typed in Persian digits or with separators are stored canonical."""

    cleaned_data: dict[str, Any]  # a mixin: the form it is mixed into has it

    def clean_national_code(self):
        return clean_national_code(self.cleaned_data["national_code"])

    def clean_mobile(self):
        mobile = self.cleaned_data.get("mobile")
        return clean_mobile(mobile) if mobile else mobile


def _identifier_fields():
    """Wider than the stored columns: people type spaces and dashes, cleaned away before saving."""
    return (
        forms.CharField(label=_("national code"), max_length=20),
        forms.CharField(label=_("mobile"), max_length=20, required=False),
    )


class UserCreateForm(_IdentifierCleaning, AdminUserCreationForm):
    national_code, mobile = _identifier_fields()

    class Meta:
        model = User
        fields = ("national_code", "full_name", "mobile")
        field_classes: dict = {}


class UserEditForm(_IdentifierCleaning, UserChangeForm):
    national_code, mobile = _identifier_fields()

    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict = {}


class RoleGrantForm(forms.ModelForm):
    class Meta:
        model = RoleGrant
        fields = ["user", "role", "cooperative", "province", "bank_code", "position"]


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    form = RoleGrantForm
    fields = ["role", "cooperative", "province", "bank_code", "position", "granted_at"]
    readonly_fields = ["granted_at"]
    raw_id_fields = ["cooperative"]
    extra = 0


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    audit_fields = USER_AUDIT_FIELDS

    form = UserEditForm
    add_form = UserCreateForm
    inlines = [RoleGrantInline]
    list_display = ["national_code", "full_name", "mobile", "is_staff", "is_active", "locked_until", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "grants__role"]
    search_fields = ["national_code", "full_name", "mobile"]
    ordering = ["national_code"]
    raw_id_fields = ["person"]
    readonly_fields = ["last_login", "date_joined", "failed_logins"]
    filter_horizontal = ["groups", "user_permissions"]
    actions = ["unlock"]
    fieldsets = [
        (None, {"fields": ["national_code", "password"]}),
        (_("Personal information"), {"fields": ["full_name", "mobile", "email", "person"]}),
        (
            _("Access"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Login"), {"fields": ["last_login", "date_joined", "failed_logins", "locked_until"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["national_code", "full_name", "mobile", "usable_password", "password1", "password2"],
            },
        ),
    ]

    def save_formset(self, request, form, formset, change):
        befores = {f.instance.pk: self.stored_snapshot(f.instance, GRANT_AUDIT_FIELDS) for f in formset.forms if f.instance.pk}
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record(request.user, "grant.delete", obj, before=snapshot(obj, fields=GRANT_AUDIT_FIELDS))
            obj.delete()
        for obj in instances:
            before = befores.get(obj.pk)
            obj.save()
            record(
                request.user,
                "grant.update" if before else "grant.create",
                obj,
                before=before,
                after=snapshot(obj, fields=GRANT_AUDIT_FIELDS),
            )
        formset.save_m2m()

    @admin.action(description=_("Unlock the selected accounts"))
    def unlock(self, request, queryset):
        count = 0
        for user in queryset.exclude(failed_logins=0, locked_until__isnull=True):
            before = snapshot(user, fields=["failed_logins", "locked_until"])
            user.failed_logins, user.locked_until = 0, None
            user.save(update_fields=["failed_logins", "locked_until"])
            services.lift_password_wait(national_code=user.national_code)
            record(
                request.user,
                "user.unlock",
                user,
                before=before,
                after=snapshot(user, fields=["failed_logins", "locked_until"]),
            )
            count += 1
        self.message_user(request, _("%(count)s account(s) unlocked.") % {"count": count}, messages.SUCCESS)


@admin.register(RoleGrant)
class RoleGrantAdmin(AuditedAdmin, admin.ModelAdmin):
    audit_fields = GRANT_AUDIT_FIELDS

    form = RoleGrantForm
    list_display = ["user", "role", "cooperative", "province", "bank_code", "position", "granted_at"]
    list_filter = ["role", "province"]
    search_fields = ["user__national_code", "user__full_name", "cooperative__name", "cooperative__national_id"]
    raw_id_fields = ["user", "cooperative"]
    list_select_related = ["user", "cooperative", "province"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their owners (shown once); here they can only be looked at and revoked."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__national_code", "user__full_name"]
    list_select_related = ["user"]
    fields = readonly_fields = ("user", "name", "prefix", "token_hash", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit log keeps the token's history

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            services.revoke_api_token(token=token, actor=request.user)
            count += 1
        self.message_user(request, _("%(count)s token(s) revoked.") % {"count": count}, messages.SUCCESS)


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(admin.ModelAdmin):
    """Login codes, for investigating a login problem. Read-only; the code itself is never stored."""

    list_display = ["national_code", "purpose", "created_at", "expires_at", "attempts", "used_at"]
    list_filter = ["purpose"]
    search_fields = ["national_code"]
    fields = readonly_fields = ("national_code", "purpose", "created_at", "expires_at", "attempts", "used_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
