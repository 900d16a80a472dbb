"""Irreversible actions ask first, with the figures: closing a vote says how many have voted,
ending a session says who is present, and nothing happens until the chair confirms. A refused
election ballot comes back with the voter's marks. The notice progress counts each channel as it
went, not members processed as members notified."""

import re

import pytest
from django.db import transaction
from django.urls import reverse

from taavon.accounts.models import Role
from taavon.assemblies.convening.services import NOTICE_BROADCAST
from taavon.assemblies.models import AgendaItem, Assembly
from taavon.assemblies.voting import services as voting
from taavon.notifications.broadcasts import broadcast
from taavon.notifications.senders import SendError
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db

text = helpers.text


def voter(entry):
    return helpers.user(Role.MEMBER, password=None, person=entry.person, national_code=entry.person.national_code)


@pytest.fixture
def vote():
    """An assembly of 7 in session with 5 present, a motion open and 2 ballots cast; its officer."""
    a = factory.in_session(members=7, present=5, title="مجمع سالانه")
    item = factory.motion(a, title="تصویب بودجه")
    officer = helpers.user(Role.OFFICER, password=None, cooperative=a.cooperative)
    voting.open_item(actor=officer, item=item)
    for entry in a.roll.order_by("id")[:2]:
        voting.cast_ballot(actor_person=entry.person, item=item, roll_entry=entry, choice=1)
    return a, item, officer


def test_closing_a_vote_asks_first_with_how_many_have_voted_and_closes_only_when_confirmed(en, vote):
    a, item, officer = vote
    en.force_login(officer)
    close = reverse("assemblies:item_close", args=[a.pk, item.pk])
    consequence = (
        "2 of 5 votes present have voted on “تصویب بودجه”. Closing ends the vote for good: nobody else can vote, "
        "and the result is counted and published."
    )

    items = en.get(reverse("assemblies:items", args=[a.pk]))
    dialog = items.content.decode().split('data-testid="confirm-dialog"')[1].split("</dialog>")[0]
    assert consequence in text(dialog) and 'name="confirmed" value="yes"' in dialog

    asked = en.post(close)  # without JavaScript the button posts without "confirmed"
    assert asked.status_code == 200 and 'data-testid="confirm-page"' in asked.content.decode()
    assert "Close voting on “تصویب بودجه”?" in text(asked) and consequence in text(asked)
    assert reverse("assemblies:items", args=[a.pk]) in asked.content.decode()  # a way back
    assert AgendaItem.objects.get(pk=item.pk).state == "open"

    done = en.post(close, {"confirmed": "yes"})
    assert done.status_code == 302 and AgendaItem.objects.get(pk=item.pk).state == "closed"


def test_ending_a_session_asks_first_with_the_attendance(en):
    a = factory.in_session(members=7, present=5, title="مجمع سالانه")
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative)
    en.force_login(officer)
    close = reverse("assemblies:close_session", args=[a.pk])
    consequence = "5 of the 7 members on the roll are present, 0 more by proxy."

    control = en.get(reverse("assemblies:control", args=[a.pk]))
    assert consequence in text(control.content.decode().split('data-testid="confirm-dialog"')[1])

    asked = en.post(close)
    assert asked.status_code == 200 and consequence in text(asked) and "End the session of “مجمع سالانه”?" in text(asked)
    assert Assembly.objects.get(pk=a.pk).state == "in_session"

    assert en.post(close, {"confirmed": "yes"}).status_code == 302
    assert Assembly.objects.get(pk=a.pk).state == "closed"


def test_a_member_cannot_close_a_vote_by_posting_the_confirmation(en, vote):
    a, item, _officer = vote
    en.force_login(voter(a.roll.order_by("id").first()))
    assert en.post(reverse("assemblies:item_close", args=[a.pk, item.pk]), {"confirmed": "yes"}).status_code == 403
    assert en.post(reverse("assemblies:item_close", args=[a.pk, item.pk])).status_code == 403
    assert AgendaItem.objects.get(pk=item.pk).state == "open"


def test_an_election_ballot_refused_for_too_many_marks_keeps_the_voters_marks(en):
    a = factory.assembly(members=5)
    election = factory.election(a, seats=2, alternates=0)
    factory.freeze_roll(a)
    entries = list(a.roll.order_by("id").select_related("person"))
    officer = helpers.user(Role.OFFICER, password=None, cooperative=a.cooperative)
    running = [voting.register_candidate(actor=officer, item=election, person=e.person) for e in entries[:4]]
    factory.noticed_to_session(a)
    voting.open_item(actor=officer, item=election)
    en.force_login(voter(entries[0]))
    marked = [str(c.pk) for c in running[:3]]

    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        refused = en.post(
            reverse("assemblies:cast", args=[a.pk, election.pk]),
            {"item": election.pk, "roll_entry": entries[0].pk, "marks": marked},
            **headers,
        )
        body = refused.content.decode()
        assert "Mark at most 2 candidates: 3 were marked." in text(refused)
        checked = {m for m in marked if f'value="{m}" id="mark-{entries[0].pk}-{m}" checked' in body}
        assert checked == set(marked), headers
        assert f'value="{running[3].pk}" id="mark-{entries[0].pk}-{running[3].pk}">' in body  # unmarked stays so


class HalfBrokenSender:
    """An SMS gateway that refuses numbers ending in 9 (a test double, named in SMS_BACKEND)."""

    def send(self, to, text, *, sensitive=False):
        if to.endswith("9"):
            raise SendError("operator refused the number")
        return "ok"


def test_the_notice_progress_counts_each_channel_and_the_members_it_could_not_reach(en, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "tests.assemblies.test_confirmations.HalfBrokenSender"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    coop = helpers.cooperative()
    mobiles = ["09120000001", "09120000002", "09120000009", ""]  # one refused, one without a mobile
    for n, mobile in enumerate(mobiles):
        helpers.member(coop, helpers.person(mobile=mobile, email="a@example.ir" if n == 0 else ""))
    a = factory.freeze_roll(factory.assembly(coop, members=0))
    Assembly.objects.filter(pk=a.pk).update(notices_total=4)
    officer = helpers.user(Role.OFFICER, cooperative=coop)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        broadcast(NOTICE_BROADCAST, assembly_id=a.pk)

    en.force_login(officer)
    page = en.get(reverse("assemblies:notice_progress", args=[a.pk]))
    body = page.content.decode()
    assert "4 of 4 members on the roll processed: 2 SMS and 1 e-mails sent, 1 failed." in text(page)
    cells = dict(re.findall(r'data-testid="((?:sms|email)-[a-z-]+)">([0-9]+)<', body))
    assert cells == {
        "sms-sent": "2", "sms-failed": "1", "sms-queued": "0", "sms-no-address": "1",
        "email-sent": "1", "email-failed": "0", "email-queued": "0", "email-no-address": "3",
    }
