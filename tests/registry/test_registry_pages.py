"""Officers and supervisors at work on the registry pages."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from taavon import rules
from taavon.accounts.models import Role
from taavon.audit.models import AuditEvent
from taavon.core.persian import to_persian_digits
from taavon.registry import services
from taavon.registry.models import Cooperative, Membership, Position, StatusChange, VerificationRequest
from taavon.rules.models import ParameterValue
from tests import helpers

pytestmark = pytest.mark.django_db

text = helpers.text


@pytest.fixture
def home():
    return helpers.province("23")


@pytest.fixture
def coop(home):
    return helpers.cooperative(province=home, name="تعاونی مسکن کارکنان", legal_type="housing", activity="housing")


def detail(coop):
    return reverse("registry:detail", args=[coop.pk])


# --------------------------------------------------------------------------- members


def test_an_officer_adds_members_up_to_the_housing_maximum_and_the_next_is_refused(en, coop):
    ParameterValue.objects.create(
        key="members.limits_by_type", value={"housing": [2, 3]}, effective_from=datetime.date(2000, 1, 1)
    )
    officer = helpers.user(Role.OFFICER, cooperative=coop)
    en.force_login(officer)
    url = reverse("registry:member_add", args=[coop.pk])

    for n in range(3):
        response = en.post(
            url,
            {
                "national_code": to_persian_digits(helpers.national_code()),
                "first_name": "زهرا",
                "last_name": f"احمدی {n}",
                "joined_on": "۱۴۰۲/۰۱/۱۵",
                "shares_held": "۱۰٬۰۰۰٬۰۰۰",
                "shares_paid": "5,000,000",
            },
        )
        assert response.status_code == 302, text(response)

    refused = en.post(
        url,
        {"national_code": helpers.national_code(), "first_name": "نفر", "last_name": "چهارم", "joined_on": "1402/02/01"},
    )
    assert refused.status_code == 422
    assert "the most allowed for its type (Housing): 3" in text(refused)
    assert rules.parameter("members.limits_by_type").cite() in text(refused)

    page = en.get(detail(coop))
    coop.refresh_from_db()
    assert coop.member_count == 3
    assert Membership.objects.get(person__last_name="احمدی 0").joined_on == datetime.date(2023, 4, 4)
    assert 'data-rule="members.limits_by_type" data-passed="yes"' in page.content.decode()
    assert "3 active members; at most 3 allowed." in text(page)


def test_a_duplicate_national_code_is_refused_on_the_form(en, coop):
    existing = helpers.member(coop)
    en.force_login(helpers.user(Role.OFFICER, cooperative=coop))

    response = en.post(
        reverse("registry:member_add", args=[coop.pk]),
        {"national_code": existing.person.national_code, "joined_on": "1402/01/01"},
    )

    assert response.status_code == 422
    assert "is already a member of this cooperative" in text(response)
    assert Membership.objects.filter(cooperative=coop).count() == 1


def test_members_are_searched_by_national_code_or_name(en, coop):
    zahra = helpers.member(coop, helpers.person(first_name="زهرا", last_name="کاظمي")).person  # Arabic yeh typed
    ali = helpers.member(coop, helpers.person(first_name="علی", last_name="رحیمی")).person
    en.force_login(helpers.user(Role.ANALYST))
    url = reverse("registry:members", args=[coop.pk])

    by_code = text(en.get(url, {"member_q": to_persian_digits(ali.national_code)}))
    by_name = text(en.get(url, {"member_q": "کاظمی"}, HTTP_HX_REQUEST="true"))

    assert "علی رحیمی" in by_code and "زهرا" not in by_code
    assert "زهرا کاظمي" in by_name and "علی رحیمی" not in by_name
    assert zahra.national_code in by_name


def test_every_member_verified_from_the_queue_and_the_page_says_electronic_assemblies_are_possible(en, coop, home):
    for _ in range(3):
        helpers.member(coop)
    officer = helpers.user(Role.OFFICER, cooperative=coop)
    supervisor = helpers.user(Role.SUPERVISOR, province=home)

    en.force_login(officer)
    assert "3 members are not yet verified" in text(en.get(detail(coop)))
    en.post(reverse("registry:verification_request_many", args=[coop.pk]), {"all": "1"})
    assert "3 members await the provincial office's verification." in text(en.get(detail(coop)))

    en.force_login(supervisor)
    assert "Review the 3 members awaiting verification" in text(en.get(detail(coop)))
    for item in VerificationRequest.objects.filter(cooperative=coop):
        en.post(reverse("registry:verification_verify", args=[item.pk]), {"confirmed": "1"})
    response = en.get(detail(coop))

    assert "Every member is verified by the provincial office" in text(response)
    assert set(Membership.objects.filter(cooperative=coop).values_list("verified_by", flat=True)) == {supervisor.pk}
    assert AuditEvent.objects.filter(action="verification.verify", cooperative=coop).count() == 3


def test_a_verified_member_is_marked_as_left(en, coop, home):
    membership = helpers.member(coop, verified_at=timezone.now())
    en.force_login(helpers.user(Role.SUPERVISOR, province=home))

    response = en.post(
        reverse("registry:member_leave", args=[coop.pk, membership.pk]), {"left_on": "1403/01/10"}, follow=True
    )

    membership.refresh_from_db()
    coop.refresh_from_db()
    assert membership.status == "left" and membership.left_on == datetime.date(2024, 3, 29)
    assert coop.member_count == 0
    assert "was marked as left" in text(response)


# --------------------------------------------------------------------------- board


def test_the_eighth_principal_board_member_is_refused_on_the_page_citing_the_rule(en, coop):
    people = [helpers.member(coop).person for _ in range(8)]
    officer = helpers.user(Role.OFFICER, cooperative=coop)
    en.force_login(officer)
    url = reverse("registry:position_add", args=[coop.pk])
    roles = ["chair", "vice_chair", "secretary", "board_member", "board_member", "board_member", "board_member"]

    for person, role in zip(people, roles, strict=False):
        response = en.post(
            url, {"role": role, "national_code": person.national_code, "term_start": "1403/05/01"}
        )
        assert response.status_code == 302, text(response)
    refused = en.post(url, {"role": "board_member", "national_code": people[7].national_code, "term_start": "1403/05/01"})

    assert refused.status_code == 422
    assert "The board already has 7 principal members, the most allowed (7)." in text(refused)
    assert rules.parameter("board.size_max").cite() in text(refused)
    assert Position.objects.filter(cooperative=coop).count() == 7
    board = text(en.get(detail(coop)))
    assert "1403/05/01 – 1406/05/01" in board


def test_a_position_is_ended_and_moves_to_past_positions(en, coop):
    person = helpers.member(coop).person
    position = Position.objects.create(
        cooperative=coop, person=person, role="inspector", term_start=datetime.date(2024, 1, 1),
        term_end=datetime.date(2025, 1, 1),
    )
    en.force_login(helpers.user(Role.OFFICER, cooperative=coop))

    en.post(reverse("registry:position_end", args=[coop.pk, position.pk]), {"ended_on": "1403/03/01"})

    position.refresh_from_db()
    assert position.ended_on == datetime.date(2024, 5, 21)
    page = en.get(detail(coop)).content.decode()
    assert 'data-testid="past-positions"' in page


# --------------------------------------------------------------------------- cooperatives


def test_a_supervisor_registers_a_cooperative_typing_persian_digits_and_jalali_dates(en, home):
    supervisor = helpers.user(Role.SUPERVISOR, province=home)
    en.force_login(supervisor)
    national_id = helpers.legal_id()
    form = {
        "name": "تعاونی توليدی نمونه",  # Arabic yeh, stored as Persian
        "national_id": to_persian_digits(national_id[:5] + "-" + national_id[5:]),
        "registration_number": "۴۵۶۷",
        "registration_date": "۱۴۰۲/۰۶/۳۱",
        "province": home.pk,
        "county": home.counties.first().pk,
        "activity": "industry",
        "membership_type": "open",
        "legal_type": "employment",
        "fiscal_year_end_month": "۱۲",
        "authorised_capital": "۳٬۰۰۰٬۰۰۰٬۰۰۰",
        "paid_in_capital": "1,000,000,000",
        "employees": "۷",
    }

    response = en.post(reverse("registry:create"), form)

    coop = Cooperative.objects.get(national_id=national_id)
    assert response.status_code == 302 and response["Location"] == detail(coop)
    assert coop.name == "تعاونی تولیدی نمونه" and coop.registration_number == "4567"
    assert coop.registration_date == datetime.date(2023, 9, 22) and coop.authorised_capital == 3_000_000_000
    page = text(en.get(detail(coop)))
    assert "The cooperative was registered." in page
    assert "0 active members; at least 7 required" in page
    assert "compliance checks fail: Minimum members · Board of directors: fewest principal members" in page


def test_paid_in_below_a_third_is_refused_on_the_registration_form(en, home):
    en.force_login(helpers.user(Role.ADMINISTRATOR))
    response = en.post(
        reverse("registry:create"),
        {
            "name": "تعاونی کم‌سرمایه", "national_id": helpers.legal_id(), "registration_number": "1",
            "registration_date": "1402/01/01", "province": home.pk, "county": home.counties.first().pk,
            "activity": "industry", "membership_type": "open", "legal_type": "employment",
            "fiscal_year_end_month": "12", "authorised_capital": "900", "paid_in_capital": "299", "employees": "0",
        },
    )
    assert response.status_code == 422
    assert rules.parameter("capital.paid_in_minimum_at_registration").cite() in text(response)
    assert not Cooperative.objects.filter(name="تعاونی کم‌سرمایه").exists()


def test_officers_and_analysts_cannot_register_cooperatives(en, coop):
    for user in (helpers.user(Role.OFFICER, cooperative=coop), helpers.user(Role.ANALYST)):
        en.force_login(user)
        assert en.get(reverse("registry:create")).status_code == 403
        assert 'data-testid="create-cooperative"' not in en.get(reverse("registry:list")).content.decode()


def test_the_list_shows_only_the_supervisors_province_with_filters_and_member_counts(en, home):
    mine = helpers.cooperative(province=home, name="تعاونی‌های فرش دستباف", activity="industry")
    helpers.member(mine)
    helpers.member(mine)
    helpers.cooperative(province=home, name="تعاونی مصرف کارکنان", activity="consumer")
    far = helpers.cooperative(province=helpers.other_province(home), name="تعاونی فرش دور")
    en.force_login(helpers.user(Role.SUPERVISOR, province=home))

    everything = text(en.get(reverse("registry:list")))
    carpets = en.get(reverse("registry:list"), {"q": "فرش تعاونی ها", "activity": "industry"})

    assert mine.name in everything and far.name not in everything
    assert "2 cooperatives" in everything
    assert mine.name in text(carpets) and "مصرف" not in text(carpets)
    assert re.search(r'data-testid="member-count">2<', carpets.content.decode())


def test_the_list_is_paginated(en, home):
    for n in range(27):
        helpers.cooperative(province=home, name=f"تعاونی شماره {n:02d}")
    en.force_login(helpers.user(Role.SUPERVISOR, province=home))

    first = text(en.get(reverse("registry:list")))
    second = text(en.get(reverse("registry:list"), {"page": 2}))

    assert "Page 1 of 2" in first and "تعاونی شماره 26" not in first
    assert "تعاونی شماره 26" in second


def test_status_history_shows_both_changes_newest_first(en, coop, home):
    en.force_login(helpers.user(Role.SUPERVISOR, province=home))
    url = reverse("registry:status_change", args=[coop.pk])

    en.post(url, {"status": "inactive", "effective_on": "1402/01/10", "reason": "توقف فعالیت"})
    en.post(url, {"status": "active", "effective_on": "1403/01/10", "reason": "ازسرگیری فعالیت"})

    page = en.get(detail(coop)).content.decode()
    history = page[page.index('data-testid="status-history"'):]
    assert history.index("ازسرگیری فعالیت") < history.index("توقف فعالیت")
    assert re.findall(r'data-status="(\w+)"', history) == ["active", "inactive"]
    assert StatusChange.objects.filter(cooperative=coop).count() == 2
    coop.refresh_from_db()
    assert coop.status == "active"


def test_officers_cannot_change_the_status(en, coop):
    en.force_login(helpers.user(Role.OFFICER, cooperative=coop))
    response = en.post(
        reverse("registry:status_change", args=[coop.pk]),
        {"status": "dissolved", "effective_on": "1403/01/10", "reason": "x"},
    )
    assert response.status_code == 403
    assert 'data-testid="change-status"' not in en.get(detail(coop)).content.decode()


def test_the_audit_history_shows_who_changed_what_from_what_to_what(en, coop, home):
    officer = helpers.user(Role.OFFICER, cooperative=coop, full_name="مسئول تعاونی")
    en.force_login(officer)
    form = en.get(reverse("registry:edit", args=[coop.pk])).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(phone="۰۲۱-۸۸۷۷۶۶۵۵", employees="12")

    response = en.post(reverse("registry:edit", args=[coop.pk]), data)
    assert response.status_code == 302, text(response)

    page = en.get(detail(coop)).content.decode()
    audit = text(page[page.index('id="audit"'):])
    assert "مسئول تعاونی" in audit and "Edited the cooperative" in audit
    assert "Phone : — → 021-88776655" in audit
    assert "Employees : 0 → 12" in audit
    assert "Province" not in audit  # unchanged fields are not listed


def test_an_officer_may_not_move_the_cooperative_to_another_province(en, coop, home):
    officer = helpers.user(Role.OFFICER, cooperative=coop)
    en.force_login(officer)
    form = en.get(reverse("registry:edit", args=[coop.pk])).context["form"]
    assert "province" not in form.fields and "county" not in form.fields


def test_the_audit_history_is_for_supervisors_and_officers_not_analysts(en, coop):
    services.update_cooperative(actor=None, cooperative=coop, employees=3)
    en.force_login(helpers.user(Role.ANALYST))

    page = en.get(detail(coop))
    assert page.status_code == 200 and 'id="audit"' not in page.content.decode()
    assert en.get(reverse("registry:audit", args=[coop.pk])).status_code == 403


# --------------------------------------------------------------------------- reach


def test_a_supervisor_of_another_province_gets_not_found_everywhere(en, coop, home):
    membership = helpers.member(coop)
    en.force_login(helpers.user(Role.SUPERVISOR, province=helpers.other_province(home)))

    for name, args in [
        ("detail", [coop.pk]), ("edit", [coop.pk]), ("status_change", [coop.pk]), ("members", [coop.pk]),
        ("member_add", [coop.pk]), ("member_edit", [coop.pk, membership.pk]), ("audit", [coop.pk]),
        ("position_add", [coop.pk]),
    ]:
        assert en.get(reverse(f"registry:{name}", args=args)).status_code == 404, name
    waiting = VerificationRequest.objects.create(cooperative=coop, membership=membership, requested_at=timezone.now())
    assert en.get(reverse("registry:verification_review", args=[waiting.pk])).status_code == 404
    assert en.post(reverse("registry:verification_verify", args=[waiting.pk]), {"confirmed": "1"}).status_code == 404
    assert coop.name not in text(en.get(reverse("registry:list")))


def test_an_analyst_reads_but_may_not_edit(en, coop):
    membership = helpers.member(coop)
    en.force_login(helpers.user(Role.ANALYST))

    page = en.get(detail(coop))
    assert page.status_code == 200 and membership.person.national_code in page.content.decode()
    assert 'data-testid="edit"' not in page.content.decode()
    for name, args in [
        ("edit", [coop.pk]), ("member_add", [coop.pk]), ("member_edit", [coop.pk, membership.pk]),
        ("position_add", [coop.pk]), ("status_change", [coop.pk]),
    ]:
        assert en.post(reverse(f"registry:{name}", args=args), {}).status_code == 403, name


def test_people_without_an_official_role_are_refused_and_anonymous_users_sent_to_log_in(en, coop):
    response = en.get(detail(coop))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]

    en.force_login(helpers.user(Role.MEMBER))
    assert en.get(reverse("registry:list")).status_code == 403
    assert en.get(detail(coop)).status_code == 403


def test_the_page_in_persian_shows_jalali_dates_and_persian_digits(client, coop, home):
    helpers.member(coop, shares_held=12_500_000)
    client.force_login(helpers.user(Role.SUPERVISOR, province=home))

    page = client.get(detail(coop)).content.decode()

    assert "۱۳۹۹/۰۲/۱۲" in page  # registered 2020-05-01
    assert "۱۲٬۵۰۰٬۰۰۰" in page
    assert coop.national_id not in page and to_persian_digits(coop.national_id) in page


def test_staff_see_only_their_scope_in_the_back_office(client, coop, home):
    from django.contrib.auth.models import Permission

    far = helpers.cooperative(province=helpers.other_province(home), name="تعاونی استان دیگر")
    staff = helpers.user(Role.SUPERVISOR, province=home, is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_cooperative", "change_cooperative"]))
    client.force_login(staff)

    listing = client.get(reverse("admin:registry_cooperative_changelist")).content.decode()

    assert coop.name in listing and far.name not in listing
    assert client.get(reverse("admin:registry_cooperative_change", args=[far.pk])).status_code == 302  # not found
    assert client.get(reverse("admin:registry_cooperative_add")).status_code == 403
