"""`taavon demo` fills an empty register with believable, valid, repeatable data and one login per role."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Q

from taavon import rules
from taavon.accounts.models import Role, RoleGrant, User
from taavon.accounts.scoping import Action, scope
from taavon.core.identifiers import (
    is_valid_legal_national_id,
    is_valid_mobile,
    is_valid_national_code,
    is_valid_postal_code,
    make_national_code,
)
from taavon.core.persian import normalize
from taavon.demo.generator import BEARING, TEXTILE, _check_digit, generate
from taavon.demo.logins import DEMO_PASSWORD, LOGIN_BY_KEY
from taavon.registry.models import (
    SECTOR_OF_ACTIVITY,
    Cooperative,
    CooperativeWord,
    Membership,
    MembershipStatus,
    Person,
    Position,
    PositionRole,
    StatusChange,
    word_rows,
)
from taavon.registry.public import selectors as public
from tests import helpers

pytestmark = pytest.mark.django_db

SMALL = dict(cooperatives=40, members=800, seed=1, no_progress=True)


def demo(**options) -> str:
    out = io.StringIO()
    call_command("demo", stdout=out, stderr=io.StringIO(), **{**SMALL, **options})
    return out.getvalue()


def demo_logins() -> str:
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    return out.getvalue()


def wipe_registry():
    User.objects.filter(national_code__in=[login.national_code for login in LOGIN_BY_KEY.values()]).delete()
    Position.objects.all().delete()
    Membership.objects.all().delete()
    StatusChange.objects.all().delete()
    Cooperative.objects.all().delete()
    Person.objects.all().delete()


def fingerprint(limit=15):
    coops = list(Cooperative.objects.order_by("id").values_list("name", "national_id", "province__code")[:limit])
    people = list(Person.objects.order_by("id").values_list("national_code", "first_name", "last_name")[:limit])
    return coops, people


def test_the_demo_builds_the_requested_register():
    output = demo()

    assert Cooperative.objects.count() == 40
    assert Membership.objects.count() == 800
    assert "40 cooperatives" in output and "800 memberships" in output
    for coop in Cooperative.objects.annotate(
        active=Count("memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE))
    ):
        assert coop.member_count == coop.active
        assert coop.name_key == normalize(coop.name)
        assert coop.sector == SECTOR_OF_ACTIVITY[coop.activity]
        assert coop.paid_in_capital <= coop.authorised_capital
    assert Cooperative.objects.values("province").distinct().count() > 10


def test_the_demo_fills_the_word_index_the_public_register_searches():
    demo()

    expected = {row for coop in Cooperative.objects.all() for row in word_rows(coop.pk, coop.name_key)}
    assert set(CooperativeWord.objects.values_list("cooperative_id", "word", "name_key")) == expected
    bearing = Cooperative.objects.get(national_id=BEARING.national_id)
    assert bearing.name in [c.name for c in public.search_cooperatives(q="بلبرین")]


def test_every_identifier_in_the_demo_is_valid_and_unique():
    demo()

    codes = list(Person.objects.values_list("national_code", flat=True))
    assert codes and all(is_valid_national_code(code) for code in codes)
    assert len(set(codes)) == len(codes)
    assert all(is_valid_legal_national_id(i) for i in Cooperative.objects.values_list("national_id", flat=True))
    assert all(is_valid_postal_code(p) for p in Cooperative.objects.values_list("postal_code", flat=True))
    mobiles = Person.objects.exclude(mobile="").values_list("mobile", flat=True)
    assert mobiles and all(is_valid_mobile(m) for m in mobiles)
    assert not Membership.objects.filter(shares_paid__gt=F("shares_held")).exists()


def test_the_same_seed_gives_the_same_register_and_another_seed_a_different_one():
    demo()
    first = fingerprint()
    wipe_registry()
    demo()
    assert fingerprint() == first
    wipe_registry()
    demo(seed=2)
    assert fingerprint()[0][2:] != first[0][2:]  # the news cooperatives come first either way


def test_the_cooperatives_from_the_news_are_there():
    demo()

    bearing = Cooperative.objects.get(name="تعاونی حرکت بلبرینگ ایمن")
    assert bearing.employees == 170 and bearing.brands == ["HBI"] and bearing.isic_code == "2814"
    assert bearing.activity == "industry" and bearing.province.code == "28"
    assert "ایران‌خودرو" in bearing.description and "آزمایشگاه" in bearing.description
    textile = Cooperative.objects.get(national_id=TEXTILE.national_id)
    assert textile.employees == 35 and textile.isic_code == "1410" and "نساجی" in textile.name
    assert bearing.national_id == BEARING.national_id


def test_cooperatives_have_boards_managers_inspectors_and_a_status_history():
    demo()

    board_min, board_max = rules.get("board.size_min"), rules.get("board.size_max")
    for coop in Cooperative.objects.filter(member_count__gte=15):
        roles = list(coop.positions.values_list("role", flat=True))
        principals = sum(role in ("chair", "vice_chair", "secretary", "board_member") for role in roles)
        assert board_min <= principals <= board_max
        assert roles.count(PositionRole.CHAIR) == 1 and roles.count(PositionRole.MANAGING_DIRECTOR) == 1
        assert roles.count(PositionRole.INSPECTOR) >= 1 and roles.count(PositionRole.ALTERNATE) >= 1
        board = coop.positions.filter(role__in=["chair", "vice_chair", "secretary", "board_member"])
        assert not board.exclude(person__memberships__cooperative=coop).exists()  # directors are members
    for coop in Cooperative.objects.all():
        latest = coop.status_changes.order_by("-effective_on", "-id").first()
        assert latest.status == coop.status
        assert not coop.memberships.filter(joined_on__lt=coop.registration_date).exists()


def test_most_cooperatives_respect_the_member_limits_of_their_type():
    demo(cooperatives=120, members=3600)

    limits = rules.get("members.limits_by_type")
    outside = [
        c for c in Cooperative.objects.all()
        if c.member_count < limits[c.legal_type][0] or (limits[c.legal_type][1] and c.member_count > limits[c.legal_type][1])
    ]
    assert 0 < len(outside) <= 12  # a few, on purpose, for supervisors to find
    assert Membership.objects.filter(verified_at__isnull=True).exists()  # some members still to verify


def test_demo_logins_exist_with_the_right_grants():
    demo()
    bearing = Cooperative.objects.get(national_id=BEARING.national_id)

    def grant(key):
        return RoleGrant.objects.get(user__national_code=LOGIN_BY_KEY[key].national_code)

    assert grant("administrator").role == Role.ADMINISTRATOR
    assert User.objects.get(national_code=LOGIN_BY_KEY["administrator"].national_code).is_superuser
    assert grant("analyst").role == Role.ANALYST
    assert grant("supervisor").province.code == "28"
    assert grant("supervisor_2").province.code == "12"
    assert grant("bank_officer").bank_code == "022"
    officer = grant("officer")
    assert officer.role == Role.OFFICER and officer.cooperative == bearing and officer.position == "managing_director"
    assert bearing.positions.get(role=PositionRole.MANAGING_DIRECTOR).person.national_code == officer.user.national_code
    # One person in two roles: the managing director is also a member of his cooperative, one account.
    assert officer.user.person.memberships.get().cooperative == bearing
    assert officer.user.roles() == {Role.OFFICER, Role.MEMBER}

    member = User.objects.get(national_code=LOGIN_BY_KEY["member"].national_code)
    assert member.roles() == {Role.MEMBER} and not member.has_usable_password()
    assert member.person.memberships.get().cooperative == bearing
    assert member.mobile and member.person.mobile == member.mobile

    for key in ("administrator", "analyst", "supervisor", "officer", "supervisor_2", "bank_officer"):
        user = authenticate(None, national_code=LOGIN_BY_KEY[key].national_code, password=DEMO_PASSWORD)
        assert user is not None and user.mobile, key


def test_each_supervisor_sees_their_own_province_only():
    demo()
    tehran = User.objects.get(national_code=LOGIN_BY_KEY["supervisor"].national_code)
    isfahan = User.objects.get(national_code=LOGIN_BY_KEY["supervisor_2"].national_code)

    seen_by_tehran = scope(Cooperative.objects.all(), tehran, Action.SUPERVISE)
    assert seen_by_tehran.filter(national_id=BEARING.national_id).exists()
    assert not seen_by_tehran.filter(national_id=TEXTILE.national_id).exists()
    assert scope(Cooperative.objects.all(), isfahan, Action.SUPERVISE).filter(national_id=TEXTILE.national_id).exists()


def test_demo_logins_prints_a_table_of_every_login():
    assert "Create them with: taavon demo" in demo_logins()
    demo()

    table = demo_logins()
    for login in LOGIN_BY_KEY.values():
        assert login.national_code in table
    assert DEMO_PASSWORD in table
    assert "one-time code (shown on screen in demo)" in table
    assert "Tehran province (code 28)" in table and "bank 022" in table
    assert "also a member: the one-time code alone to vote" in table


def test_if_empty_leaves_an_existing_register_alone():
    demo(if_empty=True)
    counts = Cooperative.objects.count(), Person.objects.count(), Membership.objects.count()

    output = demo(if_empty=True, cooperatives=10, members=100)
    assert "already exist" in output
    assert (Cooperative.objects.count(), Person.objects.count(), Membership.objects.count()) == counts
    with pytest.raises(CommandError, match="already loaded"):
        demo()


def test_the_demo_adds_to_a_register_that_has_other_cooperatives():
    existing = helpers.cooperative()
    helpers.member(existing)

    demo(if_empty=False)
    assert Cooperative.objects.count() == 41
    new = Cooperative.objects.create(
        name="تعاونی تازه", national_id=helpers.legal_id(), registration_number="1",
        registration_date=existing.registration_date, province=existing.province, county=existing.county,
        activity="services", membership_type="open", legal_type="employment",
        authorised_capital=3_000_000, paid_in_capital=1_000_000,
    )
    assert new.pk > Cooperative.objects.exclude(pk=new.pk).order_by("-pk").first().pk


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY needs PostgreSQL")
def test_copy_and_bulk_create_load_the_same_data():
    def everything():
        return (
            list(Cooperative.objects.order_by("id").values_list("name", "national_id", "member_count", "paid_in_capital", "brands")),
            list(Person.objects.order_by("id").values_list("national_code", "name_key", "mobile", "birth_date")),
            list(Membership.objects.order_by("id").values_list("person_id", "cooperative_id", "joined_on", "shares_paid", "status")),
            list(Position.objects.order_by("id").values_list("person_id", "role", "term_start", "term_end")),
            list(CooperativeWord.objects.order_by("cooperative_id", "word").values_list("cooperative_id", "word", "name_key")),
        )

    generate(cooperatives=30, members=500, seed=3, writer="copy")
    copied = everything()
    wipe_registry()
    generate(cooperatives=30, members=500, seed=3, writer="bulk_create")
    bulk = everything()
    assert copied == bulk and len(copied[2]) == 500 and len(copied[4]) > 30 * 3


def test_the_generators_check_digit_is_the_one_core_identifiers_computes():
    bases = list(range(4_000_000, 4_000_000 + 37 * 5_000, 37)) + [123_456_789, 987_654_321, 1_000, 999_999_998]
    for base in bases:
        digits = f"{base:09d}"
        assert digits + _check_digit(base) == make_national_code(digits)
