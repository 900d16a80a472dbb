"""The main journeys of the registry in a real browser (headless chromium), right to left."""

import re

import pytest
from playwright.sync_api import Page, expect

from taavon.accounts.models import Role
from taavon.core.persian import to_persian_digits
from tests import helpers

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_visitor_finds_a_cooperative_however_its_name_is_spelt(page: Page, open_page):
    helpers.cooperative(name="تعاونی‌های فرش دستباف کاشان")
    helpers.cooperative(name="تعاونی مصرف فرهنگیان")

    open_page(page, "/register/")
    page.get_by_role("searchbox").fill("تعاونيهاي فرش")  # Arabic yeh, no ZWNJ

    results = page.get_by_test_id("register-results")
    expect(results).to_contain_text("تعاونی‌های فرش دستباف کاشان")
    expect(results).not_to_contain_text("فرهنگیان")
    results.get_by_role("link", name="تعاونی‌های فرش دستباف کاشان").click()
    expect(page.locator("h1")).to_contain_text("تعاونی‌های فرش دستباف کاشان")


def test_a_member_logs_in_with_a_one_time_code(page: Page, open_page):
    coop = helpers.cooperative(name="تعاونی حرکت بلبرینگ ایمن")
    member = helpers.member(coop)

    open_page(page, "/accounts/login/")
    page.locator("input[name=national_code]").fill(to_persian_digits(member.person.national_code))
    page.get_by_test_id("login-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("code-sent")).to_be_visible()
    code = page.get_by_test_id("demo-code").locator("span").inner_text()
    assert re.fullmatch(r"\d{6}", code)

    page.locator("input[name=code]").fill("000000" if code != "000000" else "111111")
    page.get_by_test_id("code-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("form-error")).to_be_visible()

    page.locator("input[name=code]").fill(to_persian_digits(code))
    page.get_by_test_id("code-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("current-user")).to_contain_text(member.person.last_name)
    expect(page.locator("main")).to_contain_text("تعاونی حرکت بلبرینگ ایمن")


def test_an_officer_imports_members_and_sees_every_bad_row_before_confirming(
    page: Page, open_page, log_in_as_official, tmp_path
):
    coop = helpers.cooperative(name="تعاونی تولیدی نساجی و پوشاک")
    officer = helpers.user(Role.OFFICER, cooperative=coop, mobile="09121112233")
    good = [helpers.national_code() for _ in range(2)]
    members_file = tmp_path / "members.csv"
    members_file.write_text(
        "کد ملی,نام,نام خانوادگی,تلفن همراه,تاریخ عضویت,سهام,مبلغ پرداختی\n"
        f"{to_persian_digits(good[0])},مریم,احمدی,۰۹۱۲۳۴۵۶۷۸۹,۱۴۰۲/۰۱/۱۵,۱۰۰۰۰۰۰۰,۱۰۰۰۰۰۰۰\n"
        f"{good[1]},رضا,کریمی,09121234567,1402/01/15,5000000,0\n"
        "1234567890,سارا,محمدی,09120000000,1402/01/15,1000000,0\n",
        encoding="utf-8-sig",
    )

    log_in_as_official(page, officer)
    open_page(page, f"/cooperatives/{coop.pk}/members/import/")
    page.locator("input[type=file]").set_input_files(str(members_file))
    page.get_by_test_id("import-form").locator("button[type=submit]").click()

    expect(page.get_by_test_id("valid-count")).to_have_text("۲")
    expect(page.get_by_test_id("error-count")).to_have_text("۱")
    expect(page.locator("main")).to_contain_text(to_persian_digits("1234567890"))
    assert coop.memberships.count() == 0, "nothing is written before the officer confirms"

    page.get_by_test_id("confirm-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("import-result")).to_be_visible()
    assert set(coop.memberships.values_list("person__national_code", flat=True)) == set(good)


def test_the_english_switch_turns_the_page_left_to_right(page: Page, open_page):
    open_page(page, "/register/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("html")).to_have_attribute("lang", "en")
