"""Schemathesis over every operation of the API's own OpenAPI document, as each kind of user.

An attacker sends whatever the schema allows and whatever it forbids. For every operation this test
generates both kinds of request (a fixed seed, a bounded number of examples), sends each as a
member, a cooperative officer, a provincial supervisor, an administrator or nobody, in Persian or
English (``Accept-Language``), now and then aimed at objects that exist, and asks of each answer: no
server error, a status code the schema documents, the documented content type, a body that matches
the documented schema, and for every 4xx the one error shape (``taavon.core.api_errors``).

Run only this test: ``make test PYTEST_ARGS="tests/core/test_schema_fuzz.py"``.
"""

import datetime
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from taavon.accounts.models import ApiToken, Role
from taavon.registry.models import Position, VerificationBatch
from taavon.registry.verification import services as verification
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db

# Bounded so the whole module (69 operations) costs about a minute and a half of CPU per database
# on a 2-core machine; the seed is fixed (derandomize), so a run repeats the last one exactly.
EXAMPLES = 20

APP = get_wsgi_application()
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@schemathesis.check
def one_error_shape(ctx, response, case):
    """Every refusal is ``{"detail", "errors": [{"field", "code", "message"}, ...]}`` with at least one reason."""
    if not 400 <= response.status_code < 500:
        return None
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"detail", "errors"}, body
    assert isinstance(body["detail"], str) and body["detail"], body
    assert isinstance(body["errors"], list) and body["errors"], body
    for entry in body["errors"]:
        assert set(entry) == {"field", "code", "message"}, entry
        assert entry["field"] is None or isinstance(entry["field"], str), entry
        assert isinstance(entry["code"], str) and entry["code"].isascii() and entry["code"] == entry["code"].lower(), entry
        assert isinstance(entry["message"], str) and entry["message"], entry
        # pydantic's own English never reaches a client: each type has our translated message.
        assert not entry["message"].startswith(("Input should", "Field required", "Value error")), entry
    return None


CHECKS = [
    not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance, one_error_shape,
]
ROLES = ["member", "officer", "supervisor", "administrator", "anonymous"]


@dataclass
class World:
    """A cooperative with members, its officer, supervisor and administrator, and an assembly in notice."""

    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, object] = field(default_factory=dict)


def seed() -> World:
    """A small realistic register and assembly, and an API token for each role."""
    world = World()
    coop = helpers.cooperative()
    assembly = factory.assembly(coop, members=6)
    factory.motion(assembly)
    election = factory.election(assembly)
    factory.freeze_roll(assembly)
    roll = list(assembly.roll.select_related("person", "membership").order_by("id"))
    # No passwords: hashing four of them would cost more than the whole attack on an operation.
    member = helpers.user(Role.MEMBER, national_code=roll[0].person.national_code, person=roll[0].person, password=None)
    proxy = factory.proxy(assembly, roll[1], roll[2].person, state="pending")
    today = timezone.localdate()
    position = Position.objects.create(
        cooperative=coop, person=roll[3].person, role="chair", term_start=today - datetime.timedelta(days=30),
        term_end=today + datetime.timedelta(days=700),
    )
    waiting = verification.request_verification(actor=None, membership=helpers.member(coop))
    batch = VerificationBatch.objects.create(cooperative=coop, total=1)
    users = {
        "member": member,
        "officer": helpers.user(Role.OFFICER, cooperative=coop, password=None),
        "supervisor": helpers.user(Role.SUPERVISOR, province=coop.province, password=None),
        "administrator": helpers.user(Role.ADMINISTRATOR, password=None),
    }
    for role, user in users.items():
        row, world.tokens[role] = ApiToken.issue(user, "fuzz")
        world.ids.setdefault("token_id", row.pk)
    world.ids.update(
        cooperative_id=coop.pk, id=coop.pk, national_id=coop.national_id, membership_id=roll[0].membership_id,
        assembly_id=assembly.pk, item_id=election.pk, proxy_id=proxy.pk, position_id=position.pk,
        request_id=waiting.pk, verification_batch_id=batch.pk,
    )
    return world


@pytest.fixture
def same_connection():
    """Requests go through the real WSGI handler, which would close the test's connection (and its
    transaction) at each request's start and end; Django's test client keeps it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("same_connection")
@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_every_answer_is_documented_and_none_is_a_server_error(operation):
    world = seed()
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, role=st.sampled_from(ROLES), aimed=st.booleans(), language=st.sampled_from(["fa", "en"]))
    def attack(case, role, aimed, language):
        if aimed:
            # Objects that exist: without them most answers would be a 404 before any input is read.
            case.path_parameters = {
                name: world.ids.get(name, value) for name, value in (case.path_parameters or {}).items()
            }
        headers = {"Accept-Language": language}
        if role != "anonymous":
            headers["Authorization"] = f"Bearer {world.tokens[role]}"
        case.call_and_validate(app=APP, headers=headers, checks=CHECKS)

    attack()
