"""Anyone may read the results and bulletin boards of a held assembly, without logging in; nobody
outside reads those of an assembly still in session."""

import json
from types import SimpleNamespace

import pytest

from taavon.accounts.models import Role
from taavon.assemblies.voting import ballot_box
from taavon.assemblies.voting import services as voting
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db

text = helpers.text


def held_assembly():
    """A closed assembly of 7 whose motion was voted on for real: 3 for, 1 against, 1 abstaining."""
    a = factory.assembly(members=7)
    motion = factory.motion(a)
    factory.freeze_roll(a)
    entries = list(a.roll.order_by("id").select_related("person"))
    factory.noticed_to_session(a, present=5)
    officer = helpers.user(Role.OFFICER, password=None, cooperative=a.cooperative)
    voting.open_item(actor=officer, item=motion)
    receipts = [
        voting.cast_ballot(actor_person=e.person, item=motion, roll_entry=e, choice=choice)
        for e, choice in zip(entries[:5], [1, 1, 1, 2, 3], strict=True)
    ]
    voting.close_item(actor=officer, item=motion)
    factory.close_logged(a)
    motion.refresh_from_db()
    return SimpleNamespace(assembly=a, motion=motion, receipts=receipts)


def results_url(a):
    return f"/register/{a.cooperative.national_id}/assemblies/{a.pk}/"


def test_a_visitor_finds_a_held_assemblys_results_from_the_cooperatives_public_page(client, en):
    story = held_assembly()
    a = story.assembly

    profile = client.get(f"/register/{a.cooperative.national_id}/")
    assert results_url(a) in profile.content.decode()

    page = client.get(results_url(a))
    assert page.status_code == 200
    assert story.motion.title in text(page)
    assert "Passed" in text(page)
    assert page.content.decode().count('data-testid="held-item"') == 1


def test_a_visitor_reads_and_downloads_an_items_bulletin_board(client):
    story = held_assembly()
    a, item = story.assembly, story.motion
    base = f"{results_url(a)}items/{item.pk}/"

    board = client.get(base + "bulletin/")
    assert board.status_code == 200
    assert item.chain_head in board.content.decode()
    code, _fingerprint = ballot_box.split_receipt(story.receipts[0])
    assert ballot_box.receipt_hash(item.pk, code) in board.content.decode()  # a voter finds their own ballot
    assert board.content.decode().count('data-testid="ballot"') == 5

    download = client.get(base + "bulletin.json")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert json.loads(b"".join(download.streaming_content))["chain_head"] == item.chain_head


def test_results_of_an_assembly_still_in_session_are_not_public(client):
    a = factory.in_session(factory.assembly())
    item = factory.close_motion(factory.motion(a), votes_for=3)
    draft = factory.assembly(a.cooperative)

    assert client.get(results_url(a)).status_code == 404
    assert client.get(f"{results_url(a)}items/{item.pk}/bulletin/").status_code == 404
    assert client.get(f"{results_url(a)}items/{item.pk}/bulletin.json").status_code == 404
    assert client.get(results_url(draft)).status_code == 404
    assert client.get(f"/api/v1/public/cooperatives/{a.cooperative.national_id}/assemblies/{a.pk}").status_code == 404


def test_an_assembly_is_only_found_under_its_own_cooperative(client):
    held = held_assembly().assembly
    other = helpers.cooperative(name="تعاونی دیگر")

    assert client.get(f"/register/{other.national_id}/assemblies/{held.pk}/").status_code == 404


def test_an_item_not_voted_on_has_no_public_board(client):
    story = held_assembly()
    pending = factory.motion(story.assembly, "موضوعی که به رأی گذاشته نشد")

    assert client.get(f"{results_url(story.assembly)}items/{pending.pk}/bulletin/").status_code == 404


def test_the_public_api_gives_the_same_results_and_board(client):
    story = held_assembly()
    a = story.assembly
    base = f"/api/v1/public/cooperatives/{a.cooperative.national_id}/assemblies"

    listed = client.get(base).json()
    assert [row["id"] for row in listed] == [a.pk]

    detail = client.get(f"{base}/{a.pk}").json()
    assert [i["title"] for i in detail["items"]] == [story.motion.title]
    assert detail["items"][0]["result"]["for"] == 3 and detail["items"][0]["result"]["passed"] is True

    board = client.get(f"{base}/{a.pk}/items/{story.motion.pk}/bulletin").json()
    assert board["chain_head"] == story.motion.chain_head
