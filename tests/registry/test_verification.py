"""Member verification as a workflow: the officer asks the provincial office, the supervisor works
through a queue and verifies or refuses each member with the person's data in front of them, and
the officer and the member see the answer."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from taavon.accounts.models import Role
from taavon.audit.models import AuditEvent
from taavon.jobs import testing as jobs_testing
from taavon.jobs.queue import run_all
from taavon.registry import selectors as registry_selectors
from taavon.registry.models import Membership, Person, VerificationBatch, VerificationRequest
from taavon.registry.verification import selectors, services
from tests import helpers

pytestmark = pytest.mark.django_db

text = helpers.text


@pytest.fixture
def home():
    return helpers.province("23")


@pytest.fixture
def coop(home):
    return helpers.cooperative(province=home, name="تعاونی تولیدی بافندگان")


@pytest.fixture
def officer(coop):
    return helpers.user(Role.OFFICER, cooperative=coop)


@pytest.fixture
def supervisor(home):
    return helpers.user(Role.SUPERVISOR, province=home)


def states(coop) -> dict[int, str]:
    return {m.pk: m.verification.state for m in selectors.with_verification(Membership.objects.filter(cooperative=coop))}


# --------------------------------------------------------------------------- pages


def test_an_officer_asks_the_supervisor_verifies_from_the_queue_and_the_officer_sees_verified(en, coop, officer, supervisor):
    zahra = helpers.member(coop, helpers.person(first_name="زهرا", last_name="کریمی", birth_date=datetime.date(1980, 3, 1)))
    en.force_login(officer)
    detail = reverse("registry:detail", args=[coop.pk])
    assert "Not requested" in text(en.get(detail))

    response = en.post(reverse("registry:verification_request", args=[coop.pk, zahra.pk]), follow=True)
    assert "The provincial office was asked to verify زهرا کریمی." in text(response)
    assert "Awaiting the provincial office" in text(response)

    en.force_login(supervisor)
    assert 'data-testid="verification-queue-nav"' in en.get("/").content.decode()
    queue = text(en.get(reverse("registry:verification_queue")))
    assert "1 request awaits you." in queue
    assert "زهرا کریمی" in queue and "check digit correct" in queue

    item = VerificationRequest.objects.get(membership=zahra)
    verify = reverse("registry:verification_verify", args=[item.pk])
    confirmation = en.post(verify)
    assert confirmation.status_code == 200
    assert "The member then counts as verified for electronic assemblies" in text(confirmation)
    assert Membership.objects.get(pk=zahra.pk).verified_at is None  # nothing until confirmed

    response = en.post(verify, {"confirmed": "1"}, follow=True)
    assert "زهرا کریمی was verified." in text(response)
    assert "No member awaits verification." in text(response)
    assert Membership.objects.get(pk=zahra.pk).verified_by == supervisor

    en.force_login(officer)
    row = text(en.get(reverse("registry:members", args=[coop.pk])))
    assert "Verified" in row and "Not requested" not in row
    assert list(AuditEvent.objects.filter(cooperative=coop, action__startswith="verification.").values_list("action", flat=True).order_by("id")) == [
        "verification.request", "verification.verify"
    ]


def test_a_refusal_needs_a_reason_the_officer_reads_it_fixes_the_data_and_asks_again(en, coop, officer, supervisor):
    ali = helpers.member(coop)
    services.request_verification(actor=officer, membership=ali)
    item = VerificationRequest.objects.get(membership=ali)
    en.force_login(supervisor)
    refuse = reverse("registry:verification_refuse", args=[item.pk])

    response = en.post(refuse, {"reason": "   "})
    assert response.status_code == 422
    assert "Say why you refuse" in text(response)
    assert VerificationRequest.objects.get(pk=item.pk).state == "pending"

    en.post(refuse, {"reason": "تاریخ تولد با کارت ملی نمی‌خواند"})
    en.force_login(officer)
    page = text(en.get(reverse("registry:members", args=[coop.pk])))
    assert "Refused" in page and "تاریخ تولد با کارت ملی نمی‌خواند" in page and "Ask again" in page

    en.post(reverse("registry:member_edit", args=[coop.pk, ali.pk]), {
        "membership_number": "77", "joined_on": "2021-01-01", "shares_held": "10000000",
        "shares_paid": "10000000", "status": "active",
    })
    en.post(reverse("registry:verification_request", args=[coop.pk, ali.pk]))
    assert states(coop)[ali.pk] == "requested"
    assert VerificationRequest.objects.filter(membership=ali).count() == 2


def test_the_officer_asks_for_the_selected_rows_or_every_unverified_member_and_may_withdraw(en, coop, officer):
    one, two, three = (helpers.member(coop) for _ in range(3))
    left = helpers.member(coop, status="left", left_on=datetime.date(2023, 1, 1))
    en.force_login(officer)
    many = reverse("registry:verification_request_many", args=[coop.pk])

    response = en.post(many, {"membership": [one.pk, two.pk]}, follow=True)
    assert "asked to verify 2 members" in text(response)
    assert states(coop) == {one.pk: "requested", two.pk: "requested", three.pk: "not_requested", left.pk: "not_requested"}

    response = en.post(many, {"all": "1"}, follow=True)
    assert "asked to verify 1 member." in text(response)
    response = en.post(many, {"all": "1"}, follow=True)
    assert "No member to ask for" in text(response)

    en.post(reverse("registry:verification_withdraw", args=[coop.pk, two.pk]))
    assert states(coop)[two.pk] == "not_requested"
    assert AuditEvent.objects.filter(action="verification.withdraw", cooperative=coop).count() == 1
    assert AuditEvent.objects.filter(action="verification.request_many", cooperative=coop).count() == 2


def test_the_one_click_verify_all_is_gone_from_the_pages(en, coop, supervisor):
    helpers.member(coop)
    en.force_login(supervisor)
    page = en.get(reverse("registry:detail", args=[coop.pk])).content.decode()
    assert "verify-all" not in page and "Verify all" not in page
    assert en.post(f"/cooperatives/{coop.pk}/members/verify-all/").status_code == 404


def test_a_supervisor_cannot_ask_and_an_officer_cannot_decide(en, coop, officer, supervisor):
    m = helpers.member(coop)
    en.force_login(supervisor)
    assert en.post(reverse("registry:verification_request", args=[coop.pk, m.pk])).status_code == 403
    item = services.request_verification(actor=officer, membership=m)
    en.force_login(officer)
    assert en.get(reverse("registry:verification_queue")).status_code == 403
    assert en.post(reverse("registry:verification_verify", args=[item.pk]), {"confirmed": "1"}).status_code == 403
    assert Membership.objects.get(pk=m.pk).verified_at is None


def test_the_queue_is_the_supervisors_province_oldest_first_and_filters_by_cooperative(en, home, coop, officer, supervisor):
    other = helpers.cooperative(province=home, name="تعاونی مصرف کارکنان")
    elsewhere = helpers.cooperative(province=helpers.other_province(home))
    first = helpers.member(coop, helpers.person(first_name="اول"))
    second = helpers.member(other, helpers.person(first_name="دوم"))
    hidden = helpers.member(elsewhere, helpers.person(first_name="بیرونی"))
    for m in (first, second, hidden):
        services.request_verification(actor=None, membership=m)
    en.force_login(supervisor)

    everything = text(en.get(reverse("registry:verification_queue")))
    assert everything.index("اول") < everything.index("دوم")
    assert "بیرونی" not in everything and hidden.person.national_code not in everything
    filtered = text(en.get(reverse("registry:verification_queue"), {"cooperative": other.pk}))
    assert "دوم" in filtered and "اول" not in filtered
    hidden_request = VerificationRequest.objects.get(membership=hidden)
    assert en.get(reverse("registry:verification_review", args=[hidden_request.pk])).status_code == 404


def test_the_member_sees_their_verification_on_their_home_page(en, coop, officer, supervisor):
    member = helpers.user(Role.MEMBER)
    m = helpers.member(coop, member.person)
    item = services.request_verification(actor=officer, membership=m)
    services.refuse(actor=supervisor, request=item, reason="نام پدر ناخوانا است")
    en.force_login(member)
    page = text(en.get("/"))
    assert "Verification by the provincial office: Refused (نام پدر ناخوانا است)" in page


# --------------------------------------------------------------------------- API


def test_over_the_api_the_officer_asks_the_supervisor_refuses_without_reason_422_then_verifies(client, coop, officer, supervisor):
    m = helpers.member(coop)
    as_officer, as_supervisor = helpers.Api(client, officer), helpers.Api(client, supervisor)
    asked = as_officer.post(f"/cooperatives/{coop.pk}/verification-requests", {"membership_ids": [m.pk]})
    assert asked.status_code == 201, asked.json()
    assert asked.json() == {"requested": 1, "batch": None}
    assert as_officer.get(f"/cooperatives/{coop.pk}/members/{m.pk}/verification").json()["state"] == "requested"

    queue = as_supervisor.get("/verification-requests").json()
    assert queue["count"] == 1 and queue["items"][0]["national_code_valid"] is True
    request_id = queue["items"][0]["id"]

    refused = as_supervisor.post(f"/verification-requests/{request_id}/refuse", {"reason": ""})
    assert refused.status_code == 422 and "reason" in helpers.field_errors(refused)
    verified = as_supervisor.post(f"/verification-requests/{request_id}/verify")
    assert verified.status_code == 200 and verified.json()["state"] == "verified"
    assert as_officer.get(f"/cooperatives/{coop.pk}/members/{m.pk}/verification").json()["state"] == "verified"
    assert registry_selectors.all_members_verified(coop)


def test_two_supervisors_decide_the_same_request_one_wins_the_other_gets_409(client, home, coop, officer, supervisor):
    m = helpers.member(coop)
    item = services.request_verification(actor=officer, membership=m)
    colleague = helpers.user(Role.SUPERVISOR, province=home)
    first = helpers.Api(client, supervisor).post(f"/verification-requests/{item.pk}/verify")
    second = helpers.Api(client, colleague).post(f"/verification-requests/{item.pk}/refuse", {"reason": "نادرست"})
    assert first.status_code == 200
    assert second.status_code == 409
    assert helpers.field_errors(second)["__all__"] == ["Someone decided this request first: it is now “Verified”."]
    assert VerificationRequest.objects.get(pk=item.pk).decided_by == supervisor


def test_an_officer_of_another_cooperative_gets_404_and_the_verify_all_route_is_gone(client, home, coop, officer):
    m = helpers.member(coop)
    item = services.request_verification(actor=officer, membership=m)
    stranger = helpers.Api(client, helpers.user(Role.OFFICER, cooperative=helpers.cooperative(province=home)))
    assert stranger.post(f"/cooperatives/{coop.pk}/verification-requests", {"all_unverified": True}).status_code == 404
    assert stranger.post(f"/cooperatives/{coop.pk}/members/{m.pk}/verification/withdraw").status_code == 404
    assert stranger.get(f"/verification-requests/{item.pk}").status_code in (403, 404)
    supervisor = helpers.Api(client, helpers.user(Role.SUPERVISOR, province=home))
    assert supervisor.post(f"/cooperatives/{coop.pk}/members/verify-all").status_code in (404, 405)


def test_sending_both_a_selection_and_all_unverified_is_refused_clearly(client, coop, officer):
    m = helpers.member(coop)
    api = helpers.Api(client, officer)
    response = api.post(f"/cooperatives/{coop.pk}/verification-requests", {"membership_ids": [m.pk], "all_unverified": True})
    assert response.status_code == 422 and helpers.field_errors(response)["__all__"]
    assert api.post(f"/cooperatives/{coop.pk}/verification-requests", {"membership_ids": [2**64]}).status_code == 422


def test_members_awaiting_verification_for_the_home_pages(coop, officer, supervisor, home):
    members = [helpers.member(coop) for _ in range(3)]
    services.request_verifications(actor=officer, cooperative=coop, membership_ids=[m.pk for m in members])
    for user in (officer, supervisor):
        awaiting = selectors.members_awaiting_verification(user, limit=2)
        assert awaiting.count == 3 and len(awaiting.requests) == 2
    outsider = helpers.user(Role.SUPERVISOR, province=helpers.other_province(home))
    assert selectors.members_awaiting_verification(outsider).count == 0
    assert selectors.members_awaiting_verification(helpers.user(Role.MEMBER)).count == 0


# --------------------------------------------------------------------------- a large cooperative


def test_every_unverified_member_of_a_large_cooperative_is_asked_for_by_a_background_job_with_progress(en, coop, officer, monkeypatch):
    monkeypatch.setattr(services, "INLINE_LIMIT", 5)
    monkeypatch.setattr(services, "CHUNK", 4)
    people = [helpers.person() for _ in range(10)]
    Membership.objects.bulk_create(
        Membership(cooperative=coop, person=p, joined_on=datetime.date(2021, 1, 1)) for p in people
    )
    already = Membership.objects.filter(cooperative=coop).order_by("pk").first()
    services.request_verification(actor=officer, membership=already)
    en.force_login(officer)

    with jobs_testing.deferred():
        response = en.post(reverse("registry:verification_request_many", args=[coop.pk]), {"all": "1"})
        batch = VerificationBatch.objects.get(cooperative=coop)
        assert response.status_code == 302 and response["Location"].endswith(f"/verification/{batch.pk}/")
        assert batch.total == 9 and batch.done == 0
        progress = en.get(response["Location"], HTTP_HX_REQUEST="true")
        assert "0 of 9 members" in text(progress) and 'hx-trigger="every 2s"' in progress.content.decode()
        run_all()
    batch.refresh_from_db()
    assert batch.finished_at is not None and batch.done == 9 and batch.requested == 9
    assert VerificationRequest.objects.filter(cooperative=coop, state="pending").count() == 10
    assert "asked to verify 9 members" in text(en.get(reverse("registry:verification_batch", args=[coop.pk, batch.pk])))


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_at_the_same_moment_one_verifies_the_other_is_told_it_was_decided():
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL: SQLite serialises every write anyway")
    home = helpers.province("23")
    coop = helpers.cooperative(province=home)
    item = services.request_verification(actor=None, membership=helpers.member(coop))
    supervisors = [helpers.user(Role.SUPERVISOR, province=home, password=None) for _ in range(2)]
    results = helpers.at_once(*(lambda s=s: services.verify(actor=s, request=item) for s in supervisors))
    assert sorted(type(r).__name__ for r in results) == ["AlreadyDecided", "VerificationRequest"], results


def test_asking_for_every_unverified_member_costs_the_same_few_statements_for_ten_or_a_thousand(
    coop, officer, django_assert_max_num_queries
):
    for size in (10, 1_000):
        Membership.objects.filter(cooperative=coop).delete()
        people = _people(size)
        Membership.objects.bulk_create(
            Membership(cooperative=coop, person=p, joined_on=datetime.date(2021, 1, 1)) for p in people
        )
        VerificationRequest.objects.filter(cooperative=coop).delete()
        with django_assert_max_num_queries(8):
            result = services.request_verifications(actor=officer, cooperative=coop)
        assert result.requested == size


def _people(count: int):
    return Person.objects.bulk_create(
        Person(national_code=helpers.national_code(), first_name="عضو", last_name=str(n), name_key=f"عضو {n}")
        for n in range(count)
    )
