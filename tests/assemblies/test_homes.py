"""Homes that say what to do next: a member's day of the assembly (check in, vote, receipt), a
proxy awaiting confirmation, an officer's drafts and what blocks them, imports, minutes and
deadlines, a supervisor's province, one person holding several roles, the same list as JSON for
apps, "My assemblies" by phase, and the session page once the session is closed."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from taavon.accounts.models import Role
from taavon.assemblies.models import CheckIn, Minutes, MinutesState, PresidingMember
from taavon.assemblies.voting import services as voting
from taavon.registry.models import ImportBatch
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db

text = helpers.text
HOME = reverse("core:home")


def voter(entry):
    """The login of the member on roll entry ``entry``."""
    return helpers.user(Role.MEMBER, password=None, person=entry.person, national_code=entry.person.national_code)


def actions(page) -> list[tuple[str, str]]:
    """The next actions on a home page, as (kind, sentence) in order."""
    body = page.content.decode()
    found = re.findall(r'data-testid="next-action" data-kind="([a-z_]+)">\s*<a href="[^"]*"[^>]*>([^<]*)</a>', body)
    return [(kind, text(sentence)) for kind, sentence in found]


def kinds(page) -> list[str]:
    return [kind for kind, _ in actions(page)]


def sentence(page, kind) -> str:
    return next(s for k, s in actions(page) if k == kind)


def sections(page) -> list[str]:
    return re.findall(r'data-testid="home-section" data-role="([a-z_]+)"', page.content.decode())


def today_at_least_in(minutes: int) -> datetime.datetime:
    """A start later today, in Tehran: ``minutes`` from now, or as late as today allows near midnight."""
    start = timezone.now() + datetime.timedelta(minutes=minutes)
    if timezone.localtime(start).date() != timezone.localdate():
        start = timezone.now() + datetime.timedelta(seconds=30)
    return start


def hhmm(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def test_a_members_assembly_day_check_in_from_home_then_vote_then_the_receipt(en):
    a = factory.freeze_roll(factory.assembly(members=3, title="مجمع امروز", starts_at=today_at_least_in(30)))
    item = factory.motion(a, title="تصویب بودجه")
    entries = list(a.roll.order_by("id").select_related("person"))
    member = voter(entries[0])
    officer = helpers.user(Role.OFFICER, password=None, cooperative=a.cooperative)
    en.force_login(member)

    home = en.get(HOME)
    assert sections(home) == ["member"]
    assert sentence(home, "check_in") == f"Your assembly «مجمع امروز» is today at {hhmm(a.starts_at)}: check in."
    check_in = reverse("assemblies:check_in", args=[a.pk])
    assert f'action="{check_in}"' in home.content.decode()  # one click, from the home page
    assert 'data-testid="nav-my-assemblies"' in home.content.decode()
    assert "API tokens" not in text(home)  # tokens live under the account page now

    assert en.post(check_in).status_code == 302
    assert kinds(en.get(HOME)) == ["checked_in"]

    CheckIn.objects.create(assembly=a, roll_entry=entries[1])  # the quorum: two of three
    factory.noticed_to_session(a, present=0)
    voting.open_item(actor=officer, item=item)
    home = en.get(HOME)
    assert sentence(home, "vote") == "Voting is open on «تصویب بودجه» (مجمع امروز): cast your ballot."

    voting.cast_ballot(actor_person=entries[0].person, item=item, roll_entry=entries[0], choice=1)
    assert "vote" not in kinds(en.get(HOME))

    voting.close_item(actor=officer, item=item)
    home = en.get(HOME)
    assert sentence(home, "receipt") == "You voted on «تصویب بودجه» (مجمع امروز): check your receipt on the bulletin board."
    assert reverse("assemblies:receipt", args=[a.pk, item.pk]) in home.content.decode()


def test_a_member_is_told_when_check_in_opens_and_what_comes_later(en, monkeypatch):
    # The clock reads ten in the morning in Tehran, so "three hours ahead" is today whenever the test runs.
    morning = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: morning.astimezone(datetime.UTC))
    today = factory.freeze_roll(
        factory.assembly(members=2, title="مجمع عصر", starts_at=morning + datetime.timedelta(hours=3))
    )
    later = factory.freeze_roll(factory.assembly(today.cooperative, members=2, title="مجمع ماه بعد"))
    member = voter(today.roll.order_by("id").first())
    en.force_login(member)

    home = en.get(HOME)
    opens = hhmm(today.starts_at - datetime.timedelta(hours=1))
    assert sentence(home, "check_in_later") == (
        f"Your assembly «مجمع عصر» is today at {hhmm(today.starts_at)}: check-in opens at {opens}."
    )
    assert sentence(home, "upcoming").startswith("«مجمع ماه بعد» on ")
    assert reverse("assemblies:session", args=[later.pk]) in home.content.decode()
    assert 'data-testid="action-check_in"' not in home.content.decode()


def test_a_proxy_given_to_a_member_shows_on_their_home_until_it_is_confirmed(en):
    a = factory.freeze_roll(factory.assembly(members=4, title="مجمع سالانه"))
    giver, holder = list(a.roll.order_by("id").select_related("person"))[:2]
    proxy = factory.proxy(a, giver, holder.person, state="pending")
    en.force_login(voter(holder))

    assert sentence(en.get(HOME), "proxy_pending") == (
        f"{giver.person.full_name} gave you their proxy for «مجمع سالانه»: it awaits the cooperative's confirmation."
    )
    proxy.state = "confirmed"
    proxy.save(update_fields=["state"])
    assert "proxy_pending" not in kinds(en.get(HOME))


def test_nothing_to_do_says_so(en):
    member = helpers.user(Role.MEMBER)
    en.force_login(member)
    home = en.get(HOME)
    assert kinds(home) == [] and "No general assembly needs anything from you now." in text(home)

    en.force_login(helpers.user(Role.BANK_OFFICER, bank_code="017"))
    home = en.get(HOME)
    assert sections(home) == [] and "Nothing needs your action now." in text(home)
    assert "You hold no role yet" not in text(home)


def test_an_officers_home_lists_drafts_and_what_blocks_them_imports_proxies_second_calls_and_minutes(en):
    coop = helpers.cooperative(name="تعاونی فردا")
    officer = helpers.user(Role.OFFICER, cooperative=coop)
    factory.assembly(coop, members=3, title="پیش‌نویس بی‌دستور")  # empty agenda: blocks the notice
    ready = factory.assembly(coop, members=3, title="پیش‌نویس آماده")
    factory.motion(ready)
    noticed = factory.freeze_roll(factory.assembly(coop, members=3, title="مجمع اعلام‌شده"))
    first, second = list(noticed.roll.order_by("id"))[:2]
    factory.proxy(noticed, first, second.person, state="pending")
    factory.assembly(coop, members=3, title="مجمع بی‌حد نصاب", state="no_quorum",
                     starts_at=timezone.now() - datetime.timedelta(days=2))
    approved = factory.closed_story(coop)
    Minutes.objects.create(assembly=approved.assembly, state=MinutesState.APPROVED, content={})
    ImportBatch.objects.create(cooperative=coop, filename="اعضا.xlsx", total_rows=3)
    factory.assembly(helpers.cooperative(), title="پیش‌نویس دیگران")  # out of reach
    en.force_login(officer)

    home = en.get(HOME)
    page = text(home)
    assert sections(home) == ["officer"]
    assert "Draft «پیش‌نویس بی‌دستور»: 1 problem stops the notice: The agenda is empty: add at least one item." in page
    assert "Draft «پیش‌نویس آماده» passes the legal checks: publish its notice." in page
    assert "«مجمع اعلام‌شده»: 1 proxy awaits your confirmation." in page
    assert sentence(home, "deadline").startswith("«مجمع اعلام‌شده» meets on ")
    assert "«مجمع بی‌حد نصاب» had no quorum: convene the second call." in page
    assert f"The minutes of «{approved.assembly.title}» are approved: submit them for registration." in page
    assert "The member file «اعضا.xlsx» of تعاونی فردا awaits your confirmation." in page
    assert "پیش‌نویس دیگران" not in page


def test_a_person_with_two_roles_sees_a_section_for_each(en):
    a = factory.freeze_roll(factory.assembly(members=3, title="مجمع ما"))
    entry = a.roll.order_by("id").select_related("person").first()
    both = voter(entry)
    from taavon.accounts.models import RoleGrant

    RoleGrant.objects.create(user=both, role=Role.OFFICER, cooperative=a.cooperative)
    factory.assembly(a.cooperative, title="پیش‌نویس تازه")
    en.force_login(both)

    home = en.get(HOME)
    assert sections(home) == ["member", "officer"]
    assert "As a member" in text(home) and "As a cooperative officer" in text(home)
    assert {"upcoming", "draft", "deadline"} <= set(kinds(home))


def test_a_supervisor_sees_their_province_and_the_minutes_awaiting_registration(en):
    story = factory.closed_story()
    Minutes.objects.create(assembly=story.assembly, state=MinutesState.SUBMITTED, content={},
                           submitted_at=timezone.now())
    province = story.assembly.cooperative.province
    helpers.cooperative(province=province)
    helpers.cooperative(province=helpers.other_province(province))
    supervisor = helpers.user(Role.SUPERVISOR, province=province)
    en.force_login(supervisor)

    home = en.get(HOME)
    assert sections(home) == ["supervisor"]
    assert sentence(home, "minutes_to_register") == "1 assembly's minutes await registration."
    assert sentence(home, "cooperatives") == f"2 cooperatives in {province.name_en} are under your supervision."

    analyst = helpers.user(Role.ANALYST)
    en.force_login(analyst)
    home = en.get(HOME)
    assert sections(home) == ["analyst"] and sentence(home, "cooperatives") == "3 cooperatives are within your reach."


def test_the_presiding_board_is_asked_to_approve_the_minutes_on_their_home(en):
    story = factory.closed_story()
    Minutes.objects.create(assembly=story.assembly, state=MinutesState.DRAFT, content={})
    assert PresidingMember.objects.filter(assembly=story.assembly, person=story.chair).exists()
    en.force_login(helpers.user(Role.MEMBER, person=story.chair))
    assert sentence(en.get(HOME), "minutes_to_approve") == f"The minutes of «{story.assembly.title}» await your approval."


def test_apps_get_the_same_next_actions_as_json(client):
    a = factory.freeze_roll(factory.assembly(members=3, title="مجمع امروز", starts_at=today_at_least_in(30)))
    entry = a.roll.order_by("id").select_related("person").first()
    member = voter(entry)
    api = helpers.Api(client, member)

    answer = api.get("/me/home")
    assert answer.status_code == 200
    (panel,) = answer.json()["panels"]
    assert panel["key"] == "member.assemblies" and panel["role"] == "member"
    (action,) = panel["actions"]
    assert action["kind"] == "check_in" and action["urgent"] is True
    assert action["url"] == reverse("assemblies:session", args=[a.pk])
    assert action["post_url"] == reverse("assemblies:check_in", args=[a.pk])
    assert action["text"] == f"Your assembly «مجمع امروز» is today at {hhmm(a.starts_at)}: check in."

    assert helpers.Api(client).get("/me/home").status_code == 401


def test_my_assemblies_lists_them_by_phase_with_what_to_do(en):
    coop = helpers.cooperative()
    upcoming = factory.freeze_roll(factory.assembly(coop, members=3, title="مجمع آینده"))
    person = upcoming.roll.order_by("id").first().person
    live = factory.in_session(factory.assembly(coop, members=3, title="مجمع در جریان"), present=0)
    ended = factory.freeze_roll(factory.assembly(coop, members=3, title="مجمع پایان‌یافته"))
    ended.state, ended.closed_at = "closed", timezone.now()
    ended.save()
    en.force_login(helpers.user(Role.MEMBER, person=person))

    page = en.get(reverse("assemblies:mine"))
    body = page.content.decode()

    def section(key):
        return text(body.split(f'data-testid="my-assemblies-{key}"')[1].split("</section>")[0])

    assert "مجمع در جریان" in section("in_session") and "Check in to take part and vote." in section("in_session")
    assert "مجمع آینده" in section("upcoming")
    assert "Read the notice and agenda; check in on the day, or give your proxy." in section("upcoming")
    assert "مجمع پایان‌یافته" in section("ended") and "The minutes are being prepared" in section("ended")
    assert live.pk and body.index("my-assemblies-in_session") < body.index("my-assemblies-upcoming")


def test_the_session_page_says_closed_links_the_minutes_and_gives_the_chair_the_voting_controls(en):
    a = factory.in_session(members=4, present=3)
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative)
    member = voter(a.roll.order_by("id").select_related("person").first())
    session = reverse("assemblies:session", args=[a.pk])

    en.force_login(officer)
    body = en.get(session).content.decode()
    assert f'href="{reverse("assemblies:items", args=[a.pk])}" data-testid="voting-controls-link"' in body
    en.force_login(member)
    body = en.get(session).content.decode()
    assert 'data-testid="voting-controls-link"' not in body and 'data-testid="ballot-link"' in body

    factory.close_logged(a)
    page = en.get(session)
    assert "The session is closed." in text(page)
    assert f'href="{reverse("assemblies:minutes", args=[a.pk])}" data-testid="minutes-link"' in page.content.decode()
    assert "have not checked in yet" not in text(page)



def test_a_voter_keeps_their_receipt_as_a_file_or_by_sms_and_nothing_else_is_sent(en, sms):
    from taavon.notifications.models import OutboundMessage

    a = factory.in_session(members=3, present=2, title="مجمع سالانه")
    item = factory.motion(a, title="تصویب بودجه")
    officer = helpers.user(Role.OFFICER, password=None, cooperative=a.cooperative)
    voting.open_item(actor=officer, item=item)
    entry = a.roll.order_by("id").select_related("person").first()
    member = voter(entry)
    en.force_login(member)
    cast = en.post(reverse("assemblies:cast", args=[a.pk, item.pk]), {"item": item.pk, "roll_entry": entry.pk, "choice": "1"})
    code = re.search(r'data-testid="receipt-code">([^<]+)<', cast.content.decode()).group(1)
    assert 'data-testid="receipt-file"' in cast.content.decode() and 'data-testid="receipt-sms"' in cast.content.decode()

    saved = en.post(reverse("assemblies:receipt_file", args=[a.pk, item.pk]), {"code": code})
    assert saved.status_code == 200 and saved["Content-Disposition"].startswith("attachment;")
    assert code in saved.content.decode() and "تصویب بودجه" in saved.content.decode()

    send = reverse("assemblies:receipt_sms", args=[a.pk, item.pk])
    sent = en.post(send, {"code": code}, HTTP_HX_REQUEST="true")
    mobile = entry.person.mobile
    assert f"Sent to your mobile ending in {mobile[-4:]}." in text(sent)
    (message,) = sms.messages(mobile)
    assert code in message["text"] and "تصویب بودجه" in message["text"]
    assert OutboundMessage.objects.get(topic="receipt").body == "[redacted]"  # the log never holds the code

    again = en.post(send, {"code": code}, HTTP_HX_REQUEST="true")
    assert "already sent" in text(again) and len(sms.messages(mobile)) == 1
    forged = en.post(send, {"code": "0000-0000-0000-0000"})
    assert forged.status_code == 422 and "not a receipt of a ballot on this item" in text(forged)
    assert en.post(reverse("assemblies:receipt_file", args=[a.pk, item.pk]), {"code": "hello"}).status_code == 422
    assert len(sms.messages()) == 1
