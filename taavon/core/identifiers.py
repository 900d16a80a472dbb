"""Validation of Iranian identifiers: national code, legal-entity ID, mobile, postal code,
Sheba (IBAN) and bank card numbers.

For every identifier there are three entry points:

``clean_<kind>(value) -> str``
    Accepts what people actually type — Persian or Arabic-Indic digits, spaces, dashes,
    stray bidi marks — and returns the canonical ASCII form, or raises
    :class:`django.core.exceptions.ValidationError` with a translatable message and a
    ``code``. Use it in form ``clean_<field>`` methods and before saving models so that only
    canonical values are stored.

``is_valid_<kind>(value) -> bool``
    The same test as a plain boolean. Never raises.

``validate_<kind>(value) -> None``
    A Django validator callable for model and form fields. It accepts exactly what
    ``clean_<kind>`` accepts (it does not demand the canonical form), so pair it with
    ``clean_<kind>`` when storing values.

The ``make_*`` helpers compute check digits; demo data and tests use them to build valid
identifiers.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from taavon.core.persian import to_ascii_digits

__all__ = [
    "BANKS",
    "Bank",
    "clean_card",
    "clean_legal_national_id",
    "clean_mobile",
    "clean_national_code",
    "clean_postal_code",
    "clean_sheba",
    "is_valid_card",
    "is_valid_legal_national_id",
    "is_valid_mobile",
    "is_valid_national_code",
    "is_valid_postal_code",
    "is_valid_sheba",
    "luhn_check_digit",
    "make_card",
    "make_legal_national_id",
    "make_national_code",
    "make_sheba",
    "sheba_bank",
    "validate_card",
    "validate_legal_national_id",
    "validate_mobile",
    "validate_national_code",
    "validate_postal_code",
    "validate_sheba",
]


class Bank(NamedTuple):
    """A bank as identified by the three-digit code inside a Sheba number."""

    name_en: str
    name_fa: str


#: Bank identifiers (digits 5–7 of a Sheba number, right after ``IR`` and the two check
#: digits) mapped to ``(english name, persian name)``. Banks that were merged into Sepah in
#: 1399–1400 are kept so that older records still validate.
BANKS: dict[str, Bank] = {
    "010": Bank("Central Bank of Iran", "بانک مرکزی جمهوری اسلامی ایران"),
    "011": Bank("Sanat va Madan Bank", "بانک صنعت و معدن"),
    "012": Bank("Bank Mellat", "بانک ملت"),
    "013": Bank("Refah Kargaran Bank", "بانک رفاه کارگران"),
    "014": Bank("Bank Maskan", "بانک مسکن"),
    "015": Bank("Bank Sepah", "بانک سپه"),
    "016": Bank("Bank Keshavarzi", "بانک کشاورزی"),
    "017": Bank("Bank Melli Iran", "بانک ملی ایران"),
    "018": Bank("Tejarat Bank", "بانک تجارت"),
    "019": Bank("Bank Saderat Iran", "بانک صادرات ایران"),
    "020": Bank("Export Development Bank of Iran", "بانک توسعه صادرات ایران"),
    "021": Bank("Post Bank of Iran", "پست بانک ایران"),
    "022": Bank("Tose'e Ta'avon Bank (Cooperative Development Bank)", "بانک توسعه تعاون"),
    "051": Bank("Tose'e Credit Institution", "موسسه اعتباری توسعه"),
    "052": Bank("Ghavamin Bank", "بانک قوامین"),
    "053": Bank("Karafarin Bank", "بانک کارآفرین"),
    "054": Bank("Parsian Bank", "بانک پارسیان"),
    "055": Bank("Eghtesad Novin Bank", "بانک اقتصاد نوین"),
    "056": Bank("Saman Bank", "بانک سامان"),
    "057": Bank("Bank Pasargad", "بانک پاسارگاد"),
    "058": Bank("Sarmayeh Bank", "بانک سرمایه"),
    "059": Bank("Sina Bank", "بانک سینا"),
    "060": Bank("Mehr Iran Qarz al-Hasaneh Bank", "بانک قرض‌الحسنه مهر ایران"),
    "061": Bank("Shahr Bank", "بانک شهر"),
    "062": Bank("Ayandeh Bank", "بانک آینده"),
    "063": Bank("Ansar Bank", "بانک انصار"),
    "064": Bank("Gardeshgari Bank (Tourism Bank)", "بانک گردشگری"),
    "065": Bank("Hekmat Iranian Bank", "بانک حکمت ایرانیان"),
    "066": Bank("Dey Bank", "بانک دی"),
    "069": Bank("Iran Zamin Bank", "بانک ایران زمین"),
    "070": Bank("Resalat Qarz al-Hasaneh Bank", "بانک قرض‌الحسنه رسالت"),
    "073": Bank("Kosar Credit Institution", "موسسه اعتباری کوثر"),
    "075": Bank("Melal Credit Institution", "موسسه اعتباری ملل"),
    "078": Bank("Middle East Bank (Khavarmianeh)", "بانک خاورمیانه"),
    "079": Bank("Mehr Eghtesad Bank", "بانک مهر اقتصاد"),
    "080": Bank("Noor Credit Institution", "موسسه اعتباری نور"),
    "095": Bank("Iran-Venezuela Bi-National Bank", "بانک ایران و ونزوئلا"),
}

# Separators people type or paste inside identifiers: spaces of all kinds, hyphens and
# dashes, dots, slashes, underscores, parentheses, plus invisible bidi/zero-width marks.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212._/()\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]+")
_DIGITS = re.compile(r"[0-9]+")


def _compact(value: object) -> str:
    """``value`` as text with ASCII digits and no separators. ``None`` gives ``""``."""
    if value is None:
        return ""
    return _SEPARATORS.sub("", to_ascii_digits(value))


def _is_digits(text: str) -> bool:
    return _DIGITS.fullmatch(text) is not None


def _digits(text: str) -> list[int]:
    return [int(c) for c in text]


def _is_valid(clean, value: object) -> bool:
    try:
        clean(value)
    except ValidationError:
        return False
    return True


# --------------------------------------------------------------------------- national code


def _national_code_check_digit(first_nine: str) -> int:
    s = sum(d * (10 - i) for i, d in enumerate(_digits(first_nine))) % 11
    return s if s < 2 else 11 - s


def clean_national_code(value: object) -> str:
    """Return the 10-digit national code (کد ملی) in ``value``, or raise ValidationError.

    Accepts Persian/Arabic digits, spaces and dashes. Inputs of 8 or 9 digits are
    left-padded with zeros (leading zeros are often dropped by spreadsheets). Ten identical
    digits are rejected even though they satisfy the checksum. Checksum: with ``d`` the
    digits, ``s = sum(d[i] * (10 - i) for i in 0..8) % 11``; valid when
    ``d[9] == s`` for ``s < 2`` and ``d[9] == 11 - s`` otherwise.
    """
    code = _compact(value)
    if not _is_digits(code):
        raise ValidationError(_("National code may contain digits only."), code="national_code_digits")
    if len(code) in (8, 9):
        code = code.zfill(10)
    if len(code) != 10:
        raise ValidationError(_("National code must have 10 digits."), code="national_code_length")
    if len(set(code)) == 1 or int(code[9]) != _national_code_check_digit(code[:9]):
        raise ValidationError(_("National code is not valid."), code="national_code_invalid")
    return code


def is_valid_national_code(value: object) -> bool:
    """True when :func:`clean_national_code` accepts ``value``."""
    return _is_valid(clean_national_code, value)


def validate_national_code(value: object) -> None:
    """Django validator for national codes (see :func:`clean_national_code`)."""
    clean_national_code(value)


def make_national_code(nine_digits: str) -> str:
    """Append the check digit to nine digits and return a valid 10-digit national code.

    Raises ValueError if ``nine_digits`` is not nine digits, or if all nine are the same
    digit (the result would be ten identical digits, which is never valid).
    """
    base = to_ascii_digits(nine_digits)
    if len(base) != 9 or not _is_digits(base):
        raise ValueError(f"expected nine digits, got {nine_digits!r}")
    if len(set(base)) == 1:
        raise ValueError(f"{nine_digits!r} would give ten identical digits")
    return base + str(_national_code_check_digit(base))


# ----------------------------------------------------------------- legal-entity national ID

_LEGAL_ID_WEIGHTS = (29, 27, 23, 19, 17)


def _legal_id_check_digit(first_ten: str) -> int:
    d = _digits(first_ten)
    c = d[9] + 2
    s = sum((d[i] + c) * _LEGAL_ID_WEIGHTS[i % 5] for i in range(10)) % 11
    return 0 if s == 10 else s


def clean_legal_national_id(value: object) -> str:
    """Return the 11-digit legal-entity national ID (شناسه ملی) in ``value``, or raise.

    Accepts Persian/Arabic digits, spaces and dashes; no zero padding is done. All zeros
    are rejected. Checksum: ``c = d[9] + 2``,
    ``s = sum((d[i] + c) * w[i % 5] for i in 0..9) % 11`` with ``w = 29, 27, 23, 19, 17``,
    ``s = 0`` when ``s == 10``; valid when ``d[10] == s``.
    """
    code = _compact(value)
    if not _is_digits(code):
        raise ValidationError(_("Legal national ID may contain digits only."), code="legal_national_id_digits")
    if len(code) != 11:
        raise ValidationError(_("Legal national ID must have 11 digits."), code="legal_national_id_length")
    if set(code) == {"0"} or int(code[10]) != _legal_id_check_digit(code[:10]):
        raise ValidationError(_("Legal national ID is not valid."), code="legal_national_id_invalid")
    return code


def is_valid_legal_national_id(value: object) -> bool:
    """True when :func:`clean_legal_national_id` accepts ``value``."""
    return _is_valid(clean_legal_national_id, value)


def validate_legal_national_id(value: object) -> None:
    """Django validator for legal-entity national IDs."""
    clean_legal_national_id(value)


def make_legal_national_id(ten_digits: str) -> str:
    """Append the check digit to ten digits and return a valid 11-digit legal national ID.

    Raises ValueError if ``ten_digits`` is not ten digits.
    """
    base = to_ascii_digits(ten_digits)
    if len(base) != 10 or not _is_digits(base):
        raise ValueError(f"expected ten digits, got {ten_digits!r}")
    return base + str(_legal_id_check_digit(base))


# ------------------------------------------------------------------------------ mobile


def clean_mobile(value: object) -> str:
    """Return the Iranian mobile number in ``value`` as ``09xxxxxxxxx``, or raise.

    Accepted spellings of the same number: ``09121234567``, ``9121234567``,
    ``+989121234567``, ``00989121234567``, ``989121234567`` (also with a stray trunk zero
    after the country code, ``+98 0912…``), in Persian or ASCII digits, with spaces,
    dashes or parentheses.
    """
    text = _compact(value)
    if text.startswith("+"):
        text = "00" + text[1:]
    if not _is_digits(text):
        text = ""  # falls through to the error below
    if text.startswith("0098"):
        text = text[4:]
    elif text.startswith("98") and len(text) in (12, 13):
        text = text[2:]
    if len(text) == 11 and text.startswith("0"):
        text = text[1:]
    if len(text) != 10 or not text.startswith("9"):
        raise ValidationError(_("Enter a valid Iranian mobile number, e.g. 09121234567."), code="mobile_invalid")
    return "0" + text


def is_valid_mobile(value: object) -> bool:
    """True when :func:`clean_mobile` accepts ``value``."""
    return _is_valid(clean_mobile, value)


def validate_mobile(value: object) -> None:
    """Django validator for Iranian mobile numbers."""
    clean_mobile(value)


# ------------------------------------------------------------------------- postal code


def clean_postal_code(value: object) -> str:
    """Return the 10-digit postal code in ``value``, or raise ValidationError.

    Accepts Persian/Arabic digits, spaces and dashes (``12345-67890``). Rules: ten digits,
    not all the same digit, and the first five digits contain neither 0 nor 2.
    """
    code = _compact(value)
    if not _is_digits(code):
        raise ValidationError(_("Postal code may contain digits only."), code="postal_code_digits")
    if len(code) != 10:
        raise ValidationError(_("Postal code must have 10 digits."), code="postal_code_length")
    if len(set(code)) == 1 or set(code[:5]) & {"0", "2"}:
        raise ValidationError(_("Postal code is not valid."), code="postal_code_invalid")
    return code


def is_valid_postal_code(value: object) -> bool:
    """True when :func:`clean_postal_code` accepts ``value``."""
    return _is_valid(clean_postal_code, value)


def validate_postal_code(value: object) -> None:
    """Django validator for postal codes."""
    clean_postal_code(value)


# ------------------------------------------------------------------------------- Sheba

_SHEBA_LETTERS = "1827"  # ISO 13616: I = 18, R = 27


def _sheba_remainder(sheba: str) -> int:
    """ISO 13616 mod-97 of ``IRkk`` + 24 digits (the check digits are the ``kk``)."""
    return int(sheba[4:] + _SHEBA_LETTERS + sheba[2:4]) % 97


def clean_sheba(value: object) -> str:
    """Return the Sheba number (Iranian IBAN) in ``value`` as ``IR`` + 24 digits, or raise.

    Accepts lower-case ``ir``, spaces, dashes and Persian/Arabic digits. The ``IR`` prefix
    is required. The ISO 13616 mod-97 check must give 1, and the bank code (digits 5–7,
    after ``IR`` and the two check digits) must be one of :data:`BANKS`.
    """
    text = _compact(value).upper()
    if not text.startswith("IR"):
        raise ValidationError(_("Sheba number must start with IR."), code="sheba_prefix")
    if len(text) != 26 or not _is_digits(text[2:]):
        raise ValidationError(_("Sheba number must have IR followed by 24 digits."), code="sheba_length")
    if _sheba_remainder(text) != 1:
        raise ValidationError(_("Sheba number is not valid."), code="sheba_invalid")
    if text[4:7] not in BANKS:
        raise ValidationError(_("Sheba bank code is not recognised."), code="sheba_bank")
    return text


def is_valid_sheba(value: object) -> bool:
    """True when :func:`clean_sheba` accepts ``value``."""
    return _is_valid(clean_sheba, value)


def validate_sheba(value: object) -> None:
    """Django validator for Sheba numbers."""
    clean_sheba(value)


def sheba_bank(sheba: object) -> Bank:
    """Return the :class:`Bank` ``(name_en, name_fa)`` of a Sheba number.

    Raises ValidationError, like :func:`clean_sheba`, when ``sheba`` is not valid.
    """
    return BANKS[clean_sheba(sheba)[4:7]]


def make_sheba(bank_code: str | int, account: str | int) -> str:
    """Build a valid Sheba number from a bank code and account digits.

    ``bank_code`` is a key of :data:`BANKS` (``"017"``; ``17`` or ``"17"`` are padded).
    ``account`` is up to 19 digits, left-padded with zeros to 19 (the 24 digits of a Sheba
    are 2 check digits, the 3-digit bank code and 19 account digits). Raises ValueError for
    an unknown bank code or a malformed account.
    """
    bank = to_ascii_digits(bank_code).zfill(3)
    if bank not in BANKS:
        raise ValueError(f"unknown bank code {bank_code!r}")
    digits = _compact(account)
    if not _is_digits(digits) or len(digits) > 19:
        raise ValueError(f"account must be at most 19 digits, got {account!r}")
    body = bank + digits.zfill(19)
    check = 98 - int(body + _SHEBA_LETTERS + "00") % 97
    return f"IR{check:02d}{body}"


# ------------------------------------------------------------------------- bank card


def luhn_check_digit(payload: str) -> int:
    """The Luhn check digit to append to the digit string ``payload``."""
    total = 0
    # Walking from the right, the digit next to the (future) check digit is doubled.
    for i, d in enumerate(reversed(_digits(payload))):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def clean_card(value: object) -> str:
    """Return the 16-digit bank card number in ``value``, or raise ValidationError.

    Accepts Persian/Arabic digits, spaces and dashes. The Luhn check must pass and the
    number must not be one digit repeated sixteen times.
    """
    card = _compact(value)
    if not _is_digits(card):
        raise ValidationError(_("Card number may contain digits only."), code="card_digits")
    if len(card) != 16:
        raise ValidationError(_("Card number must have 16 digits."), code="card_length")
    if len(set(card)) == 1 or int(card[15]) != luhn_check_digit(card[:15]):
        raise ValidationError(_("Card number is not valid."), code="card_invalid")
    return card


def is_valid_card(value: object) -> bool:
    """True when :func:`clean_card` accepts ``value``."""
    return _is_valid(clean_card, value)


def validate_card(value: object) -> None:
    """Django validator for bank card numbers."""
    clean_card(value)


def make_card(fifteen: str) -> str:
    """Append the Luhn check digit to fifteen digits and return a valid card number.

    Raises ValueError if ``fifteen`` is not fifteen digits or the result would be one
    digit repeated sixteen times.
    """
    base = to_ascii_digits(fifteen)
    if len(base) != 15 or not _is_digits(base):
        raise ValueError(f"expected fifteen digits, got {fifteen!r}")
    card = base + str(luhn_check_digit(base))
    if len(set(card)) == 1:
        raise ValueError(f"{fifteen!r} would give sixteen identical digits")
    return card
