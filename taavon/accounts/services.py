"""Logging in and API tokens: every write of the accounts app.

Members log in with their national code and a one-time code sent to the mobile on record;
officials (any role in ``OFFICIAL_ROLES``, or staff) first give their password, then the
same one-time code. Whether a national code is registered is never revealed before the
one-time code has been proven: every valid national code gets the same answer, and a code
row is stored for it even when no SMS could be sent.
"""

import hmac
import logging
import secrets
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
from taavon.notifications.services import send_sms

from .backends import NationalCodeBackend
from .models import ApiToken, OneTimeCode, User

logger = logging.getLogger("taavon.accounts")

# The person register is the model a user's ``person`` key points to; accounts imports no domain.
Person: type[Any] = User._meta.get_field("person").related_model

# --- Security settings -------------------------------------------------------------------
# These protect the login against guessing and abuse. They are operational choices of the
# platform, not rules of the cooperative law, so they live here and not in taavon.rules.
CODE_DIGITS = 6  # length of a one-time login code
CODE_LIFETIME_MINUTES = 2  # a code is accepted for this long after it was sent
CODE_MAX_ATTEMPTS = 5  # wrong entries allowed for one code before a new one is needed
CODE_RESEND_SECONDS = 60  # shortest wait between two codes for the same national code
CODE_REQUESTS_RATE = "5/10m"  # codes per national code (django-ratelimit rate)
LOGIN_POSTS_PER_IP_RATE = "10/m"  # login and code form submissions per IP address
PASSWORD_MAX_FAILURES = 5  # consecutive wrong passwords before the account is locked
LOCK_MINUTES = 15  # how long a locked account stays locked
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
    only when it was really sent; it is ``None`` otherwise.
    """

    national_code: str
    expires_at: object
    demo_code: str | None = None


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
    if not cache.add(f"taavon:{purpose}-code-wait:{national_code}", True, CODE_RESEND_SECONDS):
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


def request_login_code(*, national_code: str, user: User | None = None) -> CodeRequest:
    """Issue a one-time login code for ``national_code`` and send it to the mobile on record.

    ``user`` is given on the officials' path, after the password was checked; the code then goes
    to that user's mobile and a missing mobile is reported. On the members' path nothing tells
    the caller whether the national code is registered.

    Not wrapped in one transaction on purpose: the code row is committed first, the SMS is sent
    afterwards, so a slow gateway never holds the database.
    """
    national_code = clean_national_code(national_code)
    mobile = _mobile_on_record(national_code, user)
    if user is not None and not mobile:
        raise ValidationError(
            _("No mobile number is on record for your account. Ask an administrator to add one."), code="no_mobile"
        )
    code, expires_at = _issue_code(national_code, OneTimeCode.Purpose.LOGIN)
    if not mobile:
        return CodeRequest(national_code=national_code, expires_at=expires_at)
    text = gettext("Taavon login code: %(code)s. Valid for %(minutes)s minutes. Do not share it with anyone.") % {
        "code": code,
        "minutes": CODE_LIFETIME_MINUTES,
    }
    send_sms(mobile, text, topic="login", sensitive=True)
    if settings.TAAVON_DEMO:
        logger.info("Demo mode: login code for %s is %s", national_code, code)
        return CodeRequest(national_code=national_code, expires_at=expires_at, demo_code=code)
    return CodeRequest(national_code=national_code, expires_at=expires_at)


# --- Officials: password step ---------------------------------------------------------------

_BAD_PASSWORD = _(
    "National code or password is not correct. Members log in without a password, on the Member tab. "
    "After %(attempts)s failed attempts an account is locked for %(minutes)s minutes."
)
_LOCKED = _("Too many failed attempts: this account is locked for %(minutes)s minutes. Please try again later.")


def _bad_password() -> ValidationError:
    return ValidationError(
        _BAD_PASSWORD, code="bad_password", params={"attempts": PASSWORD_MAX_FAILURES, "minutes": LOCK_MINUTES}
    )


def _locked() -> ValidationError:
    return ValidationError(_LOCKED, code="locked", params={"minutes": LOCK_MINUTES})


def _unknown_national_code_failure(national_code: str) -> ValidationError:
    """Count failures for a national code without an account exactly as for a real one.

    Otherwise the lock-out message would reveal which national codes have an account.
    """
    lock_key, count_key = f"taavon:login-lock:{national_code}", f"taavon:login-failures:{national_code}"
    if cache.get(lock_key):
        return _locked()
    failures = cache.get(count_key, 0) + 1
    if failures >= PASSWORD_MAX_FAILURES:
        cache.set(lock_key, True, LOCK_MINUTES * 60)
        cache.delete(count_key)
        return _locked()
    cache.set(count_key, failures, LOCK_MINUTES * 60)
    return _bad_password()


def _record_password_failure(user: User, *, ip=None) -> ValidationError:
    # Committed at once (no surrounding transaction): the error raised afterwards must not undo it.
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins", "locked_until"])
    if user.failed_logins < PASSWORD_MAX_FAILURES:
        return _bad_password()
    before = snapshot(user, fields=["failed_logins", "locked_until"])
    user.failed_logins, user.locked_until = 0, timezone.now() + timedelta(minutes=LOCK_MINUTES)
    user.save(update_fields=["failed_logins", "locked_until"])
    record(None, "user.lock", user, before=before, after=snapshot(user, fields=["failed_logins", "locked_until"]), ip=ip)
    logger.warning("Account %s locked after %s failed passwords", user.national_code, PASSWORD_MAX_FAILURES)
    return _locked()


def check_official_password(*, national_code: str, password: str, ip=None) -> User:
    """The first step of an official's login: the user whose password this is, or a ValidationError.

    Wrong passwords are counted; the fifth in a row locks the account for ``LOCK_MINUTES``.
    A correct password of a user who is not an official is refused with a pointer to the
    members' login (only after the password proved who is asking).
    """
    national_code = clean_national_code(national_code)
    user = User.objects.filter(national_code=national_code).first()
    if user is None:
        NationalCodeBackend().authenticate(None, national_code=national_code, password=password)  # equal time
        raise _unknown_national_code_failure(national_code)
    if user.is_locked():
        raise _locked()
    if NationalCodeBackend().authenticate(None, national_code=national_code, password=password) is None:
        raise _record_password_failure(user, ip=ip)
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


def _member_account(national_code: str) -> User:
    """The account of the member with ``national_code``, created and linked to the registry on first login."""
    person = Person.objects.filter(national_code=national_code).first()
    user = User.objects.filter(national_code=national_code).select_related("person").first()
    if user is None:
        if person is None:
            raise ValidationError(_("This code has expired. Ask for a new code."), code="code_expired")
        user = User.objects.create_user(national_code=national_code)  # no password: members use codes
        record(user, "user.create", user, after=snapshot(user, fields=["national_code", "is_active"]))
    if user.is_official or user.is_staff:
        raise ValidationError(
            _("Officials log in with their password: use the Official tab."), code="official_needs_password"
        )
    if person is not None:
        before = snapshot(user, fields=["person", "full_name", "mobile"])
        if user.person_id is None and not User.objects.filter(person=person).exclude(pk=user.pk).exists():
            user.person = person
        if user.person_id == person.pk:
            user.full_name = person.full_name
            user.mobile = person.mobile or user.mobile
        after = snapshot(user, fields=["person", "full_name", "mobile"])
        if after != before:
            user.save(update_fields=["person", "full_name", "mobile"])
            record(user, "user.update", user, before=before, after=after)
    return user


def verify_login_code(*, national_code: str, code: str, user_id: int | None = None, ip=None) -> User:
    """The second step of every login: the user to log in, or a ValidationError.

    ``user_id`` is the official whose password was checked in the first step; without it the
    member with ``national_code`` is logged in (the account is created on first login and
    linked to the registry's person record, whose name and mobile it copies).
    """
    national_code = clean_national_code(national_code)
    code = _clean_code(code)
    _spend_code(national_code, OneTimeCode.Purpose.LOGIN, code)
    with transaction.atomic():
        if user_id is not None:
            user = User.objects.filter(pk=user_id, national_code=national_code).first()
            if user is None or user.is_locked():
                raise ValidationError(_("This code has expired. Ask for a new code."), code="code_expired")
            method = "password+code"
        else:
            user = _member_account(national_code)
            method = "code"
        if not user.is_active:
            raise ValidationError(_("This account is disabled. Contact an administrator."), code="inactive")
        record(user, "user.login", user, after={"method": method}, ip=ip)
    return user


# --- API tokens ----------------------------------------------------------------------------------


@transaction.atomic
def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for ``user``: the row and the token in clear (shown once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the program that will use it.")})
    if len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]  # a CharField: max_length is set
        raise ValidationError({"name": _("The name is too long.")})
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You already have %(count)s active tokens. Revoke one you no longer use first."),
            code="too_many_tokens",
            params={"count": MAX_ACTIVE_TOKENS},
        )
    row, token = ApiToken.issue(user, name)
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
    return snapshot(token, fields=["user", "name", "prefix", "created_at", "revoked_at"])


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
    ) % {"purpose": purpose_label, "code": code, "minutes": CODE_LIFETIME_MINUTES}
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
