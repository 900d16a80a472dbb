"""A bulletin file downloaded earlier (``bulletin.json`` of one closed item), read back and compared
with the ballot box today: ``taavon verify-assembly <id> --against <file>``.

The file is read as a stream: its header (every key before ``"ballots"``) whole, then one ballot at
a time, so a million ballots cost a buffer, not the file. It must be as downloaded in that respect:
the header before the ballots, the ballots in receipt-hash order (whitespace and indentation may
differ). The ballots are compared with the database's in one merge of the two sorted streams; every
ballot changed, removed or added is named by its receipt hash (up to :data:`LISTED` of them, then
counted), and so are a changed chain head, count or result.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _

from taavon.audit import chain

from ..models import ItemKind
from . import anchors, ballot_box

LISTED = 10_000  # ballots named per file; more are counted (a report of millions of lines helps nobody)
_READ = 1 << 20
_WHITESPACE = " \t\r\n"
_DECODER = json.JSONDecoder()


class BulletinFileError(ValueError):
    """The file is not a bulletin as downloaded (the message says why)."""


class _Stream:
    """JSON values read one at a time from a text file, with a buffer of about :data:`_READ` characters."""

    def __init__(self, fp: IO[str]):
        self.fp, self.buffer, self.pos, self.eof = fp, "", 0, False

    def _fill(self) -> None:
        chunk = self.fp.read(_READ)
        if not chunk:
            self.eof = True
        self.buffer = self.buffer[self.pos :] + chunk
        self.pos = 0

    def peek(self) -> str:
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buffer) or self.eof:
                return self.buffer[self.pos] if self.pos < len(self.buffer) else ""
            self._fill()

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise BulletinFileError(_("The file is not a bulletin: “%(char)s” expected.") % {"char": char})
        self.pos += 1

    def value(self):
        self.peek()
        while True:
            try:
                found, end = _DECODER.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError:
                found, end = None, -1
            # A value that reaches the end of the buffer may go on in the next read (a number).
            if end != -1 and (end < len(self.buffer) or self.eof):
                self.pos = end
                return found
            if self.eof:
                raise BulletinFileError(_("The file is not a bulletin: it is not JSON or it is cut short."))
            self._fill()


@dataclass
class BulletinFile:
    """A bulletin file opened for reading: its header, and its ballots to stream once."""

    header: dict
    ballots: Iterator[dict]


def open_bulletin(fp: IO[str]) -> BulletinFile:
    """Read the header of a bulletin file; its ballots follow as an iterator (read once)."""
    stream = _Stream(fp)
    stream.expect("{")
    header: dict = {}
    while True:
        key = stream.value()
        if not isinstance(key, str):
            raise BulletinFileError(_("The file is not a bulletin: a key is not a string."))
        stream.expect(":")
        if key == "ballots":
            break
        header[key] = stream.value()
        stream.expect(",")  # the ballots are still to come
    if "item" not in header or "chain_head" not in header:
        raise BulletinFileError(
            _("The file is not a bulletin: its header (item, chain head) must come before its ballots.")
        )
    return BulletinFile(header=header, ballots=_ballots(stream))


def _ballots(stream: _Stream) -> Iterator[dict]:
    stream.expect("[")
    if stream.peek() == "]":
        stream.pos += 1
        return
    while True:
        ballot = stream.value()
        if not isinstance(ballot, dict) or not isinstance(ballot.get("receipt_hash"), str):
            raise BulletinFileError(_("The file is not a bulletin: a ballot has no receipt hash."))
        yield ballot
        if stream.peek() == "]":
            stream.pos += 1
            return
        stream.expect(",")


@dataclass
class Comparison:
    """What changed on the board since the copy in a file."""

    name: str
    changed: list = field(default_factory=list)  # (receipt_hash, then, now)
    removed: list = field(default_factory=list)
    added: list = field(default_factory=list)
    unlisted: int = 0
    file_ballots: int = 0
    problems: list = field(default_factory=list)

    def messages(self) -> list[str]:
        """Every difference in words, naming the file."""
        out = list(self.problems)
        where = {"file": self.name}
        for receipt, then, now in self.changed:
            out.append(
                _("Since the copy in %(file)s: ballot %(receipt)s was changed (it said «%(then)s», it says «%(now)s»).")
                % {**where, "receipt": receipt, "then": then, "now": now}
            )
        for receipt in self.removed:
            out.append(_("Since the copy in %(file)s: ballot %(receipt)s was removed.") % {**where, "receipt": receipt})
        for receipt in self.added:
            out.append(_("Since the copy in %(file)s: ballot %(receipt)s was added.") % {**where, "receipt": receipt})
        if self.unlisted:
            out.append(
                _("Since the copy in %(file)s: %(n)s more ballots changed, removed or added (not listed).")
                % {**where, "n": self.unlisted}
            )
        return out


def _content(item, ballot: dict) -> str:
    """The canonical content of a ballot of the file (``?`` where it holds no valid content)."""
    try:
        if item.kind == ItemKind.MOTION:
            return ballot_box.canonical(ballot["choice"], None)
        return ballot_box.canonical(None, ballot["marks"])
    except (KeyError, TypeError, ValueError):
        return "?"


def _words(item, content: str, names: dict[int, str]) -> str:
    """A canonical content in words (as the bulletin page shows it)."""
    kind, _sep, rest = content.partition(":")
    if kind == "choice":
        return ballot_box.describe(item, int(rest) if rest.isdigit() else None, [], names)
    marks = [int(m) for m in rest.split(",") if m.isdigit()]
    return ballot_box.describe(item, None, marks, names)


def compare(item, bulletin: BulletinFile, *, name: str) -> Comparison:
    """Compare a closed item's board today with the copy ``bulletin`` (named ``name`` in messages)."""
    found = Comparison(name=name)
    header = bulletin.header
    where = {"file": name}
    if item.kind == ItemKind.MOTION:
        names: dict[int, str] = {}
    else:
        names = ballot_box.candidate_names(item)

    def note(kind: str, receipt: str, then: str = "", now: str = "") -> None:
        if len(found.changed) + len(found.removed) + len(found.added) >= LISTED:
            found.unlisted += 1
        elif kind == "changed":
            found.changed.append((receipt, _words(item, then, names), _words(item, now, names)))
        else:
            getattr(found, kind).append(receipt)

    own_head = ballot_box.genesis(item.assembly_id, item.pk)
    previous = ""
    with transaction.atomic():
        rows = (row for chunk in ballot_box._chunks(item) for row in chunk)
        current = next(rows, None)
        for ballot in bulletin.ballots:
            receipt, content = ballot["receipt_hash"], _content(item, ballot)
            if receipt <= previous:
                raise BulletinFileError(
                    _("The ballots of %(file)s are not in receipt-hash order, as the bulletin publishes them.") % where
                )
            previous = receipt
            own_head = ballot_box.link(own_head, receipt, content)
            found.file_ballots += 1
            while current is not None and current[0] < receipt:
                note("added", current[0])
                current = next(rows, None)
            if current is not None and current[0] == receipt:
                now = ballot_box._content(current[1], current[2])
                if now != content:
                    note("changed", receipt, content, now)
                current = next(rows, None)
            else:
                note("removed", receipt)
        while current is not None:
            note("added", current[0])
            current = next(rows, None)

    problems = found.problems
    if own_head != header.get("chain_head") or found.file_ballots != header.get("ballot_count", found.file_ballots):
        problems.append(
            _("The copy in %(file)s does not agree with itself: its ballots do not give its chain head and count, "
              "so the file was altered after it was downloaded. Its ballots are compared as they are.") % where
        )
    if header.get("chain_head") != item.chain_head:
        problems.append(
            _("The item's chain head is %(now)s; the copy in %(file)s has %(then)s.")
            % {**where, "now": item.chain_head, "then": header.get("chain_head")}
        )
    if header.get("ballot_count") != item.ballot_count:
        problems.append(
            _("The item's ballot count is %(now)s; the copy in %(file)s has %(then)s.")
            % {**where, "now": item.ballot_count, "then": header.get("ballot_count")}
        )
    if header.get("audit_entry"):
        try:
            entry = chain.Head.parse(str(header["audit_entry"]))
        except ValueError:
            problems.append(_("The copy in %(file)s has no valid audit log entry.") % where)
        else:
            problems.extend(str(p) for p in chain.passes_through(entry))
    result_then = anchors.result_summary(item.kind, header.get("result"))
    result_now = anchors.result_summary(item.kind, item.result)
    if result_then != result_now:
        problems.append(
            _("The item's result is %(now)s; the copy in %(file)s has %(then)s.")
            % {
                **where,
                "now": json.dumps(result_now, ensure_ascii=False),
                "then": json.dumps(result_then, ensure_ascii=False),
            }
        )
    return found
