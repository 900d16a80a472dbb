"""Convening a general assembly: the draft, the legal checks with their rules, publishing the
notice (voter roll frozen, rules kept, every member notified), and the second call."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from taavon import jobs, rules
from taavon.accounts.models import Role
from taavon.assemblies import events, law
from taavon.assemblies.convening import services as convening
from taavon.assemblies.models import AgendaItem, Assembly, AssemblyEvent
from taavon.audit.models import AuditEvent
from taavon.jobs.testing import deferred
from taavon.notifications import broadcasts
from taavon.notifications.models import OutboundMessage
from taavon.registry import services as registry_services
from taavon.rules.models import ParameterValue
from tests import helpers
from tests.assemblies import factory

# Messages are compared with their English msgids.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]





def days_ahead(days, hour=10):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


@pytest.fixture
def coop():
    coop = helpers.cooperative()
    for _ in range(7):
        helpers.member(coop, verified_at=timezone.now())
    return coop


@pytest.fixture
def officer(coop):
    return helpers.user(Role.OFFICER, cooperative=coop)


MOTION = {"title": "تصویب صورت‌های مالی سال ۱۴۰۳", "kind": "motion", "matter": "financial_statements"}
BOARD = {"title": "انتخاب اعضای هیئت مدیره", "kind": "election", "matter": "board_election"}


def convene(officer, coop, *, days=25, agenda=(MOTION, BOARD), **fields):
    values = dict(kind="called_ordinary", mode="electronic", title="مجمع عمومی عادی به طور فوق‌العاده", location="")
    values.update(fields)
    return convening.convene(
        actor=officer, cooperative=coop, starts_at=days_ahead(days), ends_at=days_ahead(days, hour=13),
        agenda=list(agenda), **values,
    )


def finding(assembly, key):
    return next(f for f in convening.check_convening(assembly) if f.key == key)


def publish(officer, assembly, capture, **kwargs):
    with capture(execute=True):
        return convening.publish_notice(actor=officer, assembly=assembly, **kwargs)


# --------------------------------------------------------------------------- the story


def test_an_officer_convenes_checks_and_publishes_and_every_member_is_notified(
    coop, officer, django_capture_on_commit_callbacks
):
    assembly = convene(officer, coop, location="سالن اجتماعات")

    assert assembly.state == "draft" and assembly.convened_as == "officer" and assembly.rules == {}
    items = list(assembly.items.order_by("position"))
    assert [(i.position, i.kind, i.matter) for i in items] == [
        (1, "motion", "financial_statements"), (2, "election", "board_election")
    ]
    # Election seats default to the cooperative's needs within the board size rule.
    assert items[1].seats == rules.get("board.size_min") and items[1].alternates == rules.get("board.alternates_min")
    findings = convening.check_convening(assembly)
    assert all(f.ok for f in findings), [f.message for f in findings if not f.ok]
    assert {f.key for f in findings} >= {
        "assembly.notice_days_with_elections", "extraordinary_matters", "assembly.annual_deadline_months",
        "assembly.electronic_requires_all_verified", "assembly.newspaper_notice_above_members",
    }
    assert all(f.citation for f in findings)

    assembly = publish(officer, assembly, django_capture_on_commit_callbacks)

    assembly.refresh_from_db()
    assert assembly.state == "noticed"
    assert assembly.record_date == timezone.localdate()
    assert assembly.roll_size == 7 and assembly.roll.count() == 7
    assert set(assembly.rules) == set(law.ASSEMBLY_RULE_KEYS)
    assert assembly.rules["assembly.quorum.ordinary.first"] == "half_plus_one"
    kinds = list(AssemblyEvent.objects.filter(assembly=assembly).values_list("kind", flat=True))
    assert kinds == [events.CONVENED, events.NOTICE_PUBLISHED, events.ROLL_FROZEN]
    frozen = AssemblyEvent.objects.get(assembly=assembly, kind=events.ROLL_FROZEN)
    assert frozen.data["roll_size"] == 7 and frozen.actor == officer
    assert AuditEvent.objects.filter(action="assembly.publish_notice", object_id=str(assembly.pk)).exists()
    assert AuditEvent.objects.filter(action="assembly.convene", cooperative=coop).exists()

    # The notice went to every member on the roll, and the progress reached the total.
    sms = OutboundMessage.objects.filter(topic=f"assembly:{assembly.pk}:notice", channel="sms")
    assert sms.count() == 7
    assert set(sms.values_list("recipient", flat=True)) == set(assembly.roll.values_list("person__mobile", flat=True))
    assert coop.name in sms.first().body
    progress = convening.notice_progress(assembly)
    assert progress["done"] == progress["total"] == 7 and progress["complete"] and progress["sms_sent"] == 7


def test_the_agenda_can_be_changed_while_a_draft_and_not_after_the_notice(coop, officer, django_capture_on_commit_callbacks):
    assembly = convene(officer, coop)
    convening.update_assembly(actor=officer, assembly=assembly, title="مجمع اصلاح‌شده", agenda=[MOTION])
    assembly.refresh_from_db()
    assert assembly.title == "مجمع اصلاح‌شده" and assembly.items.count() == 1

    publish(officer, assembly, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        convening.update_assembly(actor=officer, assembly=assembly, agenda=[MOTION, BOARD])
    assert assembly.items.count() == 1
    with pytest.raises(ValidationError, match="already published"):
        convening.publish_notice(actor=officer, assembly=assembly)


def test_a_board_election_outside_the_legal_board_size_is_refused_with_the_rule(coop, officer):
    too_many = {**BOARD, "seats": rules.get("board.size_max") + 2}
    with pytest.raises(ValidationError) as caught:
        convene(officer, coop, agenda=[too_many])
    message = " ".join(caught.value.message_dict["agenda"])
    assert "Agenda item 1" in message and rules.parameter("board.size_max").cite() in message
    assert not Assembly.objects.exists()


def test_an_election_matter_on_a_motion_and_an_empty_title_are_refused(coop, officer):
    with pytest.raises(ValidationError) as caught:
        convene(officer, coop, agenda=[{"title": "انتخاب بازرس", "kind": "motion", "matter": "inspector_election"},
                                       {"title": " ", "kind": "motion"}])
    messages = caught.value.message_dict["agenda"]
    assert any("needs an election item" in m for m in messages) and any("enter a title" in m for m in messages)


def test_an_assembly_in_the_past_or_ending_before_it_starts_is_refused(coop, officer):
    with pytest.raises(ValidationError) as caught:
        convening.convene(
            actor=officer, cooperative=coop, kind="called_ordinary", mode="in_person", title="مجمع",
            starts_at=days_ahead(-1), ends_at=days_ahead(-2), agenda=[MOTION],
        )
    assert "start in the future" in str(caught.value) and "end after it starts" in str(caught.value)


# --------------------------------------------------------------------------- each check with its rule


def test_with_an_election_the_notice_needs_20_to_40_days_and_10_otherwise(coop, officer):
    key = "assembly.notice_days_with_elections"
    with_election = convene(officer, coop, days=15)
    found = finding(with_election, key)
    assert not found.ok and found.blocking
    assert "at least 20" in found.message and found.citation == rules.parameter(key).cite()

    without = convene(officer, coop, days=15, agenda=[MOTION])
    found = finding(without, "assembly.notice_days")
    assert found.ok and found.citation == rules.parameter("assembly.notice_days").cite()

    too_early = convene(officer, coop, days=45)
    found = finding(too_early, key)
    assert not found.ok and "at most 40" in found.message

    with pytest.raises(ValidationError) as caught:
        convening.publish_notice(actor=officer, assembly=with_election)
    assert rules.parameter(key).cite() in " ".join(caught.value.messages)
    with_election.refresh_from_db()
    assert with_election.state == "draft" and with_election.roll.count() == 0


def test_an_extraordinary_matter_on_an_ordinary_assembly_is_refused(coop, officer):
    statute = {"title": "اصلاح ماده ۱۲ اساسنامه", "kind": "motion", "matter": "statute_amendment"}
    ordinary = convene(officer, coop, agenda=[MOTION, statute])
    found = finding(ordinary, "extraordinary_matters")
    assert not found.ok and found.blocking and "اصلاح ماده ۱۲ اساسنامه" in found.message
    assert "Regulation on cooperative general assemblies" in found.citation
    with pytest.raises(ValidationError, match="extraordinary general assembly"):
        convening.publish_notice(actor=officer, assembly=ordinary)

    extraordinary = convene(officer, coop, kind="extraordinary", agenda=[statute])
    assert finding(extraordinary, "extraordinary_matters").ok


def test_an_electronic_assembly_is_refused_while_a_member_is_unverified(coop, officer):
    helpers.member(coop)  # not verified
    electronic = convene(officer, coop, mode="hybrid")
    found = finding(electronic, "assembly.electronic_requires_all_verified")
    assert not found.ok and found.blocking and "1 members are not verified" in found.message
    assert found.citation == rules.parameter("assembly.electronic_requires_all_verified").cite()
    with pytest.raises(ValidationError, match="every member is verified"):
        convening.publish_notice(actor=officer, assembly=electronic)

    assert finding(convene(officer, coop, mode="in_person"), "assembly.electronic_requires_all_verified").ok


def test_above_100_members_the_notice_needs_a_newspaper(coop, officer, django_capture_on_commit_callbacks):
    factory.bulk_members(coop, 101 - coop.memberships.count() + 0)
    assert coop.memberships.count() == 101
    assembly = convene(officer, coop)
    found = finding(assembly, "assembly.newspaper_notice_above_members")
    assert not found.ok and found.blocking and "more than 100" in found.message
    assert found.citation == rules.parameter("assembly.newspaper_notice_above_members").cite()
    with pytest.raises(ValidationError, match="newspaper"):
        convening.publish_notice(actor=officer, assembly=assembly)

    published = publish(officer, assembly, django_capture_on_commit_callbacks, newspaper="اطلاعات",
                        newspaper_date=timezone.localdate())
    assert published.roll_size == 101 and published.newspaper == "اطلاعات"
    assert finding(published, "assembly.newspaper_notice_above_members").ok
    assert OutboundMessage.objects.filter(topic=f"assembly:{assembly.pk}:notice").count() == 101


def test_100_members_need_no_newspaper(coop, officer):
    factory.bulk_members(coop, 100 - coop.memberships.count())
    assert finding(convene(officer, coop), "assembly.newspaper_notice_above_members").ok


def test_a_late_annual_assembly_is_a_warning_and_may_still_be_published(coop, officer, django_capture_on_commit_callbacks):
    # The fiscal year ends in the Jalali month five months before the meeting's month: the
    # four-month deadline has passed whatever the day.
    meeting = days_ahead(25)
    import jdatetime

    month = jdatetime.date.fromgregorian(date=timezone.localtime(meeting).date()).month
    coop.fiscal_year_end_month = (month - 6) % 12 + 1
    coop.save()
    annual = convene(officer, coop, kind="annual_ordinary")
    found = finding(annual, "assembly.annual_deadline_months")
    assert not found.ok and not found.blocking and found.warning and "days late" in found.message
    assert found.citation == rules.parameter("assembly.annual_deadline_months").cite()

    publish(officer, annual, django_capture_on_commit_callbacks)
    notice = AssemblyEvent.objects.get(assembly=annual, kind=events.NOTICE_PUBLISHED)
    assert notice.data["warnings"] == ["assembly.annual_deadline_months"]


def test_an_annual_assembly_in_time_passes_the_deadline_check(coop, officer):
    meeting = days_ahead(25)
    import jdatetime

    month = jdatetime.date.fromgregorian(date=timezone.localtime(meeting).date()).month
    coop.fiscal_year_end_month = (month - 2) % 12 + 1  # ended last month
    coop.save()
    annual = convene(officer, coop, kind="annual_ordinary")
    assert finding(annual, "assembly.annual_deadline_months").ok
    assert annual.fiscal_year is not None


# --------------------------------------------------------------------------- the frozen roll


def test_the_roll_is_frozen_at_publication(coop, officer, django_capture_on_commit_callbacks):
    leaving = coop.memberships.order_by("pk").first()
    helpers.member(coop, status="suspended")  # not active: not on the roll
    assembly = publish(officer, convene(officer, coop, mode="in_person"), django_capture_on_commit_callbacks)
    assert assembly.roll_size == 7

    newcomer = helpers.member(coop, verified_at=timezone.now())
    registry_services.leave_membership(actor=officer, membership=leaving, left_on=timezone.localdate())

    on_roll = set(assembly.roll.values_list("person_id", flat=True))
    assert newcomer.person_id not in on_roll
    assert leaving.person_id in on_roll
    assert assembly.roll.count() == 7 and set(assembly.roll.values_list("votes", flat=True)) == {1}


def test_notices_are_sent_in_keyset_batches_and_the_progress_counts_every_member(coop):
    factory.bulk_members(coop, 5, with_email=True)
    assembly = factory.freeze_roll(factory.assembly(coop, members=0))
    Assembly.objects.filter(pk=assembly.pk).update(notices_total=assembly.roll_size)

    with deferred():
        batches = broadcasts.fan_out(
            name=convening.NOTICE_BROADCAST, params={"assembly_id": assembly.pk}, batch_size=5
        )
        jobs.run_all()

    assert batches == 3  # 12 members in batches of five
    assembly.refresh_from_db()
    assert assembly.notices_done == assembly.notices_total == 12
    topic = convening.notice_topic(assembly)
    assert OutboundMessage.objects.filter(topic=topic, channel="sms").count() == 12
    assert OutboundMessage.objects.filter(topic=topic, channel="email").count() == 5
    summary = convening.delivery_summary(assembly)
    assert summary["sms_sent"] == 12 and summary["email_sent"] == 5 and summary["failed"] == 0


# --------------------------------------------------------------------------- the second call


def test_a_first_call_without_quorum_gets_a_second_call_with_the_agenda_carried_over(
    coop, officer, django_capture_on_commit_callbacks
):
    first = publish(officer, convene(officer, coop), django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="want of quorum"):
        convening.convene_second_call(actor=officer, first_call=first, starts_at=days_ahead(30), ends_at=days_ahead(30, 12))
    Assembly.objects.filter(pk=first.pk).update(state="no_quorum")
    # The rules change in between: the second call keeps those it was first convened under.
    ParameterValue.objects.create(key="assembly.quorum.ordinary.second", value="1/3", effective_from=datetime.date(2000, 1, 1))

    second = convening.convene_second_call(actor=officer, first_call=first, starts_at=days_ahead(22), ends_at=days_ahead(22, 12))

    assert second.call_number == 2 and second.first_call == first and second.state == "draft"
    assert (second.kind, second.mode, second.title) == (first.kind, first.mode, first.title)
    fields = ("position", "title", "kind", "matter", "seats", "alternates")
    assert list(second.items.values_list(*fields)) == list(first.items.values_list(*fields))
    assert second.rules == first.rules
    assert AssemblyEvent.objects.filter(assembly=first, kind=events.SECOND_CALL_CONVENED, data__second_call_id=second.pk).exists()

    newcomer = helpers.member(coop, verified_at=timezone.now())
    second = publish(officer, second, django_capture_on_commit_callbacks)
    assert second.rules == first.rules and second.roll_size == 8
    assert second.roll.filter(person_id=newcomer.person_id).exists() and first.roll.count() == 7
    quorum = law.quorum(second.rules, second.kind, second.call_number, roll=second.roll_size, present=1, represented=0)
    assert quorum.reached  # ordinary second call: any number
    assert convening.quorum_required(second)["required"] == 1

    with pytest.raises(ValidationError, match="already convened"):
        convening.convene_second_call(actor=officer, first_call=first, starts_at=days_ahead(30), ends_at=days_ahead(30, 12))
    with pytest.raises(ValidationError, match="Only a first call"):
        Assembly.objects.filter(pk=second.pk).update(state="no_quorum")
        second.refresh_from_db()
        convening.convene_second_call(actor=officer, first_call=second, starts_at=days_ahead(30), ends_at=days_ahead(30, 12))
    assert AgendaItem.objects.filter(assembly__cooperative=coop).count() == 4


# --------------------------------------------------------------------------- who convenes


def test_the_provincial_supervisor_convenes_only_with_a_reason(coop):
    supervisor = helpers.user(Role.SUPERVISOR, province=coop.province)
    with pytest.raises(ValidationError) as caught:
        convene(supervisor, coop)
    assert "reason" in caught.value.message_dict
    assembly = convene(supervisor, coop, reason="board_failed")
    assert assembly.convened_as == "supervisor" and assembly.convening_reason == "board_failed"


@pytest.mark.parametrize("who", ["other province supervisor", "member", "analyst", "other officer"])
def test_people_without_the_power_cannot_convene(coop, who):
    user = {
        "other province supervisor": lambda: helpers.user(Role.SUPERVISOR, province=helpers.other_province(coop.province)),
        "member": lambda: helpers.user(Role.MEMBER),
        "analyst": lambda: helpers.user(Role.ANALYST),
        "other officer": lambda: helpers.user(Role.OFFICER, cooperative=helpers.cooperative()),
    }[who]()
    with pytest.raises(PermissionDenied):
        convene(user, coop, reason="ministry")
    assert not Assembly.objects.exists()


# --------------------------------------------------------------------------- reads


def test_members_see_the_assemblies_they_are_on_the_roll_of(coop, officer, django_capture_on_commit_callbacks):
    membership = coop.memberships.first()
    member = helpers.user(Role.MEMBER, national_code=membership.person.national_code, person=membership.person)
    draft = convene(officer, coop)
    assert list(convening.assemblies_for_user(member)) == []
    publish(officer, draft, django_capture_on_commit_callbacks)
    assert list(convening.assemblies_for_user(member)) == [draft]
    assert list(convening.assemblies_for_user(officer)) == [draft]
    assert list(convening.assemblies_for_user(helpers.user(Role.OFFICER, cooperative=helpers.cooperative()))) == []


def test_the_public_page_lists_published_upcoming_notices_only(coop, officer, django_capture_on_commit_callbacks):
    convene(officer, coop, title="پیش‌نویس")
    published = publish(officer, convene(officer, coop, title="مجمع اعلام‌شده", location="تالار"), django_capture_on_commit_callbacks)
    notices = convening.public_notices(coop)
    assert [n["title"] for n in notices] == ["مجمع اعلام‌شده"]
    notice = notices[0]
    assert notice["location"] == "تالار" and notice["starts_at"] == published.starts_at and notice["call_number"] == 1
    assert notice["agenda"] == [MOTION["title"], BOARD["title"]]
    assert set(notice) == {
        "title", "kind", "kind_label", "call_number", "call_label", "mode", "mode_label", "starts_at", "ends_at",
        "location", "notice_published_at", "agenda",
    }
