"""The ballot box after the close: receipts, the hash chain, the bulletin board anyone can download
and recompute, and ``taavon verify-assembly`` catching any ballot changed, removed or added."""

import hashlib
import io
import json
import re
import uuid
from collections import Counter
from html import unescape

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from taavon.accounts.models import Role
from taavon.assemblies.models import AgendaItem, Ballot, BallotMark, VoteRecord
from taavon.assemblies.voting import ballot_box
from taavon.assemblies.voting import services as voting
from taavon.cli import main as taavon
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db

text = helpers.text


class Closed:
    """An assembly of 7, all present, with a motion (4 for, 2 against, 1 abstain) and a board
    election (2 seats, 1 alternate, three candidates) voted and closed through the services."""

    def __init__(self):
        self.assembly = a = factory.assembly(members=7)
        self.motion = factory.motion(a)
        self.election = factory.election(a, seats=2, alternates=1)
        factory.freeze_roll(a)
        self.entries = list(a.roll.order_by("id").select_related("person"))
        self.officer = helpers.user(Role.OFFICER, cooperative=a.cooperative, password=None)
        self.candidates = [
            voting.register_candidate(actor=self.officer, item=self.election, person=e.person).pk
            for e in self.entries[:3]
        ]
        factory.noticed_to_session(a)
        self.codes = {}
        voting.open_item(actor=self.officer, item=self.motion)
        for entry, choice in zip(self.entries, [1, 1, 2, 1, 3, 2, 1], strict=True):
            self.codes[entry.pk] = voting.cast_ballot(
                actor_person=entry.person, item=self.motion, roll_entry=entry, choice=choice
            )
        voting.close_item(actor=self.officer, item=self.motion)
        voting.open_item(actor=self.officer, item=self.election)
        x, y, z = self.candidates
        for entry, marks in zip(self.entries, [[x, y], [x], [y, z], [x, z], [], [x, y], [z]], strict=True):
            voting.cast_ballot(actor_person=entry.person, item=self.election, roll_entry=entry, marks=marks)
        voting.close_item(actor=self.officer, item=self.election)
        self.motion.refresh_from_db()
        self.election.refresh_from_db()


@pytest.fixture
def closed():
    return Closed()


def verify(assembly) -> tuple[int, str, str]:
    """Run ``taavon verify-assembly <id>`` as from the shell: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify-assembly", str(assembly.pk), stdout=out, stderr=err)
        status = 0
    except CommandError as exc:
        err.write(str(exc))
        status = 1
    return status, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------- receipts


def test_a_receipt_code_is_typed_back_however_the_voter_writes_it(english):
    code = ballot_box.new_receipt_code()
    persian = code.upper().replace("-", " ").translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))

    assert ballot_box.receipt_hash(5, persian) == ballot_box.receipt_hash(5, code)
    assert ballot_box.receipt_hash(5, code) != ballot_box.receipt_hash(6, code)
    expected = hashlib.sha256(f"taavon-receipt:5:{code.replace('-', '')}".encode()).hexdigest()
    assert ballot_box.receipt_hash(5, code) == expected
    with pytest.raises(Exception, match="24 letters and digits"):
        ballot_box.receipt_hash(5, "12345")


# --------------------------------------------------------------------------- the bulletin board


def test_anyone_can_recompute_the_chain_and_the_tally_from_the_downloaded_bulletin(client, closed):
    client.force_login(helpers.user(Role.MEMBER, person=closed.entries[0].person, password=None))

    response = client.get(reverse("assemblies:bulletin_json", args=[closed.assembly.pk, closed.election.pk]))

    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    board = json.loads(b"".join(response.streaming_content))
    head = hashlib.sha256(f"taavon-genesis:{closed.assembly.pk}:{closed.election.pk}".encode()).hexdigest()
    tally = Counter()
    for ballot in board["ballots"]:
        content = "marks:" + ",".join(str(m) for m in ballot["marks"])
        head = hashlib.sha256((head + ballot["receipt_hash"] + content).encode()).hexdigest()
        tally.update(ballot["marks"])
    x, y, z = closed.candidates
    assert head == board["chain_head"] == closed.election.chain_head
    assert board["ballot_count"] == len(board["ballots"]) == 7
    assert [b["receipt_hash"] for b in board["ballots"]] == sorted(b["receipt_hash"] for b in board["ballots"])
    assert dict(tally) == {x: 4, y: 3, z: 3} and board["result"]["counts"] == {str(x): 4, str(y): 3, str(z): 3}
    assert board["result"]["elected"][0] == x and len(board["result"]["draws"]) == 1


def test_the_bulletin_page_lists_every_ballot_a_page_at_a_time(en, closed, monkeypatch):
    from taavon.assemblies.voting import views as views_voting

    monkeypatch.setattr(views_voting, "BULLETIN_PAGE_SIZE", 3)
    en.force_login(helpers.user(Role.ANALYST, password=None))
    url = reverse("assemblies:bulletin", args=[closed.assembly.pk, closed.motion.pk])

    seen = []
    page = en.get(url)
    while True:
        html = page.content.decode()
        seen += re.findall(r'<code class="ltr-value small">([0-9a-f]{64})</code>', html)
        following = re.search(r'href="([^"]+)" data-testid="next-page"', html)
        if not following:
            break
        page = en.get(unescape(following.group(1)))

    assert seen == sorted(Ballot.objects.filter(item=closed.motion).values_list("receipt_hash", flat=True))
    first = text(en.get(url))
    assert closed.motion.chain_head in first and "Passed" in first and "For" in first


def test_nothing_is_published_while_voting_is_open(en):
    a = factory.in_session(factory.assembly(members=7))
    item = factory.motion(a)
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative, password=None)
    voting.open_item(actor=officer, item=item)
    en.force_login(officer)

    page = en.get(reverse("assemblies:bulletin", args=[a.pk, item.pk]))
    download = en.get(reverse("assemblies:bulletin_json", args=[a.pk, item.pk]))

    assert "The ballots of an item are published when voting on it closes." in text(page)
    assert download.status_code == 409


def test_the_bulletin_is_not_for_strangers(client, en, closed):
    url = reverse("assemblies:bulletin_json", args=[closed.assembly.pk, closed.motion.pk])
    assert client.get(url).status_code == 302
    en.force_login(helpers.user(Role.MEMBER, password=None))
    assert en.get(url).status_code == 404
    assert en.get(reverse("assemblies:receipt", args=[closed.assembly.pk, closed.motion.pk])).status_code == 404


# --------------------------------------------------------------------------- verification


def test_an_untouched_assembly_verifies(closed):
    status, out, err = verify(closed.assembly)

    assert status == 0 and err == ""
    assert f"7 ballots, 7 voters, tally {{'1': 4, '2': 2, '3': 1}}, chain head {closed.motion.chain_head}: OK" in out
    assert f"chain head {closed.election.chain_head}: OK" in out and "OK: 2 closed items verified." in out
    assert all(report.ok for report in ballot_box.verify_assembly(closed.assembly))


def test_verification_fails_loudly_when_a_ballot_is_changed(closed):
    ballot = Ballot.objects.filter(item=closed.motion, choice=2).first()
    Ballot.objects.filter(pk=ballot.pk).update(choice=1)

    status, out, err = verify(closed.assembly)

    assert status == 1 and "VERIFICATION FAILED" in err
    assert "A ballot was changed: the chain head differs from the one published at the close." in err
    assert "The published result does not follow from the ballots." in err
    assert "added" not in err and "removed" not in err


def test_verification_fails_loudly_when_a_ballot_is_removed(closed):
    Ballot.objects.filter(pk=Ballot.objects.filter(item=closed.election).first().pk).delete()

    status, out, err = verify(closed.assembly)

    assert status == 1 and "VERIFICATION FAILED" in err
    assert "1 ballot(s) removed: 6 found, 7 counted at the close." in err
    assert "6 ballots but 7 voters recorded as having voted." in err


def test_verification_fails_loudly_when_a_ballot_is_added(closed):
    stuffed = Ballot.objects.create(
        item=closed.motion, receipt_hash=hashlib.sha256(uuid.uuid4().bytes).hexdigest(), choice=1
    )

    status, out, err = verify(closed.assembly)

    assert status == 1 and "1 ballot(s) added: 8 found, 7 counted at the close." in err
    report = ballot_box.verify_item(closed.motion)
    assert not report.ok and report.ballots == 8 and report.stored_ballots == 7 and report.voters == 7
    stuffed.delete()
    assert ballot_box.verify_item(closed.motion).ok


def test_verification_catches_a_doctored_result_and_a_doctored_mark_index(closed):
    result = dict(closed.motion.result, passed=False)
    AgendaItem.objects.filter(pk=closed.motion.pk).update(result=result)
    mark = BallotMark.objects.filter(item=closed.election).first()
    BallotMark.objects.filter(pk=mark.pk).update(
        candidate_id=next(c for c in closed.candidates if c != mark.candidate_id)
    )

    motion, election = (r for r in ballot_box.verify_assembly(closed.assembly))

    assert "The published result does not follow from the ballots." in motion.discrepancies
    assert "The index of marks disagrees with the ballots." in election.discrepancies


def test_the_shell_command_exits_non_zero(closed, capsys, monkeypatch):
    from django.db import connections

    # A command run from the shell closes the database connections when it ends; here that
    # connection carries the test's own transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    VoteRecord.objects.filter(item=closed.motion).first().delete()

    with pytest.raises(SystemExit) as exit_:
        taavon(["verify-assembly", str(closed.assembly.pk)])

    assert exit_.value.code == 1
    assert "7 ballots but 6 voters recorded as having voted." in capsys.readouterr().err
    with pytest.raises(SystemExit):
        taavon(["verify-assembly", "999999"])


def test_the_json_report(closed):
    out = io.StringIO()
    call_command("verify-assembly", str(closed.assembly.pk), "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["ok"] is True and [i["ballots"] for i in report["items"]] == [7, 7]
