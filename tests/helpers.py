"""One helper per concept, shared by every test: a cooperative, a person, a member, a user in a role.

Each returns a saved object with plausible, valid data; keyword arguments override fields.
Identifiers are made valid by the same generators the demo uses.
"""

import datetime
import itertools
import re
from html import unescape

from taavon.accounts.models import ApiToken, Role, RoleGrant, User
from taavon.core.identifiers import make_legal_national_id, make_national_code
from taavon.geo.models import County, Province
from taavon.registry.models import Cooperative, Membership, Person

_serial = itertools.count(1)

PASSWORD = "correct-horse-battery-9"


def national_code() -> str:
    return make_national_code(f"{next(_serial) + 100_000_000:09d}")


def legal_id() -> str:
    return make_legal_national_id(f"{next(_serial) + 1_400_000_000:010d}")


def province(code="23") -> Province:
    if not Province.objects.exists():
        # Transactional tests (browser, concurrency) flush the tables the data migration filled.
        from taavon.geo.services import load_provinces

        load_provinces()
    return Province.objects.get(code=code)


def other_province(than: Province) -> Province:
    return Province.objects.exclude(pk=than.pk).order_by("code").first()


def cooperative(*, province_code="23", **fields) -> Cooperative:
    prov = fields.pop("province", None) or province(province_code)
    defaults = dict(
        name=f"تعاونی آزمایشی {next(_serial)}",
        national_id=legal_id(),
        registration_number=str(next(_serial)),
        registration_date=datetime.date(2020, 5, 1),
        province=prov,
        county=County.objects.filter(province=prov).first(),
        activity="industry",
        membership_type="open",
        legal_type="employment",
        authorised_capital=3_000_000_000,
        paid_in_capital=1_000_000_000,
    )
    defaults.update(fields)
    return Cooperative.objects.create(**defaults)


def person(**fields) -> Person:
    n = next(_serial)
    defaults = dict(
        national_code=national_code(),
        first_name="علی",
        last_name=f"رضایی{n}",
        mobile=f"0912{n % 10_000_000:07d}",
    )
    defaults.update(fields)
    return Person.objects.create(**defaults)


def member(coop: Cooperative, person_obj: Person | None = None, **fields) -> Membership:
    defaults = dict(joined_on=datetime.date(2021, 1, 1), shares_held=10_000_000, shares_paid=10_000_000)
    defaults.update(fields)
    membership = Membership.objects.create(cooperative=coop, person=person_obj or person(), **defaults)
    Cooperative.objects.filter(pk=coop.pk).update(member_count=coop.memberships.filter(status="active").count())
    return membership


def user(role: str | None = None, *, cooperative=None, province=None, bank_code="", password=PASSWORD, **fields) -> User:
    """A user holding ``role`` (``"member"`` links a person; others get a grant with their scope)."""
    u = User.objects.create_user(national_code=fields.pop("national_code", None) or national_code(), password=password, **fields)
    if role == Role.MEMBER:
        u.person = fields.get("person") or person(national_code=u.national_code, mobile=u.mobile or "09120000000")
        u.save(update_fields=["person"])
    elif role is not None:
        RoleGrant.objects.create(user=u, role=role, cooperative=cooperative, province=province, bank_code=bank_code)
        if role == Role.ADMINISTRATOR:
            u.is_staff = u.is_superuser = True
            u.save(update_fields=["is_staff", "is_superuser"])
    return u


def text(response_or_html) -> str:
    """A page as a reader sees it: tags removed, entities decoded, whitespace collapsed."""
    html = response_or_html if isinstance(response_or_html, str) else response_or_html.content.decode()
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


class Api:
    """The test client speaking JSON to the API under ``base``, with one user's bearer token (none:
    anonymous), in English so messages compare with their msgids."""

    def __init__(self, client, user=None, *, base: str = "/api/v1"):
        self.client, self.base = client, base
        self.headers = {"HTTP_COOKIE": "taavon_language=en"}
        if user is not None:
            _, token = ApiToken.issue(user, "tests")
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    def get(self, path: str = "", **params):
        return self.client.get(self.base + path, params, **self.headers)

    def post(self, path: str = "", data=None):
        return self.client.post(self.base + path, data or {}, content_type="application/json", **self.headers)

    def patch(self, path: str, data):
        return self.client.patch(self.base + path, data, content_type="application/json", **self.headers)


def field_errors(answer) -> dict[str, list[str]]:
    """An API error answer's messages by the field they are about (``__all__``: the whole request),
    after checking it is in the one error shape."""
    body = answer.json()
    assert set(body) == {"detail", "errors"} and body["errors"], body
    found: dict[str, list[str]] = {}
    for entry in body["errors"]:
        assert set(entry) == {"field", "code", "message"} and entry["code"], entry
        found.setdefault(entry["field"] or "__all__", []).append(entry["message"])
    return found


def at_once(*works, connections: int = 30) -> list:
    """Run each callable in its own thread, all released together (at most ``connections`` holding a
    database connection at once); what each returned or raised, in order."""
    import threading

    from django.db import connection

    start, gate = threading.Barrier(len(works)), threading.BoundedSemaphore(connections)
    results: list = [None] * len(works)

    def run(n, work):
        start.wait()
        with gate:
            try:
                results[n] = work()
            except Exception as exc:  # noqa: BLE001 - the caller inspects every outcome
                results[n] = exc
            finally:
                connection.close()

    threads = [threading.Thread(target=run, args=(n, w)) for n, w in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
