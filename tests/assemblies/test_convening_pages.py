"""Officers, supervisors and members on the convening pages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from taavon.accounts.models import Role
from taavon.assemblies.models import Assembly
from taavon.core.jalali import format_jalali
from taavon.notifications.models import OutboundMessage
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db

text = helpers.text



@pytest.fixture
def coop():
    coop = helpers.cooperative()
    for _ in range(7):
        helpers.member(coop, verified_at=timezone.now())
    return coop


@pytest.fixture
def officer(coop):
    return helpers.user(Role.OFFICER, cooperative=coop)


def jalali_in(days) -> str:
    """A date ``days`` from today as a Persian user types it: Jalali, Persian digits."""
    return format_jalali(timezone.localdate() + datetime.timedelta(days=days), persian_digits=True)


def convene_form(days=25, **extra):
    data = {
        "title": "مجمع عمومی عادی سالیانه",
        "kind": "called_ordinary",
        "mode": "electronic",
        "starts_on": jalali_in(days),
        "starts_time": "۱۰:۰۰",
        "ends_time": "۱۳:۳۰",
        "ends_on": "",
        "location": "سالن اجتماعات",
        "agenda-TOTAL_FORMS": "3",
        "agenda-INITIAL_FORMS": "0",
        "agenda-MIN_NUM_FORMS": "0",
        "agenda-MAX_NUM_FORMS": "50",
        "agenda-0-title": "تصویب صورت‌های مالی",
        "agenda-0-kind": "motion",
        "agenda-0-matter": "financial_statements",
        "agenda-1-title": "انتخاب اعضای هیئت مدیره",
        "agenda-1-kind": "election",
        "agenda-1-matter": "board_election",
        "agenda-1-seats": "۵",
        "agenda-1-alternates": "۲",
        "agenda-2-title": "",
        "agenda-2-kind": "motion",
        "agenda-2-matter": "general",
    }
    data.update(extra)
    return data


def test_an_officer_convenes_publishes_and_watches_the_notice_go_out(en, coop, officer, django_capture_on_commit_callbacks):
    en.force_login(officer)
    detail_of_coop = en.get(reverse("registry:detail", args=[coop.pk]))
    assert reverse("assemblies:list", args=[coop.pk]) in detail_of_coop.content.decode()
    listing = en.get(reverse("assemblies:list", args=[coop.pk]))
    assert listing.status_code == 200 and "No general assembly has been convened yet." in text(listing)

    form = en.get(reverse("assemblies:convene", args=[coop.pk]))
    assert form.status_code == 200 and 'name="agenda-0-title"' in form.content.decode()
    assert 'name="reason"' not in form.content.decode()  # officers need no reason

    response = en.post(reverse("assemblies:convene", args=[coop.pk]), convene_form())
    assembly = Assembly.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("assemblies:detail", args=[assembly.pk])
    start = timezone.localtime(assembly.starts_at)
    assert (start.hour, start.minute) == (10, 0) and timezone.localtime(assembly.ends_at).minute == 30
    assert [(i.title, i.seats, i.alternates) for i in assembly.items.order_by("position")] == [
        ("تصویب صورت‌های مالی", 0, 0), ("انتخاب اعضای هیئت مدیره", 5, 2)
    ]

    page = en.get(reverse("assemblies:detail", args=[assembly.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-rule="assembly.notice_days_with_elections" data-ok="yes"' in body
    assert "Notice window in days when elections are on the agenda" in body  # the rule, cited
    assert "Regulation on cooperative general assemblies, 1387" in body
    assert 'data-testid="publish-form"' in body and "Draft" in text(page)

    with django_capture_on_commit_callbacks(execute=True):
        response = en.post(reverse("assemblies:publish", args=[assembly.pk]), {"newspaper": "", "newspaper_date": ""})
    assert response.status_code == 302
    page = en.get(reverse("assemblies:detail", args=[assembly.pk]))
    body = page.content.decode()
    assert "Notice published" in text(page) and 'data-testid="publish-form"' not in body
    assert 'data-testid="roll-size">7<' in body
    assert "7 of 7 members on the roll processed: 7 SMS and 0 e-mails sent, 0 failed." in text(page)
    assert 'data-complete="yes"' in body and "every 2s" not in body  # done: no more polling
    assert OutboundMessage.objects.filter(topic=f"assembly:{assembly.pk}:notice", state="sent").count() == 7
    assert 'data-testid="edit"' not in body


def test_the_progress_fragment_polls_every_two_seconds_until_every_member_is_notified(en, coop, officer):
    assembly = factory.freeze_roll(factory.assembly(coop, members=0))
    Assembly.objects.filter(pk=assembly.pk).update(notices_total=7, notices_done=3)
    en.force_login(officer)
    fragment = en.get(reverse("assemblies:notice_progress", args=[assembly.pk]))
    body = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in body
    assert 'hx-trigger="every 2s"' in body and 'aria-valuenow="42"' in body
    assert "3 of 7 members on the roll processed" in text(fragment)


def test_a_blocked_notice_is_refused_on_the_page_with_the_rule(en, coop, officer):
    en.force_login(officer)
    en.post(reverse("assemblies:convene", args=[coop.pk]), convene_form(days=12))
    assembly = Assembly.objects.get()
    page = en.get(reverse("assemblies:detail", args=[assembly.pk]))
    assert 'data-rule="assembly.notice_days_with_elections" data-ok="no" data-blocking="yes"' in page.content.decode()

    response = en.post(reverse("assemblies:publish", args=[assembly.pk]), {})
    assert response.status_code == 422
    assert "at least 20 are required" in text(response)
    assert "Notice window in days when elections are on the agenda" in text(response)
    assembly.refresh_from_db()
    assert assembly.state == "draft" and assembly.roll.count() == 0


def test_the_form_refuses_bad_input_and_keeps_what_was_typed(en, coop, officer):
    en.force_login(officer)
    response = en.post(
        reverse("assemblies:convene", args=[coop.pk]),
        convene_form(starts_on="1404/13/01", **{"agenda-1-seats": "۱۲"}),
    )
    assert response.status_code == 422
    assert "Enter a valid Jalali date" in text(response)
    assert not Assembly.objects.exists()

    response = en.post(reverse("assemblies:convene", args=[coop.pk]), convene_form(**{"agenda-1-seats": "۱۲"}))
    assert response.status_code == 422 and "the board has 3 to 7 principal members, not 12" in text(response)
    assert "انتخاب اعضای هیئت مدیره" in response.content.decode()

    more = en.post(reverse("assemblies:convene", args=[coop.pk]), convene_form(add_rows="1"))
    assert more.status_code == 200 and 'name="agenda-5-title"' in more.content.decode()
    assert not Assembly.objects.exists()


def test_an_officer_edits_a_draft_agenda_but_not_a_published_one(en, coop, officer):
    en.force_login(officer)
    en.post(reverse("assemblies:convene", args=[coop.pk]), convene_form())
    assembly = Assembly.objects.get()
    edit_url = reverse("assemblies:edit", args=[assembly.pk])
    page = en.get(edit_url)
    assert page.status_code == 200 and "انتخاب اعضای هیئت مدیره" in page.content.decode()

    data = convene_form(title="مجمع با دستور کار کوتاه", **{"agenda-INITIAL_FORMS": "2", "agenda-1-DELETE": "on"})
    response = en.post(edit_url, data)
    assert response.status_code == 302
    assembly.refresh_from_db()
    assert assembly.title == "مجمع با دستور کار کوتاه" and list(assembly.items.values_list("title", flat=True)) == ["تصویب صورت‌های مالی"]

    Assembly.objects.filter(pk=assembly.pk).update(state="noticed")
    response = en.post(edit_url, convene_form(title="دیر"))
    assert response.status_code == 302
    assembly.refresh_from_db()
    assert assembly.title == "مجمع با دستور کار کوتاه"


def test_the_supervisor_convenes_with_a_reason_and_the_second_call_follows_no_quorum(en, coop):
    supervisor = helpers.user(Role.SUPERVISOR, province=coop.province)
    en.force_login(supervisor)
    form = en.get(reverse("assemblies:convene", args=[coop.pk]))
    assert 'name="reason"' in form.content.decode()
    refused = en.post(reverse("assemblies:convene", args=[coop.pk]), convene_form())
    assert refused.status_code == 422 and not Assembly.objects.exists()
    en.post(reverse("assemblies:convene", args=[coop.pk]), convene_form(reason="members_request"))
    first = Assembly.objects.get()
    assert first.convened_as == "supervisor"
    assert "Requested by members or the inspector" in text(en.get(reverse("assemblies:detail", args=[first.pk])))

    factory.freeze_roll(first)
    Assembly.objects.filter(pk=first.pk).update(state="no_quorum")
    page = en.get(reverse("assemblies:detail", args=[first.pk]))
    assert 'data-testid="second-call"' in page.content.decode()
    response = en.post(
        reverse("assemblies:second_call", args=[first.pk]),
        {"starts_on": jalali_in(21), "starts_time": "09:00", "ends_time": "11:00"},
    )
    second = Assembly.objects.get(call_number=2)
    assert response.status_code == 302 and response["Location"] == reverse("assemblies:detail", args=[second.pk])
    assert second.items.count() == 2 and second.first_call_id == first.pk
    page = en.get(reverse("assemblies:detail", args=[second.pk]))
    assert "second call" in text(page) and 'data-testid="first-call"' in page.content.decode()
    again = en.post(
        reverse("assemblies:second_call", args=[first.pk]),
        {"starts_on": jalali_in(21), "starts_time": "09:00", "ends_time": "11:00"},
    )
    assert again.status_code == 422 and "already convened" in text(again)


def test_a_member_sees_my_assemblies_and_the_notice_but_not_the_officers_tools(en, coop, officer):
    membership = coop.memberships.first()
    member = helpers.user(Role.MEMBER, national_code=membership.person.national_code, person=membership.person)
    mine = factory.freeze_roll(factory.assembly(coop, title="مجمع ما"))
    factory.freeze_roll(factory.assembly(helpers.cooperative(), title="مجمع دیگران"))
    en.force_login(member)

    home = en.get(reverse("core:home"))
    assert reverse("assemblies:mine") in home.content.decode()
    listing = en.get(reverse("assemblies:mine"))
    assert "مجمع ما" in text(listing) and "مجمع دیگران" not in text(listing)
    page = en.get(reverse("assemblies:detail", args=[mine.pk]))
    assert page.status_code == 200 and "مجمع ما" in text(page)
    body = page.content.decode()
    assert 'data-testid="findings"' not in body and 'data-testid="publish-form"' not in body
    assert 'data-testid="notice-progress"' not in body

    assert en.get(reverse("assemblies:list", args=[coop.pk])).status_code == 403
    assert en.get(reverse("assemblies:convene", args=[coop.pk])).status_code == 403
    assert en.post(reverse("assemblies:publish", args=[mine.pk]), {}).status_code == 403
    assert en.get(reverse("assemblies:notice_progress", args=[mine.pk])).status_code == 403
    others = Assembly.objects.get(title="مجمع دیگران")
    assert en.get(reverse("assemblies:detail", args=[others.pk])).status_code == 404


def test_outsiders_cannot_convene_or_reach_an_assembly(client, coop):
    assembly = factory.assembly(coop)
    outsider = helpers.user(Role.SUPERVISOR, province=helpers.other_province(coop.province))
    analyst = helpers.user(Role.ANALYST)

    anonymous = client.get(reverse("assemblies:convene", args=[coop.pk]))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]

    client.force_login(outsider)
    assert client.get(reverse("assemblies:convene", args=[coop.pk])).status_code == 404
    assert client.get(reverse("assemblies:list", args=[coop.pk])).status_code == 404
    assert client.get(reverse("assemblies:detail", args=[assembly.pk])).status_code == 404
    assert client.post(reverse("assemblies:publish", args=[assembly.pk]), {}).status_code == 404

    client.force_login(analyst)
    assert client.get(reverse("assemblies:list", args=[coop.pk])).status_code == 200  # reads everywhere
    assert client.get(reverse("assemblies:convene", args=[coop.pk])).status_code == 403
    assert client.post(reverse("assemblies:convene", args=[coop.pk]), convene_form()).status_code == 403
    assert client.post(reverse("assemblies:publish", args=[assembly.pk]), {}).status_code == 403
    assert client.get(reverse("assemblies:edit", args=[assembly.pk])).status_code == 403
    assert Assembly.objects.count() == 1 and Assembly.objects.get().state == "draft"


def test_the_public_notice_block_shows_published_upcoming_assemblies_only(coop):
    from django.template import Context, Template
    from django.utils.translation import override

    factory.assembly(coop, title="پیش‌نویس محرمانه")
    published = factory.freeze_roll(factory.assembly(coop, title="مجمع عمومی اعلام‌شده", location="تالار شهر"))
    factory.motion(published, title="تصویب صورت‌های مالی")
    template = Template("{% load convening_public %}{% assembly_notices national_id %}")
    with override("en"):
        html = template.render(Context({"national_id": coop.national_id}))
    assert "مجمع عمومی اعلام‌شده" in html and "تالار شهر" in html and "تصویب صورت‌های مالی" in html
    assert "پیش‌نویس محرمانه" not in html
    assert "first call" in html
    assert Template("{% load convening_public %}{% assembly_notices '00000000000' %}").render(Context()).strip() == ""
