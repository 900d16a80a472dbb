"""Members give proxies (وکالت) before the session; the cooperative confirms or refuses them.

Every refusal names the rule it applies; the legal numbers come from the rules the assembly was
convened under.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from taavon import rules
from taavon.accounts.models import Role, User
from taavon.assemblies import events
from taavon.assemblies.models import AssemblyEvent, Proxy, ProxyState
from taavon.assemblies.session import proxies
from taavon.assemblies.session import services as attendance
from taavon.audit.models import AuditEvent
from taavon.registry.models import Person
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db

text = helpers.text



def member_of(entry):
    """The user account of a member on the roll (made on first use)."""
    existing = User.objects.filter(person=entry.person).first()
    return existing or helpers.user(Role.MEMBER, national_code=entry.person.national_code, person=entry.person)


@pytest.fixture
def noticed():
    """A noticed assembly of 12 members, the session three days away."""
    a = factory.assembly(members=12, starts_at=timezone.now() + datetime.timedelta(days=3))
    return factory.freeze_roll(a)


@pytest.fixture
def roll(noticed):
    return list(noticed.roll.select_related("person").order_by("id"))


def give(actor_entry, holder_code, a, **extra):
    return proxies.give_proxy(actor=member_of(actor_entry), assembly=a, holder_national_code=holder_code, **extra)


def messages_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --------------------------------------------------------------------------- giving


def test_a_member_gives_a_proxy_to_another_member_on_the_page_and_it_awaits_confirmation(en, noticed, roll):
    principal, holder = roll[0], roll[1]
    en.force_login(member_of(principal))
    response = en.post(
        reverse("assemblies:proxy_give", args=[noticed.pk]), {"national_code": holder.person.national_code}
    )
    assert response.status_code == 302

    proxy = Proxy.objects.get(principal=principal)
    assert proxy.holder == holder.person and proxy.holder_is_member and proxy.state == ProxyState.PENDING
    page = text(en.get(reverse("assemblies:session", args=[noticed.pk])))
    assert f"To {holder.person.full_name}" in page and "Awaiting confirmation" in page
    event = AssemblyEvent.objects.get(assembly=noticed, kind=events.PROXY_GIVEN)
    assert event.data["principal"]["person_id"] == principal.person_id
    assert event.data["holder"] == {"person_id": holder.person_id, "name": holder.person.full_name}
    assert AuditEvent.objects.filter(action="proxy.give", object_id=str(proxy.pk)).exists()


def test_the_holder_sees_the_proxy_they_hold(en, noticed, roll):
    give(roll[0], roll[1].person.national_code, noticed)
    en.force_login(member_of(roll[1]))
    page = text(en.get(reverse("assemblies:session", args=[noticed.pk])))
    assert "Proxies you hold" in page and f"From {roll[0].person.full_name}" in page


def test_a_member_holder_carries_three_proxies_and_the_fourth_is_refused_citing_the_rule(en, noticed, roll, english):
    holder = roll[0]
    for principal in roll[1:4]:
        give(principal, holder.person.national_code, noticed)

    en.force_login(member_of(roll[4]))
    response = en.post(
        reverse("assemblies:proxy_give", args=[noticed.pk]), {"national_code": holder.person.national_code}
    )
    assert response.status_code == 422
    page = text(response)
    assert "already holds 3 proxies: a member may carry at most 3 besides their own vote" in page
    assert rules.parameter("assembly.proxies_per_holder").cite() in page
    assert not Proxy.objects.filter(principal=roll[4]).exists()


def test_the_cap_is_the_one_the_assembly_was_convened_under(noticed, roll, english):
    noticed.rules["assembly.proxies_per_holder"] = 1
    noticed.save(update_fields=["rules"])
    give(roll[1], roll[0].person.national_code, noticed)
    with pytest.raises(ValidationError) as refused:
        give(roll[2], roll[0].person.national_code, noticed)
    assert "at most 1 besides their own vote" in messages_of(refused.value)


def test_a_refused_or_revoked_proxy_no_longer_counts_towards_the_cap(noticed, roll, english):
    holder = roll[0]
    first = give(roll[1], holder.person.national_code, noticed)
    for principal in roll[2:4]:
        give(principal, holder.person.national_code, noticed)
    proxies.revoke_proxy(actor=member_of(roll[1]), proxy=first)
    assert give(roll[4], holder.person.national_code, noticed).state == ProxyState.PENDING


def test_a_non_member_holder_is_entered_with_names_and_mobile_and_carries_one_proxy(en, noticed, roll, english):
    code = helpers.national_code()
    en.force_login(member_of(roll[0]))
    response = en.post(
        reverse("assemblies:proxy_give", args=[noticed.pk]),
        {"national_code": code, "first_name": "رضا", "last_name": "کاظمی", "mobile": "۰۹۱۲ ۳۴۵ ۶۷۸۹"},
    )
    assert response.status_code == 302
    holder = Person.objects.get(national_code=code)
    assert holder.full_name == "رضا کاظمی" and holder.mobile == "09123456789"
    proxy = Proxy.objects.get(principal=roll[0])
    assert proxy.holder == holder and not proxy.holder_is_member
    assert AuditEvent.objects.filter(action="person.create", object_id=str(holder.pk), cooperative=noticed.cooperative).exists()

    with pytest.raises(ValidationError) as refused:
        give(roll[1], code, noticed)
    message = messages_of(refused.value)
    assert "a non-member may carry only 1" in message
    assert rules.parameter("assembly.non_member_proxy_votes").cite() in message


def test_a_non_member_holder_without_names_or_mobile_is_refused_and_nothing_is_written(en, noticed, roll):
    code = helpers.national_code()
    en.force_login(member_of(roll[0]))
    response = en.post(reverse("assemblies:proxy_give", args=[noticed.pk]), {"national_code": code})
    assert response.status_code == 422
    page = text(response)
    assert "This person is not on the roll: enter their first name." in page
    assert "logs in with a one-time code sent to their mobile" in page
    assert not Person.objects.filter(national_code=code).exists()
    assert not Proxy.objects.exists()


def test_an_existing_person_who_is_not_on_the_roll_holds_as_a_non_member(noticed, roll):
    outsider = helpers.person()
    proxy = give(roll[0], outsider.national_code, noticed)
    assert not proxy.holder_is_member and proxy.holder == outsider


def test_a_holder_who_gave_their_own_proxy_cannot_hold_one(noticed, roll, english):
    give(roll[1], roll[2].person.national_code, noticed)
    with pytest.raises(ValidationError) as refused:
        give(roll[0], roll[1].person.national_code, noticed)
    assert "has given their own proxy to someone else, so they cannot hold one" in messages_of(refused.value)
    assert "a proxy cannot be passed on" in messages_of(refused.value)


def test_a_member_who_holds_proxies_cannot_give_their_own(noticed, roll, english):
    give(roll[0], roll[1].person.national_code, noticed)
    with pytest.raises(ValidationError) as refused:
        give(roll[1], roll[2].person.national_code, noticed)
    assert "You hold proxies from other members, so you cannot give your own" in messages_of(refused.value)
    assert str(rules.parameter("assembly.proxies_per_holder").reference) in messages_of(refused.value)


def test_a_member_cannot_give_a_proxy_to_themselves(noticed, roll, english):
    with pytest.raises(ValidationError) as refused:
        give(roll[0], roll[0].person.national_code, noticed)
    assert "You cannot give a proxy to yourself." in messages_of(refused.value)


def test_a_member_gives_one_proxy_at_a_time(noticed, roll, english):
    give(roll[0], roll[1].person.national_code, noticed)
    with pytest.raises(ValidationError) as refused:
        give(roll[0], roll[2].person.national_code, noticed)
    assert "a member gives one proxy at a time" in messages_of(refused.value)
    assert Proxy.objects.filter(principal=roll[0]).count() == 1


def test_no_proxy_before_the_notice_or_once_the_session_is_open(roll, noticed, english):
    noticed.state = "in_session"
    noticed.save(update_fields=["state"])
    with pytest.raises(ValidationError) as refused:
        give(roll[0], roll[1].person.national_code, noticed)
    assert "before the session opens" in messages_of(refused.value)


def test_a_person_not_on_the_roll_cannot_give_a_proxy_and_an_official_gets_403_on_the_page(client, noticed, roll):
    officer = helpers.user(Role.OFFICER, cooperative=noticed.cooperative)
    client.force_login(officer)
    response = client.post(reverse("assemblies:proxy_give", args=[noticed.pk]), {"national_code": roll[1].person.national_code})
    assert response.status_code == 403
    with pytest.raises(ValidationError):
        proxies.give_proxy(actor=officer, assembly=noticed, holder_national_code=roll[1].person.national_code)


# --------------------------------------------------------------------------- revoking


def test_a_member_revokes_their_proxy_before_the_session_opens(en, noticed, roll):
    proxy = give(roll[0], roll[1].person.national_code, noticed)
    en.force_login(member_of(roll[0]))
    response = en.post(reverse("assemblies:proxy_revoke", args=[noticed.pk, proxy.pk]))
    assert response.status_code == 302
    proxy.refresh_from_db()
    assert proxy.state == ProxyState.REVOKED and proxy.ended_at is not None
    assert "Revoked by the member." in text(en.get(reverse("assemblies:session", args=[noticed.pk])))
    event = AssemblyEvent.objects.get(assembly=noticed, kind=events.PROXY_REVOKED)
    assert event.data["reason"] == proxies.REVOKED_BY_PRINCIPAL


def test_after_the_session_opens_a_proxy_cannot_be_revoked(en, noticed, roll):
    proxy = give(roll[0], roll[1].person.national_code, noticed)
    noticed.state = "in_session"
    noticed.save(update_fields=["state"])
    en.force_login(member_of(roll[0]))
    response = en.post(reverse("assemblies:proxy_revoke", args=[noticed.pk, proxy.pk]))
    assert response.status_code == 422
    assert "can be revoked only until the session opens" in text(response)
    proxy.refresh_from_db()
    assert proxy.state == ProxyState.PENDING


def test_only_the_principal_revokes_and_another_members_proxy_is_not_found(en, noticed, roll):
    proxy = give(roll[0], roll[1].person.national_code, noticed)
    en.force_login(member_of(roll[1]))
    assert en.post(reverse("assemblies:proxy_revoke", args=[noticed.pk, proxy.pk])).status_code == 404
    proxy.refresh_from_db()
    assert proxy.state == ProxyState.PENDING


def test_a_principal_who_checks_in_revokes_their_proxy_automatically(noticed, roll):
    noticed.starts_at = timezone.now() + datetime.timedelta(minutes=30)
    noticed.save(update_fields=["starts_at"])
    proxy = give(roll[0], roll[1].person.national_code, noticed)
    proxies.decide_proxy(
        actor=helpers.user(Role.OFFICER, cooperative=noticed.cooperative), proxy=proxy, confirm=True, identity_checked=True
    )

    attendance.check_in(actor=member_of(roll[0]), assembly=noticed, roll_entry=roll[0])

    proxy.refresh_from_db()
    assert proxy.state == ProxyState.REVOKED and proxy.note == attendance.REVOKED_ON_CHECK_IN
    event = AssemblyEvent.objects.get(assembly=noticed, kind=events.PROXY_REVOKED)
    assert event.data["reason"] == "principal_checked_in" and event.data["proxy_id"] == proxy.pk
    assert proxies.proxy_note(proxy) == "Revoked automatically: the member checked in."


# --------------------------------------------------------------------------- the convening authority decides


def test_an_officer_confirms_a_proxy_after_checking_identities(en, noticed, roll):
    proxy = give(roll[0], roll[1].person.national_code, noticed)
    officer = helpers.user(Role.OFFICER, cooperative=noticed.cooperative)
    en.force_login(officer)
    url = reverse("assemblies:proxy_decide", args=[noticed.pk, proxy.pk])
    control = text(en.get(reverse("assemblies:control", args=[noticed.pk])))
    assert "Proxies awaiting confirmation" in control and roll[1].person.full_name in control

    unchecked = en.post(url, {"decision": "confirm"})
    assert unchecked.status_code == 422
    assert "Confirm that you checked the identity of the member and of the holder" in text(unchecked)

    assert en.post(url, {"decision": "confirm", "identity_checked": "1"}).status_code == 302
    proxy.refresh_from_db()
    assert proxy.state == ProxyState.CONFIRMED and proxy.decided_by == officer
    assert AssemblyEvent.objects.filter(assembly=noticed, kind=events.PROXY_CONFIRMED).exists()
    assert AuditEvent.objects.filter(action="proxy.confirm", actor=officer).exists()


def test_a_supervisor_refuses_a_proxy_with_a_reason_the_member_reads(en, client, noticed, roll):
    proxy = give(roll[0], roll[1].person.national_code, noticed)
    supervisor = helpers.user(Role.SUPERVISOR, province=noticed.cooperative.province)
    en.force_login(supervisor)
    url = reverse("assemblies:proxy_decide", args=[noticed.pk, proxy.pk])
    without_reason = en.post(url, {"decision": "refuse"})
    assert without_reason.status_code == 422 and "Give the reason for refusing the proxy" in text(without_reason)

    assert en.post(url, {"decision": "refuse", "reason": "امضای وکالت‌نامه با کارت ملی مطابقت ندارد"}).status_code == 302
    proxy.refresh_from_db()
    assert proxy.state == ProxyState.REFUSED
    event = AssemblyEvent.objects.get(assembly=noticed, kind=events.PROXY_REFUSED)
    assert event.data["reason"] == "امضای وکالت‌نامه با کارت ملی مطابقت ندارد"

    en.force_login(member_of(roll[0]))
    page = text(en.get(reverse("assemblies:session", args=[noticed.pk])))
    assert "Refused" in page and "امضای وکالت‌نامه با کارت ملی مطابقت ندارد" in page
    again = en.post(url, {"decision": "confirm", "identity_checked": "1"})
    assert again.status_code == 403  # a member never decides proxies


def test_a_decided_proxy_cannot_be_decided_again(noticed, roll, english):
    proxy = give(roll[0], roll[1].person.national_code, noticed)
    officer = helpers.user(Role.OFFICER, cooperative=noticed.cooperative)
    proxies.decide_proxy(actor=officer, proxy=proxy, confirm=False, reason="هویت تأیید نشد")
    with pytest.raises(ValidationError) as refused:
        proxies.decide_proxy(actor=officer, proxy=proxy, confirm=True, identity_checked=True)
    assert "no longer awaiting a decision" in messages_of(refused.value)


def test_an_officer_of_another_cooperative_cannot_reach_the_proxy(client, noticed, roll):
    proxy = give(roll[0], roll[1].person.national_code, noticed)
    client.force_login(helpers.user(Role.OFFICER, cooperative=helpers.cooperative()))
    response = client.post(
        reverse("assemblies:proxy_decide", args=[noticed.pk, proxy.pk]), {"decision": "confirm", "identity_checked": "1"}
    )
    assert response.status_code == 404
    proxy.refresh_from_db()
    assert proxy.state == ProxyState.PENDING


# --------------------------------------------------------------------------- ballots owed


def test_a_holder_owes_their_own_ballot_and_one_per_confirmed_principal_not_present():
    a = factory.in_session(members=8, present=2)
    roll = list(a.roll.select_related("person").order_by("id"))
    holder = roll[0]  # checked in
    confirmed = factory.proxy(a, roll[2], holder.person)
    factory.proxy(a, roll[3], holder.person, state="pending")
    factory.proxy(a, roll[4], holder.person, state="refused")
    principal_present = factory.proxy(a, roll[1], holder.person)  # roll[1] checked in themselves

    owed = proxies.ballots_owed(a, holder.person)

    assert owed == [holder, confirmed.principal]
    assert principal_present.principal not in owed


def test_a_holder_who_is_not_present_owes_no_ballot_and_a_non_member_owes_only_their_principals():
    a = factory.in_session(members=8, present=0)
    roll = list(a.roll.select_related("person").order_by("id"))
    factory.proxy(a, roll[1], roll[0].person)
    assert proxies.ballots_owed(a, roll[0].person) == []

    outsider = helpers.person()
    factory.proxy(a, roll[2], outsider)
    assert proxies.ballots_owed(a, outsider) == []
    factory.holder_joined(a, outsider)
    assert proxies.ballots_owed(a, outsider) == [roll[2]]


# --------------------------------------------------------------------------- API


def test_the_api_gives_lists_decides_and_refuses_with_the_rule(client, en, noticed, roll, english):
    client.force_login(member_of(roll[0]))
    base = f"/api/v1/assemblies/{noticed.pk}"
    created = client.post(f"{base}/proxies", {"national_code": roll[1].person.national_code}, content_type="application/json")
    assert created.status_code == 201, created.content
    proxy_id = created.json()["id"]
    assert created.json()["state"] == "pending" and created.json()["holder"]["id"] == roll[1].person_id

    mine = client.get(f"{base}/proxies/mine").json()
    assert [p["id"] for p in mine["given"]] == [proxy_id] and mine["held"] == []

    assert client.get(f"{base}/proxies").status_code == 403  # the queue is the convening authority's
    assert client.post(f"{base}/proxies/{proxy_id}/decision", {"confirm": True}, content_type="application/json").status_code == 403

    self_given = client.post(f"{base}/proxies/{proxy_id}/revoke")
    assert self_given.status_code == 200 and self_given.json()["state"] == "revoked"
    again = client.post(f"{base}/proxies", {"national_code": roll[0].person.national_code}, content_type="application/json")
    assert again.status_code == 422
    assert "You cannot give a proxy to yourself." in helpers.field_errors(again)["national_code"]

    for principal in roll[1:4]:
        give(principal, roll[5].person.national_code, noticed)
    capped = client.post(f"{base}/proxies", {"national_code": roll[5].person.national_code}, content_type="application/json")
    assert capped.status_code == 422
    assert rules.parameter("assembly.proxies_per_holder").cite() in helpers.field_errors(capped)["national_code"][0]

    client.force_login(helpers.user(Role.OFFICER, cooperative=noticed.cooperative))
    queue = client.get(f"{base}/proxies").json()
    assert len(queue) == 3
    decided = client.post(
        f"{base}/proxies/{queue[0]['id']}/decision", {"confirm": True, "identity_checked": True},
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["state"] == "confirmed"


def test_the_api_answers_outsiders_404_and_anonymous_401(client, noticed, roll):
    base = f"/api/v1/assemblies/{noticed.pk}"
    assert client.get(f"{base}/proxies/mine").status_code == 401
    client.force_login(helpers.user(Role.MEMBER))
    assert client.get(f"{base}/proxies/mine").status_code == 404
    assert client.post(f"{base}/proxies", {"national_code": roll[1].person.national_code}, content_type="application/json").status_code == 404


def test_a_member_who_holds_proxies_is_told_why_they_cannot_give_theirs(en, noticed, roll):
    give(roll[1], roll[0].person.national_code, noticed)
    en.force_login(member_of(roll[0]))
    page = text(en.get(reverse("assemblies:session", args=[noticed.pk])))
    assert "You hold proxies from other members, so you cannot give your own" in page
    assert "Give my proxy" not in page
