"""One person, one login, every role: the managing director who is also a member.

With the one-time code alone he acts as a member (checks in, votes); his officer's pages ask for
his password too (step-up). Apps log in the same way through the API and get a token of that
strength.
"""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from taavon.accounts import devices, services
from taavon.accounts.models import ApiToken, Role, RoleGrant, User
from taavon.assemblies.models import Ballot, CheckIn
from taavon.assemblies.voting import services as voting
from taavon.audit.models import AuditEvent
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db

LOGIN, CODE, STEP_UP = reverse("accounts:login"), reverse("accounts:code"), reverse("accounts:step-up")
MOBILE = "09125550001"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Cooperative:
    """A cooperative of six members in an annual assembly in session (four checked in, a motion);
    its managing director is one of the members, with an officer's account not yet linked to his
    registry person (as the issue found him)."""

    def __init__(self):
        self.assembly = a = factory.assembly(members=5)
        self.coop = a.cooperative
        self.md_person = helpers.person(first_name="یعقوب", last_name="امیرخانی", mobile=MOBILE)
        helpers.member(self.coop, self.md_person, verified_at=timezone.now())
        self.md = helpers.user(Role.OFFICER, cooperative=self.coop, national_code=self.md_person.national_code, mobile=MOBILE)
        self.motion = factory.motion(a)
        factory.freeze_roll(a)
        factory.noticed_to_session(a, present=4)  # the first four: not the director, added last
        self.md_entry = a.roll.get(person=self.md_person)

    def open_motion(self):
        return voting.open_item(actor=User.objects.get(pk=self.md.pk), item=self.motion)


@pytest.fixture
def coop():
    return Cooperative()


def log_in_with_code(client, sms, national_code, *, next_url=None):
    data = {"mode": "member", "national_code": national_code}
    if next_url:
        data["next"] = next_url
    client.post(LOGIN, data)
    return client.post(CODE, {"action": "verify", "code": sms.last_code(MOBILE)})


def members_url(coop):
    return reverse("registry:members", args=[coop.coop.pk])


def test_the_director_logs_in_with_a_code_and_checks_in_and_votes_as_a_member(en, sms, coop):
    response = log_in_with_code(en, sms, coop.md.national_code)
    assert response.status_code == 302

    coop.md.refresh_from_db()
    assert coop.md.person_id == coop.md_person.pk  # linked on login: he is on the roll as himself
    link = AuditEvent.objects.get(action="user.update", object_id=str(coop.md.pk))
    assert link.after["person_id"] == coop.md_person.pk

    session = reverse("assemblies:session", args=[coop.assembly.pk])
    assert en.post(reverse("assemblies:check_in", args=[coop.assembly.pk])).status_code == 302
    assert CheckIn.objects.filter(assembly=coop.assembly, roll_entry=coop.md_entry).exists()
    assert en.get(session).status_code == 200

    coop.open_motion()
    cast = reverse("assemblies:cast", args=[coop.assembly.pk, coop.motion.pk])
    response = en.post(cast, {"item": coop.motion.pk, "roll_entry": coop.md_entry.pk, "choice": "1"})
    assert response.status_code == 200 and 'data-testid="receipt-code"' in response.content.decode()
    assert Ballot.objects.filter(item=coop.motion).count() == 1


def test_with_the_code_alone_his_officer_pages_ask_for_his_password_then_open(en, sms, coop):
    log_in_with_code(en, sms, coop.md.national_code)
    home = en.get(reverse("core:home")).content.decode()
    assert 'data-testid="act-as-official"' in home
    assert 'data-testid="home-step-up"' in home  # the home says why his officer work is missing, and how to reach it

    refused = en.get(members_url(coop))
    assert refused.status_code == 403
    page = refused.content.decode()
    assert 'data-testid="step-up-offer"' in page and "Confirm your password to act as an official" in page
    assert f"{STEP_UP}?next={members_url(coop)}" in page

    old_key = en.session.session_key
    wrong = en.post(STEP_UP, {"password": "not-it", "next": members_url(coop)})
    assert wrong.status_code == 200 and "National code or password is not correct." in wrong.content.decode()
    assert en.get(members_url(coop)).status_code == 403

    right = en.post(STEP_UP, {"password": helpers.PASSWORD, "next": members_url(coop)})
    assert right.status_code == 302 and right["Location"] == members_url(coop)
    assert en.session.session_key != old_key  # a stronger login gets a new session key
    assert en.get(members_url(coop)).status_code == 200
    assert 'data-testid="act-as-official"' not in en.get(reverse("core:home")).content.decode()
    assert AuditEvent.objects.filter(action="user.step_up", object_id=str(coop.md.pk)).count() == 1


def test_the_official_login_links_the_person_too_and_is_strong_at_once(en, sms, coop):
    en.post(LOGIN, {"mode": "official", "national_code": coop.md.national_code, "password": helpers.PASSWORD})
    assert en.post(CODE, {"action": "verify", "code": sms.last_code(MOBILE)}).status_code == 302
    coop.md.refresh_from_db()
    assert coop.md.person_id == coop.md_person.pk
    assert en.get(members_url(coop)).status_code == 200
    assert en.post(reverse("assemblies:check_in", args=[coop.assembly.pk])).status_code == 302


def test_a_person_already_linked_to_another_account_is_not_taken(en, sms, coop):
    other = User.objects.create_user(national_code=helpers.national_code())
    User.objects.filter(pk=other.pk).update(person=coop.md_person)
    log_in_with_code(en, sms, coop.md.national_code)
    coop.md.refresh_from_db()
    assert coop.md.person_id is None


def test_a_member_without_an_official_role_is_not_offered_the_step_up(en, sms, coop):
    RoleGrant.objects.filter(user=coop.md).delete()
    log_in_with_code(en, sms, coop.md.national_code)
    assert 'data-testid="act-as-official"' not in en.get(reverse("core:home")).content.decode()
    assert en.get(STEP_UP).status_code == 403


def test_a_weak_login_never_reaches_the_admin_and_is_led_to_the_step_up(en, sms, coop):
    User.objects.filter(pk=coop.md.pk).update(is_staff=True, is_superuser=True)
    RoleGrant.objects.create(user=coop.md, role=Role.ADMINISTRATOR)
    log_in_with_code(en, sms, coop.md.national_code)

    response = en.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    response = en.get(response["Location"])
    assert response.status_code == 302 and response["Location"].startswith(STEP_UP)
    coop.md.refresh_from_db()
    assert coop.md.is_staff and coop.md.is_superuser  # the hidden flags were never written back

    en.post(STEP_UP, {"password": helpers.PASSWORD})
    assert en.get(reverse("admin:index")).status_code == 200


def test_the_admin_login_asks_for_the_platform_login_not_a_password_alone(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?mode=official&next=%2Fadmin%2F"
    assert client.post("/admin/login/", {"username": "x", "password": "y"}).status_code == 302


def test_a_token_made_on_the_token_page_by_a_weak_login_is_weak(en, sms, coop):
    log_in_with_code(en, sms, coop.md.national_code)
    page = en.post(reverse("accounts:tokens"), {"name": "my phone"})
    assert page.status_code == 200
    assert ApiToken.objects.get(user=coop.md, name="my phone").strength == "weak"


# --------------------------------------------------------------------------- the API login


def api_post(client, path, data, **headers):
    return client.post(f"/api/v1{path}", data, content_type="application/json", HTTP_COOKIE="taavon_language=en", **headers)


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_an_app_logs_in_with_the_code_and_gets_a_member_token(client, sms, coop, settings):
    settings.TAAVON_DEMO = True
    sent = api_post(client, "/auth/code", {"national_code": coop.md.national_code})
    assert sent.status_code == 202
    body = sent.json()
    assert body["detail"] == services.code_sent_message() and body["demo_code"] == sms.last_code(MOBILE)
    # An unregistered national code gets the same answer.
    stranger = api_post(client, "/auth/code", {"national_code": helpers.national_code()})
    assert stranger.status_code == 202 and stranger.json()["detail"] == body["detail"]

    made = api_post(client, "/auth/token", {"national_code": coop.md.national_code, "code": body["demo_code"], "name": "Taavon app"})
    assert made.status_code == 201
    login = made.json()
    assert login["strength"] == "weak" and login["roles"] == ["member"]
    token = login["token"]

    assert client.get("/api/v1/assemblies/mine", **bearer(token)).status_code == 200
    checked = client.post(f"/api/v1/assemblies/{coop.assembly.pk}/check-in", **bearer(token))
    assert checked.status_code == 201
    members = client.get(f"/api/v1/cooperatives/{coop.coop.pk}/members", **bearer(token))
    assert members.status_code == 403 and members.json()["detail"]
    assert client.get("/api/v1/accounts/me", **bearer(token)).status_code == 200
    # A token it makes is as weak as itself.
    more = client.post("/api/v1/accounts/tokens", {"name": "second"}, content_type="application/json", **bearer(token))
    assert ApiToken.objects.get(pk=more.json()["id"]).strength == "weak"


def test_with_the_password_the_app_gets_a_strong_token_and_a_new_login_replaces_the_old(client, sms, coop):
    api_post(client, "/auth/code", {"national_code": coop.md.national_code})
    first = api_post(
        client, "/auth/token",
        {"national_code": coop.md.national_code, "code": sms.last_code(MOBILE), "password": helpers.PASSWORD, "name": "app"},
    )
    assert first.status_code == 201
    login = first.json()
    assert login["strength"] == "strong" and login["roles"] == ["member", "officer"]
    assert client.get(f"/api/v1/cooperatives/{coop.coop.pk}/members", **bearer(login["token"])).status_code == 200

    # Logging in again under the same name (the code only this time) replaces the first token.
    api_post(client, "/auth/code", {"national_code": coop.md.national_code})
    second = api_post(client, "/auth/token", {"national_code": coop.md.national_code, "code": sms.last_code(MOBILE), "name": "app"})
    assert second.status_code == 201
    assert client.get("/api/v1/accounts/me", **bearer(login["token"])).status_code == 401
    assert ApiToken.objects.filter(user=coop.md, name="app", revoked_at__isnull=True).count() == 1


def test_api_login_refusals_are_clear_and_cost_nothing(client, sms, coop):
    api_post(client, "/auth/code", {"national_code": coop.md.national_code})
    code = sms.last_code(MOBILE)
    bad_code = api_post(client, "/auth/token", {"national_code": coop.md.national_code, "code": "12", "name": "app"})
    assert bad_code.status_code == 422 and "code" in helpers.field_errors(bad_code)
    bad_nc = api_post(client, "/auth/code", {"national_code": "123"})
    assert bad_nc.status_code == 422 and "national_code" in helpers.field_errors(bad_nc)
    no_name = api_post(client, "/auth/token", {"national_code": coop.md.national_code, "code": code, "name": " "})
    assert no_name.status_code == 422 and "name" in helpers.field_errors(no_name)
    wrong_password = api_post(
        client, "/auth/token", {"national_code": coop.md.national_code, "code": code, "password": "nope", "name": "app"}
    )
    assert wrong_password.status_code == 422
    # None of these spent the code.
    ok = api_post(client, "/auth/token", {"national_code": coop.md.national_code, "code": code, "name": "app"})
    assert ok.status_code == 201


def test_wrong_passwords_on_the_api_slow_down_with_429_but_not_the_officials_own_browser(client, en, sms, coop):
    attempt = {"national_code": coop.md.national_code, "code": "123456", "password": "guess", "name": "app"}
    statuses = [api_post(client, "/auth/token", attempt).status_code for _ in range(services.PASSWORD_FREE_FAILURES)]
    assert statuses == [422] * services.PASSWORD_FREE_FAILURES
    slowed = api_post(client, "/auth/token", attempt)
    assert slowed.status_code == 429 and int(slowed["Retry-After"]) >= 1
    assert "Too many wrong passwords" in " ".join(helpers.field_errors(slowed)["__all__"])
    again = api_post(client, "/auth/token", {**attempt, "password": helpers.PASSWORD})
    assert again.status_code == 429  # within the wait the password is not even looked at

    # The director's browser, where he has logged in before, is a known device: it is not slowed.
    en.cookies[devices.COOKIE] = _known_device(coop.md.national_code)
    response = en.post(LOGIN, {"mode": "official", "national_code": coop.md.national_code, "password": helpers.PASSWORD})
    assert response.status_code == 302


def _known_device(national_code):
    from django.core import signing

    from taavon.accounts import devices

    device = devices.remember(devices.Device(id="director-laptop"), national_code)
    value = signing.dumps({"d": device.id, "k": list(device.marks)}, salt=devices._SALT, compress=True)
    return value


def test_the_api_login_is_documented_and_needs_no_authentication(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/auth/code", "/api/v1/auth/token"):
        operation = schema["paths"][path]["post"]
        assert not operation.get("security")
        assert "429" in operation["responses"]
    assert re.search("strong", str(schema["components"]["schemas"]["LoginTokenOut"]))


# Transactional: each connection's consumer closes the thread's database connection when it ends
# (CONN_MAX_AGE 0), which inside a test's transaction could not be opened again on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_a_weak_login_watches_no_assembly_live_that_only_its_office_would_open(coop, settings):
    from asgiref.sync import async_to_sync
    from channels.routing import URLRouter
    from channels.testing import WebsocketCommunicator

    from taavon.accounts import scoping
    from taavon.accounts.middleware import WebSocketLoginStrength
    from taavon.assemblies.consumers import REFUSED
    from taavon.routing import websocket_urlpatterns

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    other = factory.freeze_roll(factory.assembly(coop.coop, members=6, title="مجمع فوق‌العاده"))
    other.roll.filter(person=coop.md_person).delete()  # an assembly he is not on the roll of
    stack = WebSocketLoginStrength(URLRouter(websocket_urlpatterns))

    def connects(weak: bool):
        user = User.objects.get(pk=coop.md.pk)  # a fresh object per connection, as AuthMiddleware gives

        async def scenario():
            session = {scoping.WEAK_SESSION_KEY: True} if weak else {}

            async def app(scope, receive, send):
                return await stack({**scope, "user": user, "session": session}, receive, send)

            socket = WebsocketCommunicator(app, f"/ws/assemblies/{other.pk}/")
            result = await socket.connect()
            await socket.disconnect()
            return result

        return async_to_sync(scenario)()

    assert connects(weak=False)[0]
    assert connects(weak=True) == (False, REFUSED)


def test_the_api_login_has_the_same_flood_brake_per_address_as_the_pages(client, settings):
    settings.LOGIN_POSTS_PER_ADDRESS_RATE = "2/m"
    for _ in range(2):
        assert api_post(client, "/auth/code", {"national_code": helpers.national_code()}).status_code == 202
    flooded = api_post(client, "/auth/code", {"national_code": helpers.national_code()})
    assert flooded.status_code == 429 and flooded["Retry-After"] == "60" and flooded.json()["detail"]
