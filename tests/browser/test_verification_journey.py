"""An officer asks the provincial office to verify a member; the supervisor verifies from the
queue after a confirmation; the officer sees «verified». On a desktop and on a 360 px phone."""

import pytest
from playwright.sync_api import Page, expect

from taavon.accounts.models import Role
from tests import helpers

pytestmark = pytest.mark.django_db(transaction=True)


def no_sideways_scrolling(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scrolling"


@pytest.mark.parametrize("width, height", [(1280, 900), (360, 740)], ids=["desktop", "phone"])
def test_an_officer_asks_the_supervisor_verifies_from_the_queue_the_officer_sees_verified(
    page: Page, open_page, log_in_as_official, width, height
):
    coop = helpers.cooperative(name="تعاونی زنبورداران البرز")
    officer = helpers.user(Role.OFFICER, cooperative=coop, mobile="09121113344")
    supervisor = helpers.user(Role.SUPERVISOR, province=coop.province, mobile="09121115566")
    member = helpers.member(coop, helpers.person(first_name="مریم", last_name="صالحی"))
    row = f"tr[data-membership='{member.pk}']"

    log_in_as_official(page, officer)  # at desktop size: on a phone the menu folds the user's name away
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, f"/cooperatives/{coop.pk}/")
    expect(page.locator(row)).to_have_attribute("data-verification", "not_requested")
    page.locator(row).get_by_test_id("request-verification").click()
    expect(page.locator(row)).to_have_attribute("data-verification", "requested")
    expect(page.locator(row).get_by_test_id("verification-state")).to_contain_text("در انتظار")

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in_as_official(page, supervisor)
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, "/cooperatives/verification/")
    item = page.get_by_test_id("queue").locator("li").first
    expect(item).to_contain_text("مریم صالحی")
    no_sideways_scrolling(page, width)
    item.get_by_test_id("verify").click()
    expect(page.get_by_test_id("consequence")).to_be_visible()
    no_sideways_scrolling(page, width)
    expect(page.get_by_test_id("confirm-verify")).to_be_focused()
    page.keyboard.press("Enter")  # the confirmation is answered from the keyboard
    expect(page.get_by_test_id("queue-empty")).to_be_visible()

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in_as_official(page, officer)
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, f"/cooperatives/{coop.pk}/")
    expect(page.locator(row)).to_have_attribute("data-verification", "verified")
    expect(page.locator(row).get_by_test_id("verification-state")).to_contain_text("تأیید")
