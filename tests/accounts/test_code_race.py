"""Forty wrong codes at the same moment get no more comparisons than the five the limit allows.

Before, the attempt was counted after the comparison: concurrent guesses each saw the count below
the limit, and 6 to 9 of 40 were compared. Runs on PostgreSQL only (SQLite serialises writers).
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from taavon.accounts import services
from taavon.accounts.models import OneTimeCode
from tests import helpers

pytestmark = pytest.mark.django_db(transaction=True)

GUESSES = 40


def guess_at_once(national_code: str, count: int) -> list[str]:
    """``count`` wrong codes entered at the same moment; the message each one got (in English)."""

    def guess(n: int) -> str:
        translation.activate("en")  # each thread speaks English, so messages compare with their msgids
        try:
            services.verify_login_code(national_code=national_code, code=f"{n:06d}")
        except ValidationError as refusal:
            return " ".join(refusal.messages)
        return "accepted"

    return helpers.at_once(*(lambda n=n: guess(n) for n in range(count)))


def test_concurrent_wrong_codes_are_compared_at_most_as_often_as_the_limit():
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL: SQLite serialises every write anyway")
    person = helpers.person()
    services.request_login_code(national_code=person.national_code)
    code_row = OneTimeCode.objects.get(national_code=person.national_code)
    # None of the guesses is the real code: the code sent is replaced by one no guess can match.
    OneTimeCode.objects.filter(pk=code_row.pk).update(code_hash="0" * len(code_row.code_hash))

    answers = guess_at_once(person.national_code, GUESSES)

    compared = [a for a in answers if "The code is not correct" in a]
    assert len(compared) == services.CODE_MAX_ATTEMPTS
    assert answers.count("Too many wrong codes. Ask for a new code.") == GUESSES - services.CODE_MAX_ATTEMPTS
    assert OneTimeCode.objects.get(pk=code_row.pk).attempts == services.CODE_MAX_ATTEMPTS
