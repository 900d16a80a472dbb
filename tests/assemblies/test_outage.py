"""Redis goes down in the middle of a vote: the cache, the sessions' cache and the channel layer
point at a closed port. Every ballot the database accepted is answered as accepted, with its
receipt; closing the item still gets its stored ballots rewritten once a worker runs.

Over real HTTP (the live server), with background jobs left to the worker as in production.
"""

import json
import socket
import urllib.error
import urllib.request

import pytest
from channels.layers import channel_layers

from taavon import jobs
from taavon.accounts.models import ApiToken, Role
from taavon.assemblies.models import Ballot, ItemState, VoteRecord
from taavon.assemblies.voting import services as voting
from taavon.jobs.models import Job
from taavon.jobs.testing import deferred
from tests import helpers
from tests.assemblies import factory
from tests.assemblies.test_storage_order import stored_order

pytestmark = pytest.mark.django_db(transaction=True)


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    """Cache, sessions' cache and channel layer on a Redis that refuses every connection; jobs wait for a worker."""
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CACHES = {"default": {"BACKEND": "taavon.core.cache.ResilientRedisCache", "LOCATION": url}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [url]}}}
    channel_layers.backends = {}
    with deferred():
        yield
    channel_layers.backends = {}


def post(live_server, path: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    """POST JSON to the API as the holder of ``token``: (status, answer)."""
    request = urllib.request.Request(
        live_server.url + "/api/v1/assemblies" + path,
        data=json.dumps(body or {}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refusal:
        return refusal.code, json.loads(refusal.read() or b"{}")


def token_of(user) -> str:
    return ApiToken.issue(user, "outage")[1]


def test_with_redis_down_every_committed_ballot_gets_its_receipt_and_the_close_is_rewritten_later(
    live_server, redis_down
):
    a = factory.in_session(members=6)
    officer = helpers.user(Role.OFFICER, password=None, cooperative=a.cooperative)
    item = voting.open_item(actor=officer, item=factory.motion(a))
    entries = list(a.roll.order_by("-id").select_related("person"))

    answers = []
    for entry in entries:
        voter = helpers.user(Role.MEMBER, password=None, person=entry.person, national_code=entry.person.national_code)
        answers.append(post(live_server, f"/{a.pk}/items/{item.pk}/ballots", token_of(voter), {"roll_entry": entry.pk, "choice": 1}))

    assert [status for status, _ in answers] == [201] * len(entries)
    assert all(len(answer["receipt_code"]) >= 8 for _, answer in answers)
    assert Ballot.objects.filter(item=item).count() == VoteRecord.objects.filter(item=item).count() == len(entries)

    status, closed = post(live_server, f"/{a.pk}/items/{item.pk}/close", token_of(officer))
    assert status == 200 and closed["state"] == ItemState.CLOSED
    rewrite = Job.objects.get(name=voting.REWRITE_TASK)
    assert rewrite.state == Job.State.QUEUED  # committed with the close, waiting for a worker

    jobs.run_all()

    rewrite.refresh_from_db()
    assert rewrite.state == Job.State.DONE
    receipts = stored_order("assemblies_ballot", "receipt_hash", item)
    assert receipts == sorted(receipts) and len(receipts) == len(entries)
    assert stored_order("assemblies_voterecord", "roll_entry_id", item) == sorted(e.pk for e in entries)
