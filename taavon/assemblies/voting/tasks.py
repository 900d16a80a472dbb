"""Background work of voting: the live turnout, and the storage rewrite after a close."""

from taavon import jobs

from .. import live
from ..models import AgendaItem
from . import ballot_box
from .services import REWRITE_TASK, TURNOUT_TASK, turnout


@jobs.task(name=TURNOUT_TASK, max_attempts=1)
def publish_turnout(*, item_id: int) -> None:
    """Push an item's live turnout to the room (queued by casting, at most once a second per item)."""
    item = AgendaItem.objects.filter(pk=item_id).first()
    if item is not None:
        live.publish(item.assembly_id, "turnout", turnout(item))


@jobs.task(name=REWRITE_TASK, max_attempts=10, retry_delay=60, lease=3600)
def rewrite_closed_item(*, item_id: int) -> int:
    """Take the casting order out of a closed item's stored ballots (queued by the close, in its transaction)."""
    return ballot_box.rewrite_in_published_order(item_id)
