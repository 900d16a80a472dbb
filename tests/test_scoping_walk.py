"""Every page and API route, called by every role against objects outside its scope, gives
nothing away: the answer is a refusal (401/403/404/405 or a redirect to the login page), and
pages without an object in their address never show the other cooperative's data.

The walk enumerates Django's URL resolver, so a new route is walked without touching this file;
a route whose address takes a parameter this walk does not know fails the test until the
parameter is taught below.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from taavon.accounts.models import ApiToken, Role
from taavon.assemblies.models import AgendaDocument
from taavon.audit.services import record
from taavon.registry.models import ImportBatch, Position, VerificationBatch, VerificationRequest
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db

# Routes that are public on purpose, or not the app's (static files, the API schema). The admin
# is walked by its own test below: only staff (administrators) get past its login.
PUBLIC = re.compile(
    r"^/($|health|register/|rules/|i18n/|static/|media/|admin/|api/v1/(public|rules|docs|openapi\.json)|"
    r"accounts/(login|code|logout))"
)
# A user's own account (tokens, profile) is theirs to change whatever their role.
OWN_ACCOUNT = re.compile(r"^/(accounts/|api/v1/accounts/)")
REFUSED = {401, 403, 404, 405}
WRITE_METHODS = ("post", "patch", "put", "delete")


def walk(resolver=None, prefix="", namespace=""):
    """(path template, namespace, converters) of every route."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from walk(entry, prefix + route, ns)
        elif isinstance(entry, URLPattern):
            yield prefix + route, namespace


class Outside:
    """A cooperative in another province, with one of everything that hangs off it."""

    def __init__(self, home_province):
        self.coop = helpers.cooperative(province=helpers.other_province(home_province), name="تعاونی بیرون از قلمرو")
        self.membership = helpers.member(self.coop)
        self.position = Position.objects.create(
            cooperative=self.coop, person=self.membership.person, role="chair",
            term_start="2024-01-01", term_end="2027-01-01",
        )
        self.batch = ImportBatch.objects.create(cooperative=self.coop, filename="m.xlsx")
        self.verification = VerificationRequest.objects.create(
            cooperative=self.coop, membership=self.membership, requested_at="2025-01-01T00:00Z"
        )
        self.verification_batch = VerificationBatch.objects.create(cooperative=self.coop, total=1)
        record(None, "cooperative.update", self.coop)
        self.token, _ = ApiToken.issue(helpers.user(Role.OFFICER, cooperative=self.coop), "outsider")
        self.assembly = factory.freeze_roll(factory.assembly(self.coop, members=3))
        self.item = factory.motion(self.assembly)
        principal, holder = self.assembly.roll.order_by("id")[:2]
        self.proxy = factory.proxy(self.assembly, principal, holder.person, state="pending")
        self.document = AgendaDocument.objects.create(
            item=self.item, title="صورت‌های مالی", file="agenda/outside.pdf", content_type="application/pdf",
            size=10, sha256="0" * 64,
        )
        self.candidate = factory.candidates(factory.election(self.assembly), [holder.person])[0]
        # Strings that must never appear on a page shown to someone outside the scope.
        self.secrets = [self.membership.person.national_code, self.membership.person.mobile]

    def value_for(self, name: str, namespace: str):
        if namespace == "accounts" and name in ("pk", "id", "token_id"):
            return self.token.pk
        values = {
            "pk": self.coop.pk, "id": self.coop.pk, "cooperative_id": self.coop.pk, "coop_id": self.coop.pk,
            "membership_id": self.membership.pk, "member_id": self.membership.pk,
            "position_id": self.position.pk, "batch_id": self.batch.pk, "token_id": self.token.pk,
            "national_id": self.coop.national_id, "national_code": self.membership.person.national_code,
            "assembly_id": self.assembly.pk, "item_id": self.item.pk, "proxy_id": self.proxy.pk,
            "request_id": self.verification.pk, "verification_batch_id": self.verification_batch.pk,
            "document_id": self.document.pk, "candidate_id": self.candidate.pk,
        }
        if name not in values:
            raise AssertionError(f"The scoping walk does not know the route parameter {name!r}: teach it.")
        return values[name]


PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def fill(template: str, namespace: str, outside: Outside) -> str:
    url = "/" + template.replace("^", "").replace("$", "")
    if "accounts/" in url:
        namespace = "accounts"
    url = PARAM.sub(lambda m: str(outside.value_for(m.group("name"), namespace)), url)
    return url.replace("\\", "")


def routes(outside):
    for template, namespace in walk():
        if PUBLIC.match("/" + template.lstrip("^")):
            continue
        yield fill(template, namespace, outside), bool(PARAM.search(template))


def login_redirect(response) -> bool:
    return response.status_code == 302 and "login" in response.get("Location", "")


@pytest.fixture
def world():
    home = helpers.province("23")
    mine = helpers.cooperative(province=home)
    outside = Outside(home)
    roles = {
        "officer": helpers.user(Role.OFFICER, cooperative=mine),
        "supervisor": helpers.user(Role.SUPERVISOR, province=home),
        "member": helpers.user(Role.MEMBER),
        "bank officer": helpers.user(Role.BANK_OFFICER, bank_code="022"),
    }
    helpers.member(mine, roles["member"].person)
    return outside, roles


def test_no_route_answers_an_outsider_with_the_other_cooperatives_data(world, client):
    outside, roles = world
    leaks = []
    for label, user in [("anonymous", None), *roles.items()]:
        client.logout()
        if user is not None:
            client.force_login(user)
        for url, names_an_object in routes(outside):
            for method in ("get", *WRITE_METHODS):
                response = getattr(client, method)(url, content_type="application/json")
                status = response.status_code
                if status >= 500:
                    leaks.append(f"{label} {method.upper()} {url} -> server error {status}")
                    continue
                if status in REFUSED or login_redirect(response) or status == 429:
                    continue
                # An empty body on a create route is refused by validation before anything is
                # written; who may create at all is proven by each app's own tests.
                if not names_an_object and status in (400, 422):
                    continue
                if names_an_object or (method != "get" and not OWN_ACCOUNT.match(url)):
                    leaks.append(f"{label} {method.upper()} {url} -> {status}")
                    continue
                body = response.content.decode(errors="replace")
                shown = [s for s in outside.secrets if s and s in body]
                if shown:
                    leaks.append(f"{label} GET {url} shows {shown}")
    assert not leaks, "\n".join(leaks)


def test_an_analyst_reads_everywhere_but_writes_nowhere(world, client):
    outside, _ = world
    client.force_login(helpers.user(Role.ANALYST))
    writes = []
    for url, names_an_object in routes(outside):
        if not names_an_object or url.startswith("/admin/") or url.startswith("/accounts/"):
            continue
        for method in WRITE_METHODS:
            response = getattr(client, method)(url, content_type="application/json")
            if response.status_code not in {403, 404, 405}:
                writes.append(f"analyst {method.upper()} {url} -> {response.status_code}")
    assert not writes, "\n".join(writes)


def test_the_walk_covers_the_api_and_the_pages(world):
    outside, _ = world
    urls = [url for url, _ in routes(outside)]
    assert any(url.startswith("/api/v1/cooperatives") for url in urls)
    assert any(url.startswith("/cooperatives/") for url in urls)


def test_the_back_office_admits_administrators_only(world, client):
    _, roles = world
    for user in [*roles.values(), helpers.user(Role.ANALYST)]:
        client.force_login(user)
        response = client.get("/admin/registry/cooperative/")
        assert login_redirect(response), f"{user.roles()} reached the admin"
