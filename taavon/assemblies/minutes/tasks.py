"""Background work of the minutes: drafting them after the close, and the decisions to every member."""

from taavon import jobs
from taavon.notifications.broadcasts import Broadcast, register

from ..models import Assembly, Minutes
from ..tasks import roll
from .services import DECISIONS_BROADCAST, DRAFT_TASK, decisions_message, decisions_topic, draft_minutes


@jobs.task(name=DRAFT_TASK, max_attempts=3)
def draft_after_close(*, assembly_id: int) -> None:
    """Draft the minutes of a closed assembly from its log (queued by the close, in its transaction)."""
    draft_minutes(Assembly.objects.get(pk=assembly_id))


def _message(params: dict) -> tuple[str, str, str]:
    return decisions_message(Minutes.objects.get(assembly_id=params["assembly_id"]).content)


register(
    Broadcast(
        name=DECISIONS_BROADCAST,
        recipients=roll,
        message=_message,
        topic=lambda params: decisions_topic(params["assembly_id"]),
    )
)
