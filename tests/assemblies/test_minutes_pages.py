"""The minutes pages: the presiding board reads and approves the draft with codes, the PDF downloads
(A4, right to left, Vazirmatn, Persian page numbers), the cooperative submits, the provincial office
registers or returns from its queue, and the decisions notice shows its deadline and deliveries."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from taavon.accounts.models import Role
from taavon.assemblies.minutes import pdf
from taavon.assemblies.minutes import services as minutes
from taavon.assemblies.models import Minutes
from taavon.core.jalali import format_jalali
from taavon.registry.models import Position
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db



@pytest.fixture
def story():
    s = factory.closed_story()
    minutes.draft_minutes(s.assembly)
    s.chair_user = helpers.user(Role.MEMBER, person=s.chair)
    s.secretary_user = helpers.user(Role.MEMBER, person=s.secretary)
    s.coop = s.assembly.cooperative
    return s


def url(name, story):
    return reverse(f"assemblies:{name}", args=[story.assembly.pk])


def approved(story, client, sms):
    """The chair and the secretary approve through the page, each with the code sent to them."""
    for user in (story.chair_user, story.secretary_user):
        client.force_login(user)
        client.post(url("minutes_approve", story), {"action": "request"})
        confirmed = client.post(url("minutes_approve", story), {"action": "confirm", "code": sms.last_code(user.person.mobile)})
        assert confirmed.status_code == 302
    return Minutes.objects.get(assembly=story.assembly)


def test_the_officer_reads_the_draft_with_every_figure(en, story):
    en.force_login(helpers.user(Role.OFFICER, cooperative=story.coop))

    response = en.get(url("minutes", story))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-state="draft"' in html and "Draft: not yet approved by the presiding board" in html
    assert story.coop.name in html and story.coop.national_id in html
    assert "Annual ordinary general assembly" in html and "first call" in html and "Electronic" in html
    assert story.chair.full_name in html and "Chair of the assembly" in html and "Secretary of the assembly" in html
    assert re.search(r'data-testid="opening-present">5<', html) and re.search(
        r'data-testid="opening-represented">1<', html
    )
    assert re.search(r'data-testid="opening-required">4<', html) and "Reached" in html
    assert re.search(r'data-testid="motion-for">4<', html) and 'data-passed="yes"' in html
    assert html.count('data-outcome="elected"') == 3 and html.count('data-outcome="alternate"') == 1
    assert 'data-testid="tie-draw"' in html
    story.motion.refresh_from_db()
    assert story.motion.chain_head in html
    assert html.count('data-approved="no"') >= 2


def test_chair_and_secretary_approve_with_codes_a_wrong_code_is_refused(en, story, sms, settings):
    settings.TAAVON_DEMO = False
    en.force_login(story.chair_user)

    page = en.get(url("minutes", story))
    assert 'data-testid="approve-link"' in page.content.decode()
    sent = en.post(url("minutes_approve", story), {"action": "request"})
    assert sent.status_code == 200 and 'data-testid="code-sent"' in sent.content.decode()
    assert 'data-testid="demo-code"' not in sent.content.decode()  # never shown outside demo mode
    right = sms.last_code(story.chair.mobile)
    wrong = en.post(
        url("minutes_approve", story), {"action": "confirm", "code": "۰۰۰۰۰۰" if right != "000000" else "111111"}
    )
    assert wrong.status_code == 422 and "The code is not correct." in wrong.content.decode()

    assert en.post(url("minutes_approve", story), {"action": "confirm", "code": right}).status_code == 302
    en.force_login(story.secretary_user)
    en.post(url("minutes_approve", story), {"action": "request"})
    done = en.post(
        url("minutes_approve", story), {"action": "confirm", "code": sms.last_code(story.secretary.mobile)}, follow=True
    )

    html = done.content.decode()
    assert 'data-state="approved"' in html and "Every member of the presiding board has now approved them." in html
    assert html.count('data-approved="yes"') >= 2 and "Approved with a one-time code on" in html


def test_in_demo_mode_the_code_is_shown_on_the_page(en, story, sms, settings):
    settings.TAAVON_DEMO = True
    en.force_login(story.chair_user)

    sent = en.post(url("minutes_approve", story), {"action": "request"})

    assert 'data-testid="demo-code"' in sent.content.decode() and sms.last_code(story.chair.mobile) in sent.content.decode()


def test_a_member_not_on_the_presiding_board_cannot_approve(en, story):
    other = story.assembly.roll.exclude(person__in=[story.chair, story.secretary]).first().person
    en.force_login(helpers.user(Role.MEMBER, person=other))

    assert en.get(url("minutes_approve", story)).status_code == 403
    assert en.post(url("minutes_approve", story), {"action": "request"}).status_code == 403
    # Members on the roll read the minutes once approved, not the draft.
    page = en.get(url("minutes", story)).content.decode()
    assert 'data-testid="minutes-pending"' in page and 'data-testid="minutes-document"' not in page
    assert en.get(url("minutes_pdf", story)).status_code == 404


def test_strangers_get_404_and_anonymous_visitors_go_to_the_login(client, en, story):
    assert client.get(url("minutes", story)).status_code == 302
    en.force_login(helpers.user(Role.MEMBER))  # a member, but of no assembly here
    assert en.get(url("minutes", story)).status_code == 404
    en.force_login(helpers.user(Role.OFFICER, cooperative=helpers.cooperative()))
    assert en.get(url("minutes", story)).status_code == 404
    assert en.post(url("minutes_approve", story), {"action": "request"}).status_code == 404


def test_the_pdf_is_a4_right_to_left_in_vazirmatn_with_persian_page_numbers(en, story):
    en.force_login(helpers.user(Role.OFFICER, cooperative=story.coop))

    response = en.get(url("minutes_pdf", story))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="minutes-' in response["Content-Disposition"]
    document = pdf.render_document(story.assembly.minutes)
    document.write_pdf()  # fills document.fonts with the fonts really embedded
    families = {font.family for font in document.fonts.values()}
    assert families == {"Vazirmatn"}
    assert any(b"Vazirmatn" in font.name for font in document.fonts.values())
    page = document.pages[0]
    assert round(page.width * 25.4 / 96) == 210 and round(page.height * 25.4 / 96) == 297  # A4, CSS px to mm
    assert page._page_box.style["direction"] == "rtl"
    footer = [box for box in page._page_box.children if getattr(box, "at_keyword", "") == "@bottom-center"]
    text = "".join(_texts(footer[0]))
    assert "۱" in text and "1" not in text


def _texts(box):
    if getattr(box, "text", None):
        yield box.text
    for child in getattr(box, "children", []) or []:
        yield from _texts(child)


def test_the_html_and_the_pdf_are_the_same_template(story):
    html = pdf.render_html(story.assembly.minutes)

    assert 'dir="rtl"' in html and 'data-testid="minutes-document"' in html
    assert story.chair.full_name in html and "۴" in html  # Persian digits in the official copy


def test_submission_registration_and_the_provincial_queue(en, story, sms):
    m = approved(story, en, sms)
    assert m.state == "approved"
    member = story.assembly.roll.exclude(person__in=[story.chair, story.secretary]).first().person
    en.force_login(helpers.user(Role.MEMBER, person=member))
    assert 'data-testid="minutes-document"' in en.get(url("minutes", story)).content.decode()
    assert en.get(url("minutes_pdf", story)).status_code == 200
    officer = helpers.user(Role.OFFICER, cooperative=story.coop)
    supervisor = helpers.user(Role.SUPERVISOR, province=story.coop.province)
    elsewhere = helpers.user(Role.SUPERVISOR, province=helpers.other_province(story.coop.province))

    en.force_login(supervisor)
    assert en.post(url("minutes_register", story)).status_code == 422  # not yet submitted
    en.force_login(officer)
    assert en.post(url("minutes_register", story)).status_code == 403
    assert en.get(reverse("assemblies:minutes_queue")).status_code == 403
    assert en.post(url("minutes_submit", story), {"note": ""}).status_code == 302

    en.force_login(elsewhere)
    assert en.get(url("minutes", story)).status_code == 404
    assert en.post(url("minutes_register", story)).status_code == 404
    assert 'data-testid="queue-empty"' in en.get(reverse("assemblies:minutes_queue")).content.decode()

    en.force_login(supervisor)
    queue = en.get(reverse("assemblies:minutes_queue")).content.decode()
    assert f'data-assembly="{story.assembly.pk}"' in queue
    registered = en.post(url("minutes_register", story), follow=True).content.decode()

    assert 'data-state="registered"' in registered
    elected = {c.pk: c.person_id for c in story.candidates}
    seated = Position.objects.filter(cooperative=story.coop, ended_on__isnull=True, role="board_member")
    assert sorted(seated.values_list("person_id", flat=True)) == sorted(elected[pk] for pk in story.outcome.elected)


def test_the_province_returns_minutes_with_a_reason(en, story, sms):
    approved(story, en, sms)
    en.force_login(helpers.user(Role.OFFICER, cooperative=story.coop))
    en.post(url("minutes_submit", story), {"note": ""})
    en.force_login(helpers.user(Role.SUPERVISOR, province=story.coop.province))

    missing = en.post(url("minutes_return", story), {"reason": ""})
    assert missing.status_code == 422 and 'data-testid="field-error"' in missing.content.decode()
    returned = en.post(url("minutes_return", story), {"reason": "Inspector's report missing"}, follow=True)

    assert 'data-state="returned"' in returned.content.decode()
    assert "Inspector&#x27;s report missing" in returned.content.decode()
    en.force_login(helpers.user(Role.OFFICER, cooperative=story.coop))
    assert en.post(url("minutes_submit", story), {"note": ""}).status_code == 422
    assert en.post(url("minutes_submit", story), {"note": "Report attached"}).status_code == 302


def test_the_decisions_notice_shows_its_deadline_and_deliveries(en, story, sms, django_capture_on_commit_callbacks):
    approved(story, en, sms)
    en.force_login(helpers.user(Role.OFFICER, cooperative=story.coop))
    deadline = format_jalali(timezone.localdate() + datetime.timedelta(days=15), persian_digits=False)

    before = en.get(url("minutes", story)).content.decode()
    assert deadline in before and 'data-testid="decisions-pending"' in before
    with django_capture_on_commit_callbacks(execute=True):
        response = en.post(url("minutes_notify", story))
    assert response.status_code == 302
    page = en.get(url("minutes", story)).content.decode()

    assert 'data-met="yes"' in page and "within the legal time" in page
    assert re.search(r'data-testid="sms-sent">7<', page)
    assert en.post(url("minutes_notify", story)).status_code == 422
    panel = en.get(url("minutes_decisions", story)).content.decode()
    assert 'data-testid="decisions"' in panel and "hx-get" not in panel  # everything sent: no more polling


def test_the_chair_can_draft_again_before_approval_but_a_member_cannot(en, story):
    en.force_login(story.chair_user)
    assert en.post(url("minutes_draft", story)).status_code == 302
    other = story.assembly.roll.exclude(person__in=[story.chair, story.secretary]).first().person
    en.force_login(helpers.user(Role.MEMBER, person=other))
    assert en.post(url("minutes_draft", story)).status_code == 403


MINUTES_ROUTES = [
    "minutes",
    "minutes_pdf",
    "minutes_draft",
    "minutes_approve",
    "minutes_submit",
    "minutes_register",
    "minutes_return",
    "minutes_notify",
    "minutes_decisions",
]


def test_no_minutes_route_answers_someone_outside_the_assembly(client, story, sms):
    approved(story, client, sms)
    client.force_login(helpers.user(Role.OFFICER, cooperative=story.coop))
    client.post(url("minutes_submit", story), {"note": ""})
    elsewhere = helpers.other_province(story.coop.province)
    outsiders = [
        None,
        helpers.user(Role.OFFICER, cooperative=helpers.cooperative(province=story.coop.province)),
        helpers.user(Role.SUPERVISOR, province=elsewhere),
        helpers.user(Role.MEMBER),
        helpers.user(Role.BANK_OFFICER, bank_code="017"),
    ]
    answered = []
    for user in outsiders:
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        for name in MINUTES_ROUTES:
            for method in ("get", "post"):
                response = getattr(client, method)(url(name, story))
                refused = response.status_code in (403, 404, 405) or (
                    response.status_code == 302 and "login" in response["Location"]
                )
                if not refused:
                    answered.append(f"{user and user.roles()} {method} {name} -> {response.status_code}")
    assert not answered, answered
    assert Minutes.objects.get(assembly=story.assembly).state == "submitted"


def test_the_approval_page_reads_in_the_order_of_use_send_a_code_then_approve(en, story):
    """The approve button used to come first, above the button that sends the code it needs."""
    en.force_login(story.chair_user)

    for html in (
        en.get(url("minutes_approve", story)).content.decode(),
        en.post(url("minutes_approve", story), {"action": "request"}).content.decode(),
    ):
        assert html.index('data-testid="request-code"') < html.index('data-testid="code-form"')
        assert html.index('data-testid="request-code"') < html.index('data-testid="approve-button"')
