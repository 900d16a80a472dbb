"""The registry's services applying the legal rules on entry, each refusal quoting its rule."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from taavon import rules
from taavon.accounts.models import Role
from taavon.audit.models import AuditEvent
from taavon.registry import selectors, services
from taavon.registry.models import Cooperative, Membership, MembershipStatus, Person, Position, VerificationRequest
from taavon.registry.verification import services as verification
from taavon.rules.models import ParameterValue
from tests import helpers

# Messages are compared with their English msgids.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

LONG_AGO = datetime.date(2000, 1, 1)




def set_rule(key, value):
    ParameterValue.objects.create(key=key, value=value, effective_from=LONG_AGO)


def messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@pytest.fixture
def officer_and_coop():
    coop = helpers.cooperative(legal_type="housing", activity="housing", authorised_capital=1_000_000_000)
    return helpers.user(Role.OFFICER, cooperative=coop), coop


def add(actor, coop, **fields):
    values = dict(national_code=helpers.national_code(), first_name="مینا", last_name="کریمی", joined_on=LONG_AGO)
    values.update(fields)
    return services.add_member(actor=actor, cooperative=coop, **values)


def test_members_are_added_up_to_the_maximum_of_the_type_and_the_next_one_is_refused(officer_and_coop):
    officer, coop = officer_and_coop
    set_rule("members.limits_by_type", {"housing": [2, 3]})

    for _ in range(3):
        add(officer, coop)

    with pytest.raises(ValidationError) as refused:
        add(officer, coop)
    assert rules.parameter("members.limits_by_type").cite() in messages(refused.value)
    coop.refresh_from_db()
    assert coop.member_count == 3
    assert Membership.objects.filter(cooperative=coop).count() == 3


def test_a_member_who_left_frees_a_place_and_coming_back_is_checked_again(officer_and_coop):
    officer, coop = officer_and_coop
    set_rule("members.limits_by_type", {"housing": [1, 2]})
    first, _second = add(officer, coop), add(officer, coop)

    services.leave_membership(actor=officer, membership=first, left_on=datetime.date(2024, 1, 1))
    add(officer, coop)

    with pytest.raises(ValidationError) as refused:
        services.update_membership(actor=officer, membership=first, status=MembershipStatus.ACTIVE)
    assert "the most allowed for its type (Housing): 2" in messages(refused.value)
    assert services.refresh_member_count(coop) == 2


def test_below_the_minimum_is_flagged_on_the_compliance_list_not_refused(officer_and_coop):
    officer, coop = officer_and_coop
    add(officer, coop)

    checks = {c.title: c for c in selectors.compliance(coop)}
    minimum = checks["Minimum members"]
    assert not minimum.passed and minimum.citation == rules.parameter("members.limits_by_type").cite()
    assert "1 active members; at least 7" in minimum.message
    assert checks["Maximum members"].passed


def test_a_second_membership_of_the_same_national_code_is_refused_with_a_clear_message(officer_and_coop):
    officer, coop = officer_and_coop
    membership = add(officer, coop)

    with pytest.raises(ValidationError) as refused:
        add(officer, coop, national_code=membership.person.national_code)
    assert refused.value.message_dict["national_code"] == [
        f"The person with national code {membership.person.national_code} is already a member of this cooperative "
        "(status: Active). Edit that membership instead."
    ]


def test_an_existing_person_is_reused_and_persian_digits_are_accepted(officer_and_coop):
    officer, coop = officer_and_coop
    person = helpers.person(mobile="", first_name="رضا")
    persian = person.national_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))

    membership = add(officer, coop, national_code=persian, first_name="نام دیگر", mobile="۰۹۱۲۳۴۵۶۷۸۹")

    assert membership.person == person
    person.refresh_from_db()
    assert person.first_name == "رضا" and person.mobile == "09123456789"
    assert Person.objects.filter(national_code=person.national_code).count() == 1


def test_a_new_person_needs_names(officer_and_coop):
    officer, coop = officer_and_coop
    with pytest.raises(ValidationError) as refused:
        add(officer, coop, first_name="", last_name="")
    assert set(refused.value.message_dict) == {"first_name", "last_name"}
    assert not Membership.objects.filter(cooperative=coop).exists()
    assert not AuditEvent.objects.filter(cooperative=coop).exists()


def test_one_member_may_not_hold_more_than_the_largest_share_of_capital(officer_and_coop):
    officer, coop = officer_and_coop  # authorised capital 1,000,000,000; 20 % = 200,000,000

    add(officer, coop, shares_held=200_000_000, shares_paid=100_000_000)
    with pytest.raises(ValidationError) as refused:
        add(officer, coop, shares_held=200_000_001)

    assert "200,000,000" in messages(refused.value)
    assert rules.parameter("capital.max_member_share").cite() in messages(refused.value)
    assert "shares_held" in refused.value.message_dict


def test_paid_in_capital_below_a_third_is_refused_at_registration():
    province = helpers.province("23")
    values = dict(
        name="تعاونی مسکن نمونه",
        national_id=helpers.legal_id(),
        registration_number="۱۲۳۴",
        registration_date=datetime.date(2024, 3, 1),
        province=province,
        county=province.counties.first(),
        activity="housing",
        membership_type="open",
        legal_type="housing",
        authorised_capital=3_000_000_000,
    )
    admin = helpers.user(Role.ADMINISTRATOR)

    with pytest.raises(ValidationError) as refused:
        services.create_cooperative(actor=admin, paid_in_capital=999_999_999, **values)
    assert refused.value.message_dict["paid_in_capital"] == [
        "At registration at least 1,000,000,000 rials (1/3 of the authorised capital) must be paid in. Rule: "
        + rules.parameter("capital.paid_in_minimum_at_registration").cite()
        + "."
    ]
    assert not Cooperative.objects.filter(name="تعاونی مسکن نمونه").exists()

    coop = services.create_cooperative(actor=admin, paid_in_capital=1_000_000_000, **values)
    assert coop.registration_number == "1234" and coop.sector == "distribution"
    assert AuditEvent.objects.get(action="cooperative.create").after["paid_in_capital"] == 1_000_000_000


def board(coop, size):
    """``size`` members of ``coop``, the first ``size`` of them seated as principal board members."""
    admin = helpers.user(Role.ADMINISTRATOR)
    people = [helpers.member(coop).person for _ in range(size)]
    roles = ["chair", "vice_chair", "secretary"] + ["board_member"] * (size - 3)
    for person, role in zip(people, roles, strict=False):
        services.add_position(
            actor=admin, cooperative=coop, role=role, person=person, term_start=datetime.date(2024, 5, 1)
        )
    return admin


def test_an_eighth_principal_board_member_is_refused_citing_the_rule():
    coop = helpers.cooperative()
    admin = board(coop, 7)
    eighth = helpers.member(coop).person

    with pytest.raises(ValidationError) as refused:
        services.add_position(
            actor=admin, cooperative=coop, role="board_member", person=eighth, term_start=datetime.date(2024, 5, 1)
        )
    assert rules.parameter("board.size_max").cite() in refused.value.message_dict["role"][0]
    # An alternate is not a principal member: they may still join.
    services.add_position(
        actor=admin, cooperative=coop, role="alternate", person=eighth, term_start=datetime.date(2024, 5, 1)
    )


def test_a_board_of_two_is_flagged_and_terms_follow_the_rules():
    coop = helpers.cooperative()
    admin = helpers.user(Role.ADMINISTRATOR)
    chair = helpers.member(coop).person
    inspector = helpers.member(coop).person

    seat = services.add_position(
        actor=admin, cooperative=coop, role="chair", national_code=chair.national_code,
        term_start=datetime.date(2024, 7, 22),  # 1403/05/01
    )
    audit = services.add_position(
        actor=admin, cooperative=coop, role="inspector", national_code=inspector.national_code,
        term_start=datetime.date(2024, 7, 22),
    )

    assert seat.term_end == datetime.date(2027, 7, 23)  # 1406/05/01: board.term_years = 3 Jalali years
    assert audit.term_end == datetime.date(2025, 7, 23)  # 1404/05/01: inspectors.term_years = 1
    fewest = next(c for c in selectors.compliance(coop) if c.key == "board.size_min")
    assert not fewest.passed and fewest.citation == rules.parameter("board.size_min").cite()


def test_board_and_inspectors_must_be_members_but_a_managing_director_need_not_be():
    coop = helpers.cooperative()
    admin = helpers.user(Role.ADMINISTRATOR)
    outsider = helpers.person()

    with pytest.raises(ValidationError) as refused:
        services.add_position(
            actor=admin, cooperative=coop, role="inspector", national_code=outsider.national_code,
            term_start=datetime.date(2024, 5, 1),
        )
    assert refused.value.message_dict["national_code"] == [
        "Board members and inspectors must be active members of the cooperative."
    ]

    new_code = helpers.national_code()
    director = services.add_position(
        actor=admin, cooperative=coop, role="managing_director", national_code=new_code, first_name="سعید",
        last_name="امینی", term_start=datetime.date(2024, 5, 1), term_end=datetime.date(2026, 5, 1),
    )
    assert director.person.national_code == new_code and director.body == "management"
    with pytest.raises(ValidationError) as second:
        services.add_position(
            actor=admin, cooperative=coop, role="managing_director", national_code=outsider.national_code,
            term_start=datetime.date(2024, 6, 1),
        )
    assert "already has a Managing director in office" in messages(second.value)

    services.end_position(actor=admin, position=director, ended_on=datetime.date(2024, 6, 1))
    assert Position.objects.get(pk=director.pk).ended_on == datetime.date(2024, 6, 1)
    assert list(AuditEvent.objects.filter(object_type="registry.position").values_list("action", flat=True)) == [
        "position.end",
        "position.create",
    ]


def test_changed_member_data_needs_verifying_again_and_the_count_stays_current(officer_and_coop):
    officer, coop = officer_and_coop
    supervisor = helpers.user(Role.SUPERVISOR, province=coop.province)
    one, two = add(officer, coop), add(officer, coop)

    verification.request_verifications(actor=officer, cooperative=coop)
    for item in VerificationRequest.objects.filter(cooperative=coop):
        verification.verify(actor=supervisor, request=item)
    assert selectors.all_members_verified(coop)

    services.update_membership(actor=officer, membership=one, shares_held=5_000_000)
    assert not selectors.all_members_verified(coop)
    assert Membership.objects.get(pk=two.pk).verified_by == supervisor

    services.leave_membership(actor=officer, membership=one, left_on=datetime.date(2024, 2, 1))
    coop.refresh_from_db()
    assert coop.member_count == 1 and selectors.all_members_verified(coop)
    with pytest.raises(ValidationError):
        verification.request_verification(actor=officer, membership=one)


def test_status_changes_keep_the_latest_as_the_status_and_refuse_bad_input():
    coop = helpers.cooperative(registration_date=datetime.date(2020, 1, 1))
    supervisor = helpers.user(Role.SUPERVISOR, province=coop.province)

    services.change_status(
        actor=supervisor, cooperative=coop, status="inactive", effective_on=datetime.date(2023, 1, 1), reason="تعطیل"
    )
    with pytest.raises(ValidationError) as refused:
        services.change_status(
            actor=supervisor, cooperative=coop, status="inactive", effective_on=datetime.date(2023, 2, 1), reason=""
        )
    assert set(refused.value.message_dict) == {"status", "reason"}
    services.change_status(
        actor=supervisor, cooperative=coop, status="active", effective_on=datetime.date(2024, 1, 1), reason="بازگشایی"
    )

    coop.refresh_from_db()
    assert coop.status == "active"
    assert [c.status for c in selectors.status_history(coop)] == ["active", "inactive"]


def test_who_may_register_a_cooperative_where():
    from taavon.accounts.scoping import Action, scoped_provinces

    here = helpers.province("23")
    coop = helpers.cooperative(province=here)

    assert list(scoped_provinces(helpers.user(Role.SUPERVISOR, province=here), Action.SUPERVISE)) == [here]
    assert not scoped_provinces(helpers.user(Role.OFFICER, cooperative=coop), Action.SUPERVISE).exists()
    assert not scoped_provinces(helpers.user(Role.ANALYST), Action.SUPERVISE).exists()
    assert scoped_provinces(helpers.user(Role.ANALYST), Action.VIEW).count() > 1
    assert scoped_provinces(helpers.user(Role.ADMINISTRATOR), Action.SUPERVISE).count() > 1
