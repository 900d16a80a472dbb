"""In the browser, on a desktop and on a 360 px phone: the assembly's election is registered, the
officer sees that the board's first meeting is due, records it, and the cooperative's page and
the public register show the chair, vice-chair, secretary and managing director."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from taavon.core.jalali import format_jalali
from taavon.core.persian import to_persian_digits
from tests.registry.test_board_meeting import Story

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("width", [1280, 360], ids=["desktop", "phone"])
def test_an_officer_records_the_boards_first_meeting(page: Page, open_page, log_in_as_official, sms, width):
    story = Story(sms)
    chair, vice, secretary, member, absent = story.elected
    log_in_as_official(page, story.officer)  # on the desktop: the phone's menu folds the user's name away
    page.set_viewport_size({"width": width, "height": 900})

    open_page(page, f"/cooperatives/{story.coop.pk}/")
    expect(page.get_by_test_id("board-meeting-due")).to_contain_text("جلسهٔ نخست هیئت مدیره")
    page.get_by_test_id("record-board-meeting").click()

    form = page.get_by_test_id("board-meeting-form")
    form.locator("input[name=held_on]").fill(to_persian_digits(format_jalali(timezone.localdate())))
    form.get_by_label(absent.full_name, exact=True).uncheck()
    form.locator("select[name=chair]").select_option(chair.national_code)
    form.locator("select[name=vice_chair]").select_option(vice.national_code)
    # A slip first: the same member as chair and secretary is refused on the form.
    form.locator("select[name=secretary]").select_option(chair.national_code)
    form.locator("input[name=managing_director]").fill(to_persian_digits(member.national_code))
    page.get_by_test_id("record-meeting").click()
    expect(page.locator("[data-field=secretary]")).to_contain_text("نمی‌تواند دو سمت")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    form.locator("select[name=secretary]").select_option(secretary.national_code)
    page.get_by_test_id("record-meeting").click()

    board = page.get_by_test_id("board")
    expect(board.locator("tr", has_text=chair.full_name)).to_contain_text("رئیس هیئت مدیره")
    expect(board.locator("tr", has_text=vice.full_name)).to_contain_text("نایب\u200cرئیس هیئت مدیره")
    expect(board.locator("tr", has_text=secretary.full_name)).to_contain_text("منشی هیئت مدیره")
    expect(page.get_by_test_id("management")).to_contain_text(member.full_name)
    expect(page.get_by_test_id("board-meeting-due")).to_have_count(0)
    expect(page.get_by_test_id("board-meeting-date")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    open_page(page, f"/register/{story.coop.national_id}/")
    public = page.get_by_test_id("board")
    expect(public.locator("tr", has_text=chair.full_name)).to_contain_text("رئیس هیئت مدیره")
    expect(public.locator("tr", has_text="مدیرعامل")).to_contain_text(member.full_name)
    expect(page.get_by_test_id("board-meeting-date")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
