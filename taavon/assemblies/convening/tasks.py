"""Background work of convening: the notice to every member on the frozen roll."""

from django.db.models import F

from taavon.notifications.broadcasts import Broadcast, register

from .. import live
from ..models import Assembly
from ..tasks import roll
from .services import NOTICE_BROADCAST, notice_texts, notice_topic


def _message(params: dict) -> tuple[str, str, str]:
    return notice_texts(Assembly.objects.select_related("cooperative").get(pk=params["assembly_id"]))


def _topic(params: dict) -> str:
    return notice_topic(Assembly(pk=params["assembly_id"]))


def _progress(params: dict, done: int) -> None:
    """Move the delivery counter on in the batch's transaction, and tell the officers' page."""
    assembly_id = params["assembly_id"]
    Assembly.objects.filter(pk=assembly_id).update(notices_done=F("notices_done") + done)
    progress = Assembly.objects.values("notices_done", "notices_total").get(pk=assembly_id)
    live.publish(assembly_id, "notice_progress", {"done": progress["notices_done"], "total": progress["notices_total"]})


register(Broadcast(name=NOTICE_BROADCAST, recipients=roll, message=_message, topic=_topic, on_batch=_progress))
