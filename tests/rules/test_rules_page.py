"""A visitor reads the legal parameters in words, in Persian and English, on the page and in the API
(issue 12: the page showed ``None``, ``True`` and ``half_plus_one``, and rule keys glued to labels)."""

import pytest

from tests import helpers

pytestmark = pytest.mark.django_db

CODES = ("None", "True", "False", "half_plus_one", "members.minimum", "assembly.quorum")


def test_the_english_page_shows_every_value_in_words(en):
    page = helpers.text(en.get("/rules/"))

    for code in CODES:
        assert code not in page, code
    assert "half of the members plus one" in page and "any number of members present" in page
    assert "absolute majority: more than half of the votes" in page and "two thirds" in page and "one third" in page
    assert "Housing: from 7 to 200" in page and "Employment-creating: at least 7" in page
    assert "Minimum members of a cooperative 7 " in page  # the label, then its value: no key between
    assert "from 10 to 40" in page and "Yes" in page


def test_the_persian_page_shows_every_value_in_words_with_persian_digits(client):
    page = helpers.text(client.get("/rules/"))

    for code in CODES:
        assert code not in page, code
    assert "نصف اعضا به‌علاوه یک" in page and "دوسوم" in page and "با هر تعداد عضو حاضر" in page
    assert "مسکن: از ۷ تا ۲۰۰" in page and "اشتغال‌زا: دست‌کم ۷" in page and "بله" in page


def test_the_api_answers_the_value_in_words_beside_the_data(client):
    api = helpers.Api(client)
    rows = {row["key"]: row for row in api.get("/rules").json()}
    assert rows["assembly.quorum.ordinary.first"]["value"] == "half_plus_one"
    assert rows["assembly.quorum.ordinary.first"]["value_text"] == "half of the members plus one"
    assert rows["assembly.electronic_requires_all_verified"]["value_text"] == "Yes"
    assert rows["members.limits_by_type"]["value_text"].startswith("Employment-creating: at least 7; ")

    persian = {row["key"]: row for row in client.get("/api/v1/rules").json()}
    assert persian["assembly.notice_days"]["value_text"] == "از ۱۰ تا ۴۰"
    assert "None" not in persian["members.limits_by_type"]["value_text"]
