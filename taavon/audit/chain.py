"""The audit log as a hash chain: a changed, removed or inserted event no longer matches.

:func:`taavon.audit.services.record` inserts events *unsealed*, as before, and takes no lock
beyond its own row: its callers hold other rows' locks, and one chain-wide lock there would
serialise every audited write and invite deadlocks. A *sealer* (:func:`seal`, run every minute by
the ``audit.seal`` job, and by whoever is about to cite the chain) then gives each unsealed event,
in id order, the next sequence number ``seq`` (1, 2, 3 … without gaps) and its ``digest``.
Sealers take turns on the one :class:`~taavon.audit.models.ChainHead` row (``SELECT … FOR
UPDATE`` on PostgreSQL; SQLite lets one writer at a time anyway). The chain's order is the seal
order: PostgreSQL commits ids out of order, so a late-committed event gets a later ``seq`` than
events with higher ids.

The digest, so that anyone can recompute it from a copy of the table
--------------------------------------------------------------------
::

    digest(0)   = "0" * 64
    digest(seq) = hex(SHA-256(digest(seq - 1) + "\\n" + canonical(event)))   (UTF-8 bytes)

``canonical(event)`` is the JSON object with exactly the keys of :data:`FIELDS`, written with
sorted keys, no spaces (separators ``,`` and ``:``), non-ASCII characters as themselves (not
``\\u`` escapes) and numbers as Python's ``json`` module writes them. Values: ``seq``, ``id``,
``actor_id``, ``cooperative_id``, ``province_id`` are integers or null; ``at`` is the time in UTC
as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always six fraction digits); ``before`` and ``after`` are the
stored JSON values (their objects' keys sorted too); the other fields are strings as stored
(``ip`` may be null).

What :func:`verify` finds
-------------------------
- a changed event: its digest no longer follows from the entry before it and its fields;
- a removed event: a gap in ``seq``, or a chain that ends before the head row (or before a head
  printed earlier, ``expect``);
- an inserted event: a ``seq`` whose digest does not follow (forged), entries past the head
  row, or an event dated more than the sealing horizon (``AUDIT_SEAL_HORIZON_SECONDS``, one hour)
  before events sealed ahead of it — a row written into the past, sealed or still waiting;
- a chain recomputed after a change (every digest consistent again): the entry at a head
  printed earlier (in minutes, a bulletin: ``expect``) has another digest now.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from .models import AuditEvent, ChainHead

GENESIS = "0" * 64
# The fields a digest covers, in the order they are read (the JSON's keys are sorted anyway).
FIELDS = (
    "seq",
    "id",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "cooperative_id",
    "province_id",
    "before",
    "after",
    "ip",
)
_READ = FIELDS[1:]  # seq is assigned by the sealer (or read separately by the verifier)
BATCH = 1000  # events sealed per transaction
CHUNK = 5000  # events read per round trip when verifying
DEFAULT_HORIZON_SECONDS = 3600
_LISTED = 50  # problems of one kind spelled out before the rest are counted


@dataclass(frozen=True)
class Head:
    """A place in the chain: a sequence number and the digest of the entry there."""

    seq: int
    digest: str

    @property
    def count(self) -> int:
        """The number of entries up to and including this one (the chain has no gaps)."""
        return self.seq

    def __str__(self) -> str:
        return f"{self.seq}:{self.digest}"

    @classmethod
    def parse(cls, text: str) -> Head:
        """The head written as ``SEQ:DIGEST`` (as printed); ValueError if it is not one."""
        seq, sep, digest = text.strip().partition(":")
        digest = digest.lower()
        if not sep or not seq.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"{text!r} is not a head: expected SEQ:DIGEST, a number and 64 hexadecimal digits")
        return cls(int(seq), digest)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the chain, in plain words; ``seq``/``event_id`` locate it when known."""

    kind: str  # "changed", "removed", "inserted", "head"
    message: str
    seq: int | None = None
    event_id: int | None = None

    def __str__(self) -> str:
        return self.message


@dataclass
class Report:
    """What :func:`check` found: the head row, the entries walked, the events waiting, the problems."""

    head: Head
    checked: int = 0
    unsealed: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def canonical(values: dict[str, Any]) -> bytes:
    """The bytes a digest covers: ``values`` (the keys of FIELDS) as sorted-keys compact JSON, times in UTC."""
    data = dict(values)
    at = data["at"]
    if isinstance(at, datetime.datetime):
        # The same text as strftime("%Y-%m-%dT%H:%M:%S.%fZ"), several times faster.
        data["at"] = at.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link(previous: str, values: dict[str, Any]) -> str:
    """The digest of the entry with ``values`` (including ``seq``) after the entry whose digest is ``previous``."""
    return hashlib.sha256(previous.encode() + b"\n" + canonical(values)).hexdigest()


def _horizon() -> datetime.timedelta:
    return datetime.timedelta(seconds=getattr(settings, "AUDIT_SEAL_HORIZON_SECONDS", DEFAULT_HORIZON_SECONDS))


# --- sealing ---------------------------------------------------------------------------------


def seal(*, limit: int | None = None) -> int:
    """Seal the unsealed events in id order, at most ``limit`` (None: all), BATCH per transaction; the number sealed."""
    done = 0
    while limit is None or done < limit:
        size = BATCH if limit is None else min(BATCH, limit - done)
        sealed = _seal_batch(size)
        done += sealed
        if sealed < size:
            break
    return done


def _seal_batch(size: int) -> int:
    with transaction.atomic():
        head = _locked_head()
        # Read after the lock: a sealer that waited sees what the one before it sealed.
        rows = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id").values(*_READ)[:size])
        if not rows:
            return 0
        seq, digest = head.seq, head.digest
        sealed = []
        for values in rows:
            seq += 1
            digest = link(digest, {**values, "seq": seq})
            sealed.append((seq, digest, values["id"]))
        # Straight SQL, not save(): the model refuses to change an event, and sealing only adds
        # what the event never had. executemany, not bulk_update, whose CASE expressions cost
        # about 10 ms of Python per event.
        with connection.cursor() as cursor:
            cursor.executemany(_SEAL_SQL.format(table=connection.ops.quote_name(AuditEvent._meta.db_table)), sealed)
        head.seq, head.digest, head.sealed_at = seq, digest, timezone.now()
        head.save(update_fields=["seq", "digest", "sealed_at"])
        return len(sealed)


_SEAL_SQL = "UPDATE {table} SET seq = %s, digest = %s WHERE id = %s AND seq IS NULL"


def _locked_head() -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    # First seal ever, or the tables were emptied: start after the last sealed entry, if any.
    last = _last_sealed() or Head(0, GENESIS)
    try:
        with transaction.atomic():
            ChainHead.objects.create(pk=1, seq=last.seq, digest=last.digest)
    except IntegrityError:
        pass  # another sealer created it first; its row is locked below once it commits
    return ChainHead.objects.select_for_update().get(pk=1)


# --- reading ---------------------------------------------------------------------------------


def head() -> Head:
    """The chain's head as the last sealer left it (seq 0 and the genesis digest before any seal)."""
    row = ChainHead.objects.filter(pk=1).values_list("seq", "digest").first()
    if row is not None:
        return Head(*row)
    return _last_sealed() or Head(0, GENESIS)


def _entry(rows) -> Head | None:
    row = rows.filter(seq__isnull=False).order_by("-seq").values_list("seq", "digest").first()
    return Head(row[0], row[1]) if row is not None and row[0] is not None else None


def _last_sealed() -> Head | None:
    return _entry(AuditEvent.objects.all())


def entry_of(event: AuditEvent) -> Head | None:
    """The (seq, digest) the chain gives ``event`` as stored now; None while it is unsealed."""
    return _entry(AuditEvent.objects.filter(pk=event.pk))


def unsealed_count() -> int:
    """How many events wait for the sealer."""
    return AuditEvent.objects.filter(seq__isnull=True).count()


# --- verifying -------------------------------------------------------------------------------


def verify(*, since_seq: int = 0, expect: Head | None = None) -> list[Problem]:
    """Every problem of the chain after entry ``since_seq`` (trusted), and against a head printed earlier; [] when intact."""
    return check(since_seq=since_seq, expect=expect).problems


def check(*, since_seq: int = 0, expect: Head | None = None) -> Report:
    """:func:`verify` with its figures: the head row, the entries walked and the events waiting to be sealed."""
    row = ChainHead.objects.filter(pk=1).values_list("seq", "digest").first()
    recorded = Head(*row) if row else None
    report = Report(head=recorded or Head(0, GENESIS))
    problems = _Problems()

    start = _start(since_seq, problems)
    if start is not None:
        # Only up to the head row read above: sealers may go on meanwhile, and what they seal
        # after this point is for the next check.
        limit = recorded.seq if recorded else None
        last, report.checked, newest_at = _walk(start, limit, problems)
        _check_head_row(recorded, last, since_seq, problems)
        _check_unsealed(newest_at, problems)
    if expect is not None:
        _check_expected(expect, problems)
    report.unsealed = unsealed_count()
    report.problems = problems.all()
    return report


class _Problems:
    """Problems in the order found; past _LISTED of one kind only counted, then summed up once."""

    def __init__(self) -> None:
        self.found: list[Problem] = []
        self.counts: dict[str, int] = {}

    def add(self, problem: Problem) -> None:
        n = self.counts[problem.kind] = self.counts.get(problem.kind, 0) + 1
        if n <= _LISTED:
            self.found.append(problem)

    def all(self) -> list[Problem]:
        more = [
            Problem(kind, f"… and {n - _LISTED} more {kind} entries like the ones above.")
            for kind, n in self.counts.items()
            if n > _LISTED
        ]
        return self.found + more


def _start(since_seq: int, problems: _Problems) -> Head | None:
    if since_seq <= 0:
        return Head(0, GENESIS)
    row = AuditEvent.objects.filter(seq=since_seq).values_list("digest", flat=True).first()
    if row is None:
        problems.add(Problem("removed", f"There is no entry {since_seq} to start from: it was removed.", since_seq))
        return None
    return Head(since_seq, row)


def _rows(start: int, limit: int | None) -> Iterable[Sequence[Any]]:
    qs = AuditEvent.objects.filter(seq__gt=start, seq__isnull=False)
    if limit is not None:
        qs = qs.filter(seq__lte=limit)
    return qs.order_by("seq").values_list("seq", "digest", *_READ).iterator(chunk_size=CHUNK)


def _walk(start: Head, limit: int | None, problems: _Problems) -> tuple[Head, int, datetime.datetime | None]:
    prev = start
    checked = 0
    newest: tuple[datetime.datetime, int] | None = None  # the latest time sealed so far, and where
    horizon = _horizon()
    for row in _rows(start.seq, limit):
        seq, digest = row[0], row[1]
        values = dict(zip(_READ, row[2:], strict=True))
        event_id, at = values["id"], values["at"]
        checked += 1
        if seq != prev.seq + 1:
            missing = f"entry {prev.seq + 1} was" if seq == prev.seq + 2 else f"entries {prev.seq + 1} to {seq - 1} were"
            problems.add(
                Problem(
                    "removed",
                    f"Entry {seq} (event {event_id}) follows entry {prev.seq}: {missing} removed "
                    f"(or entry {seq} was inserted with a forged number).",
                    seq,
                    event_id,
                )
            )
        elif link(prev.digest, {**values, "seq": seq}) != digest:
            problems.add(
                Problem(
                    "changed",
                    f"Entry {seq} (event {event_id}, {values['action']} of {values['object_type']} "
                    f"{values['object_id']}) does not match its digest: the event was changed after it "
                    f"was sealed, or inserted with a forged digest, or entry {prev.seq}'s digest was rewritten.",
                    seq,
                    event_id,
                )
            )
        if newest is not None and at < newest[0] - horizon:
            problems.add(
                Problem(
                    "inserted",
                    f"Entry {seq} (event {event_id}) is dated {_when(at)}, more than {_span(horizon)} before "
                    f"entry {newest[1]} sealed ahead of it ({_when(newest[0])}): it was written into the log afterwards.",
                    seq,
                    event_id,
                )
            )
        if newest is None or at > newest[0]:
            newest = (at, seq)
        prev = Head(seq, digest)
    return prev, checked, newest[0] if newest else None


def _check_head_row(recorded: Head | None, last: Head, since_seq: int, problems: _Problems) -> None:
    if recorded is None:
        if last.seq > since_seq:
            problems.add(Problem("head", f"The chain's head row is missing, though {last.seq} entries are sealed."))
        return
    if last.seq < recorded.seq:
        problems.add(
            Problem(
                "removed",
                f"The chain ends at entry {last.seq} but its head row says {recorded.seq}: "
                f"the entries after {last.seq} were removed.",
                last.seq + 1,
            )
        )
    elif last.digest != recorded.digest:
        problems.add(
            Problem(
                "changed",
                f"Entry {last.seq}'s digest is not the one the head row recorded when it was sealed: "
                "the chain was recomputed after a change.",
                last.seq,
            )
        )
    # One statement, so a sealer running meanwhile (which moves the head row too) is never seen halfway.
    past = AuditEvent.objects.filter(seq__gt=ChainHead.objects.filter(pk=1).values("seq")[:1])
    beyond = list(past.order_by("seq").values_list("seq", "id")[:_LISTED])
    for seq, event_id in beyond:
        problems.add(
            Problem(
                "inserted",
                f"Entry {seq} (event {event_id}) lies past the chain's head: it was not sealed here but inserted.",
                seq,
                event_id,
            )
        )


def _check_unsealed(newest_at: datetime.datetime | None, problems: _Problems) -> None:
    if newest_at is None:
        newest_at = AuditEvent.objects.filter(seq__isnull=False).aggregate(t=Max("at"))["t"]
        if newest_at is None:
            return
    horizon = _horizon()
    late = AuditEvent.objects.filter(seq__isnull=True, at__lt=newest_at - horizon).order_by("id")
    for event_id, at in late.values_list("id", "at")[: _LISTED + 1]:
        problems.add(
            Problem(
                "inserted",
                f"Event {event_id} is dated {_when(at)} and still unsealed, though events more than "
                f"{_span(horizon)} younger are sealed: it was written into the log afterwards.",
                None,
                event_id,
            )
        )


def entry_problems(event_id: int) -> list[Problem]:
    """Whether one event is sealed and still follows from the entry before it, without walking the chain."""
    row = AuditEvent.objects.filter(pk=event_id).values_list("seq", "digest", *_READ).first()
    if row is None:
        return [Problem("removed", f"Event {event_id} is not in the audit log any more.", None, event_id)]
    seq, digest = row[0], row[1]
    if seq is None:
        return []  # waiting for the sealer: nothing to compare yet
    values = dict(zip(_READ, row[2:], strict=True))
    previous = GENESIS if seq == 1 else AuditEvent.objects.filter(seq=seq - 1).values_list("digest", flat=True).first()
    if previous is None:
        return [Problem("removed", f"Entry {seq - 1}, before event {event_id}'s entry {seq}, was removed.", seq, event_id)]
    if link(previous, {**values, "seq": seq}) != digest:
        return [
            Problem(
                "changed",
                f"Entry {seq} (event {event_id}, {values['action']}) was changed: its digest no longer follows "
                "from its fields and the entry before it.",
                seq,
                event_id,
            )
        ]
    return []


def passes_through(expect: Head) -> list[Problem]:
    """Whether the chain still holds, at ``expect.seq``, the digest of a head printed earlier."""
    problems = _Problems()
    _check_expected(expect, problems)
    return problems.all()


def _check_expected(expect: Head, problems: _Problems) -> None:
    if expect.seq == 0:
        if expect.digest != GENESIS:
            problems.add(Problem("head", f"Head {expect} is not a head of this chain: entry 0 is {GENESIS}."))
        return
    now = AuditEvent.objects.filter(seq=expect.seq).values_list("digest", flat=True).first()
    if now is None:
        problems.add(
            Problem(
                "removed",
                f"The head printed earlier ({expect}) is gone: there is no entry {expect.seq} any more.",
                expect.seq,
            )
        )
    elif now != expect.digest:
        problems.add(
            Problem(
                "head",
                f"The head printed earlier ({expect}) no longer matches: entry {expect.seq}'s digest is now "
                f"{now}. The log up to it was changed and its chain recomputed.",
                expect.seq,
            )
        )


def _when(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _span(delta: datetime.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes} minutes" if minutes != 60 else "an hour"
