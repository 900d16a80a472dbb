"""Voting pages: the voter's ballot, the chair's item control, candidates, the bulletin board and
the receipt check.

Thin: reach through :mod:`taavon.accounts.scoping` (via :func:`convening.assemblies_for_user`:
officials in scope and the assembly's participants read; anyone else gets 404; running the vote
needs ``Action.RUN``, 403 otherwise), reads and writes through :mod:`.services` (imported as
``voting``: candidates by national code and the voter's ballot too, as for the API) and
:mod:`.ballot_box`; errors flattened by :mod:`taavon.core.errors`.
"""

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taavon import rules
from taavon.accounts.scoping import Action, has_authority, may
from taavon.core import api_errors
from taavon.core.confirm import confirm_page, confirmed
from taavon.core.errors import add_to_form, message_list
from taavon.core.templatetags.taavon_format import fadigits
from taavon.core.uploads import file_response

from ..convening import documents
from ..models import AgendaItem, AssemblyState, Candidate, Choice, ItemKind, ItemState
from ..reach import assembly_for
from ..session import services as attendance
from . import ballot_box, profiles
from . import services as voting
from .forms import ProfileForm

BULLETIN_PAGE_SIZE = 100
CAST_FIELDS = {"csrfmiddlewaretoken", "item", "roll_entry", "choice", "marks"}


def _item(assembly, item_id: int) -> AgendaItem:
    item = AgendaItem.objects.filter(pk=item_id, assembly=assembly).first()
    if item is None:
        raise Http404
    item.assembly = assembly
    return item


def _detail_url(assembly) -> str:
    return reverse("assemblies:detail", args=[assembly.pk])


# --------------------------------------------------------------------------- the voter's ballot


def _slot_context(item, slot, *, receipt="", errors=()) -> dict:
    return {"item": item, "slot": slot, "receipt": receipt, "errors": errors, "choices": Choice.choices}


def _ballot_context(request, assembly, *, receipts=None, errors=None, kept=None) -> dict:
    item = voting.open_item_of(assembly)
    person = request.user.person if request.user.person_id else None
    slots = []
    if item is not None:
        item.assembly = assembly
        if person is not None:
            slots = voting.ballot_slots(item, person)
        for slot in slots:
            slot["receipt"] = (receipts or {}).get(slot["entry"].pk, "")
            slot["errors"] = (errors or {}).get(slot["entry"].pk, ())
            slot.update((kept or {}).get(slot["entry"].pk, {}))
    present = attendance.is_present(assembly, request.user.person_id) if person is not None else False
    return {
        "assembly": assembly,
        "item": item,
        "slots": slots,
        "present": present,
        "is_voter": person is not None,
        "candidates": list(voting.eligible_candidates(item)) if item and item.kind == ItemKind.ELECTION else [],
        "documents": documents.documents_by_item(assembly).get(item.pk, []) if item else [],
        "choices": Choice.choices,
        "turnout": voting.turnout(item) if item else None,
        "closed_items": assembly.items.filter(state=ItemState.CLOSED).order_by("position"),
        "can_run": may(request.user, Action.RUN, assembly),
    }


@login_required
@require_GET
def ballot(request, assembly_id):
    assembly = assembly_for(request.user, assembly_id)
    return render(request, "assemblies/voting/ballot.html", _ballot_context(request, assembly))


@login_required
@require_GET
def ballot_status(request, assembly_id):
    """Polled by the ballot page: turnout, or a reload when another item has opened or this one closed."""
    assembly = assembly_for(request.user, assembly_id)
    item = voting.open_item_of(assembly)
    shown = request.GET.get("item", "")
    if str(item.pk if item else "") != shown:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    if item is None:
        return HttpResponse("")
    return render(request, "assemblies/voting/_turnout.html", {"turnout": voting.turnout(item), "item": item})


def _cast_input(request, item) -> tuple[int, str | None, list[str]]:
    """The ballot as posted, refusing a form that was altered (unknown fields, another item)."""
    post = request.POST
    if set(post) - CAST_FIELDS or post.get("item") != str(item.pk):
        raise ValidationError(_("The ballot form was altered. Reload the page and vote again."), code="tampered")
    try:
        entry_id = int(post.get("roll_entry", ""))
    except ValueError:
        raise ValidationError(
            _("The ballot form was altered. Reload the page and vote again."), code="tampered"
        ) from None
    return entry_id, post.get("choice") or None, post.getlist("marks")


@login_required
@require_POST
def cast(request, assembly_id, item_id):
    assembly = assembly_for(request.user, assembly_id, Action.TAKE_PART)
    item = _item(assembly, item_id)
    entry_id = None
    try:
        entry_id, choice, marks = _cast_input(request, item)
        code = voting.vote(actor=request.user, item=item, roll_entry=entry_id, choice=choice, marks=marks)
    except ValidationError as exc:
        problems = message_list(exc)
        slot = next((s for s in _slots(request, item) if s["entry"].pk == entry_id), None) if entry_id else None
        # A refused ballot comes back as the voter filled it (too many marks: they remove one, not redo all).
        kept = {"marks": request.POST.getlist("marks"), "choice": request.POST.get("choice", "")}
        if request.htmx:
            # htmx swaps only successful answers: the refusal replaces the ballot in place.
            if slot is not None:
                slot.update(kept)
                context = {**_slot_context(item, slot, errors=problems), "candidates": voting.eligible_candidates(item)}
                return render(request, "assemblies/voting/_slot.html", context)
            return render(request, "assemblies/voting/_refused.html", {"errors": problems, "assembly": assembly})
        context = _ballot_context(
            request, assembly, errors={entry_id: problems} if slot else None, kept={entry_id: kept} if slot else None
        )
        context["page_errors"] = [] if slot else problems
        return render(request, "assemblies/voting/ballot.html", context, status=422)
    if request.htmx:
        slot = next(s for s in _slots(request, item) if s["entry"].pk == entry_id)
        return render(request, "assemblies/voting/_slot.html", _slot_context(item, slot, receipt=code))
    return render(
        request, "assemblies/voting/ballot.html", _ballot_context(request, assembly, receipts={entry_id: code})
    )


def _slots(request, item) -> list[dict]:
    return voting.ballot_slots(item, request.user.person) if request.user.person_id else []


@login_required
@require_GET
def turnout(request, assembly_id, item_id):
    """Turnout of an item (htmx fragment); a reload when the item's state is no longer the one shown."""
    assembly = assembly_for(request.user, assembly_id)
    item = _item(assembly, item_id)
    if request.GET.get("state") and request.GET["state"] != item.state:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "assemblies/voting/_turnout.html", {"turnout": voting.turnout(item), "item": item})


# --------------------------------------------------------------------------- the chair's control


def result_view(item) -> dict:
    """A closed item's stored result, arranged for the templates."""
    result = item.result or {}
    if result.get("kind") == ItemKind.MOTION:
        return {
            "kind": ItemKind.MOTION,
            "ballots": result.get("ballots", 0),
            "votes_for": result.get("for", 0),
            "against": result.get("against", 0),
            "abstain": result.get("abstain", 0),
            "base": result.get("base", 0),
            "required": result.get("required", 0),
            "passed": result.get("passed", False),
            "rule": rules.cite(result["rule"]) if result.get("rule") else "",
        }
    names = {row["id"]: row["name"] for row in result.get("candidates", [])}
    return {
        "kind": ItemKind.ELECTION,
        "ballots": result.get("ballots", 0),
        "rows": result.get("candidates", []),
        "draws": [
            {"votes": d["votes"], "names": _(", ").join(names.get(c, f"#{c}") for c in d["order"])}
            for d in result.get("draws", [])
        ],
        "seed": result.get("seed", ""),
    }


def _item_rows(assembly, errors: dict) -> list[dict]:
    rows = []
    for item in assembly.items.order_by("position"):
        item.assembly = assembly
        row = {"item": item, "errors": errors.get(item.pk, ())}
        if item.state == ItemState.OPEN:
            row["turnout"] = voting.turnout(item)
            row["close_consequence"] = close_consequence(item, row["turnout"])
        elif item.state == ItemState.CLOSED:
            row["result"] = result_view(item)
        rows.append(row)
    return rows


def _items_context(request, assembly, *, errors=None) -> dict:
    quorum = None
    can_run = may(request.user, Action.RUN, assembly)
    if assembly.state == AssemblyState.IN_SESSION:
        quorum = attendance.live_quorum(assembly)  # shown, not decided on: the shared figure
    return {
        "assembly": assembly,
        "rows": _item_rows(assembly, errors or {}),
        "quorum": quorum,
        "quorum_citation": rules.cite(attendance.quorum_rule_key(assembly)),
        "in_session": assembly.state == AssemblyState.IN_SESSION,
        "any_open": assembly.items.filter(state=ItemState.OPEN).exists(),
        "can_run": can_run,
    }


@login_required
@require_GET
def items(request, assembly_id):
    assembly = assembly_for(request.user, assembly_id)
    return render(request, "assemblies/voting/items.html", _items_context(request, assembly))


def _item_action(request, assembly_id, item_id, service, done_message):
    assembly = assembly_for(request.user, assembly_id, Action.RUN)
    item = _item(assembly, item_id)
    try:
        service(actor=request.user, item=item)
    except ValidationError as exc:
        context = _items_context(request, assembly, errors={item.pk: message_list(exc)})
        return render(request, "assemblies/voting/items.html", context, status=422)
    messages.success(request, done_message % {"title": item.title})
    return redirect("assemblies:items", assembly_id=assembly.pk)


@login_required
@require_POST
def item_open(request, assembly_id, item_id):
    return _item_action(request, assembly_id, item_id, voting.open_item, _("Voting is open on “%(title)s”."))


def close_consequence(item, turnout: dict) -> str:
    """What closing a vote means, with the turnout now: the chair's last look before the close."""
    return _(
        "%(voted)s of %(present)s votes present have voted on “%(title)s”. Closing ends the vote for good: "
        "nobody else can vote, and the result is counted and published."
    ) % {"voted": fadigits(turnout["voted"]), "present": fadigits(turnout["votes_present"]), "title": item.title}


@login_required
@require_POST
def item_close(request, assembly_id, item_id):
    if not confirmed(request):
        # Asked first (no JavaScript, or a bare post): the question as a page; nothing is closed.
        assembly = assembly_for(request.user, assembly_id, Action.RUN)
        item = _item(assembly, item_id)
        return confirm_page(
            request,
            title=_("Close voting on “%(title)s”?") % {"title": item.title},
            consequence=close_consequence(item, voting.turnout(item)),
            action=reverse("assemblies:item_close", args=[assembly.pk, item.pk]),
            label=_("Close voting"),
            cancel_url=reverse("assemblies:items", args=[assembly.pk]),
        )
    return _item_action(request, assembly_id, item_id, voting.close_item, _("Voting on “%(title)s” has closed."))


# --------------------------------------------------------------------------- candidates


def _candidates_context(request, assembly, item, *, errors=(), national_code="") -> dict:
    candidates = list(Candidate.objects.filter(item=item).select_related("person").order_by("state", "pk"))
    for candidate in candidates:
        candidate.reason_texts = [voting.reason_text(r) for r in candidate.reasons]  # type: ignore[attr-defined]
        candidate.may_withdraw = (  # type: ignore[attr-defined]
            assembly.state == AssemblyState.NOTICED
            and candidate.state != "withdrawn"
            and (candidate.person_id == request.user.person_id or has_authority(request.user, assembly))
        )
        if assembly.state == AssemblyState.NOTICED and candidate.state != "withdrawn" and (
            candidate.person_id == request.user.person_id or has_authority(request.user, assembly)
        ):
            candidate.profile_edit_url = reverse(  # type: ignore[attr-defined]
                "assemblies:candidate_profile", args=[assembly.pk, item.pk, candidate.pk]
            )
    mine = next((c for c in candidates if c.person_id == request.user.person_id), None)
    registering = assembly.state == AssemblyState.NOTICED
    return {
        "assembly": assembly,
        "item": item,
        "candidates": candidates,
        "registering": registering,
        "can_register_self": registering
        and bool(request.user.person_id)
        and (mine is None or mine.state == "withdrawn"),
        "can_register_others": registering and has_authority(request.user, assembly),
        "errors": errors,
        "national_code": national_code,
    }


@login_required
@require_http_methods(["GET", "POST"])
def candidates(request, assembly_id, item_id):
    assembly = assembly_for(request.user, assembly_id, Action.VIEW if request.method == "GET" else Action.TAKE_PART)
    item = _item(assembly, item_id)
    if item.kind != ItemKind.ELECTION:
        raise Http404
    if request.method == "GET":
        return render(request, "assemblies/voting/candidates.html", _candidates_context(request, assembly, item))
    code = request.POST.get("national_code", "").strip()
    try:
        candidate = voting.register_candidate_by_code(actor=request.user, item=item, national_code=code)
    except ValidationError as exc:
        context = _candidates_context(request, assembly, item, errors=message_list(exc), national_code=code)
        return render(request, "assemblies/voting/candidates.html", context, status=422)
    name = candidate.person.full_name
    if candidate.state == "eligible":
        messages.success(request, _("%(name)s is registered as a candidate.") % {"name": name})
    else:
        messages.warning(request, _("%(name)s is registered but is not eligible; the reasons are listed.") % {"name": name})
    return redirect("assemblies:candidates", assembly_id=assembly.pk, item_id=item.pk)


@login_required
@require_POST
def candidate_withdraw(request, assembly_id, item_id):
    assembly = assembly_for(request.user, assembly_id, Action.TAKE_PART)
    item = _item(assembly, item_id)
    candidate = Candidate.objects.filter(item=item, pk=request.POST.get("candidate") or 0).first()
    if candidate is None:
        raise Http404
    try:
        voting.withdraw_candidate(actor=request.user, candidate=candidate)
    except ValidationError as exc:
        context = _candidates_context(request, assembly, item, errors=message_list(exc))
        return render(request, "assemblies/voting/candidates.html", context, status=422)
    messages.success(request, _("The candidacy was withdrawn."))
    return redirect("assemblies:candidates", assembly_id=assembly.pk, item_id=item.pk)


# --------------------------------------------------------------------------- candidates' profiles


@login_required
@require_http_methods(["GET", "POST"])
def candidate_profile(request, assembly_id, item_id, candidate_id):
    """The candidate (or an officer) writes the profile members read before and during the election."""
    assembly = assembly_for(request.user, assembly_id, Action.VIEW if request.method == "GET" else Action.TAKE_PART)
    item = _item(assembly, item_id)
    candidate = Candidate.objects.filter(pk=candidate_id, item=item).select_related("person").first()
    if candidate is None:
        raise Http404
    candidate.item = item
    if not profiles.may_edit_profile(request.user, candidate):
        raise PermissionDenied
    form = ProfileForm(request.POST or None, request.FILES or None, instance_values=candidate)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                profiles.update_candidate_profile(
                    actor=request.user, candidate=candidate, statement=data["statement"],
                    qualifications=data["qualifications"], photo=data.get("photo") or None,
                    remove_photo=data.get("remove_photo", False),
                )
            except ValidationError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("The profile of %(name)s was saved.") % {"name": candidate.person.full_name})
                return redirect("assemblies:candidates", assembly_id=assembly.pk, item_id=item.pk)
        status = 422
    context = {"assembly": assembly, "item": item, "candidate": candidate, "form": form,
               "open": assembly.state == AssemblyState.NOTICED}
    return render(request, "assemblies/voting/profile.html", context, status=status)


@login_required
@require_GET
def candidate_photo(request, assembly_id, candidate_id):
    """A candidate's photo, shown to whoever reads the assembly (404 for anyone else)."""
    assembly = assembly_for(request.user, assembly_id)
    candidate = profiles.candidate_with_photo(assembly, candidate_id)
    if candidate is None:
        raise Http404
    try:
        stream = profiles.open_photo(candidate)
    except FileNotFoundError:
        raise Http404 from None
    return file_response(stream, content_type=candidate.photo_type, filename=f"candidate-{candidate.pk}", attachment=False)


# --------------------------------------------------------------------------- bulletin board and receipts


@login_required
@require_GET
def bulletin(request, assembly_id, item_id):
    assembly = assembly_for(request.user, assembly_id)
    item = _item(assembly, item_id)
    context: dict[str, Any] = {"assembly": assembly, "item": item, "page": None}
    if item.state == ItemState.CLOSED:
        page = ballot_box.bulletin(item, after=request.GET.get("after", ""), limit=BULLETIN_PAGE_SIZE)
        context["page"] = page
        context["result"] = result_view(item)
        context["first_url"] = reverse("assemblies:bulletin", args=[assembly.pk, item.pk])
        context["next_url"] = f"{context['first_url']}?after={page.next_after}" if page.next_after else ""
        context["json_url"] = reverse("assemblies:bulletin_json", args=[assembly.pk, item.pk])
        context["receipt_url"] = reverse("assemblies:receipt", args=[assembly.pk, item.pk])
    return render(request, "assemblies/voting/bulletin.html", context)


def json_stream(item):
    """The whole bulletin board of the closed ``item`` as JSON, in chunks (a million ballots never sit in memory)."""
    header = ballot_box.bulletin_header(item)
    head = json.dumps(header, ensure_ascii=False)
    yield head[:-1] + ', "ballots": ['
    first = True
    batch = []
    for ballot in ballot_box.bulletin_ballots(item):
        batch.append(("" if first else ",") + json.dumps(ballot, separators=(",", ":")))
        first = False
        if len(batch) >= 1000:
            yield "\n".join(batch) + "\n"
            batch = []
    yield "\n".join(batch) + "]}\n"


@login_required
@require_GET
def bulletin_json(request, assembly_id, item_id):
    assembly = assembly_for(request.user, assembly_id)
    item = _item(assembly, item_id)
    if item.state != ItemState.CLOSED:
        # The API's answer to the same request (its bulletin and results): 409, in the API's error shape.
        return api_errors.refusal(
            409, code="not_closed", message=_("The ballots of an item are published when voting on it closes.")
        )
    response = StreamingHttpResponse(json_stream(item), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bulletin-{assembly.pk}-{item.pk}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def receipt(request, assembly_id, item_id):
    assembly = assembly_for(request.user, assembly_id, Action.VIEW if request.method == "GET" else Action.TAKE_PART)
    item = _item(assembly, item_id)
    context: dict[str, Any] = {"assembly": assembly, "item": item, "check": None, "errors": [], "code": ""}
    status = 200
    if request.method == "POST":
        context["code"] = request.POST.get("code", "")
        try:
            context["check"] = ballot_box.check_receipt(item, context["code"])
        except ValidationError as exc:
            context["errors"] = message_list(exc)
            status = 422
    return render(request, "assemblies/voting/receipt.html", context, status=status)


def _check_url(request, assembly, item) -> str:
    return request.build_absolute_uri(reverse("assemblies:receipt", args=[assembly.pk, item.pk]))


@login_required
@require_POST
def receipt_file(request, assembly_id, item_id):
    """The receipt just shown, as a text file to keep: made from what is posted, stored nowhere."""
    assembly = assembly_for(request.user, assembly_id, Action.TAKE_PART)
    item = _item(assembly, item_id)
    code = request.POST.get("code", "")
    try:
        body = voting.receipt_text(item, code, check_url=_check_url(request, assembly, item))
    except ValidationError as exc:
        context = {"assembly": assembly, "item": item, "check": None, "errors": message_list(exc), "code": code}
        return render(request, "assemblies/voting/receipt.html", context, status=422)
    response = HttpResponse(body + "\n", content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="receipt-{assembly.pk}-{item.pk}.txt"'
    return response


@login_required
@require_POST
def receipt_sms(request, assembly_id, item_id):
    """The receipt just shown, sent to the voter's own mobile (a line in place with htmx, else the check page)."""
    assembly = assembly_for(request.user, assembly_id, Action.TAKE_PART)
    item = _item(assembly, item_id)
    code = request.POST.get("code", "")
    try:
        mobile = voting.send_receipt_sms(
            actor=request.user, item=item, code=code, check_url=_check_url(request, assembly, item)
        )
    except ValidationError as exc:
        problems = message_list(exc)
        if request.htmx:
            return HttpResponse(f'<span class="text-danger small" role="alert">{escape(" ".join(problems))}</span>')
        context = {"assembly": assembly, "item": item, "check": None, "errors": problems, "code": code}
        return render(request, "assemblies/voting/receipt.html", context, status=422)
    done = _("Sent to your mobile ending in %(end)s.") % {"end": fadigits(mobile[-4:])}
    if request.htmx:
        return HttpResponse(f'<span class="text-success small" role="status" data-testid="receipt-sms-sent">{escape(done)}</span>')
    messages.success(request, done)
    context = {"assembly": assembly, "item": item, "check": None, "errors": [], "code": code}
    return render(request, "assemblies/voting/receipt.html", context)
