"""The login device: a signed cookie naming one browser, and the accounts it has logged in to.

Login limits are keyed by account and by device, not by address: a hall of members on one Wi-Fi
or a whole mobile carrier shares one address. The cookie is signed with ``SECRET_KEY`` so nobody
can claim another device's id or a login they never completed; it holds no national code, only
marks (keyed hashes of device id and national code) of the accounts that completed a login here.
A browser without the cookie (a first visit, or a script that drops it) is no device of its own:
its requests are counted together with every cookieless request from its address, which costs
real users nothing because a login needs cookies (the session) anyway.
"""

import secrets
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

COOKIE = "taavon_device"
COOKIE_DAYS = 365  # a device stays known for a year without logging in again
KNOWN_ACCOUNTS = 8  # accounts one device remembers (a family phone or an office computer)
_SALT = "taavon.accounts.device"


@dataclass(frozen=True)
class Device:
    """One browser: its id, the marks of the accounts that logged in on it, whether its cookie is still to be set."""

    id: str
    marks: tuple[str, ...] = field(default=())
    is_new: bool = False
    changed: bool = False


#: The device of a client that has none (an app calling the API): it counts as an unknown device.
ANONYMOUS = Device(id="anonymous", is_new=True)


def _mark(device_id: str, national_code: str) -> str:
    return salted_hmac(_SALT, f"{device_id}:{national_code}", algorithm="sha256").hexdigest()[:20]


def of(request) -> Device:
    """The device of ``request`` from its signed cookie; a new one when the cookie is missing or forged."""
    value = request.COOKIES.get(COOKIE)
    if value:
        try:
            data = signing.loads(value, salt=_SALT, max_age=COOKIE_DAYS * 86400)
            return Device(id=str(data["d"]), marks=tuple(str(m) for m in data.get("k", ())))
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            pass
    return Device(id=secrets.token_urlsafe(16), is_new=True)


def limit_key(request) -> str:
    """What the per-device limits count: the device, or the address for a request without a device cookie."""
    device = request.taavon_device
    if device.is_new:
        return f"address:{request.META.get('REMOTE_ADDR') or '-'}"
    return f"device:{device.id}"


def knows(device: Device, national_code: str) -> bool:
    """Whether a login to ``national_code`` was completed on ``device``."""
    return not device.is_new and _mark(device.id, national_code) in device.marks


def remember(device: Device, national_code: str) -> Device:
    """``device`` marked as one on which ``national_code`` completed a login (the newest marks kept)."""
    mark = _mark(device.id, national_code)
    marks = tuple(m for m in device.marks if m != mark) + (mark,)
    return replace(device, marks=marks[-KNOWN_ACCOUNTS:], changed=True)


def write(response, device: Device) -> None:
    """Set the cookie of ``device`` on ``response`` when it is new or its marks changed."""
    if not (device.is_new or device.changed):
        return
    response.set_cookie(
        COOKIE,
        signing.dumps({"d": device.id, "k": list(device.marks)}, salt=_SALT, compress=True),
        max_age=COOKIE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
