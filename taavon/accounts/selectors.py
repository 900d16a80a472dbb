"""Reads of the accounts app, shared by pages and the API."""

from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext as _

from .models import ApiToken, Role, User


@dataclass(frozen=True)
class RoleScope:
    """One role a user holds and how far it reaches, ready for a page or the API."""

    role: str
    label: str
    scope: str  # "cooperative", "province", "bank", "national" or "own"
    scope_label: str
    cooperative_id: int | None = None
    cooperative_national_id: str = ""
    province_code: str = ""
    bank_code: str = ""
    position: str = ""


def role_scopes(user: User) -> list[RoleScope]:
    """Every role of ``user`` with its scope: the member role (from the linked person) first, then grants."""
    rows = []
    if user.person_id:
        rows.append(
            RoleScope(
                role=Role.MEMBER,
                label=str(Role.MEMBER.label),
                scope="own",
                scope_label=_("Own memberships"),
            )
        )
    grants = user.grants.select_related("cooperative", "province").order_by("role", "granted_at", "id")
    for grant in grants:
        role = Role(grant.role)
        if grant.cooperative is not None:
            rows.append(
                RoleScope(
                    role=role,
                    label=str(role.label),
                    scope="cooperative",
                    scope_label=grant.cooperative.name,
                    cooperative_id=grant.cooperative_id,
                    cooperative_national_id=grant.cooperative.national_id,
                    position=grant.position,
                )
            )
        elif grant.province is not None:
            rows.append(
                RoleScope(
                    role=role,
                    label=str(role.label),
                    scope="province",
                    scope_label=grant.province.name,
                    province_code=grant.province.code,
                )
            )
        elif role == Role.BANK_OFFICER:
            rows.append(
                RoleScope(
                    role=role,
                    label=str(role.label),
                    scope="bank",
                    scope_label=_("Bank %(code)s") % {"code": grant.bank_code} if grant.bank_code else _("Any bank"),
                    bank_code=grant.bank_code,
                )
            )
        else:  # analysts and administrators: national roles
            rows.append(RoleScope(role=role, label=str(role.label), scope="national", scope_label=_("Whole country")))
    return rows


def tokens_of(user: User):
    """The user's own API tokens, newest first (revoked ones included, marked)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def get_own_token_or_404(user: User, token_id: int) -> ApiToken:
    """One of the user's own tokens; someone else's token is answered as if it did not exist."""
    try:
        return tokens_of(user).get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise Http404 from None
