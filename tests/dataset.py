"""One cooperative with something on every page, and a user for every role, for tests that walk
all the pages (the browser crawl in ``tests/browser/test_every_page.py``).

The registry's part goes through the services, so the audit trail holds real events with real
field changes; the assemblies are built in each state by ``tests/assemblies/factory.py``: a draft,
one whose notice is out (candidates and a pending proxy), one in session with a motion open for
voting, and one closed with its results and drafted minutes.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from taavon.accounts.models import ApiToken, Role, RoleGrant, User
from taavon.assemblies.convening.documents import add_agenda_document
from taavon.assemblies.minutes.services import draft_minutes
from taavon.assemblies.models import Assembly
from taavon.core.persian import to_persian_digits
from taavon.registry import services as registry
from taavon.registry.imports import services as imports
from taavon.registry.models import ImportBatch, Membership, Person, Position
from taavon.registry.verification import services as verification
from tests import helpers
from tests.assemblies import factory

ROLES = ("anonymous", "member", "officer", "supervisor", "analyst", "administrator", "bank officer", "member+officer")


@dataclass
class Dataset:
    coop: object
    users: dict[str, User | None]
    membership: Membership
    position: Position
    batch: ImportBatch
    assemblies: dict[str, Assembly]
    proxies: dict[int, list[int]] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)
    document: int = 0
    candidates: list[int] = field(default_factory=list)
    verification: int = 0

    def values(self, name: str, namespace: str, role: str) -> list:
        """Every value a route parameter ``name`` takes in this dataset (the walk tries each)."""
        if name == "token_id" or (namespace == "accounts" and name in ("pk", "id")):
            return [self.tokens[role]] if role in self.tokens else []
        single = {
            "pk": self.coop.pk, "id": self.coop.pk, "cooperative_id": self.coop.pk, "coop_id": self.coop.pk,
            "membership_id": self.membership.pk, "member_id": self.membership.pk,
            "position_id": self.position.pk, "batch_id": self.batch.pk,
            "national_id": self.coop.national_id, "national_code": self.membership.person.national_code,
        }
        if name in single:
            return [single[name]]
        if name == "assembly_id":
            return [a.pk for a in self.assemblies.values()]
        if name == "candidate_id":
            return self.candidates
        if name == "document_id":
            return [self.document]
        if name == "request_id":
            return [self.verification]
        if name == "verification_batch_id":
            return []  # only requests of over 2,000 members make a batch: none here
        raise LookupError(name)

    def items_of(self, assembly_id: int) -> list[int]:
        return list(Assembly.objects.get(pk=assembly_id).items.order_by("position").values_list("pk", flat=True))


def _member_user(coop, *, first_name: str, last_name: str) -> User:
    user = helpers.user(Role.MEMBER, password=None, full_name=f"{first_name} {last_name}")
    person = user.person
    person.first_name, person.last_name = first_name, last_name
    person.save()
    helpers.member(coop, person, verified_at=timezone.now(), membership_number=str(100 + person.pk))
    return user


def _import_batch(coop, officer) -> ImportBatch:
    rows = [
        ["کد ملی", "نام", "نام خانوادگی", "تلفن همراه", "تاریخ عضویت", "سهام", "مبلغ پرداختی"],
        [helpers.national_code(), "مریم", "احمدی", "09123456789", "1402/01/15", "10000000", "10000000"],
        [to_persian_digits(helpers.national_code()), "رضا", "کریمی", "۰۹۱۲۱۲۳۴۵۶۷", "۱۴۰۲/۰۱/۱۵", "۵۰۰۰۰۰۰", "۰"],
        ["1234567890", "سارا", "محمدی", "09120000000", "1402/01/15", "1000000", "0"],
        [helpers.national_code(), "", "بی‌نام", "", "1403/13/01", "0", "0"],
    ]
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    upload = SimpleUploadedFile("members.csv", ("\ufeff" + text.getvalue()).encode("utf-8"), content_type="text/csv")
    return imports.preview_member_import(coop, upload, "members.csv", officer)


def build() -> Dataset:
    home = helpers.province("23")
    coop = helpers.cooperative(province=home, name="تعاونی مسکن کارکنان شهرداری کرج", authorised_capital=5_000_000_000)
    officer = helpers.user(Role.OFFICER, cooperative=coop, password=None, full_name="حسین صالحی")
    member = _member_user(coop, first_name="زهرا", last_name="موسوی")
    both = _member_user(coop, first_name="امیر", last_name="نوروزی")
    RoleGrant.objects.create(user=both, role=Role.OFFICER, cooperative=coop, position="ceo")
    users: dict[str, User | None] = {
        "anonymous": None,
        "member": member,
        "officer": officer,
        "supervisor": helpers.user(Role.SUPERVISOR, province=home, password=None, full_name="فاطمه رحیمی"),
        "analyst": helpers.user(Role.ANALYST, password=None, full_name="نرگس یزدانی"),
        "administrator": helpers.user(Role.ADMINISTRATOR, password=None, full_name="مدیر سامانه"),
        "bank officer": helpers.user(Role.BANK_OFFICER, bank_code="022", password=None, full_name="کارشناس بانک"),
        "member+officer": both,
    }
    factory.bulk_members(coop, 8)
    # The factories number their people in ASCII («عضو3»): people type their names in Persian.
    for person in Person.objects.all():
        person.last_name = to_persian_digits(person.last_name)
        person.save()
    added = registry.add_member(
        actor=officer, cooperative=coop, national_code=helpers.national_code(), joined_on=datetime.date(2023, 3, 1),
        first_name="مهدی", last_name="کاظمی", mobile="09121234567", shares_held=20_000_000, shares_paid=5_000_000,
    )
    registry.update_membership(actor=officer, membership=added, shares_paid=15_000_000)
    verification.verify(actor=users["supervisor"], request=verification.request_verification(actor=officer, membership=added))
    newcomer = registry.add_member(
        actor=officer, cooperative=coop, national_code=helpers.national_code(), joined_on=datetime.date(2024, 5, 1),
        first_name="سارا", last_name="کریمی", mobile="09121234568", shares_held=1_000_000, shares_paid=1_000_000,
    )
    waiting = verification.request_verification(actor=officer, membership=newcomer)
    position = registry.add_position(
        actor=officer, cooperative=coop, role="chair", person=member.person, term_start=datetime.date(2024, 1, 1)
    )
    registry.add_position(
        actor=officer, cooperative=coop, role="inspector", person=both.person, term_start=datetime.date(2024, 1, 1)
    )
    registry.update_cooperative(actor=officer, cooperative=coop, paid_in_capital=1_500_000_000, phone="02634567890")
    batch = _import_batch(coop, officer)
    tokens = {}
    for role, user in users.items():
        if user is not None:
            token, _secret = ApiToken.issue(user, "کلید آزمایشی")
            tokens[role] = token.pk

    # The four states of an assembly, the dataset's members on every roll (member first: the chair).
    draft = factory.assembly(coop, members=0, title="مجمع عمومی فوق‌العاده: اصلاح اساسنامه", kind="extraordinary")
    amendment = factory.motion(draft, "اصلاح ماده ۱۲ اساسنامه")
    factory.election(draft)
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    document = add_agenda_document(
        actor=officer, item=amendment, title="متن پیشنهادی اصلاح اساسنامه", kind="statute_proposal",
        upload=SimpleUploadedFile("amendment.pdf", pdf, content_type="application/pdf"),
    )

    noticed = factory.assembly(coop, members=0, title="مجمع عمومی عادی به‌طور فوق‌العاده")
    election = factory.election(noticed, seats=3, alternates=1)
    factory.motion(noticed, "تصویب بودجه سال ۱۴۰۵")
    factory.freeze_roll(noticed)
    roll = list(noticed.roll.select_related("person").order_by("id"))
    factory.candidates(election, [roll[0].person, roll[1].person])
    factory.proxy(noticed, roll[3], roll[4].person, state="pending")

    session = factory.assembly(coop, members=0, title="مجمع عمومی عادی سالیانه ۱۴۰۴", starts_at=timezone.now())
    open_motion = factory.motion(session, "تصویب صورت‌های مالی سال ۱۴۰۳")
    factory.motion(session, "تعیین روزنامه کثیرالانتشار")
    factory.in_session(session, present=6)
    factory.open_with_board(session, chair=member.person, secretary=both.person)
    entries = list(session.roll.order_by("id"))
    factory.proxy(session, entries[7], entries[2].person)
    open_motion.state = "open"
    open_motion.save()

    closed = factory.closed_story(coop, present=5, represented=1).assembly
    draft_minutes(closed)

    assemblies = {"draft": draft, "noticed": noticed, "in session": session, "closed": closed}
    proxies = {a.pk: list(a.proxies.values_list("pk", flat=True)) for a in assemblies.values()}
    return Dataset(coop, users, membership=member.person.memberships.get(), position=position, batch=batch,
                   assemblies=assemblies, proxies=proxies, tokens=tokens, document=document.pk,
                   candidates=list(election.candidates.values_list("pk", flat=True)),
                   verification=waiting.pk)
