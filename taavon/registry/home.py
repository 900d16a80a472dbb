"""The registry's home-page panels (``settings.HOME_PANELS``): an officer's member imports waiting
and members not yet verified; an official's cooperatives in reach. Reads through ``scoping.scope``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from taavon.accounts.models import Role
from taavon.accounts.scoping import Action, scope, scoped_provinces
from taavon.core.home import NextAction, Panel
from taavon.core.templatetags.taavon_format import fadigits

from .models import Cooperative, ImportBatch, MembershipStatus, VerificationRequest, VerificationState

LIMIT = 8


def _holds(user: Any, *roles: str) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(*roles)


def officer_actions(user: Any) -> list[NextAction]:
    actions = []
    waiting = (
        scope(ImportBatch.objects.all(), user, Action.MANAGE)
        .filter(state=ImportBatch.State.PREVIEW)
        .select_related("cooperative")
        .order_by("created_at")[:LIMIT]
    )
    for batch in waiting:
        actions.append(NextAction(
            kind="import_waiting", url=reverse("registry:member_import_batch", args=[batch.cooperative_id, batch.pk]),
            when=batch.created_at, urgent=True,
            text=_("The member file «%(file)s» of %(coop)s awaits your confirmation.") % {
                "file": batch.filename, "coop": batch.cooperative.name,
            },
        ))
    unverified = (
        scope(Cooperative.objects.all(), user, Action.MANAGE)
        .annotate(n=Count("memberships", filter=Q(memberships__verified_at__isnull=True) & ~Q(memberships__status=MembershipStatus.LEFT)))
        .filter(n__gt=0)
        .order_by("name")[:LIMIT]
    )
    for coop in unverified:
        actions.append(NextAction(
            kind="members_unverified", url=reverse("registry:members", args=[coop.pk]),
            count=coop.n,
            text=_("%(coop)s: %(n)s members are not yet verified by the provincial office.") % {
                "coop": coop.name, "n": fadigits(coop.n),
            },
        ))
    return actions


def officer_panel(user: Any) -> Panel | None:
    if not _holds(user, Role.OFFICER):
        return None
    return Panel(
        key="officer.registry", role=Role.OFFICER.value, title=_("Members of your cooperatives"),
        actions=officer_actions(user), empty=_("No member import or verification is waiting."),
        link=reverse("registry:list"), link_label=_("Your cooperatives"),
    )


def overview_panel(user: Any) -> Panel | None:
    """Supervisors, analysts and administrators: what they have, said plainly."""
    roles = [r for r in (Role.SUPERVISOR, Role.ANALYST, Role.ADMINISTRATOR) if _holds(user, r)]
    if not roles:
        return None
    count = scope(Cooperative.objects.all(), user, Action.VIEW).count()
    provinces = [str(p) for p in scoped_provinces(user, Action.VIEW)[:3]]
    if roles[0] == Role.SUPERVISOR and provinces:
        text = _("%(n)s cooperatives in %(province)s are under your supervision.") % {
            "n": fadigits(count), "province": _(", ").join(provinces),
        }
    else:
        text = _("%(n)s cooperatives are within your reach.") % {"n": fadigits(count)}
    return Panel(
        key=f"{roles[0].value}.cooperatives", role=roles[0].value, title=_("Cooperatives"),
        actions=[NextAction(kind="cooperatives", url=reverse("registry:list"), count=count, text=text)],
        link=reverse("registry:list"), link_label=_("Open the list"),
    )


def verification_panel(user: Any) -> Panel | None:
    """A supervisor's verification requests to decide, oldest first (the queue's first page)."""
    if not _holds(user, Role.SUPERVISOR, Role.ADMINISTRATOR):
        return None
    pending = scope(VerificationRequest.objects.filter(state=VerificationState.PENDING), user, Action.SUPERVISE)
    count = pending.count()
    actions = []
    if count:
        oldest = pending.order_by("requested_at", "id").values_list("requested_at", flat=True).first()
        actions.append(NextAction(
            kind="verification_to_decide", url=reverse("registry:verification_queue"), count=count, when=oldest,
            urgent=True, text=_("%(n)s members await your verification.") % {"n": fadigits(count)},
        ))
    role = Role.SUPERVISOR if _holds(user, Role.SUPERVISOR) else Role.ADMINISTRATOR
    return Panel(
        key=f"{role.value}.verification", role=role.value, title=_("Member verification"),
        actions=actions, empty=_("No member awaits your verification."),
        link=reverse("registry:verification_queue"), link_label=_("The verification queue"),
    )
