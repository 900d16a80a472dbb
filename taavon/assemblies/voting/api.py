"""The voting API under ``/api/v1/assemblies``: items, ballots, turnout, results, bulletin, receipts,
candidates.

The same services as the pages (:mod:`.voting`, :mod:`.ballot_box`). Reach is checked when the
caller is authenticated, before the body is read: 404 for an assembly the caller neither takes
part in nor may see, 403 when they may see it but not run the vote; 409 when the item's or the
assembly's state refuses (voting not open, already voted, results before the close), 422 when what
was sent is wrong (a ballot altered, a vote not owed). Bodies with unknown fields are refused
(422). Results and ballots are published only once voting on the item has closed.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict

from taavon.accounts.auth import reach
from taavon.accounts.scoping import Action
from taavon.core.api_errors import ErrorOut, state_conflicts
from taavon.core.uploads import IMAGES, file_response

from ..models import AgendaItem, Assembly, Candidate, ItemKind, ItemState
from . import ballot_box, profiles
from . import services as voting

router = Router(tags=["assemblies: voting"])

# Refusals by the item's or the assembly's state (409); the others are about what was sent (422).
state_conflicts(
    "not_election", "not_noticed", "duplicate", "withdrawn", "not_in_session", "already_open", "closed",
    "other_open", "no_candidates", "no_quorum", "not_open", "already_voted", "not_closed",
)


# --------------------------------------------------------------------------- reach


def _item(request, item_id) -> AgendaItem:
    item = get_object_or_404(AgendaItem, pk=item_id, assembly=request.assembly)
    item.assembly = request.assembly
    return item


# --------------------------------------------------------------------------- schemas


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class ItemOut(Schema):
    id: int
    position: int
    title: str
    kind: str
    matter: str
    state: str
    seats: int
    alternates: int
    quorum_at_open: dict | None = None
    ballot_count: int
    chain_head: str
    result: dict | None = None


class TurnoutOut(Schema):
    item: int
    state: str
    voted: int
    votes_present: int
    roll: int
    percent: int


class CandidateBrief(Schema):
    id: int
    name: str


class SlotOut(Schema):
    roll_entry: int
    for_yourself: bool
    name: str
    voted: bool


class VotingOut(Schema):
    assembly: int
    assembly_state: str
    item: ItemOut | None
    ballots: list[SlotOut]
    candidates: list[CandidateBrief]
    turnout: TurnoutOut | None


class CastIn(Strict):
    roll_entry: int
    choice: int | None = None
    marks: list[int] = []


class CastOut(Schema):
    item: int
    roll_entry: int
    receipt_code: str


class ResultOut(Schema):
    item: int
    ballot_count: int
    chain_head: str
    result: dict


class BulletinOut(Schema):
    item: int
    genesis: str
    chain_head: str
    ballot_count: int
    result: dict
    ballots: list[dict]
    next_after: str


class ReceiptIn(Strict):
    code: str


class ReceiptOut(Schema):
    found: bool
    published: bool
    # True: on the board as cast; False: on the board but changed; None: the receipt has no fingerprint.
    as_cast: bool | None = None
    verdict: str  # "as_cast", "not_as_cast", "on_board" or "not_found"
    receipt_hash: str | None = None
    choice: int | None = None
    marks: list[int] | None = None
    content: str | None = None


class CandidateIn(Strict):
    national_code: str = ""


class WithdrawIn(Strict):
    candidate: int


class CandidateOut(Schema):
    id: int
    name: str
    state: str
    reasons: list[str]
    qualifications: str = ""
    statement: str = ""
    photo_url: str | None = Field(None, description="the photo, shown to the assembly's readers; null without one")


def bulletin_out(page) -> dict:
    """A page of a bulletin board (:func:`ballot_box.bulletin`) as :class:`BulletinOut`."""
    return {
        "item": page.item.pk,
        "genesis": page.genesis,
        "chain_head": page.chain_head,
        "ballot_count": page.ballot_count,
        "result": page.result,
        "ballots": page.ballots,
        "next_after": page.next_after,
    }


def _item_out(item) -> dict:
    out = {
        "id": item.pk,
        "position": item.position,
        "title": item.title,
        "kind": item.kind,
        "matter": item.matter,
        "state": item.state,
        "seats": item.seats,
        "alternates": item.alternates,
        "quorum_at_open": item.quorum_at_open,
        "ballot_count": item.ballot_count if item.state == ItemState.CLOSED else 0,
        "chain_head": item.chain_head,
        "result": item.result if item.state == ItemState.CLOSED else None,
    }
    return out


def _candidate_out(candidate) -> dict:
    photo = None
    if candidate.photo:
        photo = reverse("api:candidate_photo", kwargs={"assembly_id": candidate.item.assembly_id, "candidate_id": candidate.pk})
    return {
        "id": candidate.pk,
        "name": candidate.person.full_name,
        "state": candidate.state,
        "reasons": [voting.reason_text(r) for r in candidate.reasons],
        "qualifications": candidate.qualifications,
        "statement": candidate.statement,
        "photo_url": photo,
    }


# --------------------------------------------------------------------------- voting


@router.get("/{int:assembly_id}/voting", response=VotingOut, auth=reach(Assembly), summary="The open item and my ballots")
def my_voting(request, assembly_id: int):
    """The item open for voting, one ballot per roll entry the caller votes for (their own and each
    principal's), whether each has been cast, and the live turnout."""
    assembly = request.assembly
    item = voting.open_item_of(assembly)
    slots, candidates = [], []
    if item is not None:
        item.assembly = assembly
        if request.user.person_id:
            slots = [
                {
                    "roll_entry": s["entry"].pk,
                    "for_yourself": s["own"],
                    "name": s["entry"].person.full_name,
                    "voted": s["voted"],
                }
                for s in voting.ballot_slots(item, request.user.person)
            ]
        if item.kind == ItemKind.ELECTION:
            candidates = [{"id": c.pk, "name": c.person.full_name} for c in voting.eligible_candidates(item)]
    return {
        "assembly": assembly.pk,
        "assembly_state": assembly.state,
        "item": _item_out(item) if item else None,
        "ballots": slots,
        "candidates": candidates,
        "turnout": voting.turnout(item) if item else None,
    }


@router.post(
    "/{int:assembly_id}/items/{int:item_id}/open", response=ItemOut, auth=reach(Assembly, Action.RUN), summary="Open voting on an item"
)
def open_item(request, assembly_id: int, item_id: int):
    """Counts the quorum again and opens voting; refused (422, citing the rule) without a quorum."""
    return _item_out(voting.open_item(actor=request.user, item=_item(request, item_id)))


@router.post(
    "/{int:assembly_id}/items/{int:item_id}/close",
    response=ItemOut,
    auth=reach(Assembly, Action.RUN),
    summary="Close voting on an item",
)
def close_item(request, assembly_id: int, item_id: int):
    """Tallies the ballots, computes the chain head and the result, and publishes them."""
    return _item_out(voting.close_item(actor=request.user, item=_item(request, item_id)))


@router.post(
    "/{int:assembly_id}/items/{int:item_id}/ballots",
    response={201: CastOut},
    auth=reach(Assembly, Action.TAKE_PART),
    summary="Cast a ballot",
)
def cast(request, assembly_id: int, item_id: int, payload: CastIn):
    """Cast one secret ballot for ``roll_entry`` (yours, or a principal's whose confirmed proxy you
    hold): ``choice`` 1 for, 2 against, 3 abstain on a motion; ``marks`` (candidate ids) in an
    election. The answer carries the receipt code, given only this once."""
    try:
        code = voting.vote(
            actor=request.user,
            item=item_id,
            assembly=request.assembly,
            roll_entry=payload.roll_entry,
            choice=payload.choice,
            marks=payload.marks,
        )
    except ValidationError as refusal:
        if refusal.code == "no_item":
            raise Http404 from None
        raise
    return Status(201, {"item": item_id, "roll_entry": payload.roll_entry, "receipt_code": code})


@router.get(
    "/{int:assembly_id}/items/{int:item_id}/turnout", response=TurnoutOut, auth=reach(Assembly), summary="Turnout now"
)
def turnout(request, assembly_id: int, item_id: int):
    """How many have voted against the votes present when voting opened; never a partial result."""
    return voting.turnout(_item(request, item_id))


@router.get(
    "/{int:assembly_id}/items/{int:item_id}/results",
    response={200: ResultOut, 409: ErrorOut},
    auth=reach(Assembly),
    summary="The result of a closed item",
)
def results(request, assembly_id: int, item_id: int):
    """Published only once voting has closed (409 before)."""
    item = _item(request, item_id)
    if item.state != ItemState.CLOSED:
        raise ValidationError(_("Results are published when voting on the item closes."), code="not_closed")
    return {"item": item.pk, "ballot_count": item.ballot_count, "chain_head": item.chain_head, "result": item.result}


@router.get(
    "/{int:assembly_id}/items/{int:item_id}/bulletin",
    response={200: BulletinOut, 409: ErrorOut},
    auth=reach(Assembly),
    summary="The bulletin board of a closed item",
)
def bulletin(request, assembly_id: int, item_id: int, after: str = "", limit: int = 100):
    """Ballots in chain order, ``limit`` (at most 1000) after the receipt hash ``after``; follow
    ``next_after`` for the next page (empty on the last); 409 before voting closes. The whole board streams from
    ``/assemblies/<assembly_id>/items/<item_id>/bulletin.json``."""
    return bulletin_out(ballot_box.bulletin(_item(request, item_id), after=after, limit=limit))


@router.post(
    "/{int:assembly_id}/items/{int:item_id}/receipt",
    response=ReceiptOut,
    auth=reach(Assembly, Action.TAKE_PART),
    summary="Check a receipt code",
)
def receipt(request, assembly_id: int, item_id: int, payload: ReceiptIn):
    """Whether the ballot of this receipt code is in the box, whether it is still as cast (a receipt
    with its fingerprint: ``as_cast``, ``verdict``), and once published, what it says."""
    return ballot_box.check_receipt(_item(request, item_id), payload.code)


# --------------------------------------------------------------------------- candidates


def _election(request, item_id) -> AgendaItem:
    item = _item(request, item_id)
    if item.kind != ItemKind.ELECTION:
        raise ValidationError(_("Candidates stand only in elections."), code="not_election")
    return item


@router.get(
    "/{int:assembly_id}/items/{int:item_id}/candidates",
    response={200: list[CandidateOut], 409: ErrorOut},
    auth=reach(Assembly),
    summary="Candidates of an election",
)
def candidates(request, assembly_id: int, item_id: int):
    item = _election(request, item_id)
    return [_candidate_out(c) for c in Candidate.objects.filter(item=item).select_related("person", "item").order_by("pk")]


@router.post(
    "/{int:assembly_id}/items/{int:item_id}/candidates",
    response={201: CandidateOut},
    auth=reach(Assembly, Action.TAKE_PART),
    summary="Register a candidate",
)
def register_candidate(request, assembly_id: int, item_id: int, payload: CandidateIn):
    """Without a national code: the caller stands themselves. With one: an officer of the
    cooperative (or the provincial office) registers that member. Eligibility is checked and an
    ineligible candidacy is kept with its reasons."""
    item = _election(request, item_id)
    candidate = voting.register_candidate_by_code(actor=request.user, item=item, national_code=payload.national_code)
    return Status(201, _candidate_out(candidate))


@router.post(
    "/{int:assembly_id}/items/{int:item_id}/candidates/withdraw",
    response=CandidateOut,
    auth=reach(Assembly, Action.TAKE_PART),
    summary="Withdraw a candidacy",
)
def withdraw_candidate(request, assembly_id: int, item_id: int, payload: WithdrawIn):
    """The candidate withdraws, or an officer withdraws them, before the session opens."""
    item = _election(request, item_id)
    candidate = get_object_or_404(Candidate, pk=payload.candidate, item=item)
    return _candidate_out(voting.withdraw_candidate(actor=request.user, candidate=candidate))


@router.post(
    "/{int:assembly_id}/items/{int:item_id}/candidates/{int:candidate_id}/profile",
    response=CandidateOut,
    auth=reach(Assembly, Action.TAKE_PART),
    summary="Write a candidate's profile (multipart: statement, qualifications, photo)",
)
def candidate_profile(
    request,
    assembly_id: int,
    item_id: int,
    candidate_id: int,
    statement: Form[str | None] = None,
    qualifications: Form[str | None] = None,
    photo: File[UploadedFile] = None,  # type: ignore[assignment]  # optional
    remove_photo: Form[bool] = False,
):
    """The candidate themselves, or an officer of the cooperative, after the notice and before the
    session opens. A text left out is kept; ``photo`` (PNG or JPEG, checked by its content, at most
    ``CANDIDATE_PHOTO_MAX_BYTES``) replaces the photo, ``remove_photo`` removes it."""
    item = _election(request, item_id)
    candidate = get_object_or_404(Candidate, pk=candidate_id, item=item)
    updated = profiles.update_candidate_profile(
        actor=request.user, candidate=candidate, statement=statement, qualifications=qualifications,
        photo=photo, remove_photo=remove_photo,
    )
    updated.item = item
    return _candidate_out(updated)


@router.get(
    "/{int:assembly_id}/candidates/{int:candidate_id}/photo",
    auth=reach(Assembly),
    summary="A candidate's photo",
    openapi_extra={"responses": {200: {"description": "The photo", "content": {
        t: {"schema": {"type": "string", "format": "binary"}} for t in IMAGES}}}},
)
def candidate_photo(request, assembly_id: int, candidate_id: int):
    candidate = profiles.candidate_with_photo(request.assembly, candidate_id)
    if candidate is None:
        raise Http404
    try:
        stream = profiles.open_photo(candidate)
    except FileNotFoundError:
        raise Http404 from None
    return file_response(stream, content_type=candidate.photo_type, filename=f"candidate-{candidate.pk}", attachment=False)
