"""Logging in and API tokens: every write of the accounts app.

Members log in with their national code and a one-time code sent to the mobile on record;
officials (any role in ``OFFICIAL_ROLES``, or staff) first give their password, then the
same one-time code. Whether a national code is registered is never revealed before the
one-time code has been proven: every valid national code gets the same answer, and a code
row is stored for it even when no SMS could be sent.

Limits (the policy is here; the views apply the per-request ones): per address only a high
flood brake (``settings.LOGIN_POSTS_PER_ADDRESS_RATE``), because a hall of members on one Wi-Fi
or a mobile carrier's customers share an address; per device (the signed cookie of
:mod:`taavon.accounts.devices`) ``LOGIN_POSTS_PER_DEVICE_RATE``; per account the codes sent
(``CODE_REQUESTS_PER_ACCOUNT``), the guesses per code (``CODE_MAX_ATTEMPTS``) and the doubling
wait after wrong passwords, keyed by account and device so no stranger can lock an official out.
"""

import hmac
import logging
import math
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from taavon.audit.services import record, snapshot
from taavon.core.identifiers import clean_national_code
from taavon.core.persian import to_ascii_digits
from taavon.core.templatetags.taavon_format import fadigits
from taavon.notifications.services import send_sms

from . import devices, scoping
from .backends import NationalCodeBackend
from .devices import Device
from .models import ApiToken, LoginStrength, OneTimeCode, User

logger = logging.getLogger("taavon.accounts")

# The person register is the model a user's ``person`` key points to; accounts imports no domain.
Person: type[Any] = User._meta.get_field("person").related_model

# --- Security settings -------------------------------------------------------------------
# These protect the login against guessing and abuse. They are operational choices of the
# platform, not rules of the cooperative law, so they live here and not in taavon.rules.
# The ceiling per address is deployment-dependent: settings.LOGIN_POSTS_PER_ADDRESS_RATE.
CODE_DIGITS = 6  # length of a one-time login code
CODE_LIFETIME_MINUTES = 2  # a code is accepted for this long after it was sent
CODE_MAX_ATTEMPTS = 5  # wrong entries allowed for one code before a new one is needed
CODE_RESEND_SECONDS = 60  # shortest wait between two codes for the same national code
CODE_REQUESTS_PER_ACCOUNT = 5  # codes sent to one national code per window: SMS cost and guesses
CODE_REQUESTS_WINDOW_MINUTES = 10  # ... so at most 25 code guesses per account in ten minutes
LOGIN_POSTS_PER_DEVICE_RATE = "20/10m"  # login and code forms sent from one device: a family phone's logins, not a sweep
PASSWORD_FREE_FAILURES = 5  # wrong passwords (per account and device) before each try must wait
PASSWORD_MAX_DELAY_SECONDS = 15 * 60  # the doubling wait after wrong passwords never grows beyond this
PASSWORD_FAILURES_MEMORY_MINUTES = 60  # wrong passwords are forgotten after this long without another
PENDING_LOGIN_MINUTES = 10  # how long a started login (national code entered) stays open
MAX_ACTIVE_TOKENS = 20  # unrevoked API tokens one user may hold

LOGIN_BACKEND = "taavon.accounts.backends.NationalCodeBackend"

CODE_SENT_MESSAGE = _(
    "If this national code is registered with a mobile number, a %(digits)s-digit code has been sent to it. "
    "The code is valid for %(minutes)s minutes."
)


@dataclass(frozen=True)
class CodeRequest:
    """The outcome of asking for a login code.

    ``demo_code`` carries the code in clear only in demo mode (``settings.TAAVON_DEMO``) and
    only when it was really sent; it is ``None`` otherwise. ``already_sent`` says that no code was
    sent because the last one is recent and still good: the caller goes on to the code page.
    """

    national_code: str
    expires_at: object
    demo_code: str | None = None
    already_sent: bool = False  # no new code: the one sent moments ago is still to be entered


def code_sent_message() -> str:
    """The neutral message shown after a code request, the same whether or not the code exists."""
    return CODE_SENT_MESSAGE % {"digits": CODE_DIGITS, "minutes": CODE_LIFETIME_MINUTES}


def _code_hash(national_code: str, code: str) -> str:
    # Keyed with SECRET_KEY and the national code: a leaked table cannot be reversed by trying
    # the million possible codes.
    return salted_hmac("taavon.accounts.one-time-code", f"{national_code}:{code}", algorithm="sha256").hexdigest()


def _mobile_on_record(national_code: str, user: User | None) -> str:
    """Where a login code for ``national_code`` goes: the registry's mobile, else the user's."""
    if user is not None:
        if not user.is_active:
            return ""
        person_mobile = user.person.mobile if user.person is not None else ""
        return user.mobile or person_mobile
    account = User.objects.filter(national_code=national_code).only("is_active", "mobile").first()
    if account is not None and not account.is_active:
        return ""
    person_mobile = Person.objects.filter(national_code=national_code).values_list("mobile", flat=True).first()
    return person_mobile or (account.mobile if account else "")


def _issue_code(national_code: str, purpose, *, bound_to: str | None = None) -> tuple[str, datetime]:
    """A fresh one-time code for ``purpose`` and its expiry; every earlier live code of that purpose
    stops working. Refused while the last one is younger than CODE_RESEND_SECONDS. ``bound_to``
    ties a confirmation code to the one thing it confirms (hashed with it)."""
    # The wait is read from the codes themselves, not the cache: while Redis is down a cache that
    # answers "taken" would stop every login. A code already used does not make anyone wait.
    recent = timezone.now() - timedelta(seconds=CODE_RESEND_SECONDS)
    if OneTimeCode.objects.filter(
        national_code=national_code, purpose=purpose, used_at__isnull=True, created_at__gt=recent
    ).exists():
        raise ValidationError(
            _("A code was requested less than %(seconds)s seconds ago. Please wait before asking for a new one."),
            code="code_wait",
            params={"seconds": CODE_RESEND_SECONDS},
        )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = timezone.now()
    expires_at = now + timedelta(minutes=CODE_LIFETIME_MINUTES)
    with transaction.atomic():
        OneTimeCode.objects.filter(
            national_code=national_code, purpose=purpose, used_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        OneTimeCode.objects.create(
            national_code=national_code,
            purpose=purpose,
            code_hash=_code_hash(national_code, code if bound_to is None else f"{bound_to}:{code}"),
            expires_at=expires_at,
        )
    return code, expires_at


def _live_login_code(national_code: str, *, younger_than: int | None = None) -> OneTimeCode | None:
    """The login code of ``national_code`` that can still be entered (sent within ``younger_than`` seconds)."""
    now = timezone.now()
    rows = OneTimeCode.objects.filter(
        national_code=national_code,
        purpose=OneTimeCode.Purpose.LOGIN,
        used_at__isnull=True,
        expires_at__gt=now,
        attempts__lt=CODE_MAX_ATTEMPTS,
    )
    if younger_than is not None:
        rows = rows.filter(created_at__gt=now - timedelta(seconds=younger_than))
    return rows.order_by("-created_at", "-id").first()


def _codes_sent_key(national_code: str) -> str:
    return f"taavon:login-codes-sent:{national_code}"


def _count_code_sent(national_code: str) -> None:
    # The window starts with the first code and is not moved by later ones (incr keeps the expiry).
    key, window = _codes_sent_key(national_code), CODE_REQUESTS_WINDOW_MINUTES * 60
    if cache.add(key, 1, window):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, window)


def _refuse_more_codes(national_code: str, *, ip=None) -> ValidationError:
    """The refusal once ``national_code`` has had its codes for the window; audited once per window."""
    window = CODE_REQUESTS_WINDOW_MINUTES * 60
    if cache.add(f"taavon:login-codes-limit-noted:{national_code}", True, window):
        logger.warning("Login codes for %s stopped for %s minutes", national_code, CODE_REQUESTS_WINDOW_MINUTES)
        user = User.objects.filter(national_code=national_code).first()
        if user is not None:
            after = {"codes": CODE_REQUESTS_PER_ACCOUNT, "minutes": CODE_REQUESTS_WINDOW_MINUTES}
            record(None, "user.code_limit", user, after=after, ip=ip)
    return ValidationError(
        _("Too many codes were asked for this national code. Please try again within %(minutes)s minutes."),
        code="code_limit",
        params={"minutes": CODE_REQUESTS_WINDOW_MINUTES},
    )


def request_login_code(*, national_code: str, user: User | None = None, resend: bool = False, ip=None) -> CodeRequest:
    """Issue a one-time login code for ``national_code`` and send it to the mobile on record.

    ``user`` is given on the officials' path, after the password was checked; the code then goes
    to that user's mobile and a missing mobile is reported. On the members' path nothing tells
    the caller whether the national code is registered.

    Starting a login again (``resend=False``) while the last code is younger than
    ``CODE_RESEND_SECONDS``, or once the account has had ``CODE_REQUESTS_PER_ACCOUNT`` codes in the
    window, sends nothing and answers ``already_sent`` while that code can still be entered: the
    member who went back enters the code they have. ``resend=True`` (the "new code" button) asks
    for a new code and is refused within the wait. Past the per-account budget with no live code,
    the refusal (``code_limit``) is audited with ``ip``.

    Not wrapped in one transaction on purpose: the code row is committed first, the SMS is sent
    afterwards, so a slow gateway never holds the database.
    """
    national_code = clean_national_code(national_code)
    mobile = _mobile_on_record(national_code, user)
    if user is not None and not mobile:
        raise ValidationError(
            _("No mobile number is on record for your account. Ask an administrator to add one."), code="no_mobile"
        )
    if not resend and (live := _live_login_code(national_code, younger_than=CODE_RESEND_SECONDS)):
        return CodeRequest(national_code=national_code, expires_at=live.expires_at, already_sent=True)
    if cache.get(_codes_sent_key(national_code), 0) >= CODE_REQUESTS_PER_ACCOUNT:
        if not resend and (live := _live_login_code(national_code)):
            return CodeRequest(national_code=national_code, expires_at=live.expires_at, already_sent=True)
        raise _refuse_more_codes(national_code, ip=ip)
    code, expires_at = _issue_code(national_code, OneTimeCode.Purpose.LOGIN)
    _count_code_sent(national_code)
    if not mobile:
        return CodeRequest(national_code=national_code, expires_at=expires_at)
    # The count in the reader's digits; the code itself in ASCII, which phones offer to fill in.
    text = gettext("Taavon login code: %(code)s. Valid for %(minutes)s minutes. Do not share it with anyone.") % {
        "code": code,
        "minutes": fadigits(CODE_LIFETIME_MINUTES),
    }
    send_sms(mobile, text, topic="login", sensitive=True)
    if settings.TAAVON_DEMO:
        logger.info("Demo mode: login code for %s is %s", national_code, code)
        return CodeRequest(national_code=national_code, expires_at=expires_at, demo_code=code)
    return CodeRequest(national_code=national_code, expires_at=expires_at)


# --- Officials: password step ---------------------------------------------------------------
# Wrong passwords never lock an account: a stranger who could lock an official out at will
# could keep them out of an assembly. They slow down instead, keyed by account and device:
# each device on which the account completed a login (devices.knows) has its own count, and
# every other device shares one count for the account. After PASSWORD_FREE_FAILURES wrong
# passwords in a count, each try must wait twice as long as the last (up to
# PASSWORD_MAX_DELAY_SECONDS), and a try within the wait is refused without looking at the
# password. So strangers get a handful of guesses per account and then one per quarter hour,
# while the official's own device still logs in with the right password. National codes
# without an account are counted the same way, so the answers reveal nothing.

_BAD_PASSWORD = _(
    "National code or password is not correct. Members log in without a password, on the Member tab."
)
_PASSWORD_WAIT = _(
    "Too many wrong passwords for this national code. Please try again in %(seconds)s seconds. "
    "On a device where you have logged in before, you can log in now."
)
_LOCKED = _("This account is locked by an administrator for now. Please try again later.")


def _bad_password() -> ValidationError:
    return ValidationError(_BAD_PASSWORD, code="bad_password")


def _password_wait(seconds: int) -> ValidationError:
    return ValidationError(_PASSWORD_WAIT, code="password_wait", params={"seconds": seconds})


def _locked() -> ValidationError:
    return ValidationError(_LOCKED, code="locked")


def _now() -> float:
    return time.time()


def _password_count(national_code: str, device: Device) -> tuple[str, bool]:
    """The count a wrong password of ``national_code`` from ``device`` goes to, and whether the device is known."""
    if devices.knows(device, national_code):
        return f"{national_code}:device:{device.id}", True
    return f"{national_code}:unknown-devices", False


def _seconds_to_wait(count: str) -> int:
    until = cache.get(f"taavon:password-wait:{count}")
    return max(0, math.ceil(until - _now())) if until else 0


def _password_failure(count: str, user: User | None, *, known: bool, ip=None) -> ValidationError:
    """Count a wrong password; past the free ones, start the doubling wait (the first wait is audited)."""
    if user is not None:
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    key, memory = f"taavon:password-failures:{count}", PASSWORD_FAILURES_MEMORY_MINUTES * 60
    if cache.add(key, 1, memory):
        failures = 1
    else:
        try:
            failures = cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, memory)
            failures = 1
        cache.touch(key, memory)
    if failures <= PASSWORD_FREE_FAILURES:
        return _bad_password()
    delay = min(2 ** (failures - PASSWORD_FREE_FAILURES), PASSWORD_MAX_DELAY_SECONDS)
    cache.set(f"taavon:password-wait:{count}", _now() + delay, delay)
    if failures == PASSWORD_FREE_FAILURES + 1:
        logger.warning("Passwords for %s slowed down (%s device)", count.split(":")[0], "known" if known else "unknown")
        if user is not None:
            after = {"failures": failures, "device": "known" if known else "unknown", "wait_seconds": delay}
            record(None, "user.login_slow_down", user, after=after, ip=ip)
    return _password_wait(delay)


def lift_password_wait(*, national_code: str) -> None:
    """Forget the wrong passwords tried for ``national_code`` from unknown devices, and their wait (an administrator's unlock)."""
    count = f"{national_code}:unknown-devices"
    cache.delete_many([f"taavon:password-failures:{count}", f"taavon:password-wait:{count}"])


def check_official_password(*, national_code: str, password: str, device: Device, ip=None) -> User:
    """The first step of an official's login: the user whose password this is, or a ValidationError.

    Wrong passwords slow down the tries of that account from that device (see above); they never
    lock the account. A correct password of a user who is not an official is refused with a
    pointer to the members' login (only after the password proved who is asking).
    """
    national_code = clean_national_code(national_code)
    count, known = _password_count(national_code, device)
    if wait := _seconds_to_wait(count):
        raise _password_wait(wait)
    user = User.objects.filter(national_code=national_code).first()
    if user is None:
        NationalCodeBackend().authenticate(None, national_code=national_code, password=password)  # equal time
        raise _password_failure(count, None, known=known, ip=ip)
    if user.is_locked():  # by an administrator; said only to whoever knows the password
        if user.check_password(password or ""):
            raise _locked()
        raise _password_failure(count, user, known=known, ip=ip)
    if NationalCodeBackend().authenticate(None, national_code=national_code, password=password) is None:
        raise _password_failure(count, user, known=known, ip=ip)
    cache.delete(f"taavon:password-failures:{count}")
    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        user.failed_logins, user.locked_until = 0, None
    if not (user.is_official or user.is_staff):
        raise ValidationError(
            _("Your account is a member account. Use the Member tab: members log in with a code sent to their mobile."),
            code="not_official",
        )
    return user


# --- The one-time code step -----------------------------------------------------------------


def _clean_code(code: str) -> str:
    code = "".join(to_ascii_digits(code or "").split())
    if len(code) != CODE_DIGITS or not code.isdigit():
        raise ValidationError(
            _("Enter the %(digits)s-digit code sent to your mobile."),
            code="code_format",
            params={"digits": CODE_DIGITS},
        )
    return code


def _spend_code(national_code: str, purpose: str, hashed_as: str) -> OneTimeCode:
    """The live code of ``purpose`` for ``national_code`` if ``hashed_as`` matches it, marked used.

    The attempt is counted before the comparison, in one conditional UPDATE, so concurrent guesses
    get at most ``CODE_MAX_ATTEMPTS`` comparisons between them; wrong codes stay counted (committed).
    """
    now = timezone.now()
    row = (
        OneTimeCode.objects.filter(national_code=national_code, purpose=purpose, used_at__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    )
    if row is None or row.expires_at <= now:
        raise ValidationError(_("This code has expired. Ask for a new code."), code="code_expired")
    live = OneTimeCode.objects.filter(pk=row.pk, used_at__isnull=True)
    if not live.filter(attempts__lt=CODE_MAX_ATTEMPTS).update(attempts=F("attempts") + 1):
        if not live.exists():
            raise ValidationError(_("This code has expired. Ask for a new code."), code="code_expired")
        raise ValidationError(_("Too many wrong codes. Ask for a new code."), code="code_attempts")
    if not hmac.compare_digest(row.code_hash, _code_hash(national_code, hashed_as)):
        used = OneTimeCode.objects.values_list("attempts", flat=True).get(pk=row.pk)
        left = CODE_MAX_ATTEMPTS - used
        if left <= 0:
            raise ValidationError(_("The code is not correct. Ask for a new code."), code="code_attempts")
        raise ValidationError(
            _("The code is not correct. Attempts left: %(left)s."), code="code_wrong", params={"left": left}
        )
    # Used once only, even by two requests racing with the same code.
    if not live.update(used_at=now):
        raise ValidationError(_("This code has expired. Ask for a new code."), code="code_expired")
    return row


def link_person(user: User, *, person=None) -> User:
    """Link ``user`` to the registry person with the same national code; copy their name and mobile.

    Every login calls it, official or member: one person signs in once and acts in every role they
    hold. A person already linked to another account is never taken from it. Audited when it changes.
    """
    if person is None:
        person = Person.objects.filter(national_code=user.national_code).first()
    if person is None:
        return user
    before = snapshot(user, fields=["person", "full_name", "mobile"])
    if user.person_id is None and not User.objects.filter(person=person).exclude(pk=user.pk).exists():
        user.person = person
    if user.person_id == person.pk:
        user.full_name = person.full_name
        user.mobile = person.mobile or user.mobile
    after = snapshot(user, fields=["person", "full_name", "mobile"])
    if after != before:
        user.save(update_fields=["person", "full_name", "mobile"])
        user.__dict__.pop("_roles_cache", None)  # the member role may be new
        record(user, "user.update", user, before=before, after=after)
    return user


def _member_account(national_code: str) -> User:
    """The account of ``national_code`` for a code-only login, created on the first login of a registry person."""
    person = Person.objects.filter(national_code=national_code).first()
    user = User.objects.filter(national_code=national_code).select_related("person").first()
    if user is None:
        if person is None:
            raise ValidationError(_("This code has expired. Ask for a new code."), code="code_expired")
        user = User.objects.create_user(national_code=national_code)  # no password: members use codes
        record(user, "user.create", user, after=snapshot(user, fields=["national_code", "is_active"]))
    return link_person(user, person=person)


def verify_login_code(*, national_code: str, code: str, user_id: int | None = None, ip=None) -> User:
    """The second step of every login: the user to log in, or a ValidationError.

    ``user_id`` is the official whose password was checked in the first step: a strong login.
    Without it the login is weak (code only): the account with ``national_code`` is logged in,
    official or not, created on a registry person's first login, and it comes back marked weak
    (:func:`scoping.mark_weak`): it acts as a member until the password is confirmed
    (:func:`step_up`). Either way the account is linked to its registry person.
    """
    national_code = clean_national_code(national_code)
    code = _clean_code(code)
    _spend_code(national_code, OneTimeCode.Purpose.LOGIN, code)
    with transaction.atomic():
        if user_id is not None:
            user = User.objects.filter(pk=user_id, national_code=national_code).first()
            if user is None or user.is_locked():
                raise ValidationError(_("This code has expired. Ask for a new code."), code="code_expired")
            user = link_person(user)
            method = "password+code"
        else:
            user = _member_account(national_code)
            method = "code"
        if not user.is_active:
            raise ValidationError(_("This account is disabled. Contact an administrator."), code="inactive")
        record(user, "user.login", user, after={"method": method}, ip=ip)
    if user_id is None:
        scoping.mark_weak(user)
    return user


def step_up(*, user: User, password: str, device: Device, ip=None) -> User:
    """Make a weak login strong with the password of ``user`` (already proven by a one-time code).

    The same doubling wait after wrong passwords as the login's password step; a user without an
    official role is refused (``not_official``). The caller rotates the session and clears the mark.
    """
    checked = check_official_password(national_code=user.national_code, password=password, device=device, ip=ip)
    if checked.pk != user.pk:  # the national code is the account's own: cannot happen
        raise _bad_password()
    record(checked, "user.step_up", checked, after={"method": "password"}, ip=ip)
    return checked


# --- API tokens ----------------------------------------------------------------------------------


@transaction.atomic
def create_api_token(*, user: User, name: str, replace_same_name: bool = False) -> tuple[ApiToken, str]:
    """A new API token for ``user``: the row and the token in clear (shown once, never stored).

    The token has the strength of the login asking (a weak login makes a weak token).
    ``replace_same_name`` (the API login) first revokes the user's live token of that name, so an
    app that logs in again does not pile up tokens.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the program that will use it.")})
    if len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]  # a CharField: max_length is set
        raise ValidationError({"name": _("The name is too long.")})
    if replace_same_name:
        for old in ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True):
            revoke_api_token(token=old, actor=user)
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You already have %(count)s active tokens. Revoke one you no longer use first."),
            code="too_many_tokens",
            params={"count": MAX_ACTIVE_TOKENS},
        )
    strength = LoginStrength.WEAK if scoping.is_weak(user) else LoginStrength.STRONG
    row, token = ApiToken.issue(user, name, strength=strength)
    record(user, "token.create", row, after=_token_snapshot(row))
    return row, token


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke ``token`` (already chosen among the actor's own); revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    before = _token_snapshot(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(actor, "token.revoke", token, before=before, after=_token_snapshot(token))
    return token


def _token_snapshot(token: ApiToken) -> dict:
    return snapshot(token, fields=["user", "name", "prefix", "strength", "created_at", "revoked_at"])


# --- Logging in from an app (the API) --------------------------------------------------------------
# An app has no device cookie. Its wrong passwords count with every other unknown device of the
# account (devices.ANONYMOUS), like a stranger's on the login page: a stranger calling the API can
# slow the unknown devices down, never the browser on which the official has logged in before.


def _field_error(field: str, exc: ValidationError) -> ValidationError:
    return ValidationError({field: exc.error_list})


def request_api_login_code(*, national_code: str, ip=None) -> CodeRequest:
    """Step one of an app's login: the same code as the login page, with the same neutral answer."""
    try:
        national_code = clean_national_code(national_code)
    except ValidationError as exc:
        raise _field_error("national_code", exc) from None
    return request_login_code(national_code=national_code, ip=ip)


@dataclass(frozen=True)
class ApiLogin:
    """An app's login: the user, the token row and the token in clear (shown once)."""

    user: User
    row: ApiToken
    token: str


def api_login(*, national_code: str, code: str, name: str, password: str = "", ip=None) -> ApiLogin:
    """Step two of an app's login: a new API token named ``name`` for the one-time ``code``.

    Without ``password`` the token is weak (acts as a member); with the password of an official it
    is strong. Everything that can be refused without the code is checked before the code is
    spent, so a refusal never costs the user their code: the name, the password (with its
    doubling wait), the number of live tokens. An earlier live token of the same name is revoked:
    an app that logs in again replaces its token.
    """
    try:
        national_code = clean_national_code(national_code)
    except ValidationError as exc:
        raise _field_error("national_code", exc) from None
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the program that will use it.")})
    if len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]  # a CharField: max_length is set
        raise ValidationError({"name": _("The name is too long.")})
    try:
        code = _clean_code(code)
    except ValidationError as exc:
        raise _field_error("code", exc) from None
    official = None
    if password:
        official = check_official_password(
            national_code=national_code, password=password, device=devices.ANONYMOUS, ip=ip
        )
    existing = official or User.objects.filter(national_code=national_code).first()
    if existing is not None:
        live = ApiToken.objects.filter(user=existing, revoked_at__isnull=True).exclude(name=name)
        if live.count() >= MAX_ACTIVE_TOKENS:
            raise ValidationError(
                _("You already have %(count)s active tokens. Revoke one you no longer use first."),
                code="too_many_tokens",
                params={"count": MAX_ACTIVE_TOKENS},
            )
    user = verify_login_code(
        national_code=national_code, code=code, user_id=official.pk if official else None, ip=ip
    )
    row, token = create_api_token(user=user, name=name, replace_same_name=True)
    return ApiLogin(user=user, row=row, token=token)


# --- Confirmation codes (signing an action with a code sent to one's mobile) -----------------------
# The same code length, lifetime, attempts and resend wait as login codes. A confirmation code is
# bound to what it confirms (``subject``, e.g. "minutes:12"): a code sent to approve one thing
# cannot approve another, and it can never be used to log in (its purpose is CONFIRM).


def _confirmation_target(person_or_user) -> tuple[str, str]:
    """The national code a confirmation code is kept under, and the mobile it goes to."""
    if isinstance(person_or_user, User):
        return person_or_user.national_code, _mobile_on_record(person_or_user.national_code, person_or_user)
    if isinstance(person_or_user, Person):
        account = User.objects.filter(person=person_or_user).only("mobile", "is_active").first()
        if account is not None and not account.is_active:
            return person_or_user.national_code, ""
        return person_or_user.national_code, person_or_user.mobile or (account.mobile if account else "")
    raise TypeError(f"expected a User or a Person, got {type(person_or_user).__name__}")


def request_confirmation_code(*, person_or_user, purpose_label, subject: str = "") -> CodeRequest:
    """Send a one-time confirmation code to the mobile on record of ``person_or_user``.

    ``purpose_label`` says in the SMS what the code confirms (translated text); ``subject`` binds
    the code to that one thing (:func:`verify_confirmation_code` must be given the same).
    A missing mobile is reported. ``demo_code`` is filled only in demo mode (settings.TAAVON_DEMO).
    The code row is committed before the SMS is sent, as for login codes.
    """
    national_code, mobile = _confirmation_target(person_or_user)
    if not mobile:
        raise ValidationError(
            _(
                "No mobile number is on record for you, so no confirmation code can be sent. "
                "Ask the cooperative to add one."
            ),
            code="no_mobile",
        )
    code, expires_at = _issue_code(national_code, OneTimeCode.Purpose.CONFIRM, bound_to=subject)
    text = gettext(
        "Taavon confirmation code for %(purpose)s: %(code)s. Valid for %(minutes)s minutes. "
        "Do not share it with anyone."
    ) % {"purpose": purpose_label, "code": code, "minutes": fadigits(CODE_LIFETIME_MINUTES)}
    send_sms(mobile, text, topic="confirm", sensitive=True)
    if settings.TAAVON_DEMO:
        logger.info("Demo mode: confirmation code for %s is %s", national_code, code)
        return CodeRequest(national_code=national_code, expires_at=expires_at, demo_code=code)
    return CodeRequest(national_code=national_code, expires_at=expires_at)


def verify_confirmation_code(*, person_or_user, code: str, subject: str = "") -> None:
    """Check a confirmation code sent by :func:`request_confirmation_code`; raise ValidationError if wrong.

    The code is used once. Wrong entries are counted and committed at once (call this outside a
    transaction that a later error could roll back); after ``CODE_MAX_ATTEMPTS`` a new code is needed.
    """
    national_code, _mobile = _confirmation_target(person_or_user)
    code = _clean_code(code)
    _spend_code(national_code, OneTimeCode.Purpose.CONFIRM, f"{subject}:{code}")
