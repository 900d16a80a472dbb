"""The demo logins: one user per role, with fixed national codes and one shared password.

:func:`create_demo_logins` is called by ``taavon demo`` once the cooperatives exist;
:func:`describe_demo_logins` gives the rows ``taavon demo_logins`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.utils import translation

from taavon.accounts.models import Role, RoleGrant, User
from taavon.core.identifiers import make_national_code
from taavon.geo.models import Province

#: The password every demo official shares (members log in with a one-time code).
DEMO_PASSWORD = "taavon-demo-1404"

#: Province codes of geo/data/provinces.json.
TEHRAN = "28"
ISFAHAN = "12"
#: Bank code of Tose'e Ta'avon Bank (the cooperative development bank), as in core.identifiers.BANKS.
BANK_CODE = "022"


@dataclass(frozen=True)
class DemoLogin:
    key: str
    role: str
    national_code: str
    first_name: str
    last_name: str
    mobile: str
    province_code: str = ""
    bank_code: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def has_password(self) -> bool:
        return self.role != Role.MEMBER


DEMO_LOGINS = (
    DemoLogin("administrator", Role.ADMINISTRATOR, make_national_code("001234567"), "مریم", "کاظمی", "09120001001"),
    DemoLogin("analyst", Role.ANALYST, make_national_code("002345678"), "سعید", "نوروزی", "09120001002"),
    DemoLogin(
        "supervisor", Role.SUPERVISOR, make_national_code("003456789"), "زهرا", "تهرانی", "09120001003", TEHRAN
    ),
    # The managing director of «تعاونی حرکت بلبرینگ ایمن» (see generator.NEWS_COOPERATIVES), also one
    # of its members: one person in two roles, one login.
    DemoLogin("officer", Role.OFFICER, make_national_code("004567891"), "یعقوب", "امیرخانی", "09120001004"),
    DemoLogin(
        "supervisor_2", Role.SUPERVISOR, make_national_code("005678912"), "رضا", "اصفهانی", "09130001005", ISFAHAN
    ),
    DemoLogin(
        "bank_officer", Role.BANK_OFFICER, make_national_code("006789123"), "نرگس", "صالحی", "09120001006", "", BANK_CODE
    ),
    # A member of «تعاونی حرکت بلبرینگ ایمن», linked to the registry person.
    DemoLogin("member", Role.MEMBER, make_national_code("007891234"), "علی", "حسین‌زاده", "09120001007"),
)
LOGIN_BY_KEY = {login.key: login for login in DEMO_LOGINS}
RESERVED_NATIONAL_CODES = frozenset(login.national_code for login in DEMO_LOGINS)


def create_demo_logins(*, officer_cooperative, member_person, officer_person=None) -> list[User]:
    """Create the demo users and their role grants (idempotent on national code).

    ``officer_cooperative`` is the cooperative the officer manages; ``member_person`` is the
    registry person the member user is linked to; ``officer_person``, when given, the officer's own
    registry person (a member of the same cooperative), linked to the officer's account too.
    """
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: every official shares it
    provinces = {p.code: p for p in Province.objects.filter(code__in=[TEHRAN, ISFAHAN])}
    users = []
    for login in DEMO_LOGINS:
        user, _created = User.objects.get_or_create(
            national_code=login.national_code,
            defaults={"full_name": login.full_name, "mobile": login.mobile},
        )
        if login.has_password:
            user.password = password_hash
        else:
            user.set_unusable_password()
            user.person = member_person
        if login.role == Role.OFFICER and officer_person is not None:
            user.person = officer_person
        if login.role == Role.ADMINISTRATOR:
            user.is_staff = user.is_superuser = True
        user.save()
        if login.role != Role.MEMBER:
            RoleGrant.objects.get_or_create(
                user=user,
                role=login.role,
                cooperative=officer_cooperative if login.role == Role.OFFICER else None,
                province=provinces.get(login.province_code),
                defaults={
                    "bank_code": login.bank_code,
                    "position": "managing_director" if login.role == Role.OFFICER else "",
                },
            )
        users.append(user)
    return users


def describe_demo_logins() -> list[dict] | None:
    """One row per demo login that exists (role, national code, password, scope); None if none do."""
    users = {
        u.national_code: u
        for u in User.objects.filter(national_code__in=RESERVED_NATIONAL_CODES).prefetch_related(
            "grants__cooperative", "grants__province"
        )
    }
    if not users:
        return None
    rows = []
    for login in DEMO_LOGINS:
        user = users.get(login.national_code)
        if user is None:
            continue
        rows.append(
            {
                "role": _english(Role(login.role).label),
                "national_code": login.national_code,
                "password": DEMO_PASSWORD if login.has_password else "one-time code (shown on screen in demo)",
                "scope": _scope_text(user, login),
                "name": login.full_name,
            }
        )
    return rows


def _english(label) -> str:
    with translation.override("en"):
        return str(label)


def _scope_text(user, login: DemoLogin) -> str:
    if login.role == Role.MEMBER:
        coops = [m.cooperative.name for m in user.person.memberships.select_related("cooperative")] if user.person else []
        return "own memberships: " + ", ".join(coops) if coops else "own memberships"
    grant = next((g for g in user.grants.all() if g.role == login.role), None)
    if grant is None:
        return "no grant"
    if grant.cooperative_id:
        scope = f"cooperative {grant.cooperative.name} ({grant.position or 'officer'})"
        if user.person is not None and user.person.memberships.filter(cooperative_id=grant.cooperative_id).exists():
            # One person in two roles: the code alone acts as the member, the password adds the office.
            scope += "; also a member: the one-time code alone to vote, the password too for the officer's pages"
        return scope
    if grant.province_id:
        return f"{grant.province.name_en} province (code {grant.province.code})"
    if grant.bank_code:
        return f"bank {grant.bank_code} (public register)"
    return "national"
