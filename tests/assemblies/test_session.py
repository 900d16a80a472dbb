"""The session: members check in, attendance and quorum are counted, the chair opens the session
with its presiding board (or adjourns it for want of quorum) and closes it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from taavon import rules
from taavon.accounts.models import Role, User
from taavon.accounts.scoping import Action
from taavon.assemblies import events
from taavon.assemblies.models import AssemblyEvent, CheckIn, PresidingMember, ProxyHolderPresence
from taavon.assemblies.reach import assembly_for
from taavon.assemblies.session import services as attendance
from taavon.audit.models import AuditEvent
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db

text = helpers.text



def member_of(entry):
    existing = User.objects.filter(person=entry.person).first()
    return existing or helpers.user(Role.MEMBER, national_code=entry.person.national_code, person=entry.person)


def starting(members=10, *, minutes=-5, **kwargs):
    """A noticed assembly whose start time is ``minutes`` from now (in the past by default)."""
    a = factory.assembly(members=members, starts_at=timezone.now() + datetime.timedelta(minutes=minutes), **kwargs)
    return factory.freeze_roll(a)


def entries(a):
    return list(a.roll.select_related("person").order_by("id"))


def check_in_all(a, rows):
    for entry in rows:
        CheckIn.objects.create(assembly=a, roll_entry=entry)


# --------------------------------------------------------------------------- check-in


def test_a_member_checks_in_online_and_a_second_attempt_says_already_checked_in(en):
    a = starting()
    me = entries(a)[0]
    en.force_login(member_of(me))
    url = reverse("assemblies:check_in", args=[a.pk])

    page = text(en.get(reverse("assemblies:session", args=[a.pk])))
    assert "You are on the voter roll and have not checked in yet." in page

    assert en.post(url).status_code == 302
    page = text(en.get(reverse("assemblies:session", args=[a.pk])))
    assert "You checked in at" in page
    assert attendance.current_quorum(a).present == 1

    again = en.post(url)
    assert again.status_code == 422 and "You are already checked in." in text(again)
    assert CheckIn.objects.filter(roll_entry=me).count() == 1
    assert AuditEvent.objects.filter(action="assembly.check_in", object_id=str(a.pk)).count() == 1


def test_a_member_outside_the_roll_cannot_reach_the_session_or_check_in(client):
    a = starting()
    client.force_login(helpers.user(Role.MEMBER))
    assert client.get(reverse("assemblies:session", args=[a.pk])).status_code == 404
    assert client.post(reverse("assemblies:check_in", args=[a.pk])).status_code == 404
    assert not CheckIn.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in():
    from django.test import Client

    a = starting()
    response = Client().get(reverse("assemblies:session", args=[a.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_check_in_opens_one_hour_before_the_start(en):
    a = starting(minutes=90)
    me = entries(a)[0]
    en.force_login(member_of(me))
    page = text(en.get(reverse("assemblies:session", args=[a.pk])))
    assert "Check-in opens one hour before the start" in page
    early = en.post(reverse("assemblies:check_in", args=[a.pk]))
    assert early.status_code == 422 and "Check-in is open from one hour before the start" in text(early)

    a.starts_at = timezone.now() + datetime.timedelta(minutes=50)
    a.save(update_fields=["starts_at"])
    assert en.post(reverse("assemblies:check_in", args=[a.pk])).status_code == 302


def test_no_check_in_once_the_session_is_closed():
    a = factory.in_session(members=7, present=3)
    a.state = "closed"
    a.save(update_fields=["state"])
    me = entries(a)[5]
    with pytest.raises(ValidationError):
        attendance.check_in(actor=member_of(me), assembly=a, roll_entry=me)


def test_the_secretary_checks_members_in_by_national_code_at_a_hybrid_assembly(en):
    a = starting(mode="hybrid")
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative)
    en.force_login(officer)
    member = entries(a)[3]
    response = en.post(
        reverse("assemblies:secretary_check_in", args=[a.pk]), {"national_code": member.person.national_code}
    )
    assert response.status_code == 302
    row = CheckIn.objects.get(roll_entry=member)
    assert row.by_secretary and row.recorded_by == officer

    again = en.post(reverse("assemblies:secretary_check_in", args=[a.pk]), {"national_code": member.person.national_code})
    assert again.status_code == 422 and f"{member.person.full_name} is already checked in." in text(again)

    stranger = en.post(reverse("assemblies:secretary_check_in", args=[a.pk]), {"national_code": helpers.national_code()})
    assert stranger.status_code == 422 and "No one with this national code is on the roll or holds a proxy." in text(stranger)


def test_the_secretary_does_not_check_in_at_an_electronic_assembly_nor_members_online_at_an_in_person_one(english):
    electronic = starting()
    officer = helpers.user(Role.OFFICER, cooperative=electronic.cooperative)
    entry = entries(electronic)[0]
    with pytest.raises(ValidationError) as refused:
        attendance.check_in(actor=officer, assembly=electronic, roll_entry=entry, by_secretary=True)
    assert "members check in themselves online" in " ".join(refused.value.messages)

    in_person = starting(mode="in_person")
    entry = entries(in_person)[0]
    with pytest.raises(ValidationError) as refused:
        attendance.check_in(actor=member_of(entry), assembly=in_person, roll_entry=entry)
    assert "the secretary checks members in at the venue" in " ".join(refused.value.messages)


def test_a_member_cannot_check_in_someone_else():
    a = starting()
    me, other = entries(a)[:2]
    with pytest.raises(Exception) as refused:
        attendance.check_in(actor=member_of(me), assembly=a, roll_entry=other)
    assert refused.type.__name__ == "PermissionDenied"


def test_a_non_member_holder_joins_the_session_and_their_principal_is_represented(en):
    a = starting()
    roll = entries(a)
    outsider = helpers.user(Role.MEMBER)
    factory.proxy(a, roll[0], outsider.person)
    assert attendance.current_quorum(a).represented == 0

    en.force_login(outsider)
    page = text(en.get(reverse("assemblies:session", args=[a.pk])))
    assert "You hold a proxy for this assembly" in page and f"From {roll[0].person.full_name}" in page
    assert en.post(reverse("assemblies:check_in", args=[a.pk])).status_code == 302

    assert ProxyHolderPresence.objects.filter(assembly=a, person=outsider.person).exists()
    quorum = attendance.current_quorum(a)
    assert (quorum.present, quorum.represented, quorum.votes_present) == (0, 1, 1)
    page = text(en.get(reverse("assemblies:session", args=[a.pk])))
    assert "You joined the session as a proxy holder" in page
    assert "You cast 1 ballot on each item." in page
    again = en.post(reverse("assemblies:check_in", args=[a.pk]))
    assert again.status_code == 422 and "has already joined the session" in text(again)


# --------------------------------------------------------------------------- quorum


def test_quorum_counts_members_present_plus_principals_represented_by_a_present_holder():
    a = starting(members=10)
    roll = entries(a)
    check_in_all(a, roll[:3])
    factory.proxy(a, roll[3], roll[0].person)  # holder present: represented
    factory.proxy(a, roll[4], roll[1].person, state="pending")  # not confirmed: not represented
    factory.proxy(a, roll[5], roll[9].person)  # holder absent: not represented
    outsider = helpers.person()
    factory.proxy(a, roll[6], outsider)
    factory.holder_joined(a, outsider)  # non-member holder present: represented

    quorum = attendance.current_quorum(a)
    assert (quorum.roll, quorum.present, quorum.represented, quorum.votes_present) == (10, 3, 2, 5)
    assert quorum.required == 6 and not quorum.reached  # first call: half plus one


def test_first_call_of_an_ordinary_assembly_needs_half_plus_one():
    a = starting(members=10)
    roll = entries(a)
    check_in_all(a, roll[:5])
    assert not attendance.current_quorum(a).reached
    CheckIn.objects.create(assembly=a, roll_entry=roll[5])
    quorum = attendance.current_quorum(a)
    assert quorum.reached and quorum.required == 6


def test_second_call_of_an_ordinary_assembly_meets_with_any_number():
    a = starting(members=10, call_number=2)
    assert not attendance.current_quorum(a).reached
    CheckIn.objects.create(assembly=a, roll_entry=entries(a)[0])
    quorum = attendance.current_quorum(a)
    assert quorum.reached and quorum.required == 1


def test_extraordinary_first_call_needs_two_thirds():
    a = starting(members=9, kind="extraordinary")
    roll = entries(a)
    check_in_all(a, roll[:5])
    factory.proxy(a, roll[5], roll[0].person)
    assert attendance.current_quorum(a).votes_present == 6 and attendance.current_quorum(a).reached
    a.roll_size = 10  # 2/3 of 10 is 6.67: seven are needed
    assert attendance.current_quorum(a).required == 7 and not attendance.current_quorum(a).reached


def test_the_quorum_is_counted_in_a_fixed_number_of_queries_however_large_the_roll(django_assert_num_queries):
    from django.db import connection

    a = starting(members=7)
    coop = a.cooperative
    factory.bulk_members(coop, 300)
    big = factory.freeze_roll(factory.assembly(coop, members=0, starts_at=a.starts_at))
    roll = entries(big)
    check_in_all(big, roll[:150])
    for principal, holder in zip(roll[150:240], roll[:90], strict=True):
        factory.proxy(big, principal, holder.person)
    # Two counts; on PostgreSQL a SET LOCAL before them turns JIT compilation off.
    queries = 3 if connection.vendor == "postgresql" else 2
    with django_assert_num_queries(queries):
        small = attendance.current_quorum(a)
    with django_assert_num_queries(queries):
        quorum = attendance.current_quorum(big)
    assert (quorum.present, quorum.represented, quorum.roll) == (150, 90, 307)
    assert (small.present, small.represented, small.roll) == (0, 0, 7)


# --------------------------------------------------------------------------- opening, adjourning, closing


def test_an_officer_opens_the_session_with_its_presiding_board_when_the_quorum_is_reached(en):
    a = starting(members=10)
    roll = entries(a)
    check_in_all(a, roll[:6])
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative)
    en.force_login(officer)
    control = reverse("assemblies:control", args=[a.pk])
    assert "Open the session" in text(en.get(control))

    response = en.post(
        reverse("assemblies:open_session", args=[a.pk]),
        {
            "chair": roll[0].person.national_code,
            "secretary": roll[1].person.national_code,
            "observers": f"{roll[2].person.national_code}، {roll[3].person.national_code}",
        },
    )
    assert response.status_code == 302, text(response)

    a.refresh_from_db()
    assert a.state == "in_session" and a.opened_at is not None
    board = {(m.person_id, m.role) for m in PresidingMember.objects.filter(assembly=a)}
    assert board == {
        (roll[0].person_id, "chair"), (roll[1].person_id, "secretary"),
        (roll[2].person_id, "observer"), (roll[3].person_id, "observer"),
    }
    kinds = list(AssemblyEvent.objects.filter(assembly=a).values_list("kind", flat=True))
    assert kinds == [events.SESSION_OPENED, events.PRESIDING_BOARD, events.QUORUM_CHECKED]
    checked = AssemblyEvent.objects.get(assembly=a, kind=events.QUORUM_CHECKED).data
    assert (checked["present"], checked["required"], checked["reached"]) == (6, 6, True)
    assert checked["rule"] == "assembly.quorum.ordinary.first"
    page = text(en.get(control))
    assert "Presiding board" in page and roll[0].person.full_name in page
    assert AuditEvent.objects.filter(action="assembly.session_open", object_id=str(a.pk)).exists()

    # The chair now runs the session too.
    chair = member_of(roll[0])
    assert assembly_for(chair, a.pk, Action.RUN) == a


def test_without_quorum_the_page_explains_and_the_officer_adjourns(en, english):
    a = starting(members=10)
    roll = entries(a)
    check_in_all(a, roll[:4])
    en.force_login(helpers.user(Role.OFFICER, cooperative=a.cooperative))
    response = en.post(
        reverse("assemblies:open_session", args=[a.pk]),
        {"chair": roll[0].person.national_code, "secretary": roll[1].person.national_code},
    )
    assert response.status_code == 422
    page = text(response)
    assert "The quorum is not reached: 4 present and 0 represented make 4 votes of 10 on the roll; 6 are needed" in page
    assert rules.parameter("assembly.quorum.ordinary.first").cite() in page
    assert "Adjourn for want of quorum" in page
    a.refresh_from_db()
    assert a.state == "noticed" and not PresidingMember.objects.filter(assembly=a).exists()
    assert not AssemblyEvent.objects.filter(assembly=a).exists()

    assert en.post(reverse("assemblies:adjourn", args=[a.pk])).status_code == 302
    a.refresh_from_db()
    assert a.state == "no_quorum"
    event = AssemblyEvent.objects.get(assembly=a, kind=events.NO_QUORUM)
    assert (event.data["present"], event.data["represented"], event.data["required"], event.data["roll"]) == (4, 0, 6, 10)
    assert event.data["reached"] is False


def test_adjourning_is_refused_when_the_quorum_is_reached_or_before_the_start(english):
    a = starting(members=7)
    check_in_all(a, entries(a)[:4])
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative)
    with pytest.raises(ValidationError) as refused:
        attendance.adjourn_for_no_quorum(actor=officer, assembly=a)
    assert "open the session instead" in " ".join(refused.value.messages)

    later = starting(members=7, minutes=30)
    with pytest.raises(ValidationError) as refused:
        attendance.adjourn_for_no_quorum(actor=helpers.user(Role.OFFICER, cooperative=later.cooperative), assembly=later)
    assert "cannot begin before the time given in the notice" in " ".join(refused.value.messages)


def test_the_presiding_board_is_chosen_from_members_present(english):
    a = starting(members=7)
    roll = entries(a)
    check_in_all(a, roll[:5])
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative)
    with pytest.raises(ValidationError) as refused:
        attendance.open_session(actor=officer, assembly=a, chair=roll[0].person, secretary=roll[6].person)
    assert f"not checked in: {roll[6].person.full_name}" in " ".join(refused.value.messages)
    with pytest.raises(ValidationError) as refused:
        attendance.open_session(actor=officer, assembly=a, chair=roll[0].person, secretary=roll[0].person)
    assert "named twice" in " ".join(refused.value.messages)


def test_the_session_does_not_close_while_voting_is_open_and_then_closes_with_the_final_attendance(en):
    a = factory.in_session(members=7, present=5)
    item = factory.motion(a, state="open")
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative)
    en.force_login(officer)
    refused = en.post(reverse("assemblies:close_session", args=[a.pk]), {"confirmed": "yes"})
    assert refused.status_code == 422 and f"Voting is still open on: {item.title}" in text(refused)

    item.state = "closed"
    item.save(update_fields=["state"])
    pending = factory.motion(a, title="بودجه سال آینده")
    assert en.post(reverse("assemblies:close_session", args=[a.pk]), {"confirmed": "yes"}).status_code == 302
    a.refresh_from_db()
    assert a.state == "closed" and a.closed_at is not None
    closed = AssemblyEvent.objects.get(assembly=a, kind=events.SESSION_CLOSED).data
    assert closed["attendance"]["present"] == 5 and closed["attendance"]["roll"] == 7
    assert closed["items_not_voted"] == [pending.pk]


def test_the_control_page_is_for_those_who_run_the_assembly():
    from django.test import Client

    a = starting()
    url = reverse("assemblies:control", args=[a.pk])
    client = Client()
    assert client.get(url).status_code == 302
    client.force_login(helpers.user(Role.OFFICER, cooperative=helpers.cooperative()))
    assert client.get(url).status_code == 404
    client.force_login(helpers.user(Role.SUPERVISOR, province=helpers.other_province(a.cooperative.province)))
    assert client.get(url).status_code == 404
    client.force_login(member_of(entries(a)[0]))
    assert client.get(url).status_code == 403
    client.force_login(helpers.user(Role.ANALYST))
    assert client.get(url).status_code == 403
    assert client.post(reverse("assemblies:open_session", args=[a.pk]), {}).status_code == 403
    client.force_login(helpers.user(Role.SUPERVISOR, province=a.cooperative.province))
    assert client.get(url).status_code == 200


def test_a_member_who_comes_back_sees_their_check_in_and_proxies(en):
    a = starting()
    roll = entries(a)
    holder = roll[0]
    factory.proxy(a, roll[1], holder.person)
    CheckIn.objects.create(assembly=a, roll_entry=holder)
    en.force_login(member_of(holder))
    page = text(en.get(reverse("assemblies:session", args=[a.pk])))
    assert "You checked in at" in page
    assert f"From {roll[1].person.full_name}" in page and "Confirmed" in page
    assert "You cast 2 separate ballots on each item" in page
    panel = text(en.get(reverse("assemblies:attendance", args=[a.pk])))
    assert "1 checked in" in panel and "1 represented by proxy" in panel


# --------------------------------------------------------------------------- API


def test_the_api_runs_check_in_quorum_opening_and_closing(client):
    a = starting(members=7, mode="hybrid")
    roll = entries(a)
    base = f"/api/v1/assemblies/{a.pk}"
    client.force_login(member_of(roll[0]))
    checked = client.post(f"{base}/check-in")
    assert checked.status_code == 201 and checked.json()["person"]["id"] == roll[0].person_id
    assert client.post(f"{base}/check-in").status_code == 409  # already checked in: the state refuses
    figures = client.get(f"{base}/quorum").json()
    assert (figures["present"], figures["required"], figures["reached"]) == (1, 4, False)
    assert figures["rule"] == "assembly.quorum.ordinary.first"
    assert client.post(f"{base}/session/open", {"chair": "x", "secretary": "y"}, content_type="application/json").status_code == 403

    client.force_login(helpers.user(Role.OFFICER, cooperative=a.cooperative))
    for entry in roll[1:4]:
        desk = client.post(f"{base}/check-ins", {"national_code": entry.person.national_code}, content_type="application/json")
        assert desk.status_code == 201 and desk.json()["by_secretary"]
    opened = client.post(
        f"{base}/session/open",
        {"chair": roll[0].person.national_code, "secretary": roll[1].person.national_code, "observers": []},
        content_type="application/json",
    )
    assert opened.status_code == 200, opened.content
    assert opened.json()["state"] == "in_session"
    closed = client.post(f"{base}/session/close")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert client.post(f"{base}/session/adjourn").status_code == 409  # closed: the state refuses


def test_the_api_refuses_outsiders_before_reading_the_body(client):
    a = starting()
    base = f"/api/v1/assemblies/{a.pk}"
    assert client.get(f"{base}/quorum").status_code == 401
    client.force_login(helpers.user(Role.OFFICER, cooperative=helpers.cooperative()))
    assert client.get(f"{base}/quorum").status_code == 404
    assert client.post(f"{base}/session/open", content_type="application/json").status_code == 404
    client.force_login(helpers.user(Role.ANALYST))
    assert client.get(f"{base}/quorum").status_code == 200
    assert client.post(f"{base}/check-ins", content_type="application/json").status_code == 403
    assert client.post(f"{base}/check-in").status_code == 403


def test_an_officer_watches_the_member_page_without_being_on_the_roll(en):
    a = starting()
    en.force_login(helpers.user(Role.OFFICER, cooperative=a.cooperative))
    page = en.get(reverse("assemblies:session", args=[a.pk]))
    assert page.status_code == 200
    assert "You are not on the voter roll of this assembly." in text(page) and "Session control" in text(page)
    assert en.post(reverse("assemblies:check_in", args=[a.pk])).status_code == 403


def test_closing_the_session_drafts_the_minutes_from_its_log(django_capture_on_commit_callbacks):
    from taavon.assemblies.models import Minutes

    a = starting(members=7)
    roll = entries(a)
    check_in_all(a, roll[:5])
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative)
    attendance.open_session(actor=officer, assembly=a, chair=roll[0].person, secretary=roll[1].person)
    with django_capture_on_commit_callbacks(execute=True):
        attendance.close_session(actor=officer, assembly=a)
    minutes = Minutes.objects.get(assembly=a)
    assert minutes.state == "draft"
    assert AssemblyEvent.objects.filter(assembly=a, kind=events.MINUTES_DRAFTED).exists()


def test_weeks_before_the_meeting_the_page_does_not_warn_of_a_missing_quorum(en, english):
    soon = starting(minutes=60 * 24 * 21)  # three weeks ahead, the roll frozen
    member = member_of(entries(soon)[0])
    en.force_login(member)
    page = text(en.get(reverse("assemblies:session", args=[soon.pk])))
    assert "Quorum not reached" not in page
    assert "The quorum is counted from the start of the meeting" in page

    begun = starting()  # five minutes after its start, nobody in
    en.force_login(member_of(entries(begun)[0]))
    page = text(en.get(reverse("assemblies:session", args=[begun.pk])))
    assert "Quorum not reached" in page and "counted from the start" not in page
