"""The assembly's live channel: ``ws/assemblies/<assembly_id>/``.

Whoever may see the assembly's session page may listen: people taking part (on the roll, or
holding a live proxy) and officials whose scope reaches the cooperative. Anyone else is refused
before the socket is accepted. On connecting the client gets the current attendance at once (a
member who reconnects is up to date), then every ``assembly.event`` that
:func:`taavon.assemblies.live.publish` sends to the group, as ``{"event": ..., "payload": ...}``.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from taavon.accounts.scoping import Action, may

from . import live
from .models import Assembly
from .session.services import attendance_payload

REFUSED = 4403  # the close code an outsider gets (like HTTP 403/404, nothing else is said)


def _watchable(user, assembly_id: int) -> dict | None:
    """The current attendance when ``user`` may watch the assembly; ``None`` otherwise."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    assembly = Assembly.objects.filter(pk=assembly_id).first()
    if assembly is None:
        return None
    if not may(user, Action.VIEW, assembly):
        return None
    return attendance_payload(assembly) if assembly.rules else {"state": assembly.state}


class AssemblyConsumer(AsyncJsonWebsocketConsumer):
    group = None

    async def connect(self):
        assembly_id = int(self.scope["url_route"]["kwargs"]["assembly_id"])
        snapshot = await database_sync_to_async(_watchable)(self.scope.get("user"), assembly_id)
        if snapshot is None:
            await self.close(code=REFUSED)
            return
        self.group = live.group_name(assembly_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"event": "attendance", "payload": snapshot})

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        """The channel only speaks; whatever a client sends is ignored."""

    async def assembly_event(self, message):
        await self.send_json({"event": message["event"], "payload": message.get("payload", {})})
