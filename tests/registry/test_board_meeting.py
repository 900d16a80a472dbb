"""After the election: the assembly elects five board members, the provincial office registers the
minutes, and the board's first meeting assigns its chair, vice-chair, secretary and managing director.

The story runs through the real services (minutes drafted, approved with codes, submitted,
registered) and over real HTTP (pages and API) in Persian, as the cooperative's officer sees it.
"""

import datetime

import pytest
from django.utils import timezone

from taavon.accounts.models import Role, RoleGrant
from taavon.assemblies.minutes import services as minutes
from taavon.audit.models import AuditEvent
from taavon.core.jalali import format_jalali
from taavon.registry import services as registry_services
from taavon.registry.board.selectors import board_meeting_due
from taavon.registry.models import BoardMeeting, Position
from tests import helpers
from tests.assemblies import factory
from tests.helpers import Api

pytestmark = pytest.mark.django_db
PERSIAN = {"HTTP_COOKIE": "taavon_language=fa"}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _in_persian(client):
    client.cookies["taavon_language"] = "fa"


class Story:
    """A cooperative whose annual assembly elected five board members and one alternate."""

    def __init__(self, sms):
        a = factory.assembly(members=9)
        self.coop = coop = a.cooperative
        self.old_md_user = helpers.user(Role.OFFICER, cooperative=coop)
        RoleGrant.objects.filter(user=self.old_md_user).update(position="managing_director")
        self.old_md = registry_services.add_position(
            actor=None, cooperative=coop, role="managing_director", term_start=datetime.date(2023, 5, 1),
            national_code=self.old_md_user.national_code, first_name="کاوه", last_name="پیشین",
        )
        item = factory.election(a, seats=5, alternates=1)
        factory.in_session(a, present=7)
        people = [c.roll_entry.person for c in a.check_ins.select_related("roll_entry__person").order_by("roll_entry_id")]
        factory.open_with_board(a)
        running = factory.candidates(item, people[:6])
        factory.close_election(item, dict(zip(running, [7, 6, 5, 4, 3, 2], strict=True)))
        factory.close_logged(a)
        m = minutes.draft_minutes(a)
        for person in people[:2]:  # the assembly's chair and secretary approve with codes
            approver = helpers.user(Role.MEMBER, person=person)
            minutes.request_approval_code(actor=approver, minutes=m)
            m = minutes.approve(actor=approver, minutes=m, code=sms.last_code(person.mobile))
        self.officer = helpers.user(Role.OFFICER, cooperative=coop, mobile="09121234567")
        m = minutes.submit(actor=self.officer, minutes=m)
        minutes.register(actor=helpers.user(Role.SUPERVISOR, province=coop.province), minutes=m)
        self.elected = people[:5]
        self.alternate = people[5]
        self.today = timezone.localdate()

    def codes(self, *indexes):
        return [self.elected[i].national_code for i in indexes]


@pytest.fixture
def story(sms):
    return Story(sms)


def meeting_form(story, **changes):
    """The officer's form as filled in at the meeting: all five present; the first three take the offices."""
    chair, vice, secretary = story.codes(0, 1, 2)
    data = {
        "held_on": format_jalali(story.today),
        "present": story.codes(0, 1, 2, 3, 4),
        "chair": chair,
        "vice_chair": vice,
        "secretary": secretary,
        "managing_director": "",
        "md_first_name": "",
        "md_last_name": "",
        "md_mobile": "",
        "note": "",
    }
    data.update(changes)
    return data


def current(coop, role):
    return list(Position.objects.filter(cooperative=coop, role=role, ended_on__isnull=True).select_related("person"))


def test_after_the_election_is_registered_the_five_are_board_members_and_the_first_meeting_is_due(client, story):
    coop = story.coop
    assert {p.person for p in current(coop, "board_member")} == set(story.elected)
    assert not current(coop, "chair")
    due = board_meeting_due(coop)
    assert due is not None and due.seats == 5 and due.since == story.today

    client.force_login(story.officer)
    response = client.get(f"/cooperatives/{coop.pk}/")
    assert response.status_code == 200, response
    page = helpers.text(response)
    assert "جلسهٔ نخست هیئت مدیره" in page and "ثبت جلسهٔ نخست" in page

    public = helpers.text(client.get(f"/register/{coop.national_id}/"))
    assert public.count("عضو هیئت مدیره") == 5 and "رئیس هیئت مدیره" not in public

    api = Api(client, story.officer)
    answer = api.get(f"/cooperatives/{coop.pk}/board-meetings").json()
    assert answer["due"]["seats"] == 5 and answer["meetings"] == []


def test_the_meeting_seats_the_officers_and_a_new_managing_director_who_can_act_as_officer(client, story):
    coop = story.coop
    board_end = current(coop, "board_member")[0].term_end
    new_md = helpers.user(national_code=helpers.national_code())  # an official account, not yet for this cooperative
    client.force_login(story.officer)
    audited_before = AuditEvent.objects.latest("id").pk

    response = client.post(
        f"/cooperatives/{coop.pk}/board-meeting/",
        meeting_form(story, present=story.codes(0, 1, 2, 4), managing_director=new_md.national_code,
                     md_first_name="نرگس", md_last_name="مدیری", md_mobile="09121112233"),
    )

    assert response.status_code == 302, helpers.text(response)
    chair, vice, secretary = (current(coop, r)[0] for r in ("chair", "vice_chair", "secretary"))
    assert (chair.person, vice.person, secretary.person) == tuple(story.elected[:3])
    # The offices last for the rest of the board's term: it does not restart.
    assert {p.term_end for p in (chair, vice, secretary)} == {board_end}
    assert {p.person for p in current(coop, "board_member")} == set(story.elected[3:])
    ended = Position.objects.filter(cooperative=coop, role="board_member", ended_on=story.today)
    assert {p.person for p in ended} == set(story.elected[:3])
    (md,) = current(coop, "managing_director")
    assert md.person.national_code == new_md.national_code and md.person.full_name == "نرگس مدیری"
    assert md.term_end == board_end
    story.old_md.refresh_from_db()
    assert story.old_md.ended_on == story.today
    assert board_meeting_due(coop) is None

    # Officer access follows the managing directorship.
    assert RoleGrant.objects.filter(user=new_md, role="officer", cooperative=coop, position="managing_director").exists()
    assert not RoleGrant.objects.filter(user=story.old_md_user, cooperative=coop).exists()
    client.force_login(new_md)
    assert client.get(f"/cooperatives/{coop.pk}/").status_code == 200
    client.force_login(story.old_md_user)
    assert client.get(f"/cooperatives/{coop.pk}/").status_code == 403  # no official role is left to them

    # Audited: one record of the meeting, plus each position ended and started and the grants.
    meeting = BoardMeeting.objects.get(cooperative=coop)
    (event,) = AuditEvent.objects.filter(action="board_meeting.record")
    assert event.object_id == str(meeting.pk) and event.actor == story.officer
    assert event.after["offices"]["chair"] == story.elected[0].national_code
    assert event.after["members_present"] == story.codes(0, 1, 2, 4) and event.after["quorum_required"] == 3
    since = {"pk__gt": audited_before}
    assert AuditEvent.objects.filter(action="position.end", **since).count() == 4  # three seats and the old director
    assert AuditEvent.objects.filter(action="position.create", **since).count() == 4
    assert AuditEvent.objects.filter(action="grant.delete", **since).count() == 1
    assert AuditEvent.objects.filter(action="grant.create", **since).count() == 1

    public = helpers.text(client.get(f"/register/{coop.national_id}/"))
    assert f"رئیس هیئت مدیره {story.elected[0].full_name}" in public
    assert f"نایب‌رئیس هیئت مدیره {story.elected[1].full_name}" in public
    assert "مدیرعامل نرگس مدیری" in public
    assert public.count("عضو هیئت مدیره") == 2
    assert "سمت‌های هیئت مدیره و مدیرعامل در جلسهٔ هیئت مدیره به تاریخ" in public
    profile = Api(client).get(f"/public/cooperatives/{coop.national_id}").json()
    assert profile["board_meeting_date"] == story.today.isoformat()


def test_a_managing_director_without_an_official_account_waits_for_one(client, story):
    coop = story.coop
    api = Api(client, story.officer)
    member = story.elected[3]  # a board member may be the managing director

    answer = api.post(
        f"/cooperatives/{coop.pk}/board-meetings",
        {**meeting_form(story), "managing_director": member.national_code},
    )

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["officer_access"] == "pending"
    assert {a["role"]: a["national_code"] for a in body["assignments"]}["managing_director"] == member.national_code
    assert current(coop, "managing_director")[0].person == member
    assert current(coop, "board_member")[0].person in story.elected[3:]  # still on the board too
    assert api.get(f"/cooperatives/{coop.pk}/board-meetings").json()["due"] is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"chair": "alternate"}, "chair", "رئیس هیئت مدیره باید از اعضای اصلی هیئت مدیرهٔ مستقر باشد."),
        ({"secretary": 0}, "secretary", "یک عضو هیئت مدیره نمی‌تواند دو سمت هیئت مدیره را داشته باشد."),
        ({"present": (0, 1)}, "present", "جلسه حد نصاب ندارد"),
        ({"managing_director": 0}, "managing_director", "رئیس هیئت مدیره نمی‌تواند همزمان مدیرعامل باشد"),
    ],
    ids=["chair-not-on-the-board", "same-person-twice", "no-quorum", "chair-as-director"],
)
def test_refusals_say_why_in_persian_and_write_nothing(client, story, changes, field, message):
    coop = story.coop
    api = Api(client, story.officer)
    api.headers.update(PERSIAN)
    data = {**meeting_form(story), "managing_director": story.old_md.person.national_code}
    for key, value in changes.items():
        if value == "alternate":
            data[key] = story.alternate.national_code
        elif isinstance(value, tuple):
            data[key] = story.codes(*value)
        else:
            data[key] = story.codes(value)[0]
    positions_before = list(Position.objects.filter(cooperative=coop).values_list("pk", "ended_on"))
    audit_before = AuditEvent.objects.count()

    answer = api.post(f"/cooperatives/{coop.pk}/board-meetings", data)

    assert answer.status_code == 422
    errors = helpers.field_errors(answer)
    assert any(message in e for e in errors[field]), errors
    assert not BoardMeeting.objects.exists()
    assert list(Position.objects.filter(cooperative=coop).values_list("pk", "ended_on")) == positions_before
    assert AuditEvent.objects.count() == audit_before
    assert board_meeting_due(coop) is not None


def test_the_page_shows_the_refusal_on_the_form(client, story):
    client.force_login(story.officer)
    response = client.post(
        f"/cooperatives/{story.coop.pk}/board-meeting/",
        meeting_form(story, present=story.codes(0), managing_director=story.old_md.person.national_code),
    )
    assert response.status_code == 422
    assert "جلسه حد نصاب ندارد" in helpers.text(response)
    assert not BoardMeeting.objects.exists()


def test_the_first_meeting_is_recorded_once(client, story):
    api = Api(client, story.officer)
    data = {**meeting_form(story), "managing_director": story.old_md.person.national_code}
    assert api.post(f"/cooperatives/{story.coop.pk}/board-meetings", data).status_code == 201

    again = api.post(f"/cooperatives/{story.coop.pk}/board-meetings", data)

    assert again.status_code == 409  # the board's state refuses it, not what was sent
    assert "already recorded" in " ".join(helpers.field_errors(again)["__all__"])
    assert BoardMeeting.objects.count() == 1
    client.force_login(story.officer)
    page = client.get(f"/cooperatives/{story.coop.pk}/board-meeting/")
    assert "جلسهٔ نخست این هیئت مدیره ثبت شده است" in helpers.text(page)


def test_only_those_with_authority_over_the_cooperative_record_it(client, story):
    coop = story.coop
    stranger = helpers.user(Role.OFFICER, cooperative=helpers.cooperative())
    data = {**meeting_form(story), "managing_director": story.old_md.person.national_code}

    assert Api(client, stranger).post(f"/cooperatives/{coop.pk}/board-meetings", data).status_code == 404
    assert Api(client, stranger).get(f"/cooperatives/{coop.pk}/board-meetings").status_code == 404
    client.force_login(stranger)
    assert client.get(f"/cooperatives/{coop.pk}/board-meeting/").status_code == 404
    assert Api(client, helpers.user(Role.ANALYST)).post(f"/cooperatives/{coop.pk}/board-meetings", data).status_code == 403

    supervisor = helpers.user(Role.SUPERVISOR, province=coop.province)
    assert Api(client, supervisor).post(f"/cooperatives/{coop.pk}/board-meetings", data).status_code == 201
    assert not BoardMeeting.objects.exclude(cooperative=coop).exists()
