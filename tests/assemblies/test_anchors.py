"""Results that survive a database administrator: a closed item's chain head, count and result are
anchored in the audit log, the approved minutes (their digest pinned at approval) and the bulletin
files members download; ``taavon verify-assembly`` compares them all, ``--against`` an earlier copy
names every ballot changed, removed or added, and a member's receipt says whether the board still
holds their ballot as they cast it."""

import io
import json
import re
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils import translation

from taavon.accounts.models import Role
from taavon.assemblies import events
from taavon.assemblies.minutes import pdf
from taavon.assemblies.minutes import services as minutes
from taavon.assemblies.models import AssemblyEvent, Ballot, Minutes, PresidingMember
from taavon.assemblies.voting import anchors, ballot_box, bulletin_file
from taavon.audit import chain
from taavon.audit.models import AuditEvent
from tests import helpers
from tests.assemblies import factory
from tests.assemblies.test_ballot_box import Closed

pytestmark = pytest.mark.django_db

text = helpers.text



@pytest.fixture
def closed():
    return Closed()


def verify(assembly, *against) -> tuple[int, str]:
    """``taavon verify-assembly <id> [--against FILE…]``, in English: (exit status, stdout + stderr)."""
    out, err = io.StringIO(), io.StringIO()
    args = [str(assembly.pk)] + [f"--against={path}" for path in against]
    try:
        with translation.override("en"):
            call_command("verify-assembly", *args, stdout=out, stderr=err)
        status = 0
    except CommandError as exc:
        err.write(str(exc))
        status = 1
    return status, out.getvalue() + err.getvalue()


def sql(statement: str, params=()) -> None:
    """Run SQL as a database administrator would: straight on the tables, past the application."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def key(pk):
    """A ballot's key as the database stores it (a uuid on PostgreSQL, 32 hex digits on SQLite)."""
    return Ballot._meta.pk.get_db_prep_value(pk, connection)


def json_param() -> str:
    return "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"


def approved_minutes(closed, sms) -> Minutes:
    """The session closed, the minutes drafted and approved by its chair and secretary with one-time codes."""
    a = closed.assembly
    board = [closed.entries[0].person, closed.entries[1].person]
    PresidingMember.objects.bulk_create(
        PresidingMember(assembly=a, person=p, role=r) for p, r in zip(board, ("chair", "secretary"), strict=True)
    )
    factory.close_logged(a)
    m = minutes.draft_minutes(a)
    for person in board:
        user = helpers.user(Role.MEMBER, person=person, password=None)
        minutes.request_approval_code(actor=user, minutes=m)
        m = minutes.approve(actor=user, minutes=m, code=sms.last_code(person.mobile))
    assert m.state == "approved"
    return m


def rewrite_as_a_dba(item, *, from_choice: int, to_choice: int, how_many: int) -> str:
    """The issue's attack: change ballots, recompute the item's chain with the module's own
    functions, and update the item's head, count and result and the ``item_closed`` event to match.
    Returns the new head."""
    ids = list(Ballot.objects.filter(item=item, choice=from_choice).values_list("pk", flat=True)[:how_many])
    for pk in ids:
        sql("UPDATE assemblies_ballot SET choice = %s WHERE id = %s", [to_choice, key(pk)])
    item.refresh_from_db()
    head, count = ballot_box.walk(item)
    counts = dict(Ballot.objects.filter(item=item).values_list("choice").annotate(n=Count("id")).order_by())
    result = ballot_box.result_of(item, counts=counts, ballots=count, chain_head=head)
    sql(
        f"UPDATE assemblies_agendaitem SET chain_head = %s, ballot_count = %s, result = {json_param()} WHERE id = %s",
        [head, count, json.dumps(result), item.pk],
    )
    event = AssemblyEvent.objects.get(kind=events.ITEM_CLOSED, data__item_id=item.pk)
    data = dict(event.data, chain_head=head, ballot_count=count, result=result)
    sql(f"UPDATE assemblies_assemblyevent SET data = {json_param()} WHERE id = %s", [json.dumps(data), event.pk])
    return head


# --------------------------------------------------------------------------- the attack


def test_a_dba_who_rewrites_ballots_item_and_log_is_named_by_the_audit_log_and_the_minutes(closed, sms, english):
    m = approved_minutes(closed, sms)
    assert verify(closed.assembly)[0] == 0
    original = closed.motion.chain_head
    assert closed.motion.result["passed"] is True

    head = rewrite_as_a_dba(closed.motion, from_choice=1, to_choice=2, how_many=2)

    closed.motion.refresh_from_db()
    assert closed.motion.result["passed"] is False  # the motion's result flipped
    problems = ballot_box.verify_item(closed.motion).discrepancies
    # The ballots, the item's row and the assembly's log agree with each other: the old checks pass…
    assert not [p for p in problems if "assembly's log" in p or "published at the close" in p or "follow" in p]
    # …but the audit log's record of the close and the approved minutes still hold the close's head.
    assert f"In the audit log's record of the close the chain head is {original}; the ballots give {head}." in problems
    assert any(p.startswith("In the audit log's record of the close the result is") for p in problems)
    assert f"In the minutes approved by the presiding board the chain head is {original}; the ballots give {head}." in problems
    assert any(p.startswith("In the minutes approved by the presiding board the result is") for p in problems)
    status, output = verify(closed.assembly)
    assert status == 1 and "VERIFICATION FAILED" in output and "audit log's record of the close" in output
    assert m.approved_digest and "Minutes: VERIFICATION FAILED" not in output  # the minutes themselves untouched


def test_an_untouched_close_agrees_with_every_record(closed, sms):
    approved_minutes(closed, sms)
    for item in (closed.motion, closed.election):
        records = dict(anchors.records_of_close(item))
        assert set(records) == {"log", "audit", "minutes"}
        assert {r["chain_head"] for r in records.values()} == {item.chain_head}
        assert {r["ballot_count"] for r in records.values()} == {7}
        assert all(r["result"] == anchors.result_summary(item.kind, item.result) for r in records.values())
    assert verify(closed.assembly)[0] == 0


def test_the_audit_record_of_the_close_carries_head_count_and_result(closed):
    audit = AuditEvent.objects.get(action="item.close", object_id=str(closed.motion.pk))
    assert audit.after["chain_head"] == closed.motion.chain_head
    assert audit.after["ballot_count"] == 7 and audit.after["result"]["for"] == 4


def test_a_close_with_no_audit_record_is_named(closed, english):
    sql("DELETE FROM audit_auditevent WHERE action = %s AND object_id = %s", ["item.close", str(closed.motion.pk)])
    assert ballot_box.verify_item(closed.motion).discrepancies == ["The audit log has no record of this item's close."]


# --------------------------------------------------------------------------- the minutes


def test_the_approved_minutes_print_every_items_anchor_and_their_pinned_digest(closed, sms):
    m = approved_minutes(closed, sms)

    digest = anchors.minutes_digest(m.content)
    assert m.approved_digest == digest
    audit = AuditEvent.objects.get(action="minutes.approve", object_id=str(m.pk))
    assert audit.after["digest"] == digest
    assert {a["chain_head"] for a in audit.after["anchors"]} == {closed.motion.chain_head, closed.election.chain_head}
    html = pdf.render_html(m)
    assert digest in html and closed.motion.chain_head in html and closed.election.chain_head in html


def test_minutes_changed_after_approval_are_caught(closed, sms, english):
    m = approved_minutes(closed, sms)
    content = json.loads(json.dumps(m.content))
    content["items"][0]["motion"]["passed"] = False
    sql(f"UPDATE assemblies_minutes SET content = {json_param()} WHERE id = %s", [json.dumps(content), m.pk])

    status, output = verify(closed.assembly)

    assert status == 1 and "Minutes: VERIFICATION FAILED" in output
    assert "The minutes' content was changed after approval" in output
    assert "The minutes' content differs from the one the audit log recorded at approval" in output
    assert "In the minutes approved by the presiding board the result is" in output


# --------------------------------------------------------------------------- --against a downloaded bulletin


def download(client, closed, item, tmp_path):
    """An observer (a member) downloads the bulletin file of ``item`` from the bulletin page's link."""
    if "_auth_user_id" not in client.session:
        client.force_login(helpers.user(Role.MEMBER, person=closed.entries[3].person, password=None))
    response = client.get(reverse("assemblies:bulletin_json", args=[closed.assembly.pk, item.pk]))
    path = tmp_path / f"bulletin-{item.pk}.json"
    path.write_bytes(b"".join(response.streaming_content))
    return path


def test_the_bulletin_file_says_how_to_verify_it(client, closed, tmp_path):
    board = json.loads(download(client, closed, closed.motion, tmp_path).read_text())
    assert board["format"] == ballot_box.BULLETIN_FORMAT
    assert f"taavon verify-assembly {closed.assembly.pk} --against" in board["verify"]
    assert board["chain_head"] == closed.motion.chain_head and board["ballot_count"] == 7
    assert board["result"]["for"] == 4 and all(len(b["receipt_hash"]) == 64 for b in board["ballots"])


def test_against_an_earlier_copy_every_ballot_changed_removed_or_added_is_named(
    client, closed, tmp_path, monkeypatch, english
):
    motion_file = download(client, closed, closed.motion, tmp_path)
    election_file = download(client, closed, closed.election, tmp_path)
    assert verify(closed.assembly, motion_file, election_file)[0] == 0
    receipts = list(Ballot.objects.filter(item=closed.motion).order_by("receipt_hash"))
    changed = next(b for b in receipts if b.choice == 2)
    removed = receipts[0] if receipts[0] != changed else receipts[1]
    added = "f" * 64
    sql("UPDATE assemblies_ballot SET choice = 1 WHERE id = %s", [key(changed.pk)])
    sql("DELETE FROM assemblies_ballot WHERE id = %s", [key(removed.pk)])
    Ballot.objects.create(id=uuid.uuid4(), item=closed.motion, receipt_hash=added, choice=1)
    head = rewrite_as_a_dba(closed.motion, from_choice=3, to_choice=3, how_many=0)
    monkeypatch.setattr(bulletin_file, "_READ", 7)  # the file read a few characters at a time

    status, output = verify(closed.assembly, motion_file, election_file)

    name = motion_file.name
    assert status == 1
    assert (f"Since the copy in {name}: ballot {changed.receipt_hash} was changed (it said «Against», it says «For»)."
            in output)
    assert f"Since the copy in {name}: ballot {removed.receipt_hash} was removed." in output
    assert f"Since the copy in {name}: ballot {added} was added." in output
    assert f"The item's chain head is {head}; the copy in {name} has {closed.motion.chain_head}." in output
    assert "The item's result is" in output
    assert election_file.name not in output  # the election's board is as it was


def test_a_copy_altered_after_download_or_of_another_assembly_is_said_so(client, closed, tmp_path, english):
    path = download(client, closed, closed.motion, tmp_path)
    board = json.loads(path.read_text())
    board["ballots"][0]["choice"] = 3 if board["ballots"][0]["choice"] != 3 else 1
    path.write_text(json.dumps(board, indent=2))

    status, output = verify(closed.assembly, path)
    assert status == 1 and "does not agree with itself" in output and "was changed" in output

    other = factory.assembly(members=3)
    status, output = verify(other, path)
    assert status == 1 and f"not of assembly {other.pk}" in output
    (tmp_path / "junk.json").write_text('{"item": 1, "ballots": [')
    assert "not a bulletin" in verify(closed.assembly, tmp_path / "junk.json")[1]


def rewrite_the_audit_record_too(item, head: str, *, recompute_chain: bool) -> None:
    """The attack carried into the audit log: the close's record made to agree with the rewritten
    ballots and, with ``recompute_chain``, every digest from it onwards recomputed."""
    event = AuditEvent.objects.get(action="item.close", object_id=str(item.pk))
    item.refresh_from_db()
    after = dict(event.after, chain_head=head, ballot_count=item.ballot_count, result=item.result)
    sql(f"UPDATE audit_auditevent SET after = {json_param()} WHERE id = %s", [json.dumps(after), event.pk])
    if recompute_chain:
        previous = AuditEvent.objects.filter(seq=event.seq - 1).values_list("digest", flat=True).first()
        digest = previous or chain.GENESIS
        for row in AuditEvent.objects.filter(seq__gte=event.seq).order_by("seq").values("seq", *chain._READ):
            digest = chain.link(digest, row)
            sql("UPDATE audit_auditevent SET digest = %s WHERE id = %s", [digest, row["id"]])
        sql("UPDATE audit_chainhead SET digest = %s", [digest])


def test_a_dba_who_also_rewrites_the_audit_record_is_named_by_its_chain(closed, english):
    chain.seal()
    head = rewrite_as_a_dba(closed.motion, from_choice=1, to_choice=2, how_many=2)
    rewrite_the_audit_record_too(closed.motion, head, recompute_chain=False)

    status, output = verify(closed.assembly)

    assert status == 1
    assert "audit log's record of the close the chain head" not in output  # the record itself agrees now…
    assert "item.close) was changed: its digest no longer follows" in output  # …but its chain does not


def test_a_dba_who_recomputes_the_audit_chain_is_named_by_an_earlier_bulletin(client, closed, tmp_path, english):
    motion_file = download(client, closed, closed.motion, tmp_path)
    entry = json.loads(motion_file.read_text())["audit_entry"]
    assert entry == str(anchors.audit_entry(closed.motion))  # the copy names the close's place in the audit chain
    head = rewrite_as_a_dba(closed.motion, from_choice=1, to_choice=2, how_many=2)
    rewrite_the_audit_record_too(closed.motion, head, recompute_chain=True)
    assert verify(closed.assembly)[0] == 0  # every record in the database agrees with every other now

    status, output = verify(closed.assembly, motion_file)

    assert status == 1
    assert f"The head printed earlier ({entry}) no longer matches" in output
    assert "was changed (it said «For», it says «Against»)" in output


# --------------------------------------------------------------------------- the receipt: on the board as cast


def test_a_receipt_says_whether_the_ballot_is_on_the_board_as_cast(closed):
    code = closed.codes[closed.entries[0].pk]
    assert re.fullmatch(r"[0-9a-f]{4}(-[0-9a-f]{4}){5}", code)
    first = ballot_box.check_receipt(closed.motion, code)
    assert first["verdict"] == ballot_box.AS_CAST and first["as_cast"] is True
    # An old receipt (the code alone) still works, and says only what the board holds.
    old = ballot_box.check_receipt(closed.motion, code[:19])
    assert old["verdict"] == ballot_box.ON_BOARD and old["as_cast"] is None and old["content"]

    ballot = Ballot.objects.get(item=closed.motion, receipt_hash=ballot_box.receipt_hash(closed.motion.pk, code))
    sql("UPDATE assemblies_ballot SET choice = %s WHERE id = %s", [3 if ballot.choice != 3 else 1, key(ballot.pk)])

    changed = ballot_box.check_receipt(closed.motion, code)
    assert changed["verdict"] == ballot_box.NOT_AS_CAST and changed["as_cast"] is False
    sql("DELETE FROM assemblies_ballot WHERE id = %s", [key(ballot.pk)])
    assert ballot_box.check_receipt(closed.motion, code)["verdict"] == ballot_box.NOT_FOUND


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_receipt_page_and_the_api_say_it_in_both_languages(client, settings, closed, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    entry = closed.entries[0]
    code = closed.codes[entry.pk]
    member = helpers.user(Role.MEMBER, person=entry.person, password=None)
    client.force_login(member)
    url = reverse("assemblies:receipt", args=[closed.assembly.pk, closed.motion.pk])
    with translation.override(language):
        as_cast = translation.gettext("Your ballot is on the board as you cast it.")
        not_as_cast = translation.gettext("Your ballot is on the board, but not as you cast it.")
    assert language == "en" or as_cast != "Your ballot is on the board as you cast it."

    assert as_cast in text(client.post(url, {"code": code}))
    ballot = Ballot.objects.get(item=closed.motion, receipt_hash=ballot_box.receipt_hash(closed.motion.pk, code))
    sql("UPDATE assemblies_ballot SET choice = %s WHERE id = %s", [3 if ballot.choice != 3 else 1, key(ballot.pk)])
    page = client.post(url, {"code": code})
    assert page.status_code == 200 and not_as_cast in text(page)
    assert 'data-testid="receipt-not-as-cast"' in page.content.decode()

    api = helpers.Api(client, member)
    answer = api.post(f"/assemblies/{closed.assembly.pk}/items/{closed.motion.pk}/receipt", {"code": code})
    assert answer.status_code == 200
    assert answer.json()["verdict"] == "not_as_cast" and answer.json()["as_cast"] is False
