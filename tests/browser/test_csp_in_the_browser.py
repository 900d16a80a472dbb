"""Under the Content-Security-Policy the live pages still work in a real browser, and nothing on
them (nor on the admin site or the API documentation) is refused by the policy.

A member watches the ballot page and the session page: another member's ballot raises the turnout
and another member's check-in raises the attendance without a reload. pytest-django's live server
speaks no WebSocket, so these updates come by the pages' polling, which is what the scripts moved
to ``static/js`` drive when the socket is down (the session page's 5 s poll is sent from there now
that htmx may not eval a trigger filter).
"""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from taavon.accounts.models import Role
from taavon.assemblies.models import CheckIn
from taavon.assemblies.voting import services as voting
from taavon.core.persian import to_persian_digits
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db(transaction=True)

POLL_TIMEOUT = 15_000  # ms: the pages poll every 3 s (ballot) and 5 s (attendance)

# Recorded by the browser itself; added through the DevTools protocol, so the policy does not apply to it.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
"""


def watched(page: Page) -> list[str]:
    """Console messages of ``page`` about the Content-Security-Policy (the list fills as it runs)."""
    said: list[str] = []
    page.add_init_script(WATCH_VIOLATIONS)
    page.on("console", lambda message: said.append(message.text) if "Content Security Policy" in message.text else None)
    return said


def violations(page: Page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


@pytest.fixture
def session_story():
    """An assembly in session (two of four members present) with a motion open for voting."""
    a = factory.open_with_board(factory.in_session(members=4, present=2))
    item = factory.motion(a)
    item.state = "open"
    item.save()
    entries = list(a.roll.select_related("person").order_by("id"))
    return a, item, entries


def test_the_live_ballot_and_session_pages_update_with_no_policy_violation(
    new_context, live_server, log_in_as_member, session_story
):
    a, item, entries = session_story
    page = new_context().new_page()
    said = watched(page)
    log_in_as_member(page, entries[0].person)

    page.goto(live_server.url + f"/assemblies/{a.pk}/ballot/")
    turnout = page.locator("#voting-status").get_by_test_id("turnout")
    expect(turnout).to_have_attribute("data-voted", "0")
    voting.cast_ballot(actor_person=entries[1].person, item=item, roll_entry=entries[1], choice=1)
    expect(turnout).to_have_attribute("data-voted", "1", timeout=POLL_TIMEOUT)
    assert violations(page) == [] and said == []

    page.goto(live_server.url + f"/assemblies/{a.pk}/session/")
    present = page.locator("#attendance [data-figure=present]").first
    expect(present).to_have_text(to_persian_digits("2"))
    CheckIn.objects.create(assembly=a, roll_entry=entries[2])
    expect(present).to_have_text(to_persian_digits("3"), timeout=POLL_TIMEOUT)
    assert violations(page) == [] and said == []


def test_the_admin_site_and_the_api_documentation_work_under_their_policy(page: Page, live_server):
    said = watched(page)
    # An administrator's session, made by the test client and handed to the browser.
    client = Client()
    client.force_login(helpers.user(Role.ADMINISTRATOR, password=None))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])

    page.goto(live_server.url + "/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    page.goto(live_server.url + "/admin/accounts/user/")
    expect(page.locator("#result_list")).to_be_visible()
    assert violations(page) == [] and said == []

    page.goto(live_server.url + "/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Taavon API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert violations(page) == [] and said == []
