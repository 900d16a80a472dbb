"""Live updates to everyone looking at an assembly, over the channel layer.

Services call :func:`publish` inside their transaction; the message leaves once it commits, and
the WebSocket consumer (``consumers.py``) forwards it to the browsers in the assembly's group.
Live pushes are best effort: pages also poll (htmx), so a channel layer that is down (Redis) is
logged and never turns a committed change into an error.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger("taavon.live")


def group_name(assembly_id: int) -> str:
    return f"assembly-{assembly_id}"


def send_now(assembly_id: int, event: str, payload: dict | None = None) -> None:
    """Send ``event`` to the assembly's group now; a failure is logged, never raised."""
    try:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(
                group_name(assembly_id), {"type": "assembly.event", "event": event, "payload": payload or {}}
            )
    except Exception:  # the channel layer (Redis) down or full: the pages' polling catches up
        logger.warning("live push %s to assembly %s failed", event, assembly_id, exc_info=True)


def publish(assembly_id: int, event: str, payload: dict | None = None) -> None:
    """Send ``event`` to the assembly's group once the current transaction commits (best effort)."""
    transaction.on_commit(lambda: send_now(assembly_id, event, payload))


def after_commit(work, *, what: str) -> None:
    """Run ``work`` (a live push that first reads fresh figures) after the commit; a failure is logged."""

    def run():
        try:
            work()
        except Exception:
            logger.warning("live work %s failed after commit", what, exc_info=True)

    transaction.on_commit(run)
