"""A visitor reads what a cooperative does on its public page and in the public API: its own
description, how many people it employs and its activity (issue 12), in Persian and English."""

import pytest
from django.urls import reverse

from taavon.core.persian import to_persian_digits
from tests import helpers

pytestmark = pytest.mark.django_db

DESCRIPTION = "تولید منسوجات، محصولات چرمی و پوشاک. اشتغال: 35 نفر."


@pytest.fixture
def textile():
    return helpers.cooperative(
        name="تعاونی تولیدی نساجی و پوشاک همگامان اصفهان",
        activity="industry",
        isic_code="1410",
        employees=35,
        description=DESCRIPTION,
    )


def test_the_persian_page_shows_what_the_cooperative_does(client, textile):
    page = helpers.text(client.get(reverse("register:detail", args=[textile.national_id])))

    assert "درباره تعاونی" in page and "تولید منسوجات، محصولات چرمی و پوشاک. اشتغال: ۳۵ نفر." in page
    assert f"تعداد کارکنان {to_persian_digits(35)}" in page
    assert "صنعتی" in page and f"کد ISIC {to_persian_digits('1410')}" in page


def test_the_english_page_shows_the_same_facts(en, textile):
    page = helpers.text(en.get(reverse("register:detail", args=[textile.national_id])))

    assert "About the cooperative" in page and "تولید منسوجات" in page
    assert "Employees 35" in page and "Industry (Production) · ISIC code 1410" in page


def test_a_cooperative_without_a_description_says_so(en):
    coop = helpers.cooperative(name="تعاونی بی‌شرح", description="")
    page = helpers.text(en.get(reverse("register:detail", args=[coop.national_id])))
    assert "The cooperative has not described its work yet." in page and "Employees 0" in page


def test_the_api_profile_has_the_description_employees_and_activity(client, textile):
    body = client.get(f"/api/v1/public/cooperatives/{textile.national_id}").json()

    assert body["description"] == DESCRIPTION and body["employees"] == 35
    assert body["activity"] == "industry" and body["isic_code"] == "1410" and body["activity_label"]
