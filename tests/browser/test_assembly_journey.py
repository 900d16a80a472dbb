"""An online general assembly from the notice to the minutes, in a real browser, right to left.

An officer convenes and publishes; member C gives a proxy to member B; A and B check in from
their own browsers; the officer opens the session with A in the chair and B as secretary and
opens voting; A votes, B casts one ballot for himself and one for C, and A watches the turnout
rise on his open page; the chair closes voting and the session; the officer downloads the PDF
of the minutes; A finds his ballot on the bulletin board with his receipt code.

The live figures: pytest-django's ``live_server`` serves WSGI only, so the pages' WebSocket
never connects and they fall back on htmx polling (the ballot page asks for the turnout every
3 seconds). That fallback is what this test watches update the page without a reload.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from taavon.accounts.models import Role
from taavon.assemblies.models import AgendaItem, Assembly, AssemblyState, ItemState
from taavon.core.jalali import format_jalali
from taavon.core.persian import to_persian_digits
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db(transaction=True)

TURNOUT_POLL_TIMEOUT = 15_000  # ms: the ballot page polls every 3 s (slack for a loaded machine)


def expect_rtl(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


def persian(value) -> str:
    return to_persian_digits(str(value))


@pytest.fixture
def member_page(new_context, log_in_as_member):
    """A member logged in on a page of a browser context of its own (own cookies, own session).

    pytest-playwright's ``new_context`` calls ``browser.new_context()`` and keeps the context in
    its records, so every member's page gets its screenshot too when the test fails.
    """

    def open_for(person) -> Page:
        page = new_context().new_page()
        log_in_as_member(page, person)
        return page

    return open_for


def convene(page: Page, open_page, coop, *, title: str, motion: str) -> int:
    """The officer convenes an electronic annual assembly 25 days ahead and publishes its notice."""
    open_page(page, f"/assemblies/cooperative/{coop.pk}/")
    page.get_by_test_id("convene").click()
    expect_rtl(page)
    form = page.get_by_test_id("assembly-form")
    form.locator("input[name=title]").fill(title)
    form.locator("select[name=kind]").select_option("annual_ordinary")
    form.locator("select[name=mode]").select_option("electronic")
    form.locator("input[name=starts_on]").fill(format_jalali(timezone.localdate() + datetime.timedelta(days=25)))
    form.locator("input[name=starts_time]").fill("۱۰:۰۰")
    form.locator("input[name=ends_time]").fill("۱۳:۰۰")
    form.locator("input[name='agenda-0-title']").fill(motion)
    form.get_by_test_id("save").click()

    expect(page.get_by_test_id("assembly-title")).to_have_text(title)
    expect_rtl(page)
    findings = page.get_by_test_id("findings")
    expect(findings.locator("tr[data-rule='assembly.electronic_requires_all_verified']")).to_have_attribute(
        "data-ok", "yes"
    )
    expect(findings.locator("tr[data-blocking='yes']")).to_have_count(0)
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("roll-size")).to_have_text("۵")
    expect_rtl(page)
    return int(re.search(r"/assemblies/(\d+)/", page.url).group(1))


def test_an_assembly_is_held_online_from_the_notice_to_the_minutes(
    page: Page, open_page, log_in_as_official, member_page, tmp_path
):
    coop = helpers.cooperative(name="تعاونی مسکن کارکنان شهرداری کرج")
    officer = helpers.user(Role.OFFICER, cooperative=coop, mobile="09121112233")
    a, b, c, *_ = factory.bulk_members(coop, 5)

    # 1. The officer convenes the assembly and publishes the notice: the roll of five is frozen.
    log_in_as_official(page, officer)
    assembly_id = convene(page, open_page, coop, title="مجمع عمومی عادی سالیانه ۱۴۰۴", motion="تصویب صورت‌های مالی")
    assembly = Assembly.objects.get(pk=assembly_id)
    item = assembly.items.get()
    session_url = f"/assemblies/{assembly_id}/session/"
    control_url = f"/assemblies/{assembly_id}/session/control/"
    items_url = f"/assemblies/{assembly_id}/items/"
    ballot_url = f"/assemblies/{assembly_id}/ballot/"

    # 2. Weeks before the meeting, C gives a proxy to B; the officer confirms it.
    c_page = member_page(c)
    open_page(c_page, session_url)
    proxy_form = c_page.get_by_test_id("proxy-form")
    proxy_form.locator("input[name=national_code]").fill(persian(b.national_code))
    proxy_form.locator("button[type=submit]").click()
    expect(c_page.get_by_test_id("proxy-given")).to_contain_text(b.full_name)
    expect_rtl(c_page)

    open_page(page, control_url)
    pending = page.get_by_test_id("pending-proxy")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text(c.full_name)
    pending.locator("input[name=identity_checked]").check()
    pending.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("proxy-queue")).to_be_visible()
    expect(page.get_by_test_id("pending-proxy")).to_have_count(0)
    expect_rtl(page)

    # Time passes: the session cannot begin before the start given in the notice, 25 days away,
    # and check-in opens one hour before it. Bring the start to now (the notice stays published).
    now = timezone.now()
    Assembly.objects.filter(pk=assembly_id).update(
        starts_at=now - datetime.timedelta(minutes=1), ends_at=now + datetime.timedelta(hours=3)
    )

    # 3. A and B check in from their own browsers; B sees he casts two ballots.
    a_page = member_page(a)
    open_page(a_page, session_url)
    a_page.get_by_test_id("check-in").click()
    expect(a_page.get_by_test_id("checked-in")).to_be_visible()
    expect_rtl(a_page)

    b_page = member_page(b)
    open_page(b_page, session_url)
    expect(b_page.get_by_test_id("proxy-held")).to_contain_text(c.full_name)
    b_page.get_by_test_id("check-in").click()
    expect(b_page.get_by_test_id("checked-in")).to_be_visible()
    expect(b_page.get_by_test_id("ballots-owed")).to_contain_text("۲")
    expect_rtl(b_page)

    # The officer sees two present and one represented, and opens with A in the chair.
    open_page(page, control_url)
    expect(page.get_by_test_id("present")).to_have_text("۲")
    expect(page.get_by_test_id("represented")).to_have_text("۱")
    expect(page.get_by_test_id("roll")).to_have_text("۵")
    opening = page.get_by_test_id("open-session")
    opening.locator("input[name=chair]").fill(persian(a.national_code))
    opening.locator("input[name=secretary]").fill(persian(b.national_code))
    opening.get_by_test_id("open").click()
    expect(page.get_by_test_id("presiding-board")).to_contain_text(a.full_name)
    expect(page.get_by_test_id("presiding-board")).to_contain_text(b.full_name)
    expect_rtl(page)

    open_page(page, items_url)
    motion = page.locator(f"[data-testid=item][data-item='{item.pk}']")
    motion.get_by_test_id("open-item").click()
    expect(motion).to_have_attribute("data-state", "open")
    expect_rtl(page)

    # 4. A votes for the motion and keeps his ballot page open.
    open_page(a_page, ballot_url)
    a_slot = a_page.get_by_test_id("ballot-slot")
    expect(a_slot).to_have_count(1)
    voted_for = a_slot.locator("input[name=choice][value='1']")
    for_label = a_slot.locator(f"label[for='{voted_for.get_attribute('id')}']").inner_text().strip()
    voted_for.check()
    a_slot.get_by_test_id("cast").click()
    a_receipt = a_page.get_by_test_id("receipt-code").inner_text()
    assert re.fullmatch(r"[0-9a-f]{4}(-[0-9a-f]{4})+", a_receipt), a_receipt
    turnout = a_page.locator("#voting-status").get_by_test_id("turnout")
    expect(turnout).to_have_attribute("data-voted", "1", timeout=TURNOUT_POLL_TIMEOUT)
    a_page.evaluate("window.stillTheSamePage = true")

    # B casts two separate ballots: his own (for) and C's (against), each with its receipt.
    open_page(b_page, ballot_url)
    slots = b_page.get_by_test_id("ballot-slot")
    expect(slots).to_have_count(2)
    own = slots.filter(has_not_text=c.full_name)
    as_proxy = slots.filter(has_text=c.full_name)
    own.locator("input[name=choice][value='1']").check()
    own.get_by_test_id("cast").click()
    expect(own.get_by_test_id("receipt-code")).to_be_visible()
    as_proxy.locator("input[name=choice][value='2']").check()
    as_proxy.get_by_test_id("cast").click()
    expect(as_proxy.get_by_test_id("receipt-code")).to_be_visible()
    b_receipts = {own.get_by_test_id("receipt-code").inner_text(), as_proxy.get_by_test_id("receipt-code").inner_text()}
    assert len(b_receipts | {a_receipt}) == 3
    expect_rtl(b_page)

    # A's page, never reloaded, now shows all three votes present cast.
    expect(turnout).to_have_attribute("data-voted", "3", timeout=TURNOUT_POLL_TIMEOUT)
    assert a_page.evaluate("window.stillTheSamePage") is True

    # 5. The chair closes voting, then the session; the minutes are drafted from the log.
    open_page(a_page, items_url)
    a_motion = a_page.locator(f"[data-testid=item][data-item='{item.pk}']")
    a_motion.get_by_test_id("close-item").click()
    # It asks first, with the turnout: nothing is closed until the chair confirms.
    asking = a_motion.get_by_test_id("confirm-dialog")
    expect(asking.get_by_test_id("confirm-consequence")).to_contain_text("۳ از ۳")
    assert AgendaItem.objects.get(pk=item.pk).state == ItemState.OPEN
    asking.get_by_test_id("confirm-yes").click()
    expect(a_motion).to_have_attribute("data-state", "closed")
    expect(a_motion.get_by_test_id("votes-for")).to_have_text("۲")
    expect(a_motion.get_by_test_id("votes-against")).to_have_text("۱")
    expect(a_motion.get_by_test_id("outcome")).to_be_visible()
    expect_rtl(a_page)

    open_page(a_page, control_url)
    a_page.get_by_test_id("close").click()
    a_page.get_by_test_id("confirm-dialog").get_by_test_id("confirm-yes").click()
    expect(a_page.get_by_test_id("session-closed")).to_be_visible()
    expect_rtl(a_page)
    assembly.refresh_from_db()
    assert assembly.state == AssemblyState.CLOSED
    assert assembly.items.get().state == ItemState.CLOSED

    open_page(page, f"/assemblies/{assembly_id}/minutes/")
    expect(page.get_by_test_id("minutes-state")).to_have_attribute("data-state", "draft")
    with page.expect_download() as download_info:
        page.get_by_test_id("minutes-pdf").click()
    download = download_info.value
    pdf_path = tmp_path / "minutes.pdf"
    download.save_as(pdf_path)
    content = pdf_path.read_bytes()
    assert content.startswith(b"%PDF")
    assert len(content) > 5 * 1024
    assert download.suggested_filename.endswith(".pdf")

    # 6. A checks his receipt: his ballot is on the bulletin board, counted as cast.
    open_page(a_page, f"/assemblies/{assembly_id}/items/{item.pk}/receipt/")
    a_page.locator("#receipt-code").fill(a_receipt)
    a_page.get_by_test_id("check").click()
    expect(a_page.get_by_test_id("receipt-found")).to_be_visible()
    expect(a_page.get_by_test_id("receipt-content")).to_have_text(for_label)
    expect(a_page.get_by_test_id("receipt-as-cast")).to_be_visible()  # the fingerprint matches what he cast
    expect_rtl(a_page)
    # On his phone the 24-digit receipt and the 64-digit hash wrap; nothing pushes the page wide.
    a_page.set_viewport_size({"width": 360, "height": 740})
    a_page.screenshot(path=str(tmp_path / "receipt-360.png"), full_page=True)
    assert a_page.evaluate("document.documentElement.scrollWidth") <= 360
