"""Live updates to everyone looking at an assembly, over the channel layer.

Services call :func:`publish` after their transaction commits; the WebSocket consumer
(``consumers.py``) forwards the message to the browsers in the assembly's group. Pages also poll
(htmx) so nothing depends on the socket being up.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def group_name(assembly_id: int) -> str:
    return f"assembly-{assembly_id}"


def publish(assembly_id: int, event: str, payload: dict | None = None) -> None:
    """Send ``event`` to the assembly's group once the current transaction commits."""

    def send():
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(
                group_name(assembly_id), {"type": "assembly.event", "event": event, "payload": payload or {}}
            )

    transaction.on_commit(send)
