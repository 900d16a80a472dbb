"""Forms in a real browser: the Jalali calendar beside date inputs (mouse and keyboard, Persian and
English, desktop and a 360 px phone) agrees with the server's calendar, and no select box clips
its label."""

import datetime

import jdatetime
import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from taavon.accounts.models import Role
from taavon.core.persian import to_persian_digits
from taavon.registry.models import Membership
from tests import helpers

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = pytest.mark.parametrize("width, height", [(1280, 900), (360, 740)], ids=["desktop", "phone"])


def signed_in(page: Page, live_server, user, language="fa") -> None:
    """The user's session, made by the test client and handed to the browser."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([
        {"name": cookie.key, "value": cookie.value, "url": live_server.url},
        {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
    ])


def test_the_calendar_agrees_with_the_server_on_every_kind_of_day(page: Page, live_server):
    """Esfand 30 of leap years, Esfand 29 of common ones, the new year and dates across a century."""
    coop = helpers.cooperative()
    signed_in(page, live_server, helpers.user(Role.OFFICER, cooperative=coop))
    page.goto(f"{live_server.url}/cooperatives/{coop.pk}/members/add/")
    page.wait_for_function("window.TaavonJalali !== undefined")

    jalali_days = [(1399, 12, 30), (1403, 12, 30), (1408, 12, 30), (1404, 12, 29), (1402, 12, 29), (1404, 1, 1),
                   (1300, 1, 1), (1354, 10, 11), (1410, 6, 31), (1499, 12, 29), (1370, 7, 1)]
    gregorian_days = [datetime.date(2025, 3, 20), datetime.date(2025, 3, 21), datetime.date(2024, 2, 29),
                      datetime.date(2000, 1, 1), datetime.date(1979, 2, 11), datetime.date(2100, 3, 1)]
    for y, m, d in jalali_days:
        expected = jdatetime.date(y, m, d).togregorian()
        assert page.evaluate(f"TaavonJalali.toGregorian({y}, {m}, {d})") == [expected.year, expected.month, expected.day]
        assert page.evaluate(f"TaavonJalali.toJalali({expected.year}, {expected.month}, {expected.day})") == [y, m, d]
    for day in gregorian_days:
        j = jdatetime.date.fromgregorian(date=day)
        assert page.evaluate(f"TaavonJalali.toJalali({day.year}, {day.month}, {day.day})") == [j.year, j.month, j.day]
    for year in range(1395, 1425):
        assert page.evaluate(f"TaavonJalali.isLeap({year})") == jdatetime.date(year, 1, 1).isleap(), year
        assert page.evaluate(f"TaavonJalali.daysInMonth({year}, 12)") == (30 if jdatetime.date(year, 1, 1).isleap() else 29)


@SIZES
def test_an_officer_adds_a_member_choosing_the_joining_day_from_the_calendar(page: Page, live_server, width, height):
    coop = helpers.cooperative(name="تعاونی تقویم")
    signed_in(page, live_server, helpers.user(Role.OFFICER, cooperative=coop))
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/cooperatives/{coop.pk}/members/add/")

    joined = page.locator("input[name=joined_on]")
    joined.fill("۱۴۰۳/۱۲/۲۸")  # typed by hand first; the calendar opens on it
    toggle = page.get_by_role("button", name="انتخاب تاریخ از تقویم: تاریخ عضویت")
    toggle.click()
    calendar = page.get_by_role("dialog")
    expect(calendar).to_be_visible()
    expect(calendar.locator(".jdp-title")).to_have_text("اسفند ۱۴۰۳")
    box = calendar.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, "the calendar stays on the screen"
    assert box["y"] + box["height"] <= max(height, page.evaluate("document.documentElement.scrollHeight"))
    expect(calendar.get_by_role("columnheader").first).to_have_text("ش")
    focused = calendar.locator("button:focus")
    expect(focused).to_have_text("۲۸")

    # 1403 is a leap year: Esfand has a 30th, then the next day is 1 Farvardin 1404.
    page.keyboard.press("ArrowLeft")  # the next day, on a right-to-left page
    page.keyboard.press("ArrowLeft")
    expect(calendar.locator("button:focus")).to_have_attribute("aria-label", "۳۰ اسفند ۱۴۰۳")
    page.keyboard.press("ArrowLeft")
    expect(calendar.locator(".jdp-title")).to_have_text("فروردین ۱۴۰۴")
    expect(calendar.locator("button:focus")).to_have_text("۱")
    page.keyboard.press("PageUp")  # back a month, to Esfand 1403
    page.keyboard.press("ArrowDown")  # a week later: 8 Esfand
    expect(calendar.locator("button:focus")).to_have_attribute("aria-label", "۸ اسفند ۱۴۰۳")
    page.keyboard.press("Enter")

    expect(calendar).to_be_hidden()
    expect(joined).to_have_value("۱۴۰۳/۱۲/۰۸")
    expect(joined).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scrolling"

    # The mouse: open again, go to the next month with its button, click the 15th.
    toggle.click()
    calendar.get_by_role("button", name="ماه بعد").click()
    expect(calendar.locator(".jdp-title")).to_have_text("فروردین ۱۴۰۴")
    calendar.get_by_role("button", name="۱۵ فروردین ۱۴۰۴").click()
    expect(joined).to_have_value("۱۴۰۴/۰۱/۱۵")

    # Escape closes it and gives the focus back to its button.
    toggle.click()
    page.keyboard.press("Escape")
    expect(calendar).to_be_hidden()
    expect(toggle).to_be_focused()

    person = helpers.person()
    page.locator("input[name=national_code]").fill(to_persian_digits(person.national_code))
    page.locator("main form button[type=submit]").first.click()
    expect(page.get_by_role("alert").first).to_contain_text(to_persian_digits(person.full_name))
    membership = Membership.objects.get(cooperative=coop, person=person)
    assert membership.joined_on == datetime.date(2025, 4, 4)  # 15 Farvardin 1404


def test_the_calendar_speaks_english_with_latin_digits_on_an_english_page(page: Page, live_server):
    coop = helpers.cooperative()
    signed_in(page, live_server, helpers.user(Role.OFFICER, cooperative=coop), language="en")
    page.goto(f"{live_server.url}/cooperatives/{coop.pk}/members/add/")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")

    page.locator("input[name=joined_on]").fill("1404/12/29")
    page.get_by_role("button", name="Choose a date from a calendar: Joined on").click()
    calendar = page.get_by_role("dialog")
    expect(calendar.locator(".jdp-title")).to_have_text("Esfand 1404")
    expect(calendar.get_by_role("columnheader").first).to_have_text("Sa")
    expect(calendar.locator("button:focus")).to_have_attribute("aria-label", "29 Esfand 1404")
    page.keyboard.press("ArrowRight")  # 1404 is a common year: no 30th, the next day is the new year
    expect(calendar.locator(".jdp-title")).to_have_text("Farvardin 1405")
    page.keyboard.press(" ")
    expect(page.locator("input[name=joined_on]")).to_have_value("1405/01/01")


# Each option's text measured in the select's own font against the room the select gives it.
CLIPPED_OPTIONS = """() => {
  const canvas = document.createElement("canvas").getContext("2d");
  const clipped = [];
  for (const select of document.querySelectorAll("main select")) {
    const style = getComputedStyle(select);
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    for (const option of select.options) {
      const needed = canvas.measureText(option.text).width;
      if (needed > room + 0.5) { clipped.push(`${select.name}: «${option.text}» needs ${needed.toFixed(0)} px, has ${room.toFixed(0)}`); }
    }
  }
  return clipped;
}"""


@SIZES
@pytest.mark.parametrize("language", ["fa", "en"])
def test_no_select_clips_its_label(page: Page, live_server, width, height, language):
    coop = helpers.cooperative()
    signed_in(page, live_server, helpers.user(Role.ADMINISTRATOR), language=language)
    page.set_viewport_size({"width": width, "height": height})
    for path in ("/cooperatives/", "/cooperatives/new/", f"/cooperatives/{coop.pk}/members/add/",
                 f"/cooperatives/{coop.pk}/status/", "/register/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")  # the fonts the labels are drawn in
        page.evaluate("document.fonts.ready")
        assert page.locator("main select").count() > 0, path
        assert page.evaluate(CLIPPED_OPTIONS) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"no sideways scrolling on {path}"


def test_on_a_phone_the_menu_opens_and_closes_without_bootstrap_s_script(page: Page, live_server):
    """The phone menu was the one thing Bootstrap's 80 KB script did; taavon.js does it now, and
    neither it nor the calendar it fetches is refused by the Content-Security-Policy."""
    said: list[str] = []
    page.on("console", lambda message: said.append(message.text) if message.type == "error" else None)
    coop = helpers.cooperative()
    signed_in(page, live_server, helpers.user(Role.OFFICER, cooperative=coop))
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/cooperatives/{coop.pk}/members/add/")

    menu = page.get_by_role("button", name="منو")
    register_link = page.get_by_role("link", name="دفتر ثبت عمومی")
    expect(register_link).to_be_hidden()
    menu.click()
    expect(register_link).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "true")
    menu.click()
    expect(register_link).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")

    page.wait_for_function("window.TaavonJalali !== undefined")
    assert said == []
