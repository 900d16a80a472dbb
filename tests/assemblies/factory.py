"""Assemblies in a given state, built straight through the models so each area's tests can start
where they need to (a noticed assembly with its roll, a session in progress, a closed item)."""

import datetime

from django.utils import timezone

from taavon import rules
from taavon.assemblies.law import ASSEMBLY_RULE_KEYS
from taavon.assemblies.models import AgendaItem, Assembly, CheckIn, RollEntry
from tests import helpers


def assembly(coop=None, *, members=7, kind="annual_ordinary", mode="electronic", state="draft", **fields):
    """An assembly of a cooperative with ``members`` active, verified members (not yet on a roll)."""
    coop = coop or helpers.cooperative()
    for _ in range(members - coop.memberships.count()):
        helpers.member(coop, verified_at=timezone.now())
    start = fields.pop("starts_at", timezone.now() + datetime.timedelta(days=25))
    defaults = dict(
        cooperative=coop,
        kind=kind,
        mode=mode,
        title=fields.pop("title", "مجمع عمومی عادی سالیانه"),
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        state=state,
        rules=rules.snapshot(ASSEMBLY_RULE_KEYS),
    )
    defaults.update(fields)
    return Assembly.objects.create(**defaults)


def motion(a, title="تصویب صورت‌های مالی", **fields):
    position = fields.pop("position", a.items.count() + 1)
    return AgendaItem.objects.create(assembly=a, position=position, title=title, kind="motion", **fields)


def election(a, title="انتخاب اعضای هیئت مدیره", seats=3, alternates=1, **fields):
    position = fields.pop("position", a.items.count() + 1)
    return AgendaItem.objects.create(
        assembly=a, position=position, title=title, kind="election", matter="board_election",
        seats=seats, alternates=alternates, **fields,
    )


def freeze_roll(a):
    """Put every active member on the roll and mark the notice published."""
    memberships = a.cooperative.memberships.filter(status="active")
    RollEntry.objects.bulk_create(RollEntry(assembly=a, person_id=m.person_id, membership=m) for m in memberships)
    a.roll_size = memberships.count()
    a.record_date = timezone.localdate()
    a.notice_published_at = timezone.now()
    a.state = "noticed"
    a.save()
    return a


def in_session(a=None, *, present=None, **kwargs):
    """A noticed assembly, opened, with the first ``present`` roll entries checked in (all by default)."""
    a = freeze_roll(a or assembly(**kwargs))
    entries = list(a.roll.order_by("id"))
    for entry in entries[: len(entries) if present is None else present]:
        CheckIn.objects.create(assembly=a, roll_entry=entry)
    a.state = "in_session"
    a.opened_at = timezone.now()
    a.save()
    return a
