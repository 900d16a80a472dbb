"""The ballot box: receipts, the hash chain, the bulletin board and its verification.

A voter gets a receipt code (16 random hex digits, shown once); the ballot keeps only
``receipt_hash(item_id, code)``. When voting on an item closes, its ballots are chained in
receipt-hash order (an order that says nothing about who voted when)::

    h0 = sha256("taavon-genesis:{assembly_id}:{item_id}")
    hi = sha256(h(i-1) + receipt_hash + canonical(ballot))

where ``canonical`` is ``"choice:<1|2|3>"`` for a motion (1 for, 2 against, 3 abstain) and
``"marks:<id>,<id>,…"`` (candidate ids, ascending; empty for a blank ballot) for an election.
The last link is the item's ``chain_head``, published with every ballot on the bulletin board.
Anyone holding the bulletin (JSON download) can recompute the chain and the tally;
:func:`verify_item` does the same against the database and reports every discrepancy.
"""

import hashlib
import hmac
import json
import re
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from taavon.core.persian import to_ascii_digits

from .. import law
from ..models import (
    EXTRAORDINARY_MATTERS,
    AgendaItem,
    Assembly,
    Ballot,
    BallotMark,
    Candidate,
    CandidateState,
    Choice,
    ItemKind,
    ItemState,
    VoteRecord,
)
from . import anchors

RECEIPT_DIGITS = 16  # hex digits: secrets.token_hex(8)
# Hex digits of the cast fingerprint appended to a receipt (:func:`cast_fingerprint`).
FINGERPRINT_DIGITS = 8
# Ballots are read for the chain in chunks of this many rows (a server-side cursor on PostgreSQL).
_CHUNK = 20_000
# Built once: ``choice in Choice.values`` rebuilds the list through the enum machinery every call.
_CHOICES = frozenset(Choice.values)
# The canonical text of a motion ballot, by choice (see :func:`canonical`).
_MOTION_CONTENT = {choice: f"choice:{choice}" for choice in Choice.values}
# ``marks`` of a ballot without marks, as the database returns the JSON as text.
_NO_MARKS = "[]"
_HEX = b"0123456789abcdef"
_HEX64 = re.compile(r"[0-9a-f]{64}")
# The ``format`` of a downloaded bulletin file (one closed item), read back by ``verify-assembly --against``.
BULLETIN_FORMAT = "taavon-bulletin/1"
_first, _second, _third = itemgetter(0), itemgetter(1), itemgetter(2)


# --------------------------------------------------------------------------- receipts


def new_receipt_code() -> str:
    """A fresh receipt code, in groups of four for reading aloud: ``3f9a-0c1b-77d2-e4a0``."""
    raw = secrets.token_hex(RECEIPT_DIGITS // 2)
    return "-".join(raw[i : i + 4] for i in range(0, RECEIPT_DIGITS, 4))


def split_receipt(code: str) -> tuple[str, str]:
    """The 16 hex digits of a typed receipt and its cast fingerprint (8 more digits, or "" for a
    receipt given before fingerprints). Persian digits, capitals, spaces and dashes are allowed.

    Raises ``ValidationError`` when it is not a receipt code at all.
    """
    raw = re.sub(r"[\s\-_‐-―]", "", to_ascii_digits(code or "")).lower()
    if not re.fullmatch(rf"[0-9a-f]{{{RECEIPT_DIGITS}}}([0-9a-f]{{{FINGERPRINT_DIGITS}}})?", raw):
        raise ValidationError(
            gettext_lazy(
                "A receipt code is 24 letters and digits, such as 3f9a-0c1b-77d2-e4a0-5b1c-9e07 "
                "(16 for a receipt given before that)."
            ),
            code="receipt_format",
        )
    return raw[:RECEIPT_DIGITS], raw[RECEIPT_DIGITS:]


def normalize_receipt_code(code: str) -> str:
    """The 16 hex digits of a typed code (a fingerprint after them is dropped, see :func:`split_receipt`).

    Raises ``ValidationError`` when it is not a receipt code at all.
    """
    return split_receipt(code)[0]


def receipt_hash(item_id: int, code: str) -> str:
    """What the ballot keeps of its receipt: sha256 with a domain prefix and the item."""
    return hashlib.sha256(f"taavon-receipt:{item_id}:{normalize_receipt_code(code)}".encode()).hexdigest()


def cast_fingerprint(item_id: int, code: str, content: str) -> str:
    """8 hex digits binding the receipt code to the content cast (:func:`canonical`).

    Keyed by the code, which the database never holds (only its hash): whoever can write the
    database can change a ballot but cannot make the fingerprint of the new content match the one
    the voter holds, so the receipt check tells a changed ballot from the one cast.
    """
    key = normalize_receipt_code(code).encode()
    return hmac.new(key, f"taavon-cast:{item_id}:{content}".encode(), hashlib.sha256).hexdigest()[:FINGERPRINT_DIGITS]


def receipt_with_fingerprint(item_id: int, code: str, choice, marks) -> str:
    """The receipt the voter is given: the code and the fingerprint of what they cast, in groups of four."""
    raw = normalize_receipt_code(code) + cast_fingerprint(item_id, code, canonical(choice, marks))
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


# --------------------------------------------------------------------------- the chain


def canonical(choice, marks) -> str:
    """The text of a ballot's content that goes into the chain."""
    if choice is not None:
        return f"choice:{int(choice)}"
    return "marks:" + ",".join(str(int(m)) for m in marks or ())


def genesis(assembly_id: int, item_id: int) -> str:
    return hashlib.sha256(f"taavon-genesis:{assembly_id}:{item_id}".encode()).hexdigest()


def link(previous: str, receipt: str, content: str) -> str:
    return hashlib.sha256((previous + receipt + content).encode()).hexdigest()


def _rows(item) -> Iterator[tuple[str, int | None, list]]:
    """(receipt_hash, choice, marks) of every ballot of ``item``, in chain order."""
    return (
        Ballot.objects.filter(item_id=item.pk)
        .order_by("receipt_hash")
        .values_list("receipt_hash", "choice", "marks")
        .iterator(chunk_size=_CHUNK)
    )


def _chunks(item) -> Iterator[list[tuple[str, int | None, str]]]:
    """Every ballot of ``item`` in chain order, as lists of ``(receipt_hash, choice, marks)`` rows
    with ``marks`` as the JSON text the database holds: a motion's ``"[]"`` is never decoded.

    Plain tuples from the driver, ``_CHUNK`` rows at a time; on PostgreSQL a server-side cursor
    (call it inside a transaction, or PostgreSQL copies the whole result to hold it past the commit).
    """
    table = connection.ops.quote_name(Ballot._meta.db_table)
    sql = f"SELECT receipt_hash, choice, CAST(marks AS TEXT) FROM {table} WHERE item_id = %s ORDER BY receipt_hash"
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, [item.pk])
        while chunk := cursor.fetchmany(_CHUNK):
            yield chunk


def _decode(marks: str):
    return [] if marks == _NO_MARKS else json.loads(marks)


def _content(choice, marks: str) -> str:
    """:func:`canonical` of a row from :func:`_chunks`."""
    return _MOTION_CONTENT.get(choice) or canonical(choice, _decode(marks) if choice is None else ())


def _chain(head: str, chunk) -> str:
    """The chain carried from ``head`` over a chunk of rows: :func:`link` inlined, one ``sha256``
    of the concatenated text per ballot (the same bytes, so the same heads)."""
    sha256, motion_content = hashlib.sha256, _MOTION_CONTENT
    for receipt, choice, marks in chunk:
        content = motion_content.get(choice) or _content(choice, marks)
        head = sha256((head + receipt + content).encode()).hexdigest()
    return head


def walk(item) -> tuple[str, int]:
    """The chain head over ``item``'s ballots and how many ballots it covers."""
    head = genesis(item.assembly_id, item.pk)
    count = 0
    with transaction.atomic():
        for chunk in _chunks(item):
            head = _chain(head, chunk)
            count += len(chunk)
    return head, count


def chain(item) -> str:
    """The chain head over ``item``'s ballots (computed when the item closes)."""
    return walk(item)[0]


# --------------------------------------------------------------------------- storage order

# Temporary tables keep the item's rows while they are written again (``%s``: the item).
_REWRITE = [
    "CREATE TEMPORARY TABLE taavon_rewrite_ballots AS "
    "SELECT id, item_id, receipt_hash, choice, marks FROM assemblies_ballot WHERE item_id = %s",
    "CREATE TEMPORARY TABLE taavon_rewrite_marks AS "
    "SELECT m.ballot_id, m.item_id, m.candidate_id, b.receipt_hash FROM assemblies_ballotmark m "
    "JOIN assemblies_ballot b ON b.id = m.ballot_id WHERE m.item_id = %s",
    "CREATE TEMPORARY TABLE taavon_rewrite_votes AS "
    "SELECT id, item_id, roll_entry_id, by_proxy FROM assemblies_voterecord WHERE item_id = %s",
    "DELETE FROM assemblies_ballotmark WHERE item_id = %s",
    "DELETE FROM assemblies_ballot WHERE item_id = %s",
    "DELETE FROM assemblies_voterecord WHERE item_id = %s",
    "INSERT INTO assemblies_ballot (id, item_id, receipt_hash, choice, marks) "
    "SELECT id, item_id, receipt_hash, choice, marks FROM taavon_rewrite_ballots ORDER BY receipt_hash",
    "INSERT INTO assemblies_ballotmark (ballot_id, item_id, candidate_id) "
    "SELECT ballot_id, item_id, candidate_id FROM taavon_rewrite_marks ORDER BY receipt_hash, candidate_id",
    "INSERT INTO assemblies_voterecord (id, item_id, roll_entry_id, by_proxy) "
    "SELECT id, item_id, roll_entry_id, by_proxy FROM taavon_rewrite_votes ORDER BY roll_entry_id",
    "DROP TABLE taavon_rewrite_ballots",
    "DROP TABLE taavon_rewrite_marks",
    "DROP TABLE taavon_rewrite_votes",
]


def rewrite_in_published_order(item_id: int) -> int:
    """Store a closed item's ballots again in receipt-hash order, their marks with new keys in that
    order, and its vote records in roll order; the number of ballots rewritten.

    While voting is open, rows are stored in the order they were cast: the ballots and the vote
    records (physical position in the table) and an election's marks (their serial keys) would
    let whoever reads the tables pair a voter with a ballot. Once the item is closed this removes
    that order from the live tables (run by a background job after the close: seconds at a
    million). Old row versions stay on disk until the database reclaims them (VACUUM), and write-
    ahead logs and backups taken during the vote keep the order: the database's own access is
    trusted that far. Contents, the chain and the tally are unchanged (``verify_item`` after it).
    """
    with transaction.atomic():
        item = AgendaItem.objects.select_for_update().filter(pk=item_id).first()
        if item is None or item.state != ItemState.CLOSED:
            return 0
        with connection.cursor() as cursor:
            for sql in _REWRITE:
                cursor.execute(sql, [item_id] if "%s" in sql else [])
        return Ballot.objects.filter(item_id=item_id).count()


# --------------------------------------------------------------------------- the bulletin board


def _require_closed(item) -> None:
    if item.state != ItemState.CLOSED:
        raise ValidationError(
            gettext_lazy("The ballots of an item are published when voting on it closes."), code="not_closed"
        )


def candidate_names(item) -> dict[int, str]:
    """Candidate id → name, for every candidate of an election item."""
    return {c.pk: c.person.full_name for c in Candidate.objects.filter(item_id=item.pk).select_related("person")}


def describe(item, choice, marks, names: dict[int, str] | None = None) -> str:
    """A ballot's content in words: «For», or the names of the candidates marked."""
    if item.kind == ItemKind.MOTION:
        return str(Choice(choice).label) if choice in _CHOICES else "?"
    if not marks:
        return _("Blank ballot")
    names = names if names is not None else candidate_names(item)
    return "، ".join(names.get(m, f"#{m}") for m in marks)


@dataclass
class BulletinPage:
    item: AgendaItem
    ballots: list  # [{"receipt_hash", "choice" | "marks", "content"}]
    after: str
    next_after: str
    genesis: str
    chain_head: str
    ballot_count: int
    result: dict


def _ballot_dict(item, receipt, choice, marks) -> dict:
    if item.kind == ItemKind.MOTION:
        return {"receipt_hash": receipt, "choice": choice}
    return {"receipt_hash": receipt, "marks": list(marks or [])}


def bulletin(item, *, after: str = "", limit: int = 100) -> BulletinPage:
    """One page of the bulletin board of a closed item: ballots in chain order after ``after``.

    Keyset pagination by receipt hash, so the millionth ballot costs what the first does.
    """
    _require_closed(item)
    limit = max(1, min(int(limit), 1000))
    after = after if re.fullmatch(r"[0-9a-f]{64}", after or "") else ""
    stored = Ballot.objects.filter(item_id=item.pk)
    if after:
        stored = stored.filter(receipt_hash__gt=after)
    rows = list(stored.order_by("receipt_hash").values_list("receipt_hash", "choice", "marks")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    names = candidate_names(item) if item.kind == ItemKind.ELECTION else {}
    ballots = [
        {**_ballot_dict(item, receipt, choice, marks), "content": describe(item, choice, marks, names)}
        for receipt, choice, marks in rows
    ]
    return BulletinPage(
        item=item,
        ballots=ballots,
        after=after,
        next_after=rows[-1][0] if more else "",
        genesis=genesis(item.assembly_id, item.pk),
        chain_head=item.chain_head,
        ballot_count=item.ballot_count,
        result=item.result or {},
    )


def bulletin_header(item) -> dict:
    """Everything the bulletin publishes about an item except the ballots themselves."""
    _require_closed(item)
    header = {
        "format": BULLETIN_FORMAT,
        "assembly": item.assembly_id,
        "item": item.pk,
        "position": item.position,
        "title": item.title,
        "kind": item.kind,
        "seats": item.seats,
        "alternates": item.alternates,
        "closed_at": item.closed_at.isoformat() if item.closed_at else None,
        "ballot_count": item.ballot_count,
        "genesis": genesis(item.assembly_id, item.pk),
        "chain_head": item.chain_head,
        "chain": "h0 = sha256('taavon-genesis:{assembly}:{item}'); "
        "h_i = sha256(h_(i-1) + receipt_hash + ('choice:' + choice | 'marks:' + comma-separated candidate ids)), "
        "ballots in receipt_hash order",
        "receipt_hash": "sha256('taavon-receipt:{item}:' + the 16 hex digits of the receipt code, lower case)",
        "fingerprint": "a receipt of 24 hex digits is the code (16) and the fingerprint of the content cast (8): "
        "hmac_sha256(key=code, 'taavon-cast:{item}:' + content)[:8], content as in 'chain'",
        "verify": f"keep this file; later, 'taavon verify-assembly {item.assembly_id} --against <this file>' "
        "names every ballot changed, removed or added since it was downloaded (by receipt hash) and a changed "
        "chain head or result; anyone can also recompute the chain, the count and the tally from the ballots below",
        "result": item.result or {},
        # Where the close sits in the audit log's hash chain: ``taavon verify-audit --expect-head``
        # with it shows whether the log up to the close was rewritten since this copy was made.
        "audit_entry": str(entry) if (entry := anchors.audit_entry(item)) is not None else None,
    }
    if item.kind == ItemKind.ELECTION:
        header["candidates"] = [{"id": pk, "name": name} for pk, name in sorted(candidate_names(item).items())]
    return header


def bulletin_ballots(item) -> Iterator[dict]:
    """Every ballot of a closed item, in chain order, streamed from the database."""
    _require_closed(item)
    for receipt, choice, marks in _rows(item):
        yield _ballot_dict(item, receipt, choice, marks)


def find_receipt(item, code: str) -> Ballot | None:
    """The ballot a receipt code belongs to, or None. Raises ``ValidationError`` for a malformed code."""
    return Ballot.objects.filter(item_id=item.pk, receipt_hash=receipt_hash(item.pk, code)).first()


# What the receipt check says (``verdict``), from the strongest to the weakest answer.
AS_CAST = "as_cast"  # on the board, and its content is the one the fingerprint was given for
NOT_AS_CAST = "not_as_cast"  # on the board, but its content is not the one cast
ON_BOARD = "on_board"  # on the board (a receipt without fingerprint: what the board holds, no more)
NOT_FOUND = "not_found"


def check_receipt(item, code: str) -> dict:
    """What a voter learns from their receipt: whether the ballot is in the box, whether it is
    still the one they cast (when the receipt carries its fingerprint) and, once the item has
    closed and the bulletin is published, what it says and its hash.

    ``verdict`` is :data:`AS_CAST`, :data:`NOT_AS_CAST`, :data:`ON_BOARD` or :data:`NOT_FOUND`;
    ``as_cast`` is True/False, or None without a fingerprint. Raises ``ValidationError`` for a
    malformed code.
    """
    raw, fingerprint = split_receipt(code)
    ballot = find_receipt(item, raw)
    published = item.state == ItemState.CLOSED
    if ballot is None:
        return {"found": False, "published": published, "as_cast": None, "verdict": NOT_FOUND}
    as_cast = None
    if fingerprint:
        held = cast_fingerprint(item.pk, raw, canonical(ballot.choice, ballot.marks))
        as_cast = hmac.compare_digest(held, fingerprint)
    verdict = ON_BOARD if as_cast is None else AS_CAST if as_cast else NOT_AS_CAST
    result = {"found": True, "published": published, "as_cast": as_cast, "verdict": verdict}
    if published:
        result.update(_ballot_dict(item, ballot.receipt_hash, ballot.choice, ballot.marks))
        result["content"] = describe(item, ballot.choice, ballot.marks)
    return result


# --------------------------------------------------------------------------- verification


@dataclass
class VerificationReport:
    item_id: int
    position: int
    title: str
    state: str
    ballots: int = 0
    voters: int = 0
    stored_ballots: int = 0
    chain_head: str = ""
    stored_head: str = ""
    tally: dict = field(default_factory=dict)
    discrepancies: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.discrepancies

    @property
    def checked(self) -> bool:
        return self.state == ItemState.CLOSED

    def as_dict(self) -> dict:
        return {
            "item": self.item_id,
            "position": self.position,
            "title": self.title,
            "state": self.state,
            "ballots": self.ballots,
            "voters": self.voters,
            "stored_ballots": self.stored_ballots,
            "chain_head": self.chain_head,
            "stored_head": self.stored_head,
            "tally": self.tally,
            "ok": self.ok,
            "discrepancies": [str(d) for d in self.discrepancies],
        }


def _valid_content(item, choice, marks, eligible: set[int]) -> bool:
    if item.kind == ItemKind.MOTION:
        return choice in _CHOICES and not marks
    if choice is not None or not isinstance(marks, list):
        return False
    if not all(isinstance(m, int) for m in marks):
        return False
    return marks == sorted(set(marks)) and len(marks) <= item.seats and set(marks) <= eligible


def _valid_receipt(receipt) -> bool:
    return isinstance(receipt, str) and _HEX64.fullmatch(receipt) is not None


def _receipts_valid(receipts) -> bool:
    """Whether every receipt hash of a chunk is 64 lower-case hex digits, in a few C-level passes."""
    if set(map(len, receipts)) != {64}:
        return False
    try:
        joined = "".join(receipts).encode("ascii")
    except (TypeError, UnicodeEncodeError):
        return False
    return not joined.translate(None, _HEX)


def _check_motion_chunk(item, chunk, counts: Counter, invalid: list) -> None:
    """Tally a chunk of motion ballots into ``counts`` and add the receipts of invalid ones to
    ``invalid``. The whole chunk is checked at once; row by row only when that finds a fault."""
    # Columns as lists of the row's own objects (``zip(*chunk)`` would allocate an iterator per row,
    # and the garbage collector then walks every live object again and again).
    choices = list(map(_second, chunk))
    counts.update(choices)
    if (
        _CHOICES.issuperset(choices)
        and set(map(_third, chunk)) == {_NO_MARKS}
        and _receipts_valid(list(map(_first, chunk)))
    ):
        return
    for receipt, choice, text in chunk:
        if not (_valid_content(item, choice, _decode(text), set()) and _valid_receipt(receipt)):
            invalid.append(receipt)


def _check_election_chunk(item, chunk, eligible: set[int], counts: Counter, invalid: list) -> None:
    for receipt, choice, text in chunk:
        marks = _decode(text)
        if not (_valid_content(item, choice, marks, eligible) and _valid_receipt(receipt)):
            invalid.append(receipt)
        counts.update(marks if isinstance(marks, list) else [])


def decision_kind(item) -> str:
    """The assembly kind whose majority decides ``item``: an extraordinary matter needs the extraordinary one."""
    return "extraordinary" if item.matter in EXTRAORDINARY_MATTERS else item.assembly.kind


def majority_key(item) -> str:
    """The rules parameter deciding a motion."""
    return f"assembly.majority.{law.family(decision_kind(item))}"


def result_of(item, *, counts: dict, ballots: int, chain_head: str) -> dict:
    """The result ``counts`` give an item, under the rules its assembly was convened with.

    Motions: ``counts`` is choice → ballots, the base is the votes present when voting opened.
    Elections: ``counts`` is candidate id → marks; ties are drawn with a seed fixed by the chain head.
    """
    assembly = item.assembly
    if item.kind == ItemKind.MOTION:
        at_open = item.quorum_at_open or {}
        result = law.motion_result(
            assembly.rules,
            decision_kind(item),
            votes_for=counts.get(Choice.FOR, 0),
            against=counts.get(Choice.AGAINST, 0),
            abstain=counts.get(Choice.ABSTAIN, 0),
            base=at_open.get("present", 0) + at_open.get("represented", 0),
        )
        return {"kind": ItemKind.MOTION.value, "ballots": ballots, "rule": majority_key(item), **result.as_dict()}
    candidates = list(
        Candidate.objects.filter(item_id=item.pk, state=CandidateState.ELIGIBLE).select_related("person").order_by("pk")
    )
    elected = law.election_result(
        counts,
        [c.pk for c in candidates],
        seats=item.seats,
        alternates=item.alternates,
        seed=law.draw_seed(item.pk, chain_head),
    )
    outcome = {pk: "elected" for pk in elected.elected} | {pk: "alternate" for pk in elected.alternates}
    rows = [
        {
            "id": c.pk,
            "person": c.person_id,
            "name": c.person.full_name,
            "votes": elected.counts[c.pk],
            "outcome": outcome.get(c.pk, ""),
        }
        for c in candidates
    ]
    rows.sort(key=lambda r: (r["outcome"] != "elected", r["outcome"] != "alternate", -r["votes"], r["id"]))
    return {
        "kind": ItemKind.ELECTION.value,
        "ballots": ballots,
        **elected.as_dict(),
        "names": {str(c.pk): c.person.full_name for c in candidates},
        "candidates": rows,
    }


def verify_item(item) -> VerificationReport:
    """Recompute the tally and the chain of a closed item from its ballots and compare with what
    was published at the close (the item's result, count and head, and the ITEM_CLOSED event).

    Every difference is listed: a ballot changed, removed or added, a result that does not follow
    from the ballots, an invalid ballot, voters and ballots that do not match.
    """
    item = AgendaItem.objects.select_related("assembly").get(pk=item.pk)
    report = VerificationReport(item_id=item.pk, position=item.position, title=item.title, state=item.state)
    if item.state != ItemState.CLOSED:
        return report
    eligible = set(
        Candidate.objects.filter(item_id=item.pk, state=CandidateState.ELIGIBLE).values_list("pk", flat=True)
    )
    head = genesis(item.assembly_id, item.pk)
    counts: Counter = Counter()
    invalid: list[str] = []
    n = 0
    with transaction.atomic():
        for chunk in _chunks(item):
            if item.kind == ItemKind.MOTION:
                _check_motion_chunk(item, chunk, counts, invalid)
            else:
                _check_election_chunk(item, chunk, eligible, counts, invalid)
            head = _chain(head, chunk)
            n += len(chunk)
    report.ballots, report.chain_head = n, head
    report.stored_ballots, report.stored_head = item.ballot_count, item.chain_head
    report.voters = VoteRecord.objects.filter(item_id=item.pk).count()
    report.tally = {str(k): v for k, v in sorted(counts.items(), key=lambda kv: str(kv[0]))}
    problems = report.discrepancies

    for receipt in invalid[:20]:
        problems.append(_("Ballot %(receipt)s is not a valid ballot for this item.") % {"receipt": receipt[:16]})
    if len(invalid) > 20:
        problems.append(_("%(n)s more invalid ballots.") % {"n": len(invalid) - 20})
    if n > item.ballot_count:
        problems.append(
            _("%(n)s ballot(s) added: %(found)s found, %(stored)s counted at the close.")
            % {"n": n - item.ballot_count, "found": n, "stored": item.ballot_count}
        )
    elif n < item.ballot_count:
        problems.append(
            _("%(n)s ballot(s) removed: %(found)s found, %(stored)s counted at the close.")
            % {"n": item.ballot_count - n, "found": n, "stored": item.ballot_count}
        )
    if head != item.chain_head:
        if n == item.ballot_count:
            problems.append(_("A ballot was changed: the chain head differs from the one published at the close."))
        else:
            problems.append(_("The chain head differs from the one published at the close."))
    if n != report.voters:
        problems.append(
            _("%(ballots)s ballots but %(voters)s voters recorded as having voted.")
            % {"ballots": n, "voters": report.voters}
        )
    if item.kind == ItemKind.ELECTION:
        marks_index = dict(
            BallotMark.objects.filter(item_id=item.pk).values_list("candidate_id").annotate(n=Count("id")).order_by()
        )
        if {k: v for k, v in marks_index.items() if v} != {k: v for k, v in counts.items() if v}:
            problems.append(_("The index of marks disagrees with the ballots."))
    expected = result_of(item, counts=dict(counts), ballots=n, chain_head=head)
    stored = item.result or {}
    keys = (
        ("for", "against", "abstain", "passed") if item.kind == ItemKind.MOTION else ("counts", "elected", "alternates")
    )
    if any(stored.get(k) != expected.get(k) for k in keys):
        problems.append(_("The published result does not follow from the ballots."))
    # The records of the close kept elsewhere (the assembly's log, the audit log, the minutes):
    # a rewrite of the ballots and the item's row together still disagrees with them.
    problems.extend(
        anchors.disagreements(
            item, chain_head=head, ballot_count=n, result=anchors.result_summary(item.kind, expected)
        )
    )
    return report


def verify_assembly(assembly: Assembly) -> list[VerificationReport]:
    """:func:`verify_item` for every item of an assembly, in agenda order."""
    return [verify_item(item) for item in AgendaItem.objects.filter(assembly_id=assembly.pk).order_by("position")]
