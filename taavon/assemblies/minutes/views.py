"""Pages of the minutes: read (HTML and PDF), draft, approve with a one-time code, submit,
register or return, notify the decisions; the provincial office's queue. Thin: reach through
:func:`taavon.assemblies.minutes.services.minutes_for`, work in :mod:`taavon.assemblies.minutes.services`."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taavon.accounts import services as accounts_services
from taavon.accounts.forms import CodeForm
from taavon.accounts.scoping import Action, require_scope
from taavon.core.errors import message_list
from taavon.core.pagination import paginate

from ..models import AssemblyState, MinutesState
from . import pdf
from . import services as service

QUEUE_PAGE_SIZE = 50


class SubmitForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note to the provincial office"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=gettext_lazy("Required when resubmitting returned minutes: say what was corrected."),
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for returning"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


def _context(request, assembly, minutes, access, **extra) -> dict:
    seat = service.presiding_member(minutes, request.user) if minutes is not None else None
    my_approval = seat is not None and minutes.approvals.filter(person_id=seat.person_id).exists()
    state = minutes.state if minutes is not None else None
    context = {
        "assembly": assembly,
        "minutes": minutes,
        "access": access,
        "doc": pdf.document_context(minutes) if minutes is not None and access.read else None,
        "decisions": service.decisions_status(minutes) if minutes is not None and access.read else None,
        "history": service.review_history(minutes) if minutes is not None and access.read else [],
        "seat": seat,
        "my_approval": my_approval,
        "can_draft": access.draft and assembly.state == AssemblyState.CLOSED and state in (None, MinutesState.DRAFT),
        "can_approve": bool(seat) and state == MinutesState.DRAFT and not my_approval,
        "can_submit": access.manage and state in (MinutesState.APPROVED, MinutesState.RETURNED),
        "can_review": access.supervise and state == MinutesState.SUBMITTED,
        "can_notify": access.notify and state not in (None, MinutesState.DRAFT) and not minutes.decisions_notified_at,
        "submit_form": SubmitForm(),
        "return_form": ReturnForm(),
        "errors": [],
    }
    context.update(extra)
    return context


def _page(request, assembly, minutes, access, *, status=200, **extra):
    return render(
        request, "assemblies/minutes/page.html", _context(request, assembly, minutes, access, **extra), status=status
    )


def _back(assembly_id):
    return redirect("assemblies:minutes", assembly_id=assembly_id)


def _existing(request, assembly_id):
    assembly, minutes, access = service.minutes_for(request.user, assembly_id)
    if minutes is None:
        raise Http404
    return assembly, minutes, access


@login_required
@require_GET
def minutes_page(request, assembly_id):
    assembly, minutes, access = service.minutes_for(request.user, assembly_id)
    return _page(request, assembly, minutes, access)


@login_required
@require_GET
def minutes_pdf(request, assembly_id):
    assembly, minutes, access = _existing(request, assembly_id)
    if not access.read:
        raise Http404
    response = HttpResponse(pdf.render_pdf(minutes), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.pdf_filename(minutes)}"'
    return response


@login_required
@require_POST
def minutes_draft(request, assembly_id):
    assembly, minutes, access = service.minutes_for(request.user, assembly_id)
    if not access.draft:
        raise PermissionDenied
    try:
        service.draft_minutes(assembly, actor=request.user)
    except ValidationError as exc:
        return _page(request, assembly, minutes, access, errors=message_list(exc), status=422)
    messages.success(request, _("The minutes were drafted from the assembly's event log."))
    return _back(assembly_id)


@login_required
@require_http_methods(["GET", "POST"])
def minutes_approve(request, assembly_id):
    """A presiding board member asks for a code, then enters it to approve the minutes."""
    assembly, minutes, access = _existing(request, assembly_id)
    if service.presiding_member(minutes, request.user) is None:
        raise PermissionDenied
    context = {
        "assembly": assembly,
        "minutes": minutes,
        "form": CodeForm(),
        "sent": False,
        "demo_code": None,
        "errors": [],
        "code_digits": accounts_services.CODE_DIGITS,
        "resend_seconds": accounts_services.CODE_RESEND_SECONDS,
    }
    status = 200
    if request.method == "POST" and request.POST.get("action") == "request":
        try:
            result = service.request_approval_code(actor=request.user, minutes=minutes)
        except ValidationError as exc:
            context["errors"], status = message_list(exc), 422
        else:
            context["sent"] = True
            context["demo_code"] = result.demo_code if settings.TAAVON_DEMO else None
    elif request.method == "POST":
        form = CodeForm(request.POST)
        context["form"] = form
        if form.is_valid():
            try:
                approved = service.approve(actor=request.user, minutes=minutes, code=form.cleaned_data["code"])
            except ValidationError as exc:
                context["errors"] = message_list(exc)
            else:
                if approved.state == MinutesState.APPROVED:
                    messages.success(
                        request,
                        _("You approved the minutes. Every member of the presiding board has now approved them."),
                    )
                else:
                    messages.success(
                        request,
                        _("You approved the minutes. The other members of the presiding board are still to approve."),
                    )
                return _back(assembly_id)
        context["sent"] = True
        status = 422
    return render(request, "assemblies/minutes/approve.html", context, status=status)


def _minutes_action(request, assembly_id, *, may: str, perform, done: str, form_class=None, form_name: str = ""):
    """One POST action on the minutes, as every such button works: ``may`` names the access flag
    that allows it (403 otherwise), ``form_class`` the form it carries if any; ``perform(assembly,
    minutes, data)`` calls the service. A refusal shows the page again with the rule's message (422),
    success goes back to the page with ``done``."""
    assembly, minutes, access = _existing(request, assembly_id)
    if not getattr(access, may):
        raise PermissionDenied
    form = form_class(request.POST) if form_class else None
    forms = {form_name: form} if form is not None else {}
    if form is not None and not form.is_valid():
        return _page(request, assembly, minutes, access, status=422, **forms)
    try:
        perform(assembly, minutes, form.cleaned_data if form is not None else {})
    except ValidationError as exc:
        return _page(request, assembly, minutes, access, errors=message_list(exc), status=422, **forms)
    messages.success(request, done)
    return _back(assembly_id)


@login_required
@require_POST
def minutes_submit(request, assembly_id):
    return _minutes_action(
        request,
        assembly_id,
        may="manage",
        form_class=SubmitForm,
        form_name="submit_form",
        perform=lambda assembly, minutes, data: service.submit(actor=request.user, minutes=minutes, note=data["note"]),
        done=_("The minutes were submitted to the provincial office for registration."),
    )


@login_required
@require_POST
def minutes_register(request, assembly_id):
    return _minutes_action(
        request,
        assembly_id,
        may="supervise",
        perform=lambda assembly, minutes, data: service.register(actor=request.user, minutes=minutes),
        done=_("The minutes were registered; elected board members and inspectors are on the registry."),
    )


@login_required
@require_POST
def minutes_return(request, assembly_id):
    return _minutes_action(
        request,
        assembly_id,
        may="supervise",
        form_class=ReturnForm,
        form_name="return_form",
        perform=lambda assembly, minutes, data: service.return_minutes(
            actor=request.user, minutes=minutes, reason=data["reason"]
        ),
        done=_("The minutes were returned to the cooperative with your reason."),
    )


@login_required
@require_POST
def minutes_notify(request, assembly_id):
    return _minutes_action(
        request,
        assembly_id,
        may="notify",
        perform=lambda assembly, minutes, data: service.notify_decisions(actor=request.user, assembly=assembly),
        done=_("The decisions are being sent to every member on the roll."),
    )


@login_required
@require_GET
def minutes_delivery(request, assembly_id):
    """The decisions notice panel alone (htmx polls it while messages go out)."""
    assembly, minutes, access = _existing(request, assembly_id)
    if not access.read:
        raise Http404
    return render(
        request,
        "assemblies/minutes/_decisions.html",
        {"assembly": assembly, "minutes": minutes, "decisions": service.decisions_status(minutes)},
    )


@login_required
@require_GET
def minutes_queue(request):
    """The provincial office's list of minutes awaiting registration."""
    require_scope(request.user, Action.SUPERVISE)
    counts = service.state_counts(request.user)
    states = [{"state": s.value, "label": s.label, "count": counts[s.value]} for s in MinutesState]
    return render(
        request,
        "assemblies/minutes/queue.html",
        {
            "page": paginate(request, service.submitted_in_scope(request.user), size=QUEUE_PAGE_SIZE),
            "states": states,
        },
    )
