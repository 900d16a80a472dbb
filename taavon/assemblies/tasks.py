"""Background jobs of the assemblies app (huey).

Sending an assembly's notice: :func:`send_notices` walks the frozen roll by primary key (keyset
pagination, never OFFSET) and queues one :func:`send_notice_batch` per :data:`BATCH_SIZE`
entries, so a roll of a million members becomes a thousand jobs that workers share. Each batch
sends the SMS (and the e-mail, for members who have one) through :mod:`taavon.notifications`,
which keeps the delivery log under the assembly's notice topic, then moves the assembly's
``notices_done`` counter on with one ``F()`` update.
"""

from django.conf import settings
from django.db.models import F
from django.utils import translation
from huey.contrib.djhuey import db_task

from taavon.notifications.services import send_email, send_sms

from . import live
from .convening.services import notice_texts, notice_topic
from .models import AgendaItem, Assembly, RollEntry
from .voting import ballot_box

BATCH_SIZE = 1000


@db_task()
def send_notices(assembly_id: int, batch_size: int = BATCH_SIZE) -> int:
    """Queue the notice batches of an assembly's roll; the number of batches queued."""
    last_id, batches = 0, 0
    while True:
        ids = list(
            RollEntry.objects.filter(assembly_id=assembly_id, pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return batches
        send_notice_batch(assembly_id, ids[0], ids[-1])
        last_id = ids[-1]
        batches += 1


@db_task()
def send_notice_batch(assembly_id: int, first_id: int, last_id: int) -> int:
    """Send the notice to the roll entries ``first_id``..``last_id``; the number of members done."""
    assembly = Assembly.objects.select_related("cooperative").get(pk=assembly_id)
    topic = notice_topic(assembly)
    # The members' language: Persian, whatever language the job happens to run in.
    with translation.override(settings.LANGUAGE_CODE):
        sms, subject, body = notice_texts(assembly)
    entries = (
        RollEntry.objects.filter(assembly_id=assembly_id, pk__gte=first_id, pk__lte=last_id)
        .select_related("person")
        .only("pk", "person__mobile", "person__email")
        .order_by("pk")
    )
    done = 0
    for entry in entries.iterator(chunk_size=500):
        person = entry.person
        if person.mobile:
            send_sms(person.mobile, sms, topic=topic)
        if person.email:
            send_email(person.email, subject, body, topic=topic)
        done += 1
    Assembly.objects.filter(pk=assembly_id).update(notices_done=F("notices_done") + done)
    progress = Assembly.objects.values("notices_done", "notices_total").get(pk=assembly_id)
    live.publish(assembly_id, "notice_progress", {"done": progress["notices_done"], "total": progress["notices_total"]})
    return done


@db_task()
def publish_turnout(item_id: int) -> None:
    """Push an item's live turnout to the room (queued by casting, at most once a second per item)."""
    from .voting.services import turnout  # voting queues this job: import at call time

    item = AgendaItem.objects.filter(pk=item_id).first()
    if item is not None:
        live.publish(item.assembly_id, "turnout", turnout(item))


@db_task()
def rewrite_closed_item(item_id: int) -> int:
    """Take the casting order out of a closed item's stored ballots (queued by the close)."""
    return ballot_box.rewrite_in_published_order(item_id)
