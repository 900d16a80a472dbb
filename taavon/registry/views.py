"""Officer and supervisor pages of the registry. Thin: reach through
:func:`taavon.registry.selectors.cooperative_for`, reads from selectors, writes through services;
pages of long lists from :func:`taavon.core.pagination.paginate`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from taavon.accounts.models import Role
from taavon.accounts.scoping import Action, can, has_authority, require_scope, scoped_provinces
from taavon.core.pagination import paginate
from taavon.geo.models import County

from . import selectors, services
from .board import selectors as board_selectors
from .forms import (
    CooperativeFilterForm,
    CooperativeForm,
    EndPositionForm,
    LeaveForm,
    MemberAddForm,
    MembershipForm,
    PersonLookupForm,
    PositionForm,
    StatusChangeForm,
)
from .models import Body, PositionRole
from .verification import selectors as verification

BOARD_ORDER: list[str] = [
    PositionRole.CHAIR, PositionRole.VICE_CHAIR, PositionRole.SECRETARY, PositionRole.BOARD_MEMBER, PositionRole.ALTERNATE
]


def home_context(request) -> dict:
    """The registry's part of the home page: the user's memberships, and the list for officials."""
    return {
        "my_memberships": verification.with_verification(selectors.memberships_of_user(request.user)),
        "can_list_cooperatives": request.user.has_role(Role.OFFICER, Role.SUPERVISOR, Role.ANALYST, Role.ADMINISTRATOR),
    }

LIST_PAGE_SIZE = 25
MEMBERS_PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 20


def _detail_url(coop, anchor: str = "") -> str:
    return reverse("registry:detail", args=[coop.pk]) + (f"#{anchor}" if anchor else "")


def _form_page(request, *, form, title, cooperative=None, submit=None, intro="", status=200):
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": title,
            "cooperative": cooperative,
            "submit_label": submit or _("Save"),
            "intro": intro,
            "cancel_url": _detail_url(cooperative) if cooperative else reverse("registry:list"),
        },
        status=status,
    )


def _edit_page(request, form, save, *, done, next_url, **page):
    """The flow every registry form shares: a valid POST calls ``save(cleaned_data)`` (a service),
    then says ``done`` and goes to ``next_url`` — each either a value or a function of what
    ``save`` returned; a refusal puts the rule's message on the form. Otherwise the form page
    (``page``: its title, cooperative, submit label, intro), 422 when the form has errors."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, done(result) if callable(done) else done)
            return redirect(next_url(result) if callable(next_url) else next_url)
    return _form_page(request, form=form, status=422 if form.errors else 200, **page)


# --------------------------------------------------------------------------- cooperatives


@login_required
@require_GET
def cooperative_list(request):
    require_scope(request.user, Action.VIEW)
    form = CooperativeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    cooperatives = selectors.cooperative_list(
        user=request.user,
        q=filters.get("q", ""),
        province=filters.get("province"),
        activity=filters.get("activity", ""),
        status=filters.get("status", ""),
        legal_type=filters.get("legal_type", ""),
    )
    page = paginate(request, cooperatives, size=LIST_PAGE_SIZE, param="page")
    return render(
        request,
        "registry/list.html",
        {
            "form": form,
            "page": page,
            "can_create": scoped_provinces(request.user, Action.SUPERVISE).exists(),
        },
    )


def _members_context(request, coop) -> dict:
    q = request.GET.get("member_q", "").strip()
    base_url = reverse("registry:members", args=[coop.pk])
    page = paginate(
        request, selectors.members_of(coop, q=q), size=MEMBERS_PAGE_SIZE, param="member_page", base_url=base_url
    )
    # Each row says where its verification stands (not requested, awaiting, verified, refused and why).
    page.object_list = verification.with_verification(page.object_list)
    return {
        "members_page": page,
        "member_q": q,
        "can_request": can(request.user, Action.MANAGE, coop),
        "can_supervise": can(request.user, Action.SUPERVISE, coop),
    }


def _audit_context(request, coop) -> dict:
    base_url = reverse("registry:audit", args=[coop.pk])
    page = paginate(request, selectors.audit_history(coop), size=AUDIT_PAGE_SIZE, param="audit_page", base_url=base_url)
    return {"audit_page": page, "audit_events": [selectors.describe_event(event) for event in page]}


@login_required
@require_GET
def cooperative_detail(request, pk):
    coop = selectors.cooperative_for(request.user, pk, Action.VIEW)
    positions = selectors.positions_of(coop, current=True)
    checks = selectors.compliance(coop)
    context = {
        "cooperative": coop,
        "checks": checks,
        "failing_checks": [check for check in checks if not check.passed],
        "status_history": selectors.status_history(coop),
        # Chair, vice-chair and secretary first, as the board presents itself.
        "board": sorted((p for p in positions if p.body == Body.BOARD), key=lambda p: BOARD_ORDER.index(p.role)),
        "management": [p for p in positions if p.body == Body.MANAGEMENT],
        "inspectors": [p for p in positions if p.body == Body.INSPECTION],
        "past_positions": selectors.positions_of(coop, current=False),
        "unverified_count": selectors.unverified_member_count(coop),
        "all_verified": selectors.all_members_verified(coop),
        "awaiting_office": verification.pending_count(coop),
        "verification_batch": verification.running_batch(coop),
        "can_edit": has_authority(request.user, coop),
        "can_supervise": can(request.user, Action.SUPERVISE, coop),
        "can_see_audit": has_authority(request.user, coop),
        "board_meeting_due": board_selectors.board_meeting_due(coop),
        "board_meeting": board_selectors.meeting_of_term(coop, board_selectors.current_board(coop)),
        **_members_context(request, coop),
    }
    if context["can_see_audit"]:
        context.update(_audit_context(request, coop))
    return render(request, "registry/detail.html", context)


@login_required
@require_GET
def members(request, pk):
    """The member list of a cooperative: a fragment for htmx, a page otherwise."""
    coop = selectors.cooperative_for(request.user, pk, Action.VIEW)
    context = {
        "cooperative": coop,
        "can_edit": has_authority(request.user, coop),
        "can_supervise": can(request.user, Action.SUPERVISE, coop),
        **_members_context(request, coop),
    }
    template = "registry/_members.html" if request.htmx else "registry/members.html"
    return render(request, template, context)


@login_required
@require_GET
def audit(request, pk):
    """The audit history of a cooperative: a fragment for htmx, a page otherwise."""
    coop = selectors.cooperative_for(request.user, pk, Action.AUTHORITY)
    context = {"cooperative": coop, **_audit_context(request, coop)}
    template = "registry/_audit.html" if request.htmx else "registry/audit.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def cooperative_create(request):
    require_scope(request.user, Action.SUPERVISE)
    provinces = scoped_provinces(request.user, Action.SUPERVISE)
    if not provinces.exists():
        raise PermissionDenied
    form = CooperativeForm(request.POST if request.method == "POST" else None, provinces=provinces)
    return _edit_page(
        request,
        form,
        lambda data: services.create_cooperative(actor=request.user, **data),
        done=_("The cooperative was registered."),
        next_url=_detail_url,
        title=_("Register a cooperative"),
        submit=_("Register"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def cooperative_edit(request, pk):
    coop = selectors.cooperative_for(request.user, pk, Action.AUTHORITY)
    supervise = can(request.user, Action.SUPERVISE, coop)
    form = CooperativeForm(
        request.POST if request.method == "POST" else None,
        instance=coop,
        provinces=scoped_provinces(request.user, Action.SUPERVISE) if supervise else None,
        location_editable=supervise,
    )
    return _edit_page(
        request,
        form,
        lambda data: services.update_cooperative(actor=request.user, cooperative=coop, **form.changed_values()),
        done=_("The changes were saved."),
        next_url=_detail_url(coop),
        title=_("Edit cooperative"),
        cooperative=coop,
    )


@login_required
@require_http_methods(["GET", "POST"])
def status_change(request, pk):
    coop = selectors.cooperative_for(request.user, pk, Action.SUPERVISE)
    form = StatusChangeForm(request.POST if request.method == "POST" else None)
    return _edit_page(
        request,
        form,
        lambda data: services.change_status(actor=request.user, cooperative=coop, **data),
        done=_("The status change was recorded."),
        next_url=_detail_url(coop, "status"),
        title=_("Change status"),
        cooperative=coop,
        intro=_("Current status: %(status)s") % {"status": coop.get_status_display()},
    )


@login_required
@require_GET
def counties(request):
    """``<option>`` rows of the counties of ``?province=<id>`` for the cooperative form (htmx)."""
    province = request.GET.get("province", "")
    rows = County.objects.filter(province_id=province).order_by("name_fa") if province.isdigit() else []
    options = format_html_join("", '<option value="{}">{}</option>', ((c.pk, c.name) for c in rows))
    return HttpResponse(format_html('<option value="">{}</option>', _("Choose…")) + options)


# --------------------------------------------------------------------------- members


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request, pk):
    coop = selectors.cooperative_for(request.user, pk, Action.AUTHORITY)
    form = MemberAddForm(request.POST if request.method == "POST" else None)
    another = "add_another" in request.POST
    return _edit_page(
        request,
        form,
        lambda data: services.add_member(actor=request.user, cooperative=coop, **data),
        done=lambda membership: _("%(name)s was added as a member.") % {"name": membership.person.full_name},
        next_url=reverse("registry:member_add", args=[coop.pk]) if another else _detail_url(coop, "members"),
        title=_("Add a member"),
        cooperative=coop,
        submit=_("Add member"),
        intro=_("Enter the national code. A person already in the register is reused with their registered name."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request, pk, membership_id):
    coop = selectors.cooperative_for(request.user, pk, Action.AUTHORITY)
    membership = selectors.membership_of(coop, membership_id)
    initial = {f: getattr(membership, f) for f in services.MEMBERSHIP_FIELDS}
    form = MembershipForm(request.POST if request.method == "POST" else None, initial=initial)
    return _edit_page(
        request,
        form,
        lambda data: services.update_membership(
            actor=request.user, membership=membership, **{name: data[name] for name in form.changed_data}
        ),
        done=_("The membership was saved."),
        next_url=_detail_url(coop, "members"),
        title=_("Edit membership of %(name)s") % {"name": membership.person.full_name},
        cooperative=coop,
        intro=_("Changed data must be verified again by the provincial office."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_leave(request, pk, membership_id):
    coop = selectors.cooperative_for(request.user, pk, Action.AUTHORITY)
    membership = selectors.membership_of(coop, membership_id)
    form = LeaveForm(request.POST if request.method == "POST" else None)
    return _edit_page(
        request,
        form,
        lambda data: services.leave_membership(actor=request.user, membership=membership, **data),
        done=_("%(name)s was marked as left.") % {"name": membership.person.full_name},
        next_url=_detail_url(coop, "members"),
        title=_("Mark %(name)s as left") % {"name": membership.person.full_name},
        cooperative=coop,
        submit=_("Mark as left"),
    )


@login_required
@require_GET
def person_lookup(request):
    """Memberships of one national code in the cooperatives the official may see."""
    require_scope(request.user, Action.VIEW)
    form = PersonLookupForm(request.GET if "national_code" in request.GET else None)
    context = {"form": form, "searched": False}
    if form.is_valid():
        name, rows = selectors.memberships_in_reach(request.user, form.cleaned_data["national_code"])
        context.update(searched=True, name=name, rows=rows, national_code=form.cleaned_data["national_code"])
    return render(request, "registry/person_lookup.html", context, status=422 if form.errors else 200)


# --------------------------------------------------------------------------- positions


@login_required
@require_http_methods(["GET", "POST"])
def position_add(request, pk):
    coop = selectors.cooperative_for(request.user, pk, Action.AUTHORITY)
    form = PositionForm(request.POST if request.method == "POST" else None)
    return _edit_page(
        request,
        form,
        lambda data: services.add_position(actor=request.user, cooperative=coop, **data),
        done=_("The position was recorded."),
        next_url=_detail_url(coop, "governance"),
        title=_("Add a board member, managing director or inspector"),
        cooperative=coop,
        intro=_("Board members and inspectors must be active members. The term ends by law unless you enter an end."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def position_end(request, pk, position_id):
    coop = selectors.cooperative_for(request.user, pk, Action.AUTHORITY)
    position = selectors.position_of(coop, position_id)
    form = EndPositionForm(request.POST if request.method == "POST" else None)
    return _edit_page(
        request,
        form,
        lambda data: services.end_position(actor=request.user, position=position, **data),
        done=_("The position was ended."),
        next_url=_detail_url(coop, "governance"),
        title=_("End position: %(position)s") % {"position": position},
        cooperative=coop,
        submit=_("End position"),
    )
