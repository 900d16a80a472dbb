"""Attendance reaches everyone watching the assembly over its WebSocket, and no one else.

Each scenario runs in one event loop (``async_to_sync``) so the in-memory channel layer and the
communicator share it; service calls go through ``sync_to_async``, which runs them on the test's
own thread and database connection.
"""

import datetime

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from taavon.accounts.models import Role, User
from taavon.assemblies.consumers import REFUSED
from taavon.assemblies.session import proxies
from taavon.assemblies.session import services as attendance
from taavon.routing import websocket_urlpatterns
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def as_user(user):
    """The project's WebSocket routes, with ``user`` already authenticated (as AuthMiddleware would)."""
    router = URLRouter(websocket_urlpatterns)

    async def app(scope, receive, send):
        return await router({**scope, "user": user}, receive, send)

    return app


def member_of(entry):
    existing = User.objects.filter(person=entry.person).first()
    return existing or helpers.user(Role.MEMBER, national_code=entry.person.national_code, person=entry.person)


@pytest.fixture
def session():
    a = factory.assembly(members=7, starts_at=timezone.now() - datetime.timedelta(minutes=5))
    return factory.freeze_roll(a)


def test_a_watching_member_receives_the_attendance_after_another_member_checks_in(session, django_capture_on_commit_callbacks):
    roll = list(session.roll.select_related("person").order_by("id"))
    watcher, arriving = member_of(roll[0]), member_of(roll[1])

    async def scenario():
        socket = WebsocketCommunicator(as_user(watcher), f"/ws/assemblies/{session.pk}/")
        connected, _ = await socket.connect()
        assert connected
        first = await socket.receive_json_from()

        def arrive():
            with django_capture_on_commit_callbacks(execute=True):
                attendance.check_in(actor=arriving, assembly=session, roll_entry=roll[1])

        await sync_to_async(arrive)()
        update = await socket.receive_json_from(timeout=3)
        await socket.disconnect()
        return first, update

    first, update = async_to_sync(scenario)()
    assert first == {"event": "attendance", "payload": {**first["payload"], "present": 0, "roll": 7}}
    assert update["event"] == "attendance"
    assert {k: update["payload"][k] for k in ("present", "represented", "required", "reached", "roll")} == {
        "present": 1, "represented": 0, "required": 4, "reached": False, "roll": 7,
    }


def test_an_officer_sees_a_confirmed_proxy_counted_live(session, django_capture_on_commit_callbacks):
    roll = list(session.roll.select_related("person").order_by("id"))
    officer = helpers.user(Role.OFFICER, cooperative=session.cooperative)
    holder = roll[0]
    factory.proxy(session, roll[1], holder.person, state="pending")
    from taavon.assemblies.models import CheckIn

    CheckIn.objects.create(assembly=session, roll_entry=holder)
    pending = session.proxies.get()

    async def scenario():
        socket = WebsocketCommunicator(as_user(officer), f"/ws/assemblies/{session.pk}/")
        assert (await socket.connect())[0]
        await socket.receive_json_from()

        def confirm():
            with django_capture_on_commit_callbacks(execute=True):
                proxies.decide_proxy(actor=officer, proxy=pending, confirm=True, identity_checked=True)

        await sync_to_async(confirm)()
        update = await socket.receive_json_from(timeout=3)
        await socket.disconnect()
        return update

    update = async_to_sync(scenario)()
    assert (update["payload"]["present"], update["payload"]["represented"], update["payload"]["votes_present"]) == (1, 1, 2)


@pytest.mark.parametrize(
    "who",
    ["a member of another cooperative", "an officer of another cooperative", "an anonymous visitor"],
)
def test_an_outsider_is_refused(session, who):
    from django.contrib.auth.models import AnonymousUser

    user = {
        "a member of another cooperative": lambda: helpers.user(Role.MEMBER),
        "an officer of another cooperative": lambda: helpers.user(Role.OFFICER, cooperative=helpers.cooperative()),
        "an anonymous visitor": AnonymousUser,
    }[who]()

    async def scenario():
        socket = WebsocketCommunicator(as_user(user), f"/ws/assemblies/{session.pk}/")
        connected, code = await socket.connect()
        await socket.disconnect()
        return connected, code

    connected, code = async_to_sync(scenario)()
    assert not connected and code == REFUSED


@pytest.mark.parametrize(("roll_size", "messages"), [(7, 2), (attendance.LIVE_THROTTLE_ROLL, 1)])
def test_a_burst_of_check_ins_is_pushed_each_time_for_a_small_roll_and_once_a_second_for_a_large_one(
    session, roll_size, messages, monkeypatch, django_capture_on_commit_callbacks
):
    from taavon.assemblies import live

    sent = []
    monkeypatch.setattr(live, "send_now", lambda assembly_id, event, payload=None: sent.append((event, payload)))
    session.roll_size = roll_size
    session.save(update_fields=["roll_size"])
    roll = list(session.roll.select_related("person").order_by("id"))
    for entry in roll[:2]:
        with django_capture_on_commit_callbacks(execute=True):
            attendance.check_in(actor=member_of(entry), assembly=session, roll_entry=entry)
    assert [event for event, _ in sent] == ["attendance"] * messages
    assert sent[-1][1]["present"] == messages
