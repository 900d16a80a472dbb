"""The minutes of a closed assembly: drafted from the event log, approved by the presiding board
with one-time codes, submitted, registered by the provincial office (which seats the elected board
on the registry), and the decisions notified to every member on the roll."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from taavon import jobs
from taavon.accounts.models import OneTimeCode, Role
from taavon.assemblies import events
from taavon.assemblies.minutes import services as minutes
from taavon.assemblies.models import AssemblyEvent, Minutes, MinutesApproval
from taavon.audit.models import AuditEvent
from taavon.core.jalali import format_jalali
from taavon.jobs.testing import deferred
from taavon.notifications import broadcasts
from taavon.notifications.models import OutboundMessage
from taavon.registry import services as registry_services
from taavon.registry.models import Position
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db



@pytest.fixture
def story():
    return factory.closed_story()


@pytest.fixture
def board_users(story):
    chair = helpers.user(Role.MEMBER, person=story.chair)
    secretary = helpers.user(Role.MEMBER, person=story.secretary)
    return chair, secretary


def codes(refusal) -> set[str]:
    """The codes of a ValidationError caught by pytest.raises (messages are translated, codes are not)."""
    exc = refusal.value
    if hasattr(exc, "error_dict"):
        return {e.code for errors in exc.error_dict.values() for e in errors}
    return {e.code for e in exc.error_list}


def approve_all(story, board_users, sms):
    m = story.assembly.minutes
    for user in board_users:
        minutes.request_approval_code(actor=user, minutes=m)
        m = minutes.approve(actor=user, minutes=m, code=sms.last_code(user.person.mobile))
    return m


# --------------------------------------------------------------------------- drafting


def test_the_draft_holds_everything_the_event_log_recorded(story):
    a = story.assembly
    m = minutes.draft_minutes(a)
    c = m.content

    assert m.state == "draft"
    assert c["cooperative"] == {
        "id": a.cooperative_id,
        "name": a.cooperative.name,
        "national_id": a.cooperative.national_id,
        "registration_number": a.cooperative.registration_number,
        "province": a.cooperative.province.name,
    }
    assert c["assembly"]["kind"] == "annual_ordinary" and c["assembly"]["call_number"] == 1
    assert c["assembly"]["mode"] == "electronic" and c["assembly"]["location"] == "سالن اجتماعات اتحادیه"
    opened = AssemblyEvent.objects.get(assembly=a, kind=events.SESSION_OPENED).at
    assert c["session"]["date_jalali"] == format_jalali(timezone.localtime(opened).date(), persian_digits=False)
    assert c["session"]["opened_at_jalali"] == format_jalali(
        timezone.localtime(opened), with_time=True, persian_digits=False
    )
    assert c["session"]["closed_at_jalali"]
    assert c["roll_size"] == 7
    assert c["opening"] == {
        "roll": 7,
        "present": 5,
        "represented": 1,
        "votes_present": 6,
        "required": 4,
        "reached": True,
    }
    assert c["closing"]["present"] == 5 and c["closing"]["represented"] == 1
    assert [(p["name"], p["role"]) for p in c["presiding_board"]] == [
        (story.chair.full_name, "chair"),
        (story.secretary.full_name, "secretary"),
    ]
    assert c["gaps"] == []

    motion, election = c["items"]
    assert (motion["position"], motion["title"], motion["kind"]) == (1, "تصویب صورت‌های مالی سال ۱۴۰۳", "motion")
    assert motion["motion"] == {"for": 4, "against": 1, "abstain": 1, "base": 6, "required": 4, "passed": True}
    story.motion.refresh_from_db()
    assert motion["chain_head"] == story.motion.chain_head and motion["ballot_count"] == 6
    assert motion["quorum_at_open"]["votes_present"] == 6

    result = election["election"]
    names = {cand.pk: cand.person.full_name for cand in story.candidates}
    assert [e["name"] for e in result["elected"]] == [names[pk] for pk in story.outcome.elected]
    assert [(e["name"], e["votes"]) for e in result["alternates"]] == [
        (names[pk], 3) for pk in story.outcome.alternates
    ]
    assert [e["votes"] for e in result["elected"]] == [5, 4, 3]
    assert result["candidates"][-1] == {
        "candidate_id": story.candidates[4].pk,
        "person_id": story.candidates[4].person_id,
        "name": names[story.candidates[4].pk],
        "votes": 1,
        "outcome": "not_elected",
    }
    tied = sorted([names[story.candidates[2].pk], names[story.candidates[3].pk]])
    assert len(result["draws"]) == 1 and sorted(result["draws"][0]["tied"]) == tied
    assert result["seed"] == story.outcome.seed
    assert election["chain_head"] == story.election.__class__.objects.get(pk=story.election.pk).chain_head

    assert AssemblyEvent.objects.filter(assembly=a, kind=events.MINUTES_DRAFTED).count() == 1
    assert AuditEvent.objects.filter(action="minutes.draft", cooperative=a.cooperative).exists()


def test_minutes_are_not_drafted_before_the_session_closes():
    a = factory.in_session(factory.assembly())

    with pytest.raises(ValidationError) as refused:
        minutes.draft_minutes(a)

    assert codes(refused) == {"not_closed"}
    assert not Minutes.objects.filter(assembly=a).exists()


def test_drafting_twice_changes_nothing_and_a_new_event_replaces_the_draft(story, board_users, sms):
    a = story.assembly
    first = minutes.draft_minutes(a)
    again = minutes.draft_minutes(a)
    assert again.pk == first.pk and again.content == first.content
    assert AssemblyEvent.objects.filter(assembly=a, kind=events.MINUTES_DRAFTED).count() == 1

    chair = board_users[0]
    minutes.request_approval_code(actor=chair, minutes=first)
    minutes.approve(actor=chair, minutes=first, code=sms.last_code(chair.person.mobile))
    # A late correction in the log (e.g. the closing attendance) re-drafts and voids earlier approvals.
    events.log(
        a,
        events.SESSION_CLOSED,
        {"quorum": {"roll": 7, "present": 4, "represented": 1, "required": 4, "reached": True}},
    )
    redrafted = minutes.draft_minutes(a)

    assert redrafted.content["closing"]["present"] == 4
    assert not MinutesApproval.objects.filter(minutes=redrafted).exists()
    assert AssemblyEvent.objects.filter(assembly=a, kind=events.MINUTES_DRAFTED).count() == 2


def test_the_minutes_read_what_the_session_and_voting_services_actually_log(story):
    """Their shapes: flat quorum figures, ``attendance`` at the close, ``item``/``ballots`` keys, candidate rows."""
    a = story.assembly
    AssemblyEvent.objects.filter(
        assembly=a, kind__in=[events.SESSION_OPENED, events.SESSION_CLOSED, events.ITEM_CLOSED]
    ).delete()
    events.log(a, events.SESSION_OPENED, {"opened_at": timezone.now().isoformat(), "kind": a.kind, "call_number": 1})
    events.log(
        a,
        events.QUORUM_CHECKED,
        {
            "roll": 7,
            "present": 5,
            "represented": 1,
            "votes_present": 6,
            "required": 4,
            "reached": True,
            "rule": "assembly.quorum.ordinary.first",
        },
    )
    events.log(
        a,
        events.ITEM_CLOSED,
        {
            "item": story.motion.pk,
            "position": 1,
            "title": story.motion.title,
            "kind": "motion",
            "ballots": 6,
            "chain_head": "ab" * 32,
            "result": {
                "kind": "motion",
                "ballots": 6,
                "rule": "assembly.majority.ordinary",
                "for": 2,
                "against": 4,
                "abstain": 0,
                "base": 6,
                "required": 4,
                "passed": False,
            },
        },
    )
    rows = [
        {"id": c.pk, "person": c.person_id, "name": c.person.full_name, "votes": v, "outcome": o}
        for c, v, o in zip(
            story.candidates, [5, 4, 3, 2, 1], ["elected", "elected", "elected", "alternate", ""], strict=True
        )
    ]
    events.log(
        a,
        events.ITEM_CLOSED,
        {
            "item": story.election.pk,
            "position": 2,
            "title": story.election.title,
            "kind": "election",
            "ballots": 6,
            "chain_head": "cd" * 32,
            "result": {
                "kind": "election",
                "ballots": 6,
                "counts": {str(r["id"]): r["votes"] for r in rows},
                "elected": [r["id"] for r in rows[:3]],
                "alternates": [rows[3]["id"]],
                "draws": [],
                "seed": "s",
                "candidates": rows,
            },
        },
    )
    events.log(
        a,
        events.SESSION_CLOSED,
        {
            "closed_at": timezone.now().isoformat(),
            "items_not_voted": [],
            "attendance": {"roll": 7, "present": 5, "represented": 0, "required": 4, "reached": True},
        },
    )

    c = minutes.draft_minutes(a).content

    assert c["opening"]["present"] == 5 and c["opening"]["represented"] == 1 and c["gaps"] == []
    assert c["closing"]["represented"] == 0
    motion, election = c["items"]
    assert motion["motion"]["passed"] is False and motion["ballot_count"] == 6 and motion["chain_head"] == "ab" * 32
    assert [e["person_id"] for e in election["election"]["elected"]] == [r["person"] for r in rows[:3]]
    assert election["election"]["alternates"][0]["name"] == rows[3]["name"]


def test_gaps_in_the_log_are_shown_not_invented():
    a = factory.in_session(factory.assembly())
    factory.motion(a)
    a.state = "closed"
    a.save()

    c = minutes.draft_minutes(a).content

    assert set(c["gaps"]) == {minutes.GAP_OPENING, minutes.GAP_CLOSING, minutes.GAP_BOARD}
    assert c["opening"] is None and c["items"][0]["closed"] is False and c["items"][0]["motion"] is None


# --------------------------------------------------------------------------- approval


def test_chair_and_secretary_approve_with_codes_sent_to_their_mobiles(story, board_users, sms):
    chair, secretary = board_users
    m = minutes.draft_minutes(story.assembly)

    minutes.request_approval_code(actor=chair, minutes=m)
    text = sms.messages(story.chair.mobile)[-1]["text"]
    assert story.assembly.title in text
    with pytest.raises(ValidationError) as wrong:
        minutes.approve(actor=chair, minutes=m, code="000000" if "000000" not in text else "111111")
    assert codes(wrong) == {"code_wrong"}
    assert not MinutesApproval.objects.exists()

    m = minutes.approve(actor=chair, minutes=m, code=sms.last_code(story.chair.mobile))
    assert m.state == "draft" and m.approvals.count() == 1

    minutes.request_approval_code(actor=secretary, minutes=m)
    m = minutes.approve(actor=secretary, minutes=m, code=sms.last_code(story.secretary.mobile))

    assert m.state == "approved"
    assert AssemblyEvent.objects.filter(assembly=story.assembly, kind=events.MINUTES_APPROVED).count() == 1
    with pytest.raises(ValidationError):
        minutes.draft_minutes(story.assembly)


def test_a_code_is_used_once_and_binds_to_these_minutes(story, board_users, sms):
    chair, _secretary = board_users
    m = minutes.draft_minutes(story.assembly)
    minutes.request_approval_code(actor=chair, minutes=m)
    code = sms.last_code(story.chair.mobile)

    assert OneTimeCode.objects.get(purpose="confirm").code_hash != OneTimeCode.hash(code)  # keyed, not a plain hash
    minutes.approve(actor=chair, minutes=m, code=code)
    with pytest.raises(ValidationError) as twice:
        minutes.approve(actor=chair, minutes=m, code=code)
    assert codes(twice) == {"already_approved"}


def test_a_member_not_on_the_presiding_board_cannot_approve(story, board_users):
    m = minutes.draft_minutes(story.assembly)
    outsider_person = story.assembly.roll.exclude(person__in=[story.chair, story.secretary]).first().person
    outsider = helpers.user(Role.MEMBER, person=outsider_person)

    with pytest.raises(PermissionDenied):
        minutes.request_approval_code(actor=outsider, minutes=m)
    with pytest.raises(PermissionDenied):
        minutes.approve(actor=outsider, minutes=m, code="123456")


# --------------------------------------------------------------------------- submission, registration


def seat_old_board(coop):
    """The board and inspector in office before the assembly (members outside the election)."""
    people = [m.person for m in coop.memberships.order_by("-id")[:3]]
    old = [
        registry_services.add_position(
            actor=None, cooperative=coop, role=role, person=p, term_start=datetime.date(2022, 5, 1)
        )
        for role, p in zip(["chair", "board_member", "inspector"], people, strict=True)
    ]
    return old


def test_registration_by_the_province_puts_the_elected_board_on_the_registry(story, board_users, sms):
    coop = story.assembly.cooperative
    old_chair, old_member, old_inspector = seat_old_board(coop)
    minutes.draft_minutes(story.assembly)
    m = approve_all(story, board_users, sms)
    officer = helpers.user(Role.OFFICER, cooperative=coop)
    supervisor = helpers.user(Role.SUPERVISOR, province=coop.province)

    m = minutes.submit(actor=officer, minutes=m)
    assert m.state == "submitted" and m.submitted_at
    assert list(minutes.submitted_in_scope(supervisor)) == [m]
    assert not minutes.submitted_in_scope(
        helpers.user(Role.SUPERVISOR, province=helpers.other_province(coop.province))
    ).exists()

    m = minutes.register(actor=supervisor, minutes=m)

    assert m.state == "registered" and m.reviewed_by == supervisor
    today = timezone.localdate()
    for old in (old_chair, old_member):
        old.refresh_from_db()
        assert old.ended_on == today
    old_inspector.refresh_from_db()
    assert old_inspector.ended_on is None  # only the body that was elected is replaced
    board = Position.objects.filter(cooperative=coop, body="board", ended_on__isnull=True)
    elected = {c.pk: c.person_id for c in story.candidates}
    assert sorted(board.filter(role="board_member").values_list("person_id", flat=True)) == sorted(
        elected[pk] for pk in story.outcome.elected
    )
    assert list(board.filter(role="alternate").values_list("person_id", flat=True)) == [
        elected[story.outcome.alternates[0]]
    ]
    term_end = registry_services.add_jalali_years(today, story.assembly.rules["board.term_years"])
    assert set(board.values_list("term_start", "term_end")) == {(today, term_end)}
    assert AuditEvent.objects.filter(action="minutes.register").exists()
    assert AssemblyEvent.objects.filter(assembly=story.assembly, kind=events.MINUTES_REGISTERED).exists()


def test_a_registry_refusal_registers_nothing(story, board_users, sms):
    coop = story.assembly.cooperative
    seat_old_board(coop)
    minutes.draft_minutes(story.assembly)
    m = approve_all(story, board_users, sms)
    m = minutes.submit(actor=helpers.user(Role.OFFICER, cooperative=coop), minutes=m)
    # One of the elected left the cooperative after the assembly: they cannot be seated.
    leaver = story.candidates[0].person
    coop.memberships.filter(person=leaver).update(status="left", left_on=timezone.localdate())

    with pytest.raises(ValidationError) as refused:
        minutes.register(actor=helpers.user(Role.SUPERVISOR, province=coop.province), minutes=m)

    assert codes(refused) == {"registry_update"}
    m.refresh_from_db()
    assert m.state == "submitted"
    assert Position.objects.filter(cooperative=coop, ended_on__isnull=False).count() == 0


def test_returned_minutes_are_resubmitted_with_a_note(story, board_users, sms):
    coop = story.assembly.cooperative
    minutes.draft_minutes(story.assembly)
    m = approve_all(story, board_users, sms)
    officer = helpers.user(Role.OFFICER, cooperative=coop)
    supervisor = helpers.user(Role.SUPERVISOR, province=coop.province)
    m = minutes.submit(actor=officer, minutes=m)

    with pytest.raises(ValidationError):
        minutes.return_minutes(actor=supervisor, minutes=m, reason="  ")
    m = minutes.return_minutes(actor=supervisor, minutes=m, reason="امضای بازرس پیوست نشده است")
    assert m.state == "returned" and m.return_reason == "امضای بازرس پیوست نشده است"
    with pytest.raises(ValidationError):
        minutes.submit(actor=officer, minutes=m)
    m = minutes.submit(actor=officer, minutes=m, note="امضای بازرس پیوست شد")

    assert m.state == "submitted"
    assert [h["kind"] for h in minutes.review_history(m)] == [
        "minutes_approved",
        "minutes_submitted",
        "minutes_returned",
        "minutes_submitted",
    ]


def test_only_approved_minutes_are_submitted_and_only_by_the_cooperative(story):
    m = minutes.draft_minutes(story.assembly)
    coop = story.assembly.cooperative

    with pytest.raises(ValidationError):
        minutes.submit(actor=helpers.user(Role.OFFICER, cooperative=coop), minutes=m)
    with pytest.raises(PermissionDenied):
        minutes.submit(actor=helpers.user(Role.SUPERVISOR, province=coop.province), minutes=m)


# --------------------------------------------------------------------------- decisions


def test_every_roll_member_is_notified_of_the_decisions_within_the_legal_time(
    story, board_users, sms, django_capture_on_commit_callbacks
):
    a = story.assembly
    a.roll.first().person.__class__.objects.filter(pk=story.chair.pk).update(email="chair@example.ir")
    minutes.draft_minutes(a)
    approve_all(story, board_users, sms)
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative)

    with django_capture_on_commit_callbacks(execute=True):
        m = minutes.notify_decisions(actor=officer, assembly=a)

    topic = minutes.decisions_topic(a.pk)
    mobiles = set(a.roll.values_list("person__mobile", flat=True))
    sent = OutboundMessage.objects.filter(topic=topic, channel="sms")
    assert set(sent.values_list("recipient", flat=True)) == mobiles and sent.count() == 7
    text = sms.messages(story.secretary.mobile)[-1]["text"]
    assert a.cooperative.name in text and story.motion.title in text
    assert OutboundMessage.objects.filter(topic=topic, channel="email", recipient="chair@example.ir").exists()

    status = minutes.decisions_status(m)
    assert status["deadline"] == timezone.localdate() + datetime.timedelta(days=15)
    assert status["met"] is True and status["sms"]["sent"] == 7 and status["email"]["sent"] == 1
    assert status["sending"] is False
    assert AssemblyEvent.objects.get(assembly=a, kind=events.DECISIONS_NOTIFIED).data["on_time"] is True
    with pytest.raises(ValidationError) as again:
        minutes.notify_decisions(actor=officer, assembly=a)
    assert codes(again) == {"already_notified"}


def test_decisions_wait_for_the_presiding_boards_approval(story):
    minutes.draft_minutes(story.assembly)

    with pytest.raises(ValidationError) as refused:
        minutes.notify_decisions(
            actor=helpers.user(Role.OFFICER, cooperative=story.assembly.cooperative), assembly=story.assembly
        )

    assert codes(refused) == {"not_approved"}


def test_a_late_notice_is_marked_as_after_the_legal_time(story, board_users, sms, django_capture_on_commit_callbacks):
    a = story.assembly
    long_ago = timezone.now() - datetime.timedelta(days=20)
    AssemblyEvent.objects.filter(assembly=a).update(at=long_ago)
    minutes.draft_minutes(a)
    m = approve_all(story, board_users, sms)
    assert minutes.decisions_status(m)["overdue"] is True

    with django_capture_on_commit_callbacks(execute=True):
        m = minutes.notify_decisions(actor=helpers.user(Role.OFFICER, cooperative=a.cooperative), assembly=a)

    assert minutes.decisions_status(m)["met"] is False


def test_a_large_roll_is_notified_in_batches_that_workers_share(story, board_users, sms):
    minutes.draft_minutes(story.assembly)
    approve_all(story, board_users, sms)

    with deferred():
        batches = broadcasts.fan_out(
            name=minutes.DECISIONS_BROADCAST, params={"assembly_id": story.assembly.pk}, batch_size=3
        )
        jobs.run_all()

    assert batches == 3  # 7 members: 3 + 3 + 1
    sent = OutboundMessage.objects.filter(topic=minutes.decisions_topic(story.assembly.pk), channel="sms")
    assert sent.count() == 7 and sent.values("recipient").distinct().count() == 7


def test_minutes_of_a_session_run_through_the_real_services():
    """Opened, voted and closed by attendance and voting as the chair would: the minutes read their log."""
    from taavon.assemblies.models import CheckIn
    from taavon.assemblies.session import services as attendance
    from taavon.assemblies.voting import services as voting

    a = factory.assembly(members=7, starts_at=timezone.now() - datetime.timedelta(minutes=5))
    motion = factory.motion(a)
    board = factory.election(a, seats=2, alternates=1)
    factory.freeze_roll(a)
    entries = list(a.roll.order_by("id").select_related("person"))
    officer = helpers.user(Role.OFFICER, password=None, cooperative=a.cooperative)
    running = [voting.register_candidate(actor=officer, item=board, person=e.person) for e in entries[:3]]
    for entry in entries[:5]:
        CheckIn.objects.create(assembly=a, roll_entry=entry)
    attendance.open_session(actor=officer, assembly=a, chair=entries[0].person, secretary=entries[1].person)
    voting.open_item(actor=officer, item=motion)
    for entry, choice in zip(entries[:5], [1, 1, 1, 2, 3], strict=True):
        voting.cast_ballot(actor_person=entry.person, item=motion, roll_entry=entry, choice=choice)
    voting.close_item(actor=officer, item=motion)
    voting.open_item(actor=officer, item=board)
    for entry, marks in zip(entries[:5], [[0, 1], [0, 1], [0, 2], [0], [1]], strict=True):
        voting.cast_ballot(
            actor_person=entry.person, item=board, roll_entry=entry, marks=[running[i].pk for i in marks]
        )
    voting.close_item(actor=officer, item=board)
    attendance.close_session(actor=officer, assembly=a)

    c = minutes.draft_minutes(a).content

    assert c["gaps"] == []
    assert c["opening"] == {
        "roll": 7,
        "present": 5,
        "represented": 0,
        "votes_present": 5,
        "required": 4,
        "reached": True,
    }
    assert c["closing"]["present"] == 5
    assert [m["role"] for m in c["presiding_board"]] == ["chair", "secretary"]
    first, second = c["items"]
    motion.refresh_from_db()
    assert first["motion"] == {"for": 3, "against": 1, "abstain": 1, "base": 5, "required": 3, "passed": True}
    assert first["chain_head"] == motion.chain_head and first["ballot_count"] == 5
    result = second["election"]
    assert [(e["person_id"], e["votes"]) for e in result["elected"]] == [
        (running[0].person_id, 4),
        (running[1].person_id, 3),
    ]
    assert [e["name"] for e in result["alternates"]] == [running[2].person.full_name]
