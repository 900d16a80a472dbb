"""Convening pages: a cooperative's assemblies, convening and editing a draft,
the assembly page (findings, agenda, notice and its delivery), publishing, the second call.

Thin: reach through :mod:`taavon.accounts.scoping` (404 outside one's scope, 403 for a role that
may never do the action), reads and writes through :mod:`taavon.assemblies.convening.services`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taavon.accounts.scoping import Action, can, has_authority
from taavon.core.uploads import file_response
from taavon.registry.selectors import cooperative_for

from ..models import Assembly, AssemblyState, Candidate, CandidateState
from ..reach import assembly_for
from . import documents
from . import services as convening
from .forms import AgendaFormSet, AssemblyForm, DocumentForm, PublishForm, SecondCallForm, agenda_initial

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


def _agenda(assembly, *, user, manage: bool, document_form=None) -> list:
    """The agenda items with their documents, the eligible candidates (with their profiles) of an
    election once noticed, and for the officers an upload form per item while documents may be added."""
    by_item = documents.documents_by_item(assembly)
    running: dict[int, list] = {}
    if assembly.state != AssemblyState.DRAFT:
        eligible = Candidate.objects.filter(item__assembly=assembly, state=CandidateState.ELIGIBLE).select_related("person")
        for candidate in eligible.order_by("person__last_name", "person__first_name", "pk"):
            if assembly.state == AssemblyState.NOTICED and (manage or candidate.person_id == user.person_id):
                candidate.profile_edit_url = reverse(  # type: ignore[attr-defined]
                    "assemblies:candidate_profile", args=[assembly.pk, candidate.item_id, candidate.pk]
                )
            running.setdefault(candidate.item_id, []).append(candidate)
    adding = manage and assembly.state in (AssemblyState.DRAFT, AssemblyState.NOTICED)
    items = list(assembly.items.order_by("position"))
    for item in items:
        item.docs = by_item.get(item.pk, [])
        item.running = running.get(item.pk, [])
        if adding:
            given = document_form if document_form and document_form[0] == item.pk else None
            item.document_form = given[1] if given else DocumentForm(item=item)
    return items


def _detail_context(request, assembly, *, publish_form=None, publish_errors=(), document_form=None) -> dict:
    user = request.user
    official = can(user, Action.VIEW, assembly)
    manage = has_authority(user, assembly)
    second_call = Assembly.objects.filter(first_call=assembly).first()
    context = {
        "assembly": assembly,
        "cooperative": assembly.cooperative,
        "items": _agenda(assembly, user=user, manage=manage, document_form=document_form),
        "can_remove_documents": manage and assembly.state == AssemblyState.DRAFT,
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


# --------------------------------------------------------------------------- the agenda's documents


def _item_url(assembly, item) -> str:
    return f"{_detail_url(assembly)}#item-{item.pk}"


@login_required
@require_POST
def document_add(request, assembly_id, item_id):
    """Upload a document to an agenda item (plain form, or htmx with a progress bar)."""
    assembly = assembly_for(request.user, assembly_id, Action.AUTHORITY)
    item = assembly.items.filter(pk=item_id).first()
    if item is None:
        raise Http404
    form = DocumentForm(request.POST, request.FILES, item=item)
    if form.is_valid():
        try:
            added = documents.add_agenda_document(
                actor=request.user, item=item, upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"], kind=form.cleaned_data["kind"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The document was added to “%(title)s”.") % {"title": item.title})
            if request.htmx:
                # A new address (not only a new #fragment), so the browser loads the page again.
                answer = HttpResponse(status=204)
                answer["HX-Redirect"] = f"{_detail_url(assembly)}?added={added.pk}#item-{item.pk}"
                return answer
            return redirect(_item_url(assembly, item))
    if request.htmx:
        # htmx swaps only successful answers: the form comes back with its errors in place.
        return render(request, "assemblies/convening/_document_form.html", {"assembly": assembly, "item": item, "form": form})
    context = _detail_context(request, assembly, document_form=(item.pk, form))
    return render(request, "assemblies/convening/detail.html", context, status=422)


@login_required
@require_POST
def document_remove(request, assembly_id, document_id):
    assembly = assembly_for(request.user, assembly_id, Action.AUTHORITY)
    document = documents.document_of(assembly, document_id)
    if document is None:
        raise Http404
    try:
        documents.remove_agenda_document(actor=request.user, document=document)
    except ValidationError as exc:
        for problem in exc.messages:
            messages.error(request, problem)
    else:
        messages.success(request, _("The document “%(title)s” was removed.") % {"title": document.title})
    return redirect(_item_url(assembly, document.item))


@login_required
@require_GET
def document_download(request, assembly_id, document_id):
    """A document, as a download, to whoever reads the assembly (404 for anyone else)."""
    assembly = assembly_for(request.user, assembly_id)
    document = documents.document_of(assembly, document_id)
    if document is None:
        raise Http404
    try:
        stream = documents.open_document(document)
    except FileNotFoundError:
        raise Http404 from None
    return file_response(stream, content_type=document.content_type, filename=document.original_name)
