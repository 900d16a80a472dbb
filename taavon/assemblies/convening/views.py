"""Convening pages: a cooperative's assemblies, convening and editing a draft,
the assembly page (findings, agenda, notice and its delivery), publishing, the second call.

Thin: reach through :mod:`taavon.accounts.scoping` (404 outside one's scope, 403 for a role that
may never do the action), reads and writes through :mod:`taavon.assemblies.convening.services`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taavon.accounts.scoping import Action, can, has_authority
from taavon.registry.selectors import cooperative_for

from ..models import Assembly, AssemblyState
from ..reach import assembly_for
from . import services as convening
from .forms import AgendaFormSet, AssemblyForm, PublishForm, SecondCallForm, agenda_initial

MORE_ROWS = 3


def _detail_url(assembly) -> str:
    return reverse("assemblies:detail", args=[assembly.pk])


def _area_links(assembly) -> list[tuple[str, str]]:
    """Links to the session, voting and minutes pages, for the areas whose pages exist."""
    links = []
    for name, label in (("session", _("Session")), ("ballot", _("Voting")), ("minutes", _("Minutes"))):
        try:
            links.append((label, reverse(f"assemblies:{name}", args=[assembly.pk])))
        except NoReverseMatch:
            continue
    return links


def _agenda_rows(formset) -> list[dict]:
    return [row for row in (form.row() for form in formset.forms if form.is_valid()) if row]


def _more_rows(request, prefix="agenda"):
    """The posted data with :data:`MORE_ROWS` blank agenda rows added."""
    data = request.POST.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        data[key] = str(min(int(data.get(key, 0)) + MORE_ROWS, 50))
    except ValueError:
        data[key] = str(MORE_ROWS)
    return data


def _form_page(request, *, form, formset, cooperative, assembly=None, status=200):
    return render(
        request,
        "assemblies/convening/form.html",
        {
            "form": form,
            "formset": formset,
            "cooperative": cooperative,
            "assembly": assembly,
            "title": _("Edit the assembly") if assembly else _("Convene a general assembly"),
            "cancel_url": _detail_url(assembly) if assembly else reverse("assemblies:list", args=[cooperative.pk]),
        },
        status=status,
    )


# --------------------------------------------------------------------------- lists


@login_required
@require_GET
def assembly_list(request, pk):
    coop = cooperative_for(request.user, pk, Action.VIEW)
    return render(
        request,
        "assemblies/convening/list.html",
        {
            "cooperative": coop,
            "assemblies": convening.assemblies_of(coop),
            "can_convene": has_authority(request.user, coop),
        },
    )


# --------------------------------------------------------------------------- convening


@login_required
@require_http_methods(["GET", "POST"])
def convene(request, pk):
    coop = cooperative_for(request.user, pk, Action.AUTHORITY)
    with_reason = convening.convening_role(request.user, coop) == convening.SUPERVISOR
    if request.method == "POST" and "add_rows" in request.POST:
        data = _more_rows(request)
        form = AssemblyForm(data, with_reason=with_reason)
        formset = AgendaFormSet(data, prefix="agenda")
        return _form_page(request, form=form, formset=formset, cooperative=coop)
    form = AssemblyForm(request.POST or None, with_reason=with_reason)
    formset = AgendaFormSet(request.POST or None, prefix="agenda")
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                assembly = convening.convene(
                    actor=request.user,
                    cooperative=coop,
                    kind=data["kind"],
                    mode=data["mode"],
                    title=data["title"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    location=data.get("location", ""),
                    agenda=_agenda_rows(formset),
                    reason=data.get("reason", ""),
                )
            except ValidationError as exc:
                form.add_service_errors(exc, AssemblyForm.ERROR_FIELDS)
            else:
                messages.success(request, _("The assembly is convened as a draft. Check the findings, then publish the notice."))
                return redirect(_detail_url(assembly))
        return _form_page(request, form=form, formset=formset, cooperative=coop, status=422)
    return _form_page(request, form=form, formset=formset, cooperative=coop)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, assembly_id):
    assembly = assembly_for(request.user, assembly_id, Action.AUTHORITY)
    coop = assembly.cooperative
    if assembly.state != AssemblyState.DRAFT:
        messages.error(request, _("The notice is published: the assembly and its agenda can no longer be changed."))
        return redirect(_detail_url(assembly))
    with_reason = assembly.convened_as == convening.SUPERVISOR
    if request.method == "POST" and "add_rows" in request.POST:
        data = _more_rows(request)
        form = AssemblyForm(data, with_reason=with_reason)
        formset = AgendaFormSet(data, prefix="agenda")
        return _form_page(request, form=form, formset=formset, cooperative=coop, assembly=assembly)
    if request.method == "POST":
        form = AssemblyForm(request.POST, with_reason=with_reason)
        formset = AgendaFormSet(request.POST, prefix="agenda")
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            changes = {k: data[k] for k in ("title", "kind", "mode", "starts_at", "ends_at", "location")}
            if with_reason:
                changes["reason"] = data["reason"]
            try:
                convening.update_assembly(actor=request.user, assembly=assembly, agenda=_agenda_rows(formset), **changes)
            except ValidationError as exc:
                form.add_service_errors(exc, AssemblyForm.ERROR_FIELDS)
            else:
                messages.success(request, _("The assembly was saved."))
                return redirect(_detail_url(assembly))
        return _form_page(request, form=form, formset=formset, cooperative=coop, assembly=assembly, status=422)
    form = AssemblyForm(initial=AssemblyForm.initial_for(assembly), with_reason=with_reason)
    formset = AgendaFormSet(initial=agenda_initial(assembly), prefix="agenda")
    return _form_page(request, form=form, formset=formset, cooperative=coop, assembly=assembly)


# --------------------------------------------------------------------------- the assembly page


def _detail_context(request, assembly, *, publish_form=None, publish_errors=()) -> dict:
    user = request.user
    official = can(user, Action.VIEW, assembly)
    manage = has_authority(user, assembly)
    second_call = Assembly.objects.filter(first_call=assembly).first()
    context = {
        "assembly": assembly,
        "cooperative": assembly.cooperative,
        "items": assembly.items.order_by("position"),
        "official": official,
        "can_manage": manage,
        "area_links": _area_links(assembly),
        "second_call": second_call,
        "quorum": convening.quorum_required(assembly),
        "publish_errors": publish_errors,
        "reason_label": dict(convening.ConveningReason.choices).get(assembly.convening_reason, ""),
    }
    if official:
        findings = convening.check_convening(assembly)
        context["findings"] = findings
        context["blocked"] = any(f.blocking for f in findings)
        context["progress"] = convening.notice_progress(assembly) if assembly.notice_published_at else None
    if manage and assembly.state == AssemblyState.DRAFT:
        context["publish_form"] = publish_form or PublishForm(
            initial={"newspaper": assembly.newspaper, "newspaper_date": assembly.newspaper_date}
        )
    context["can_second_call"] = (
        manage and assembly.state == AssemblyState.NO_QUORUM and assembly.call_number == 1 and second_call is None
    )
    return context


@login_required
@require_GET
def detail(request, assembly_id):
    assembly = assembly_for(request.user, assembly_id)
    return render(request, "assemblies/convening/detail.html", _detail_context(request, assembly))


@login_required
@require_POST
def publish(request, assembly_id):
    assembly = assembly_for(request.user, assembly_id, Action.AUTHORITY)
    form = PublishForm(request.POST)
    errors = []
    if form.is_valid():
        try:
            convening.publish_notice(
                actor=request.user,
                assembly=assembly,
                newspaper=form.cleaned_data["newspaper"],
                newspaper_date=form.cleaned_data["newspaper_date"],
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The notice is published and the voter roll is frozen. The members are being notified."))
            return redirect(_detail_url(assembly))
    assembly.refresh_from_db()
    context = _detail_context(request, assembly, publish_form=form, publish_errors=errors)
    return render(request, "assemblies/convening/detail.html", context, status=422)


@login_required
@require_GET
def notice_progress(request, assembly_id):
    """The notice-delivery progress fragment (polled by htmx every 2 seconds until complete)."""
    assembly = assembly_for(request.user, assembly_id, Action.OVERSEE)
    return render(
        request,
        "assemblies/convening/_progress.html",
        {"assembly": assembly, "progress": convening.notice_progress(assembly)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def second_call(request, assembly_id):
    first = assembly_for(request.user, assembly_id, Action.AUTHORITY)
    form = SecondCallForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                second = convening.convene_second_call(
                    actor=request.user,
                    first_call=first,
                    starts_at=form.cleaned_data["starts_at"],
                    ends_at=form.cleaned_data["ends_at"],
                )
            except ValidationError as exc:
                form.add_service_errors(exc, SecondCallForm.ERROR_FIELDS)
            else:
                messages.success(request, _("The second call is convened with the same agenda. Publish its notice."))
                return redirect(_detail_url(second))
        status = 422
    return render(
        request,
        "assemblies/convening/second_call.html",
        {"form": form, "assembly": first, "cooperative": first.cooperative},
        status=status,
    )
