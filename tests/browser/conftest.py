"""Browser tests drive Debian's chromium through Playwright against pages served by the app.

Never ``playwright install``: the machine has no way to download a browser. A screenshot of
every failing test is kept under ``var/test-results``.

Shared steps are fixtures (the test directories are not packages, so a conftest cannot be
imported): ``open_page(page, path)`` opens a path of the live server and checks that the page
reads right to left; ``log_in_as_official(page, user)`` and ``log_in_as_member(page, person)`` go
through the login pages with the one-time code the demo mode shows on the page.
"""

import os

import pytest
from playwright.sync_api import Page, expect

from taavon.core.persian import to_persian_digits
from tests import helpers

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fa-IR", "viewport": {"width": 1280, "height": 900}}


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    browser_items = [item for item in items if str(item.path).startswith(here)]
    if browser_items and not os.path.exists(CHROMIUM):
        raise pytest.UsageError(f"Browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium")
    for item in browser_items:
        item.add_marker(pytest.mark.browser)


def _expect_rtl(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


@pytest.fixture
def open_page(live_server):
    def open_(page: Page, path: str) -> None:
        page.goto(live_server.url + path)
        _expect_rtl(page)

    return open_


def _enter_demo_code(page: Page) -> None:
    code = page.get_by_test_id("demo-code").locator("span").inner_text()
    page.locator("input[name=code]").fill(code)
    page.get_by_test_id("code-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()
    _expect_rtl(page)


@pytest.fixture
def log_in_as_official(open_page):
    def log_in(page: Page, user) -> None:
        open_page(page, "/accounts/login/?mode=official")
        page.get_by_test_id("tab-official").click()
        page.locator("input[name=national_code]").fill(to_persian_digits(user.national_code))
        page.locator("input[name=password]").fill(helpers.PASSWORD)
        page.get_by_test_id("login-form").locator("button[type=submit]").click()
        _enter_demo_code(page)

    return log_in


@pytest.fixture
def log_in_as_member(open_page):
    def log_in(page: Page, person) -> None:
        open_page(page, "/accounts/login/")
        page.locator("input[name=national_code]").fill(to_persian_digits(person.national_code))
        page.get_by_test_id("login-form").locator("button[type=submit]").click()
        _enter_demo_code(page)

    return log_in
