"""Where a closed item's chain head, ballot count and result are anchored, and how they are compared.

The close writes them into four records kept by different hands: the item's row, the assembly's
own log (``item_closed``), the audit log (``item.close``, hash-chained by the audit app) and, once
drafted and approved by the presiding board, the minutes (whose digest is pinned in the audit log
at approval, :func:`minutes_digest`). Someone who can write the database can rewrite the ballots,
recompute the chain and update the item's row and the assembly's log together; the audit log and
the approved minutes still hold the heads of the close, and :func:`disagreements` names every
record that no longer agrees with the ballots. This module compares records only; recomputing
from the ballots is :mod:`.ballot_box`'s.
"""

from __future__ import annotations

import hashlib
import json

from django.utils.translation import gettext as _

from taavon.audit import chain
from taavon.audit.models import AuditEvent

from .. import events
from ..models import AgendaItem, Assembly, AssemblyEvent, ItemKind, Minutes, MinutesState

CLOSE_ACTION = "item.close"
APPROVE_ACTION = "minutes.approve"
ITEM_TYPE = AgendaItem._meta.label_lower
MINUTES_TYPE = Minutes._meta.label_lower


def result_summary(kind: str, result: dict | None) -> dict:
    """The part of a result that decides the item, in one shape whatever record it came from."""
    result = result or {}
    if kind == ItemKind.MOTION:
        return {k: result.get(k) for k in ("for", "against", "abstain", "passed")}
    counts = {str(k): int(v) for k, v in (result.get("counts") or {}).items() if v}
    return {
        "counts": counts,
        "elected": [str(c) for c in result.get("elected") or []],
        "alternates": [str(c) for c in result.get("alternates") or []],
    }


def _minutes_summary(kind: str, entry: dict) -> dict:
    """:func:`result_summary` of an item as the minutes print it."""
    if kind == ItemKind.MOTION:
        motion = entry.get("motion") or {}
        return {k: motion.get(k) for k in ("for", "against", "abstain", "passed")}
    election = entry.get("election") or {}
    rows = election.get("candidates") or []
    return {
        "counts": {str(c.get("candidate_id")): int(c.get("votes", 0)) for c in rows if c.get("votes")},
        "elected": [str(c.get("candidate_id")) for c in election.get("elected") or []],
        "alternates": [str(c.get("candidate_id")) for c in election.get("alternates") or []],
    }


def minutes_digest(content: dict) -> str:
    """SHA-256 of the minutes' content as canonical JSON: what the presiding board approved."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _record_name(key: str) -> str:
    return {
        "log": _("the assembly's log of the close"),
        "audit": _("the audit log's record of the close"),
        "minutes": _("the minutes approved by the presiding board"),
        "draft": _("the draft minutes"),
    }[key]


def _missing(key: str) -> str:
    return {
        "log": _("The assembly's log has no record of this item's close."),
        "audit": _("The audit log has no record of this item's close."),
    }[key]


def _closed_event(item) -> dict | None:
    event = (
        AssemblyEvent.objects.filter(assembly_id=item.assembly_id, kind=events.ITEM_CLOSED, data__item_id=item.pk)
        .order_by("-at", "-id")
        .first()
    )
    return event.data if event else None


def _close_event(item) -> AuditEvent | None:
    return (
        AuditEvent.objects.filter(action=CLOSE_ACTION, object_type=ITEM_TYPE, object_id=str(item.pk))
        .order_by("-at", "-id")
        .first()
    )


def _audit_of_close(item) -> dict | None:
    event = _close_event(item)
    return event.after if event is not None and isinstance(event.after, dict) else None


def audit_entry(item) -> chain.Head | None:
    """The close's place in the audit log's hash chain (sealing first if it still waits); None without a record."""
    event = _close_event(item)
    if event is None:
        return None
    entry = chain.entry_of(event)
    if entry is None:
        chain.seal()  # the minute's sealer has not come yet: whoever cites the chain seals first
        entry = chain.entry_of(event)
    return entry


def audit_problems(item) -> list[str]:
    """Whether the audit log's record of the close is still the entry the chain sealed (see :mod:`taavon.audit.chain`)."""
    event = _close_event(item)
    return [] if event is None else [str(p) for p in chain.entry_problems(event.pk)]


def _minutes_entry(item) -> tuple[str, dict] | None:
    minutes = Minutes.objects.filter(assembly_id=item.assembly_id).only("state", "content").first()
    if minutes is None:
        return None
    entry = next(
        (e for e in (minutes.content or {}).get("items", []) if e.get("item_id") == item.pk and e.get("closed")), None
    )
    if entry is None:
        return None
    return ("draft" if minutes.state == MinutesState.DRAFT else "minutes"), entry


def records_of_close(item) -> list[tuple[str, dict | None]]:
    """Each record of the close but the item's row: (its key, {chain_head, ballot_count, result}) or
    None where the record is missing. The minutes only once drafted."""
    found: list[tuple[str, dict | None]] = []
    for key, data in (("log", _closed_event(item)), ("audit", _audit_of_close(item))):
        if data is None:
            found.append((key, None))
        else:
            found.append((key, {
                "chain_head": data.get("chain_head"),
                "ballot_count": data.get("ballot_count"),
                "result": result_summary(item.kind, data.get("result")),
            }))
    minutes = _minutes_entry(item)
    if minutes is not None:
        key, entry = minutes
        found.append((key, {
            "chain_head": entry.get("chain_head"),
            "ballot_count": entry.get("ballot_count"),
            "result": _minutes_summary(item.kind, entry),
        }))
    return found


def disagreements(item, *, chain_head: str, ballot_count: int, result: dict) -> list[str]:
    """Every record of the close that differs from what the ballots give (``result`` as
    :func:`result_summary`), named with the field: one message per record and field."""
    problems = []
    fields = (
        ("chain_head", chain_head, _("chain head")),
        ("ballot_count", ballot_count, _("ballot count")),
        ("result", result, _("result")),
    )
    for key, record in records_of_close(item):
        if record is None:
            problems.append(_missing(key))
            continue
        for name, ours, label in fields:
            theirs = record.get(name)
            if theirs != ours:
                problems.append(
                    _("In %(record)s the %(field)s is %(theirs)s; the ballots give %(ours)s.")
                    % {"record": _record_name(key), "field": label, "theirs": _short(theirs), "ours": _short(ours)}
                )
    return problems + audit_problems(item)


def _short(value) -> str:
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def verify_minutes(assembly: Assembly) -> list[str]:
    """Whether the approved minutes are the ones approved: their content's digest against the one
    stored at approval and the one the audit log recorded then."""
    minutes = Minutes.objects.filter(assembly_id=assembly.pk).first()
    if minutes is None or minutes.state == MinutesState.DRAFT:
        return []
    problems = []
    digest = minutes_digest(minutes.content or {})
    audit = (
        AuditEvent.objects.filter(action=APPROVE_ACTION, object_type=MINUTES_TYPE, object_id=str(minutes.pk))
        .order_by("-at", "-id")
        .first()
    )
    recorded = (audit.after or {}).get("digest") if audit is not None else None
    if audit is None:
        problems.append(_("The audit log has no record of the presiding board's approval of the minutes."))
    if not minutes.approved_digest and not recorded:
        # Approved before digests were kept: nothing pins the content (said, not failed).
        return problems
    if minutes.approved_digest != digest:
        problems.append(
            _("The minutes' content was changed after approval: its digest is %(now)s, %(stored)s was stored at approval.")
            % {"now": digest, "stored": minutes.approved_digest or "—"}
        )
    if audit is not None and recorded != digest:
        problems.append(
            _("The minutes' content differs from the one the audit log recorded at approval (digest %(recorded)s).")
            % {"recorded": recorded or "—"}
        )
    return problems
