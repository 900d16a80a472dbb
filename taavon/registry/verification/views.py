"""Pages of member verification. Thin: reach through the registry's accessors and
:mod:`.selectors`, writes through :mod:`.services`.

The officer asks from the member register (a row's button, the selected rows, or every unverified
member); the supervisor works through the queue, and verifying asks for a confirmation that says
what it means before it is done.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from taavon.accounts.scoping import Action, require_scope
from taavon.core.pagination import paginate
from taavon.core.templatetags.taavon_format import fadigits

from .. import selectors as registry_selectors
from ..models import VerificationRequest, VerificationState
from . import selectors, services

QUEUE_PAGE_SIZE = 25


def _members_url(coop) -> str:
    return reverse("registry:detail", args=[coop.pk]) + "#members"


def _refusal(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --------------------------------------------------------------------------- the officer


@login_required
@require_POST
def member_request(request, pk, membership_id):
    coop = registry_selectors.cooperative_for(request.user, pk, Action.MANAGE)
    membership = registry_selectors.membership_of(coop, membership_id)
    try:
        services.request_verification(actor=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(
            request, _("The provincial office was asked to verify %(name)s.") % {"name": membership.person.full_name}
        )
    return redirect(_members_url(coop))


@login_required
@require_POST
def members_request(request, pk):
    """The selected members (``membership``, repeated), or with ``all`` every unverified member."""
    coop = registry_selectors.cooperative_for(request.user, pk, Action.MANAGE)
    ids = (
        None
        if request.POST.get("all")
        else [i for i in request.POST.getlist("membership") if i.isdigit() and len(i) < 19]
    )
    try:
        result = services.request_verifications(actor=request.user, cooperative=coop, membership_ids=ids)
    except ValidationError as exc:
        messages.error(request, _refusal(exc))
        return redirect(_members_url(coop))
    if result.batch is not None:
        return redirect("registry:verification_batch", coop.pk, result.batch.pk)
    messages.success(
        request,
        ngettext(
            "The provincial office was asked to verify %(count)s member.",
            "The provincial office was asked to verify %(count)s members.",
            result.requested,
        )
        % {"count": fadigits(result.requested)},
    )
    return redirect(_members_url(coop))


@login_required
@require_POST
def member_withdraw(request, pk, membership_id):
    coop = registry_selectors.cooperative_for(request.user, pk, Action.MANAGE)
    membership = registry_selectors.membership_of(coop, membership_id)
    pending = VerificationRequest.objects.filter(membership=membership, state=VerificationState.PENDING).first()
    if pending is None:
        messages.error(request, _("This member has no request awaiting the provincial office."))
        return redirect(_members_url(coop))
    try:
        services.withdraw(actor=request.user, request=pending)
    except services.AlreadyDecided:
        messages.error(request, _("The provincial office decided this request first."))
    else:
        messages.success(request, _("The request for %(name)s was withdrawn.") % {"name": membership.person.full_name})
    return redirect(_members_url(coop))


@login_required
@require_GET
def batch(request, pk, verification_batch_id):
    """The progress of a large request: a page, and its progress fragment for htmx polling."""
    coop = registry_selectors.cooperative_for(request.user, pk, Action.AUTHORITY)
    context = {"cooperative": coop, "batch": selectors.batch_of(coop, verification_batch_id)}
    template = "registry/verification/_batch.html" if request.htmx else "registry/verification/batch.html"
    return render(request, template, context)


# --------------------------------------------------------------------------- the provincial office


def _cooperative_filter(request) -> int | None:
    value = request.GET.get("cooperative", "") or request.POST.get("cooperative", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def _queue_url(cooperative_id: int | None) -> str:
    url = reverse("registry:verification_queue")
    return f"{url}?cooperative={cooperative_id}" if cooperative_id else url


@login_required
@require_GET
def queue(request):
    require_scope(request.user, Action.SUPERVISE)
    cooperative_id = _cooperative_filter(request)
    page = paginate(request, selectors.queue(request.user, cooperative_id=cooperative_id), size=QUEUE_PAGE_SIZE)
    rows = list(page.object_list)
    checks = {r.pk: selectors.person_check(r) for r in rows}
    for row in rows:
        row.person_check = checks[row.pk]
    page.object_list = rows
    return render(
        request,
        "registry/verification/queue.html",
        {
            "page": page,
            "cooperatives": selectors.queue_cooperatives(request.user)[:500],
            "cooperative_id": cooperative_id,
        },
    )


def _review(request, item, *, status=200, confirm=False, refuse_error="", conflict=None):
    return render(
        request,
        "registry/verification/review.html",
        {
            "item": item,
            "check": selectors.person_check(item),
            "membership": item.membership,
            "person": item.membership.person,
            "confirm": confirm,
            "refuse_error": refuse_error,
            "conflict": conflict,
            "cooperative_id": _cooperative_filter(request),
        },
        status=status,
    )


@login_required
@require_GET
def review(request, request_id):
    item = selectors.request_for(request.user, request_id, Action.SUPERVISE)
    return _review(request, item)


@login_required
@require_POST
def verify(request, request_id):
    """Without ``confirmed`` the confirmation (what verifying means, with the data); with it, verify."""
    item = selectors.request_for(request.user, request_id, Action.SUPERVISE)
    if item.state == VerificationState.PENDING and request.POST.get("confirmed") != "1":
        return _review(request, item, confirm=True)
    try:
        services.verify(actor=request.user, request=item)
    except services.AlreadyDecided as exc:
        return _review(request, exc.current, status=409, conflict=exc.current)
    except ValidationError as exc:
        messages.error(request, _refusal(exc))
        return _review(request, item, status=422)
    messages.success(request, _("%(name)s was verified.") % {"name": item.membership.person.full_name})
    return redirect(_queue_url(_cooperative_filter(request)))


@login_required
@require_POST
def refuse(request, request_id):
    item = selectors.request_for(request.user, request_id, Action.SUPERVISE)
    try:
        services.refuse(actor=request.user, request=item, reason=request.POST.get("reason", ""))
    except services.AlreadyDecided as exc:
        return _review(request, exc.current, status=409, conflict=exc.current)
    except ValidationError as exc:
        return _review(request, item, status=422, refuse_error=_refusal(exc))
    messages.success(request, _("The request for %(name)s was refused.") % {"name": item.membership.person.full_name})
    return redirect(_queue_url(_cooperative_filter(request)))
