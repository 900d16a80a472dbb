"""Voting at a general assembly: the chair opens and closes items, members and proxy holders cast
secret ballots, candidates stand for election, results appear only when voting closes."""

import functools
import re

import pytest
from django.urls import reverse

from taavon import rules
from taavon.accounts.models import Role
from taavon.assemblies import events, law
from taavon.assemblies.models import (
    AgendaItem,
    AssemblyEvent,
    Ballot,
    BallotMark,
    Candidate,
    VoteRecord,
)
from taavon.assemblies.voting import ballot_box
from taavon.assemblies.voting import services as voting
from taavon.audit.models import AuditEvent
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db

API = "/api/v1/assemblies"

text = helpers.text
Api = functools.partial(helpers.Api, base=API)


def voter(entry):
    """The login of the member on roll entry ``entry``."""
    return helpers.user(Role.MEMBER, password=None, person=entry.person, national_code=entry.person.national_code)


class Room:
    """An annual assembly of 7 in session, 5 checked in: a motion and a board election (2 seats,
    1 alternate) with four eligible candidates; the cooperative's officer runs the vote."""

    def __init__(self, *, present=5):
        self.assembly = a = factory.assembly(members=7)
        self.motion = factory.motion(a)
        self.election = factory.election(a, seats=2, alternates=1)
        factory.freeze_roll(a)
        self.entries = list(a.roll.order_by("id").select_related("person", "membership"))
        self.officer = helpers.user(Role.OFFICER, password=None, cooperative=a.cooperative)
        self.candidates = [
            voting.register_candidate(actor=self.officer, item=self.election, person=e.person) for e in self.entries[:4]
        ]
        factory.noticed_to_session(a, present=present)

    def open(self, item):
        return voting.open_item(actor=self.officer, item=item)

    def close(self, item):
        return voting.close_item(actor=self.officer, item=item)

    def cast(self, entry, item=None, *, by=None, **content):
        item = item or self.motion
        return voting.cast_ballot(actor_person=by or entry.person, item=item, roll_entry=entry, **content)


@pytest.fixture
def room():
    return Room()


def ballot_url(room):
    return reverse("assemblies:ballot", args=[room.assembly.pk])


def cast_url(room, item=None):
    return reverse("assemblies:cast", args=[room.assembly.pk, (item or room.motion).pk])


def refused(callable_, **kwargs) -> str:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        callable_(**kwargs)
    return " ".join(exc.value.messages)


# --------------------------------------------------------------------------- opening and closing items


def test_the_chair_sees_the_quorum_and_opens_voting_which_is_logged_with_its_figures(en, room):
    en.force_login(room.officer)
    page = en.get(reverse("assemblies:items", args=[room.assembly.pk]))
    assert "5 votes present (5 present, 0 represented) of 7 on the roll; 4 required." in text(page)
    assert rules.parameter("assembly.quorum.ordinary.first").cite() in text(page)

    response = en.post(reverse("assemblies:item_open", args=[room.assembly.pk, room.motion.pk]))

    assert response.status_code == 302
    room.motion.refresh_from_db()
    assert room.motion.state == "open" and room.motion.opened_at is not None
    assert room.motion.quorum_at_open | {"rule": "", "kind": "", "call_number": 0} == {
        "roll": 7, "present": 5, "represented": 0, "required": 4, "reached": True, "votes_present": 5,
        "rule": "", "kind": "", "call_number": 0,
    }
    opened = AssemblyEvent.objects.get(assembly=room.assembly, kind=events.ITEM_OPENED)
    assert opened.data["item_id"] == room.motion.pk and opened.data["quorum"]["present"] == 5
    assert opened.actor == room.officer
    assert AuditEvent.objects.filter(action="item.open", object_id=str(room.motion.pk)).exists()
    page = en.get(reverse("assemblies:items", args=[room.assembly.pk]))
    assert "0 of 5 votes present have voted" in text(page)


def test_voting_does_not_open_without_a_quorum_and_the_rule_is_quoted(en):
    room = Room(present=3)
    en.force_login(room.officer)

    response = en.post(reverse("assemblies:item_open", args=[room.assembly.pk, room.motion.pk]))

    assert response.status_code == 422
    page = text(response)
    assert "Voting cannot open without a quorum: 3 votes present (3 present, 0 represented) of 7 on the roll" in page
    assert "4 required" in page and rules.parameter("assembly.quorum.ordinary.first").cite() in page
    room.motion.refresh_from_db()
    assert room.motion.state == "pending" and room.motion.quorum_at_open is None
    assert not AssemblyEvent.objects.filter(kind=events.ITEM_OPENED).exists()


def test_a_proxy_counts_towards_the_quorum_when_voting_opens():
    small = Room(present=3)
    factory.proxy(small.assembly, small.entries[5], small.entries[0].person)

    item = voting.open_item(actor=small.officer, item=small.motion)

    assert item.quorum_at_open["present"] == 3 and item.quorum_at_open["represented"] == 1
    assert item.quorum_at_open["reached"] is True


def test_one_item_at_a_time_and_only_in_session(room):
    room.open(room.motion)
    assert f"Close voting on “{room.motion.title}” before opening another item." in refused(
        voting.open_item, actor=room.officer, item=room.election
    )
    assert "already open" in refused(voting.open_item, actor=room.officer, item=room.motion)
    room.close(room.motion)
    assert "cannot be opened again" in refused(voting.open_item, actor=room.officer, item=room.motion)
    assert "not open" in refused(voting.close_item, actor=room.officer, item=room.motion)

    noticed = factory.freeze_roll(factory.assembly(members=7))
    item = factory.motion(noticed)
    officer = helpers.user(Role.OFFICER, password=None, cooperative=noticed.cooperative)
    assert "only while the assembly is in session" in refused(voting.open_item, actor=officer, item=item)


def test_who_may_open_and_close_voting(en, client, room):
    url = reverse("assemblies:item_open", args=[room.assembly.pk, room.motion.pk])
    outsider = helpers.user(Role.OFFICER, password=None, cooperative=helpers.cooperative(province=helpers.other_province(helpers.province())))

    assert client.post(url).status_code == 302 and "login" in client.post(url)["Location"]
    en.force_login(voter(room.entries[0]))
    assert en.post(url).status_code == 403
    en.force_login(helpers.user(Role.ANALYST, password=None))
    assert en.get(reverse("assemblies:items", args=[room.assembly.pk])).status_code == 200
    assert en.post(url).status_code == 403
    en.force_login(outsider)
    assert en.post(url).status_code == 404
    assert en.get(reverse("assemblies:ballot", args=[room.assembly.pk])).status_code == 404
    room.motion.refresh_from_db()
    assert room.motion.state == "pending"


def test_the_chair_of_the_presiding_board_runs_the_vote(room):
    from taavon.assemblies.models import PresidingMember

    chair = room.entries[0]
    PresidingMember.objects.create(assembly=room.assembly, person=chair.person, role="chair")

    item = voting.open_item(actor=voter(chair), item=room.motion)

    assert item.state == "open"


# --------------------------------------------------------------------------- casting


def test_a_member_votes_gets_a_receipt_once_and_finds_the_ballot_after_the_close(en, room):
    member = room.entries[0]
    en.force_login(voter(member))
    room.open(room.motion)
    page = en.get(ballot_url(room))
    assert "For yourself" in text(page) and room.motion.title in text(page)

    response = en.post(cast_url(room), {"item": room.motion.pk, "roll_entry": member.pk, "choice": "1"})

    assert response.status_code == 200
    code = re.search(r'data-testid="receipt-code">([0-9a-f-]+)<', response.content.decode()).group(1)
    assert re.fullmatch(r"[0-9a-f]{4}(-[0-9a-f]{4}){5}", code)  # the code (16 digits) and the cast fingerprint (8)
    ballot = Ballot.objects.get(item=room.motion)
    assert ballot.choice == 1 and ballot.receipt_hash == ballot_box.receipt_hash(room.motion.pk, code)
    assert VoteRecord.objects.get(item=room.motion).roll_entry_id == member.pk
    again = text(en.get(ballot_url(room)))
    assert "Ballot cast." in again and code not in again  # the code is shown once
    assert "1 of 5 votes present have voted" in again

    before = en.post(reverse("assemblies:receipt", args=[room.assembly.pk, room.motion.pk]), {"code": code})
    assert "Your ballot is in the box." in text(before) and "counted, with this content" not in text(before)
    room.close(room.motion)
    after = en.post(reverse("assemblies:receipt", args=[room.assembly.pk, room.motion.pk]), {"code": code.upper()})
    assert "Your ballot is on the bulletin board, counted, with this content: For" in text(after)
    wrong = en.post(reverse("assemblies:receipt", args=[room.assembly.pk, room.motion.pk]), {"code": "0" * 16})
    assert "No ballot on this item has this receipt code." in text(wrong)


def test_a_ballot_cast_through_htmx_answers_with_its_receipt_in_place(en, room):
    member = room.entries[1]
    en.force_login(voter(member))
    room.open(room.motion)

    response = en.post(
        cast_url(room), {"item": room.motion.pk, "roll_entry": member.pk, "choice": "2"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'data-testid="receipt-code"' in html and f'id="slot-{member.pk}"' in html
    again = en.post(
        cast_url(room), {"item": room.motion.pk, "roll_entry": member.pk, "choice": "2"}, HTTP_HX_REQUEST="true"
    )
    assert "each vote is cast once" in text(again) or "Ballot cast." in text(again)
    assert Ballot.objects.filter(item=room.motion).count() == 1


def test_voting_twice_is_refused_and_nothing_more_is_written(en, room):
    member = room.entries[0]
    room.open(room.motion)
    room.cast(member, choice=1)

    assert "already been cast" in refused(
        voting.cast_ballot, actor_person=member.person, item=room.motion, roll_entry=member, choice=2
    )
    en.force_login(voter(member))
    response = en.post(cast_url(room), {"item": room.motion.pk, "roll_entry": member.pk, "choice": "2"})
    assert response.status_code == 422 and "already been cast" in text(response)
    assert list(Ballot.objects.filter(item=room.motion).values_list("choice", flat=True)) == [1]
    assert VoteRecord.objects.filter(item=room.motion).count() == 1


def test_voting_before_the_item_opens_or_after_it_closes_is_refused(room):
    member, late = room.entries[0], room.entries[1]
    assert "has not opened yet" in refused(room.cast, entry=member, choice=1)
    room.open(room.motion)
    room.cast(member, choice=1)
    room.close(room.motion)
    assert "has closed" in refused(room.cast, entry=late, choice=1)
    assert Ballot.objects.filter(item=room.motion).count() == 1 and VoteRecord.objects.count() == 1


def test_voting_when_not_checked_in_or_not_on_the_roll_is_refused(room):
    room.open(room.motion)
    absent = room.entries[6]
    stranger = helpers.person()

    assert "Check in to the session before voting." in refused(room.cast, entry=absent, choice=1)
    assert "You hold no proxy for" in refused(room.cast, entry=absent, by=stranger, choice=1)
    assert not Ballot.objects.exists() and not VoteRecord.objects.exists()


def test_a_proxy_holder_casts_a_separate_ballot_for_each_principal(en, room):
    holder, principal = room.entries[0], room.entries[5]
    factory.proxy(room.assembly, principal, holder.person)
    room.open(room.motion)
    en.force_login(voter(holder))

    page = text(en.get(ballot_url(room)))
    assert "For yourself" in page and f"As proxy of {principal.person.full_name}" in page

    own = en.post(cast_url(room), {"item": room.motion.pk, "roll_entry": holder.pk, "choice": "1"})
    for_principal = en.post(cast_url(room), {"item": room.motion.pk, "roll_entry": principal.pk, "choice": "2"})

    assert own.status_code == for_principal.status_code == 200
    assert sorted(Ballot.objects.filter(item=room.motion).values_list("choice", flat=True)) == [1, 2]
    records = dict(VoteRecord.objects.filter(item=room.motion).values_list("roll_entry_id", "by_proxy"))
    assert records == {holder.pk: False, principal.pk: True}
    assert "2 of 6 votes present have voted" in text(en.get(ballot_url(room)))


def test_a_non_member_proxy_holder_votes_once_joined(room):
    principal = room.entries[6]
    outsider = helpers.person()
    factory.proxy(room.assembly, principal, outsider)
    room.open(room.motion)
    assert "Check in to the session before voting." in refused(room.cast, entry=principal, by=outsider, choice=1)

    factory.holder_joined(room.assembly, outsider)
    room.cast(principal, by=outsider, choice=3)

    assert VoteRecord.objects.get(item=room.motion).by_proxy is True


@pytest.mark.parametrize(
    ("state", "message"),
    [("revoked", "was revoked"), ("pending", "has not been confirmed yet"), ("refused", "was refused")],
)
def test_a_proxy_that_is_not_confirmed_gives_no_ballot(room, state, message):
    holder, principal = room.entries[0], room.entries[5]
    factory.proxy(room.assembly, principal, holder.person, state=state)
    room.open(room.motion)

    assert message in refused(room.cast, entry=principal, by=holder.person, choice=1)
    assert not Ballot.objects.exists() and not VoteRecord.objects.exists()


def test_a_principal_who_checked_in_votes_for_themselves(room):
    from taavon.assemblies.models import CheckIn

    holder, principal = room.entries[0], room.entries[5]
    factory.proxy(room.assembly, principal, holder.person)
    CheckIn.objects.create(assembly=room.assembly, roll_entry=principal)
    room.open(room.motion)

    assert "is present and votes for themselves" in refused(room.cast, entry=principal, by=holder.person, choice=1)
    room.cast(principal, choice=1)
    assert VoteRecord.objects.get(item=room.motion).by_proxy is False


def test_an_altered_ballot_form_is_refused_and_nothing_is_written(en, room):
    member = room.entries[0]
    room.open(room.motion)
    en.force_login(voter(member))
    other_assembly_item = factory.motion(factory.assembly(room.assembly.cooperative, members=7))
    forms = [
        ({"item": room.motion.pk, "roll_entry": member.pk, "choice": "1", "voter": "someone"}, "was altered"),
        ({"item": room.election.pk, "roll_entry": member.pk, "choice": "1"}, "was altered"),
        ({"item": room.motion.pk, "roll_entry": "x", "choice": "1"}, "was altered"),
        ({"item": room.motion.pk, "roll_entry": member.pk, "choice": "7"}, "Choose for, against or abstain."),
        ({"item": room.motion.pk, "roll_entry": member.pk}, "Choose for, against or abstain."),
        ({"item": room.motion.pk, "roll_entry": member.pk, "marks": str(room.candidates[0].pk)}, "has no candidates"),
        ({"item": room.motion.pk, "roll_entry": room.entries[2].pk, "choice": "1"}, "You hold no proxy for"),
    ]
    for data, message in forms:
        response = en.post(cast_url(room), data)
        assert response.status_code == 422, data
        assert message in text(response), data
    assert en.post(
        reverse("assemblies:cast", args=[room.assembly.pk, other_assembly_item.pk]),
        {"item": other_assembly_item.pk, "roll_entry": member.pk, "choice": "1"},
    ).status_code == 404
    assert not Ballot.objects.exists() and not VoteRecord.objects.exists()


def test_an_election_ballot_marks_at_most_the_seats_among_this_items_eligible_candidates(room, english):
    member = room.entries[0]
    first, second, third = (c.pk for c in room.candidates[:3])
    other_election = factory.election(room.assembly, title="انتخاب بازرسان", seats=1, alternates=0)
    stranger = Candidate.objects.create(item=other_election, person=room.entries[5].person)
    ineligible = Candidate.objects.create(
        item=room.election, person=room.entries[6].person, state="ineligible", reasons=[{"rule": "x"}]
    )
    room.open(room.election)

    cases = [
        ({"marks": [first, second, third]}, "Mark at most 2 candidates: 3 were marked."),
        ({"marks": [first, first]}, "marked more than once"),
        ({"marks": [first, stranger.pk]}, "not standing in this election"),
        ({"marks": [ineligible.pk]}, "not standing in this election"),
        ({"marks": ["abc"]}, "a mark is not a candidate"),
        ({"choice": 1}, "it has no for or against"),
    ]
    for content, message in cases:
        assert message in refused(room.cast, entry=member, item=room.election, **content), content
    assert not Ballot.objects.exists() and not BallotMark.objects.exists() and not VoteRecord.objects.exists()

    room.cast(member, item=room.election, marks=[second, first])
    ballot = Ballot.objects.get(item=room.election)
    assert ballot.marks == sorted([first, second]) and ballot.choice is None
    assert sorted(BallotMark.objects.filter(ballot=ballot).values_list("candidate_id", flat=True)) == sorted([first, second])
    room.cast(room.entries[1], item=room.election, marks=[])
    assert Ballot.objects.filter(item=room.election, marks=[]).count() == 1


def test_the_ballot_box_holds_nothing_that_leads_to_a_voter():
    ballot_fields = {f.name: f for f in Ballot._meta.get_fields()}
    assert set(ballot_fields) == {"id", "item", "receipt_hash", "choice", "marks"}
    assert ballot_fields["id"].get_internal_type() == "UUIDField"
    assert not any(f.get_internal_type() in ("DateTimeField", "DateField", "TimeField") for f in ballot_fields.values())
    assert {f.name for f in BallotMark._meta.get_fields()} == {"id", "ballot", "item", "candidate"}
    record_fields = {f.name for f in VoteRecord._meta.get_fields()}
    assert record_fields == {"id", "item", "roll_entry", "by_proxy"}
    assert VoteRecord._meta.get_field("id").get_internal_type() == "UUIDField"


def test_casting_stays_lean(room, django_assert_max_num_queries):
    room.open(room.motion)
    with django_assert_max_num_queries(10):
        room.cast(room.entries[0], choice=1)


def test_casting_writes_no_audit_or_log_line_that_would_order_the_voters(room):
    room.open(room.motion)
    audit_before, events_before = AuditEvent.objects.count(), AssemblyEvent.objects.count()

    room.cast(room.entries[0], choice=1)
    room.cast(room.entries[1], choice=2)

    assert AuditEvent.objects.count() == audit_before and AssemblyEvent.objects.count() == events_before


def test_turnout_is_pushed_live_but_at_most_once_a_second(room, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(voting.live, "publish", lambda assembly_id, event, payload=None: sent.append((event, payload)))

    room.open(room.motion)
    for entry in room.entries[:2]:
        with django_capture_on_commit_callbacks(execute=True):  # the push is a job run once the ballot commits
            room.cast(entry, choice=1)

    assert [event for event, _ in sent] == ["item_opened", "turnout", "turnout"]
    assert sent[1][1]["voted"] == 0 and sent[2][1]["voted"] == 1
    room.close(room.motion)
    assert sent[-1][0] == "item_closed" and sent[-1][1]["ballot_count"] == 2


# --------------------------------------------------------------------------- closing and results


def test_closing_a_motion_tallies_it_against_the_votes_present_when_it_opened(en, room):
    room.open(room.motion)
    for entry, choice in zip(room.entries[:5], [1, 1, 1, 2, 3], strict=True):
        room.cast(entry, choice=choice)
    en.force_login(room.officer)
    assert "Passed" not in text(en.get(reverse("assemblies:items", args=[room.assembly.pk])))

    response = en.post(reverse("assemblies:item_close", args=[room.assembly.pk, room.motion.pk]), {"confirmed": "yes"})

    assert response.status_code == 302
    item = AgendaItem.objects.get(pk=room.motion.pk)
    assert item.state == "closed" and item.ballot_count == 5 and item.chain_head == ballot_box.chain(item)
    assert item.result | {"rule": ""} == {
        "kind": "motion", "ballots": 5, "for": 3, "against": 1, "abstain": 1, "base": 5, "required": 3,
        "passed": True, "rule": "",
    }
    assert item.result["rule"] == "assembly.majority.ordinary"
    closed = AssemblyEvent.objects.get(kind=events.ITEM_CLOSED)
    assert closed.data["ballot_count"] == 5 and closed.data["voters"] == 5 and closed.data["chain_head"] == item.chain_head
    assert closed.data["result"]["passed"] is True
    assert AuditEvent.objects.filter(action="item.close", object_id=str(item.pk)).exists()
    page = text(en.get(reverse("assemblies:items", args=[room.assembly.pk])))
    assert "Passed" in page and rules.parameter("assembly.majority.ordinary").cite() in page


def test_a_statute_amendment_needs_the_extraordinary_majority(room):
    statute = factory.motion(room.assembly, title="اصلاح اساسنامه", matter="statute_amendment")
    room.open(statute)
    for entry, choice in zip(room.entries[:5], [1, 1, 1, 2, 3], strict=True):
        room.cast(entry, item=statute, choice=choice)

    result = room.close(statute).result

    assert result["rule"] == "assembly.majority.extraordinary" and result["required"] == 4 and result["passed"] is False


def test_an_election_elects_the_top_seats_then_alternates_and_draws_a_tie_by_lot(en, room):
    a, b, c, d = (x.pk for x in room.candidates)
    room.open(room.election)
    ballots = [[a, b], [a, c], [a, b], [a, c], [a, d]]
    for entry, marks in zip(room.entries[:5], ballots, strict=True):
        room.cast(entry, item=room.election, marks=marks)

    item = room.close(room.election)

    result = item.result
    assert result["counts"] == {str(a): 5, str(b): 2, str(c): 2, str(d): 1}
    assert result["elected"][0] == a and {result["elected"][1], result["alternates"][0]} == {b, c}
    assert result["draws"] == [{"votes": 2, "tied": [b, c], "order": [result["elected"][1], result["alternates"][0]]}]
    assert result["seed"] == law.draw_seed(item.pk, item.chain_head)
    again = law.election_result({a: 5, b: 2, c: 2, d: 1}, [a, b, c, d], seats=2, alternates=1, seed=result["seed"])
    assert again.elected == result["elected"] and again.alternates == result["alternates"]
    en.force_login(voter(room.entries[0]))
    page = text(en.get(reverse("assemblies:items", args=[room.assembly.pk])))
    assert "Elected" in page and "Alternate" in page and "was decided by a recorded draw" in page


def test_results_stay_hidden_until_the_item_closes(client, room):
    member = room.entries[0]
    api = Api(client, voter(member))
    room.open(room.motion)
    room.cast(member, choice=1)

    hidden = api.get(f"/{room.assembly.pk}/items/{room.motion.pk}/results")
    bulletin = api.get(f"/{room.assembly.pk}/items/{room.motion.pk}/bulletin")
    turnout = api.get(f"/{room.assembly.pk}/items/{room.motion.pk}/turnout").json()

    assert hidden.status_code == 409 and "published when voting on the item closes" in str(hidden.json())
    assert bulletin.status_code == 409
    assert turnout == {"item": room.motion.pk, "state": "open", "voted": 1, "votes_present": 5, "roll": 7, "percent": 20}
    assert api.get(f"/{room.assembly.pk}/voting").json()["item"]["result"] is None
    room.close(room.motion)
    shown = api.get(f"/{room.assembly.pk}/items/{room.motion.pk}/results").json()
    assert shown["result"]["for"] == 1 and shown["ballot_count"] == 1


# --------------------------------------------------------------------------- the API


def test_a_member_votes_through_the_api_and_checks_the_receipt(client, room):
    holder, principal = room.entries[0], room.entries[5]
    factory.proxy(room.assembly, principal, holder.person)
    api = Api(client, voter(holder))
    chair = Api(client, room.officer)
    base = f"/{room.assembly.pk}/items/{room.motion.pk}"

    opened = chair.post(f"{base}/open")
    assert opened.status_code == 200 and opened.json()["quorum_at_open"]["represented"] == 1
    mine = api.get(f"/{room.assembly.pk}/voting").json()
    assert [(b["roll_entry"], b["for_yourself"], b["voted"]) for b in mine["ballots"]] == [
        (holder.pk, True, False), (principal.pk, False, False),
    ]
    cast = api.post(f"{base}/ballots", {"roll_entry": holder.pk, "choice": 1})
    assert cast.status_code == 201
    code = cast.json()["receipt_code"]
    assert api.post(f"{base}/ballots", {"roll_entry": principal.pk, "choice": 2}).status_code == 201
    twice = api.post(f"{base}/ballots", {"roll_entry": holder.pk, "choice": 2})
    assert twice.status_code == 409 and "already been cast" in str(twice.json())
    extra = api.post(f"{base}/ballots", {"roll_entry": holder.pk, "choice": 2, "voter": 1})
    assert extra.status_code == 422
    assert api.post(f"{base}/close").status_code == 403

    closed = chair.post(f"{base}/close").json()
    assert closed["state"] == "closed" and closed["result"]["for"] == 1 and closed["result"]["against"] == 1
    check = api.post(f"{base}/receipt", {"code": code}).json()
    assert check["found"] and check["published"] and check["choice"] == 1 and check["content"] == "For"
    assert api.post(f"{base}/receipt", {"code": "not a code"}).status_code == 422
    first = api.get(f"{base}/bulletin", limit=1).json()
    second = api.get(f"{base}/bulletin", limit=1, after=first["next_after"]).json()
    assert first["ballot_count"] == 2 and first["chain_head"] == closed["chain_head"]
    assert first["ballots"][0]["receipt_hash"] < second["ballots"][0]["receipt_hash"] and second["next_after"] == ""


def test_the_api_refuses_strangers(client, room):
    base = f"/{room.assembly.pk}/items/{room.motion.pk}"
    outsider = helpers.user(Role.OFFICER, password=None, cooperative=helpers.cooperative(province=helpers.other_province(helpers.province())))

    assert client.post(API + f"{base}/open").status_code == 401
    assert client.get(API + f"{base}/turnout").status_code == 401
    assert Api(client, outsider).post(f"{base}/open").status_code == 404
    assert Api(client, outsider).get(f"{base}/turnout").status_code == 404
    assert Api(client, helpers.user(Role.MEMBER, password=None)).get(f"/{room.assembly.pk}/voting").status_code == 404
    assert Api(client, voter(room.entries[0])).post(f"{base}/open").status_code == 403


# --------------------------------------------------------------------------- candidates


def test_members_stand_for_election_and_ineligible_candidates_are_kept_with_their_reasons(en):
    import datetime

    a = factory.assembly(members=7)
    board = factory.election(a, seats=3, alternates=1)
    factory.freeze_roll(a)
    entries = list(a.roll.order_by("id").select_related("person", "membership"))
    officer = helpers.user(Role.OFFICER, password=None, cooperative=a.cooperative)
    young, suspended = entries[1], entries[2]
    young.person.birth_date = datetime.date.today() - datetime.timedelta(days=365 * 17)
    young.person.save()
    suspended.membership.status = "suspended"
    suspended.membership.save()
    url = reverse("assemblies:candidates", args=[a.pk, board.pk])

    en.force_login(voter(entries[0]))
    assert en.post(url).status_code == 302
    en.force_login(officer)
    for person in (young.person, suspended.person, helpers.person()):
        assert en.post(url, {"national_code": person.national_code}).status_code == 302

    states = {c.person_id: (c.state, [r["rule"] for r in c.reasons]) for c in Candidate.objects.filter(item=board)}
    assert states[entries[0].person_id] == ("eligible", [])
    assert states[young.person_id] == ("ineligible", ["adult"])
    assert states[suspended.person_id] == ("ineligible", ["not_suspended"])
    assert sorted(next(v for k, v in states.items() if k not in {e.person_id for e in entries})[1]) == [
        "active_member", "on_the_roll",
    ]
    page = text(en.get(url))
    assert "Younger than 18 on the day of the assembly." in page and "Membership is suspended." in page
    assert "Not a current member of this cooperative." in page and "Not on this assembly's voter roll." in page
    registered = AssemblyEvent.objects.filter(assembly=a, kind=voting.CANDIDATE_REGISTERED).count()
    assert registered == 4
    assert AuditEvent.objects.filter(action="candidate.register").count() == 4

    duplicate = en.post(url, {"national_code": young.person.national_code})
    assert duplicate.status_code == 422 and "already registered in this election" in text(duplicate)


def test_candidates_register_only_between_the_notice_and_the_session(en, room):
    url = reverse("assemblies:candidates", args=[room.assembly.pk, room.election.pk])
    en.force_login(room.officer)

    late = en.post(url, {"national_code": room.entries[5].person.national_code})

    assert late.status_code == 422 and "before the session opens" in text(late)
    assert "only in elections" in refused(
        voting.register_candidate, actor=room.officer, item=room.motion, person=room.entries[5].person
    )
    assert en.get(reverse("assemblies:candidates", args=[room.assembly.pk, room.motion.pk])).status_code == 404


def test_a_member_may_register_only_themselves_and_withdraw(en):
    a = factory.assembly(members=7)
    board = factory.election(a)
    factory.freeze_roll(a)
    me, other = list(a.roll.order_by("id").select_related("person"))[:2]
    url = reverse("assemblies:candidates", args=[a.pk, board.pk])
    en.force_login(voter(me))

    assert en.post(url, {"national_code": other.person.national_code}).status_code == 403
    assert en.post(url).status_code == 302
    mine = Candidate.objects.get(item=board, person=me.person)
    assert en.post(reverse("assemblies:candidate_withdraw", args=[a.pk, board.pk]), {"candidate": mine.pk}).status_code == 302
    mine.refresh_from_db()
    assert mine.state == "withdrawn"
    assert en.post(url).status_code == 302  # standing again
    mine.refresh_from_db()
    assert mine.state == "eligible"


def test_an_election_cannot_open_without_an_eligible_candidate():
    a = factory.assembly(members=7)
    board = factory.election(a)
    factory.in_session(a)
    officer = helpers.user(Role.OFFICER, password=None, cooperative=a.cooperative)

    assert "no eligible candidate" in refused(voting.open_item, actor=officer, item=board)


def test_the_candidates_api(client):
    a = factory.assembly(members=7)
    board = factory.election(a)
    factory.freeze_roll(a)
    me = a.roll.order_by("id").select_related("person").first()
    officer = Api(client, helpers.user(Role.OFFICER, password=None, cooperative=a.cooperative))
    member = Api(client, voter(me))
    base = f"/{a.pk}/items/{board.pk}/candidates"

    own = member.post(base, {})
    stranger = officer.post(base, {"national_code": helpers.person().national_code})
    listed = member.get(base).json()

    assert own.status_code == 201 and own.json()["state"] == "eligible"
    assert stranger.status_code == 201 and stranger.json()["state"] == "ineligible"
    assert "Not on this assembly's voter roll." in stranger.json()["reasons"]
    assert [c["state"] for c in listed] == ["eligible", "ineligible"]
    assert member.post(base, {"national_code": "0012345679"}).status_code == 403
    withdrawn = member.post(f"{base}/withdraw", {"candidate": own.json()["id"]})
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"


def test_the_ballot_page_follows_the_chair_and_speaks_persian(client, room):
    member = room.entries[0]
    client.force_login(voter(member))
    status_url = reverse("assemblies:ballot_status", args=[room.assembly.pk])

    waiting = client.get(ballot_url(room))
    assert waiting.status_code == 200 and 'data-testid="no-open-item"' in waiting.content.decode()
    assert client.get(status_url, {"item": ""}).get("HX-Refresh") is None

    room.open(room.motion)
    assert client.get(status_url, {"item": ""})["HX-Refresh"] == "true"
    polled = client.get(status_url, {"item": room.motion.pk})
    assert polled.get("HX-Refresh") is None and "۰" in polled.content.decode() and "۵" in polled.content.decode()
    page = client.get(ballot_url(room)).content.decode()
    assert 'data-testid="ballot-form"' in page and "ws/assemblies/" in page

    room.close(room.motion)
    assert client.get(status_url, {"item": room.motion.pk})["HX-Refresh"] == "true"
