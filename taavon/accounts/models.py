"""Who uses Taavon and in which role.

A :class:`User` is identified by a national code. Members need no grant: the member role comes
from the person record the user is linked to. Every other role is a :class:`RoleGrant`, carrying
its scope (a cooperative for officers, a province for supervisors, nothing for national roles).
Which objects a role may reach is decided in :mod:`taavon.accounts.scoping`, nowhere else.
"""

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taavon.core.identifiers import validate_mobile, validate_national_code


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    OFFICER = "officer", _("Cooperative officer")
    SUPERVISOR = "supervisor", _("Provincial supervisor")
    ANALYST = "analyst", _("Ministry analyst")
    ADMINISTRATOR = "administrator", _("Administrator")
    BANK_OFFICER = "bank_officer", _("Bank officer")


NATIONAL_ROLES = {Role.ANALYST, Role.ADMINISTRATOR}
OFFICIAL_ROLES = {Role.OFFICER, Role.SUPERVISOR, Role.ANALYST, Role.ADMINISTRATOR, Role.BANK_OFFICER}


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, national_code, password=None, **extra):
        user = self.model(national_code=national_code, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, national_code, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        user = self.create_user(national_code, password, **extra)
        RoleGrant.objects.get_or_create(user=user, role=Role.ADMINISTRATOR)
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. Members log in with a one-time code; officials add a password."""

    national_code = models.CharField(_("national code"), max_length=10, unique=True, validators=[validate_national_code])
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True, validators=[validate_mobile])
    email = models.EmailField(_("e-mail"), blank=True)
    person = models.OneToOneField(
        "registry.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="user"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "national_code"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # Caches for one request: roles() and the role-grant rows taavon.accounts.scoping reads.
    _roles_cache: set[str]
    _grant_rows: list[Mapping[str, Any]]
    # Set by scoping.mark_weak for a request of a code-only login: the staff flags it hides.
    _held_flags: tuple[bool, bool]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.national_code

    def save(self, *args, **kwargs):
        # A weak login's request shows is_staff/is_superuser as False (scoping.mark_weak): that
        # view of the account must never be written back.
        if getattr(self, "_held_flags", None) is not None and not kwargs.get("force_insert"):
            fields = kwargs.get("update_fields")
            if fields is None:
                fields = [f.name for f in self._meta.concrete_fields if not f.primary_key]
            kwargs["update_fields"] = [f for f in fields if f not in ("is_staff", "is_superuser")]
        super().save(*args, **kwargs)

    def roles(self) -> set[str]:
        """The roles this login acts in: member when linked to a person, and the role grants that
        count for it (none for a code-only login: :func:`taavon.accounts.scoping.counted_grants`)."""
        if not hasattr(self, "_roles_cache"):
            from .scoping import counted_grants  # scoping imports this module

            roles = {grant["role"] for grant in counted_grants(self)}
            if self.person_id:
                roles.add(Role.MEMBER)
            self._roles_cache = roles
        return self._roles_cache

    @property
    def can_step_up(self) -> bool:
        """Whether this login is weak (code only) but the user holds an official role: the menu and
        the error pages offer to confirm the password (:func:`taavon.accounts.scoping.may_step_up`)."""
        if "_can_step_up" not in self.__dict__:
            from .scoping import may_step_up

            self.__dict__["_can_step_up"] = may_step_up(self)
        return self.__dict__["_can_step_up"]

    def has_role(self, *roles) -> bool:
        return bool(self.roles() & set(roles))

    @property
    def is_official(self) -> bool:
        return bool(self.roles() & OFFICIAL_ROLES)

    def is_locked(self) -> bool:
        return bool(self.locked_until and self.locked_until > timezone.now())


class RoleGrant(models.Model):
    """A role given to a user, with its scope.

    officer → ``cooperative`` (and ``position``); supervisor → ``province``; bank officer →
    ``bank_code``; analyst and administrator → national (no scope).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    cooperative = models.ForeignKey(
        "registry.Cooperative", null=True, blank=True, on_delete=models.CASCADE, related_name="officer_grants"
    )
    province = models.ForeignKey("geo.Province", null=True, blank=True, on_delete=models.PROTECT)
    bank_code = models.CharField(_("bank code"), max_length=3, blank=True)
    position = models.CharField(_("position"), max_length=40, blank=True)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "cooperative", "province"], name="unique_role_grant"),
            models.CheckConstraint(
                name="officer_has_cooperative",
                condition=~models.Q(role="officer") | models.Q(cooperative__isnull=False),
            ),
            models.CheckConstraint(
                name="supervisor_has_province",
                condition=~models.Q(role="supervisor") | models.Q(province__isnull=False),
            ),
        ]

    def __str__(self):
        scope = self.cooperative or self.province or self.bank_code or _("national")
        return f"{self.user} · {self.get_role_display()} · {scope}"


class OneTimeCode(models.Model):
    """A login code sent to a user's mobile. Only its hash is stored."""

    class Purpose(models.TextChoices):
        LOGIN = "login", _("Login")
        CONFIRM = "confirm", _("Confirmation")

    national_code = models.CharField(max_length=10, db_index=True)
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.LOGIN)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["national_code", "purpose", "-created_at"])]

    def __str__(self):
        return f"{self.national_code} · {self.get_purpose_display()} · {self.created_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def hash(code: str) -> str:
        return hashlib.sha256(code.encode()).hexdigest()


class LoginStrength(models.TextChoices):
    """How a login proved who it is, which decides the roles it may act in (see scoping)."""

    WEAK = "weak", _("One-time code only: acts as a member")
    STRONG = "strong", _("Password and one-time code: acts in every role")


class ApiToken(models.Model):
    """A per-user bearer token for machine clients. Only its hash is stored; the token is shown once.

    A token has the strength of the login that made it: a weak one acts only as a member.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    strength = models.CharField(_("strength"), max_length=6, choices=LoginStrength.choices, default=LoginStrength.WEAK)
    prefix = models.CharField(max_length=8, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name: str, *, strength: str = LoginStrength.STRONG) -> tuple["ApiToken", str]:
        """A new token row and the token in clear. Services pass the strength of the login asking."""
        token = "tvn_" + secrets.token_urlsafe(32)
        row = cls.objects.create(
            user=user, name=name, prefix=token[:8], token_hash=cls.hash(token), strength=strength
        )
        return row, token
