"""Every answer carries a Content-Security-Policy that runs scripts from Taavon's own files only,
and no page carries what that policy would block: an inline ``<script>``, an ``on*=`` handler, an
``hx-on`` attribute, a ``style=`` attribute, or an htmx trigger filter (htmx would eval it)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

from taavon.accounts.models import ApiToken, Role
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def directives(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in header.split("; ")}


class Blocked(HTMLParser):
    """What a page carries that the policy would refuse to run or apply."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src") and names.get("type") != "application/json":
            self.found.append("inline <script>")
        for name, value in attrs:
            if name.startswith("on") or name.startswith("hx-on"):
                self.found.append(f"<{tag} {name}=…>")
            if name == "style":
                self.found.append(f"<{tag} style=…>")
            if name in ("hx-trigger", "data-hx-trigger") and value and "[" in value:
                self.found.append(f"<{tag} hx-trigger filter {value!r}> (htmx would eval it)")
            if name in ("hx-vals", "hx-headers") and value and value.strip().startswith("js:"):
                self.found.append(f"<{tag} {name}=js:…>")


def blocked(html: str) -> list[str]:
    parser = Blocked()
    parser.feed(html)
    return parser.found


def test_a_page_has_a_policy_without_inline_scripts_and_keeps_the_other_headers(client):
    response = client.get("/register/")
    policy = directives(response)
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'self'" and policy["form-action"] == "'self'"
    # The live updates' WebSocket, on the page's own host only.
    assert policy["connect-src"] == "'self' ws://testserver wss://testserver"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_api_documentation_may_style_inline_but_never_run_inline_scripts(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert "cdn" not in response.content.decode().lower()  # Swagger UI from ninja's own static files


def test_no_template_carries_an_inline_script_handler_or_style():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        without_tags = re.sub(r"{[%{#].*?[%}#]}", "T", text, flags=re.S)  # a template tag stands for some text
        assert blocked(without_tags) == [], template.relative_to(TEMPLATES)


@pytest.fixture
def assembly_story():
    """A cooperative with an assembly in session, a motion open for voting and a member who has
    just voted (the receipt with its copy button); its officer, supervisor, analyst and administrator."""
    a = factory.open_with_board(factory.in_session(members=4))
    item = factory.motion(a)
    item.state = "open"
    item.save()
    coop = a.cooperative
    voter = a.roll.order_by("id").first()
    member = helpers.user(Role.MEMBER, person=voter.person, password=None)
    officer = helpers.user(Role.OFFICER, cooperative=coop, password=None)
    ApiToken.issue(officer, "a program")
    return {
        "assembly": a, "item": item, "coop": coop, "member": member, "voter": voter,
        "users": {
            "officer": officer,
            "supervisor": helpers.user(Role.SUPERVISOR, province=coop.province, password=None),
            "analyst": helpers.user(Role.ANALYST, password=None),
            "administrator": helpers.user(Role.ADMINISTRATOR, password=None),
            "member": member,
        },
    }


def pages(story) -> list[str]:
    a, item, coop = story["assembly"], story["item"], story["coop"]
    return [
        "/", "/register/", f"/register/?q={coop.name}", "/rules/", "/accounts/login/", "/accounts/tokens/",
        "/accounts/me/", "/cooperatives/", f"/cooperatives/{coop.pk}/", f"/cooperatives/{coop.pk}/members/",
        f"/cooperatives/{coop.pk}/members/import/", f"/cooperatives/{coop.pk}/audit/", "/cooperatives/people/",
        f"/assemblies/cooperative/{coop.pk}/", f"/assemblies/cooperative/{coop.pk}/new/", "/assemblies/mine/",
        f"/assemblies/{a.pk}/", f"/assemblies/{a.pk}/session/", f"/assemblies/{a.pk}/session/control/",
        f"/assemblies/{a.pk}/session/attendance/", f"/assemblies/{a.pk}/items/", f"/assemblies/{a.pk}/ballot/",
        f"/assemblies/{a.pk}/ballot/status/?item={item.pk}", f"/assemblies/{a.pk}/items/{item.pk}/turnout/",
        f"/assemblies/{a.pk}/minutes/", "/assemblies/minutes/queue/",
    ]


def test_the_main_pages_as_each_role_carry_nothing_the_policy_blocks(client, assembly_story):
    seen = 0
    for role, user in assembly_story["users"].items():
        client.force_login(user)
        for path in pages(assembly_story):
            response = client.get(path)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            seen += 1
            assert "script-src 'self';" in response.headers["Content-Security-Policy"]
            assert blocked(response.content.decode()) == [], (role, path)
        client.logout()
    assert seen > 60  # the walk really saw the pages, not only refusals


def test_the_answers_that_show_a_secret_once_carry_nothing_the_policy_blocks(client, assembly_story):
    """The receipt of a ballot (its copy button) and a new API token (select on focus, revoke confirmation)."""
    a, item, voter = assembly_story["assembly"], assembly_story["item"], assembly_story["voter"]
    client.force_login(assembly_story["member"])
    response = client.post(
        f"/assemblies/{a.pk}/items/{item.pk}/cast/",
        {"item": item.pk, "roll_entry": voter.pk, "choice": 1},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert 'data-testid="receipt-code"' in html and "data-copy=" in html
    assert blocked(html) == []

    client.force_login(assembly_story["users"]["officer"])
    html = client.post("/accounts/tokens/", {"name": "nightly export"}).content.decode()
    assert 'data-testid="new-token"' in html and "data-select-on-focus" in html and "data-confirm=" in html
    assert blocked(html) == []
