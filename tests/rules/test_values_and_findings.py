"""One rule vocabulary: the value an assembly was convened under, the rule quoted, what a check
finds (in Persian and in English), and a check that answers alike for one cooperative and for all."""

import datetime
from fractions import Fraction

import pytest
from django.utils import timezone, translation

from taavon import rules
from taavon.assemblies.voting import services as voting
from taavon.registry import rules_checks
from taavon.registry.models import Cooperative, Position
from taavon.rules.models import ParameterValue
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- values


def test_an_assembly_keeps_the_value_it_was_convened_under_after_an_administrator_changes_it():
    convened_under = rules.snapshot(["assembly.proxies_per_holder"])
    ParameterValue.objects.create(key="assembly.proxies_per_holder", value=2, effective_from=datetime.date(2020, 1, 1))

    assert rules.value("assembly.proxies_per_holder", snapshot=convened_under) == 3
    assert rules.value("assembly.proxies_per_holder") == 2  # no snapshot: today's value
    assert rules.value("assembly.proxies_per_holder", snapshot={}) == 2
    assert rules.value("assembly.proxies_per_holder", snapshot=convened_under | {"x": 1}) == 3
    # A key the snapshot lacks falls back to the value in force on the day asked about.
    assert rules.value("board.term_years", snapshot=convened_under, on=datetime.date(2019, 1, 1)) == 3


def test_a_snapshot_of_zero_is_the_rule_not_a_gap_to_fill_with_todays_value():
    assert rules.value("candidates.minimum_age", snapshot={"candidates.minimum_age": 0}) == 0
    assert rules.value("assembly.electronic_requires_all_verified",
                       snapshot={"assembly.electronic_requires_all_verified": False}) is False


def test_a_seventeen_year_old_may_stand_when_the_assembly_was_convened_with_no_minimum_age(english):
    a = factory.assembly(members=3)
    a.rules = {**a.rules, "candidates.minimum_age": 0}
    a.save(update_fields=["rules"])
    board = factory.election(a)
    factory.freeze_roll(a)
    young = a.roll.select_related("person").first().person
    young.birth_date = timezone.localdate() - datetime.timedelta(days=365 * 17)
    young.save()

    assert voting.check_eligibility(board, young) == []

    a.rules = {**a.rules, "candidates.minimum_age": 18}
    a.save(update_fields=["rules"])
    (reason,) = voting.check_eligibility(board, young)
    assert reason["rule"] == "adult" and voting.reason_text(reason) == "Younger than 18 on the day of the assembly."


def test_fractions_and_ranges_in_a_snapshot_read_back_as_they_were_meant():
    frozen = {"capital.max_member_share": "1/4", "assembly.notice_days": [15, 45]}

    assert rules.value("capital.max_member_share", snapshot=frozen) == Fraction(1, 4)
    assert rules.value("assembly.notice_days", snapshot=frozen) == (15, 45)
    assert rules.value("capital.max_member_share", snapshot=rules.snapshot(["capital.max_member_share"])) == Fraction(1, 5)


def test_a_rule_is_quoted_with_its_description_and_legal_reference_in_the_readers_language():
    with translation.override("en"):
        assert rules.cite("board.size_max") == (
            "Most principal members of the board of directors (Cooperative Sector Law, amended 1393)"
        )
    with translation.override("fa"):
        assert rules.cite("board.size_max") == (
            "حداکثر تعداد اعضای اصلی هیئت مدیره (قانون بخش تعاونی اقتصاد جمهوری اسلامی ایران، اصلاحی ۱۳۹۳)"
        )
    assert rules.cite("no.such.rule", strict=False) == ""
    with pytest.raises(KeyError):
        rules.cite("no.such.rule")


# --------------------------------------------------------------------------- findings


def test_a_finding_reads_in_persian_and_in_english_and_survives_storage():
    coop = helpers.cooperative()
    helpers.member(coop)

    finding = rules_checks.MEMBERS_MIN.evaluate(coop)

    assert not finding.passed and not finding.blocking and finding.warning
    assert finding.code == "members_min" and finding.key == "members.limits_by_type"
    assert finding.message_en == "1 active members; at least 7 required for this type (Employment-creating)."
    assert finding.message_fa == "1 عضو فعال؛ برای این نوع تعاونی (اشتغال‌زا) دست‌کم 7 عضو لازم است."
    with translation.override("fa"):
        assert finding.title == "حداقل تعداد اعضا"
        assert finding.as_dict()["citation"] == rules.cite("members.limits_by_type")
    with translation.override("en"):
        stored = finding.as_record()
    assert stored == {
        "code": "members_min", "key": "members.limits_by_type", "severity": "warning", "passed": False,
        "message": "%(count)s active members; at least %(min)s required for this type (%(type)s).",
        "params": {"count": 1, "min": 7, "type": "Employment-creating"},
    }
    assert rules.Finding.from_record(stored).message_en == finding.message_en


def test_a_candidacy_reason_stored_before_the_vocabulary_still_reads(english):
    old = {"rule": "adult", "message": "Younger than %(age)s on the day of the assembly.", "params": {"age": 18}}

    assert voting.reason_text(old) == "Younger than 18 on the day of the assembly."
    with translation.override("fa"):
        assert voting.reason_text(old) == "در روز تشکیل مجمع کمتر از 18 سال سن دارد."


# --------------------------------------------------------------------------- one cooperative and all of them


def _seat(coop, role="board_member"):
    Position.objects.create(
        cooperative=coop, person=helpers.person(), role=role,
        term_start=datetime.date(2024, 1, 1), term_end=datetime.date(2027, 1, 1),
    )


@pytest.fixture
def register():
    """A small register where every compliance rule both passes and fails somewhere."""
    ParameterValue.objects.create(key="members.limits_by_type", value={"housing": [2, 3]},
                                  effective_from=datetime.date(2000, 1, 1))
    ParameterValue.objects.create(key="capital.paid_in_minimum_at_registration", value="1/2",
                                  effective_from=datetime.date(2022, 1, 1))
    sound = helpers.cooperative(legal_type="housing", authorised_capital=100_000_000, paid_in_capital=40_000_000)
    for _ in range(3):
        helpers.member(sound, verified_at=timezone.now(), shares_held=10_000_000)
        _seat(sound)
    crowded = helpers.cooperative(legal_type="housing", registration_date=datetime.date(2023, 1, 1),
                                  authorised_capital=100_000_000, paid_in_capital=40_000_000)
    for _ in range(4):
        helpers.member(crowded, shares_held=30_000_000)
    for _ in range(8):
        _seat(crowded)
    left_rich = helpers.cooperative(authorised_capital=100_000_000)
    helpers.member(left_rich, shares_held=90_000_000, status="left", verified_at=timezone.now())
    helpers.member(left_rich, verified_at=timezone.now(), shares_held=20_000_000)
    _seat(left_rich, role="chair")
    helpers.cooperative()  # empty: no members, no board
    return Cooperative.objects.all()


def test_every_registry_check_finds_the_same_cooperatives_for_all_at_once_as_one_at_a_time(
    register, django_assert_max_num_queries
):
    for check in rules_checks.COMPLIANCE:
        one_at_a_time = {
            coop.pk for coop in register if (found := check.evaluate(coop)) is not None and not found.passed
        }
        # The rules it reads (a handful, however large the register), then one query over the register.
        with django_assert_max_num_queries(6):
            all_at_once = set(check.failing(register).values_list("pk", flat=True))

        assert all_at_once == one_at_a_time, check.code
        assert 0 < len(all_at_once) < register.count(), f"{check.code} should pass somewhere and fail somewhere"


def test_the_page_and_the_nightly_report_agree_on_a_crowded_housing_cooperative(register, english):
    crowded = register.get(registration_date=datetime.date(2023, 1, 1))

    failed = {f.code: f for f in rules_checks.compliance(crowded) if not f.passed}

    assert set(failed) == {"members_max", "board_max", "paid_in", "largest_holding", "all_verified"}
    assert failed["paid_in"].message == "40,000,000 of 100,000,000 rials paid in; at least 1/2 required."
    assert failed["largest_holding"].message == "4 members hold more than 20,000,000 rials."
    assert failed["members_max"].blocking and failed["all_verified"].warning
