"""What officers type is a national code, often in Persian digits: the page and the API look it up
through the same service and give the same answer (the secretary's check-in, the presiding board,
candidates registered by code); only members and proxy holders vote, on the page as in the API."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from taavon.accounts.models import Role, User
from taavon.assemblies.models import CheckIn, ProxyHolderPresence, VoteRecord
from taavon.assemblies.session import services as attendance
from taavon.assemblies.voting import services as voting
from taavon.core.persian import to_persian_digits
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db

API = "/api/v1/assemblies"

text = helpers.text
ON_NO_ROLL = "No one with this national code is on the roll or holds a proxy."
NOT_ON_ROLL = "No member with this national code is on the voter roll."
NO_PERSON = "No person with this national code is registered."


def post_json(client, path, data=None):
    return client.post(API + path, data or {}, content_type="application/json")


def member_of(entry) -> User:
    existing = User.objects.filter(person=entry.person).first()
    return existing or helpers.user(Role.MEMBER, password=None, national_code=entry.person.national_code, person=entry.person)


def hybrid_starting(members=7):
    """A noticed hybrid assembly that started five minutes ago: the secretary checks people in."""
    a = factory.assembly(members=members, mode="hybrid", starts_at=timezone.now() - datetime.timedelta(minutes=5))
    return factory.freeze_roll(a)


def entries(a):
    return list(a.roll.select_related("person").order_by("id"))


# --------------------------------------------------------------------------- the secretary's check-in


def test_the_secretary_checks_in_by_a_persian_digit_code_on_the_page_and_through_the_api_alike(en):
    a = hybrid_starting()
    roll = entries(a)
    en.force_login(helpers.user(Role.OFFICER, cooperative=a.cooperative))
    page_url = reverse("assemblies:secretary_check_in", args=[a.pk])
    api_path = f"/{a.pk}/check-ins"

    by_page = en.post(page_url, {"national_code": to_persian_digits(roll[0].person.national_code)})
    by_api = post_json(en, api_path, {"national_code": to_persian_digits(roll[1].person.national_code)})

    assert by_page.status_code == 302
    assert by_api.status_code == 201 and by_api.json()["person"]["id"] == roll[1].person_id
    assert by_api.json()["by_secretary"] and not by_api.json()["as_proxy_holder"]
    assert CheckIn.objects.filter(roll_entry__in=roll[:2], by_secretary=True).count() == 2

    # The same refusals, worded alike, whichever door the secretary uses.
    again_page = en.post(page_url, {"national_code": to_persian_digits(roll[1].person.national_code)})
    again_api = post_json(en, api_path, {"national_code": roll[0].person.national_code})
    assert again_page.status_code == 422 and f"{roll[1].person.full_name} is already checked in." in text(again_page)
    assert again_api.status_code == 409  # the API's status for a state that refuses (the page re-renders its form: 422)
    assert helpers.field_errors(again_api)["__all__"] == [f"{roll[0].person.full_name} is already checked in."]

    stranger = helpers.national_code()
    unknown_page = en.post(page_url, {"national_code": to_persian_digits(stranger)})
    unknown_api = post_json(en, api_path, {"national_code": to_persian_digits(stranger)})
    assert unknown_page.status_code == 422 and ON_NO_ROLL in text(unknown_page)
    assert unknown_api.status_code == 422 and helpers.field_errors(unknown_api) == {"national_code": [ON_NO_ROLL]}


def test_the_secretary_lets_a_non_member_proxy_holder_join_by_code_on_the_page_and_through_the_api(en):
    a = hybrid_starting()
    roll = entries(a)
    first, second = helpers.person(), helpers.person()
    factory.proxy(a, roll[0], first)
    factory.proxy(a, roll[1], second)
    en.force_login(helpers.user(Role.OFFICER, cooperative=a.cooperative))

    by_page = en.post(
        reverse("assemblies:secretary_check_in", args=[a.pk]), {"national_code": to_persian_digits(first.national_code)}
    )
    by_api = post_json(en, f"/{a.pk}/check-ins", {"national_code": to_persian_digits(second.national_code)})

    assert by_page.status_code == 302
    assert by_api.status_code == 201 and by_api.json()["as_proxy_holder"]
    assert ProxyHolderPresence.objects.filter(assembly=a, by_secretary=True).count() == 2
    assert attendance.current_quorum(a).represented == 2


def test_a_malformed_code_is_refused_on_its_field_by_the_api(en):
    a = hybrid_starting()
    en.force_login(helpers.user(Role.OFFICER, cooperative=a.cooperative))

    refused = post_json(en, f"/{a.pk}/check-ins", {"national_code": "12ab"})

    assert refused.status_code == 422
    assert helpers.field_errors(refused) == {"national_code": ["National code may contain digits only."]}


# --------------------------------------------------------------------------- the presiding board


def test_the_presiding_board_is_named_by_persian_digit_codes_and_an_unknown_code_is_refused_alike(en):
    a = hybrid_starting(members=5)
    roll = entries(a)
    for entry in roll[:3]:
        CheckIn.objects.create(assembly=a, roll_entry=entry)
    en.force_login(helpers.user(Role.OFFICER, cooperative=a.cooperative))
    page_url = reverse("assemblies:open_session", args=[a.pk])
    stranger = to_persian_digits(helpers.national_code())

    page = en.post(page_url, {"chair": stranger, "secretary": to_persian_digits(roll[1].person.national_code)})
    api = post_json(en, f"/{a.pk}/session/open", {"chair": stranger, "secretary": roll[1].person.national_code})

    assert page.status_code == 422 and NOT_ON_ROLL in text(page)
    assert api.status_code == 422 and helpers.field_errors(api) == {"chair": [NOT_ON_ROLL]}

    opened = post_json(
        en,
        f"/{a.pk}/session/open",
        {
            "chair": to_persian_digits(roll[0].person.national_code),
            "secretary": to_persian_digits(roll[1].person.national_code),
            "observers": [to_persian_digits(roll[2].person.national_code)],
        },
    )
    assert opened.status_code == 200, opened.content
    assert {(m.person_id, m.role) for m in a.presiding_board.all()} == {
        (roll[0].person_id, "chair"), (roll[1].person_id, "secretary"), (roll[2].person_id, "observer"),
    }


# --------------------------------------------------------------------------- candidates by national code


def test_a_member_without_authority_cannot_register_someone_else_by_code_on_either_door(en):
    a = factory.assembly(members=5)
    board = factory.election(a)
    factory.freeze_roll(a)
    me, other = entries(a)[:2]
    en.force_login(member_of(me))
    code = to_persian_digits(other.person.national_code)

    page = en.post(reverse("assemblies:candidates", args=[a.pk, board.pk]), {"national_code": code})
    api = post_json(en, f"/{a.pk}/items/{board.pk}/candidates", {"national_code": code})

    assert (page.status_code, api.status_code) == (403, 403)
    assert not board.candidates.exists()


def test_an_officer_registers_by_a_persian_digit_code_and_an_unknown_code_is_refused_alike(en):
    a = factory.assembly(members=5)
    board = factory.election(a)
    factory.freeze_roll(a)
    roll = entries(a)
    en.force_login(helpers.user(Role.OFFICER, cooperative=a.cooperative))
    page_url = reverse("assemblies:candidates", args=[a.pk, board.pk])
    api_path = f"/{a.pk}/items/{board.pk}/candidates"

    assert en.post(page_url, {"national_code": to_persian_digits(roll[0].person.national_code)}).status_code == 302
    by_api = post_json(en, api_path, {"national_code": to_persian_digits(roll[1].person.national_code)})
    assert by_api.status_code == 201 and by_api.json()["state"] == "eligible"
    assert set(board.candidates.values_list("person_id", flat=True)) == {roll[0].person_id, roll[1].person_id}

    unknown = helpers.national_code()
    page = en.post(page_url, {"national_code": unknown})
    api = post_json(en, api_path, {"national_code": unknown})
    assert page.status_code == 422 and NO_PERSON in text(page)
    assert api.status_code == 422 and helpers.field_errors(api) == {"national_code": [NO_PERSON]}


def test_without_a_code_someone_who_is_no_person_is_asked_for_one(english):
    a = factory.assembly(members=3)
    board = factory.election(a)
    factory.freeze_roll(a)
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative)

    with pytest.raises(Exception) as refused:
        voting.register_candidate_by_code(actor=officer, item=board, national_code="")

    assert refused.value.message_dict == {"national_code": ["Enter the national code of the member to register."]}


# --------------------------------------------------------------------------- only members vote


def test_an_officer_who_runs_the_vote_but_is_no_person_cannot_cast_on_the_page_or_through_the_api(en):
    a = factory.assembly(members=5)
    motion = factory.motion(a)
    factory.freeze_roll(a)
    factory.noticed_to_session(a, present=4)
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative)
    voting.open_item(actor=officer, item=motion)
    entry = a.roll.order_by("id").first()
    en.force_login(officer)

    page = en.post(
        reverse("assemblies:cast", args=[a.pk, motion.pk]), {"item": motion.pk, "roll_entry": entry.pk, "choice": 1}
    )
    api = post_json(en, f"/{a.pk}/items/{motion.pk}/ballots", {"roll_entry": entry.pk, "choice": 1})

    assert page.status_code == 422 and "Only members and proxy holders vote." in text(page)
    assert api.status_code == 422 and helpers.field_errors(api) == {"__all__": ["Only members and proxy holders vote."]}
    assert not VoteRecord.objects.filter(item=motion).exists()
