"""The rules module: defaults, an administrator's dated change, and the public rules page."""

import datetime
from fractions import Fraction

import pytest

from taavon import rules
from taavon.rules.models import ParameterValue

pytestmark = pytest.mark.django_db


def test_defaults_come_from_the_parameter_table():
    assert rules.get("board.size_max") == 7
    assert rules.get("capital.paid_in_minimum_at_registration") == Fraction(1, 3)
    assert rules.get("assembly.notice_days_with_elections") == (20, 40)


def test_a_change_applies_from_its_date_and_old_dates_keep_the_old_value():
    ParameterValue.objects.create(key="assembly.proxies_per_holder", value=2, effective_from=datetime.date(2026, 3, 21))

    assert rules.get("assembly.proxies_per_holder", on=datetime.date(2026, 3, 20)) == 3
    assert rules.get("assembly.proxies_per_holder", on=datetime.date(2026, 3, 21)) == 2


def test_fractions_and_ranges_survive_storage_as_json():
    day = datetime.date(2026, 1, 1)
    ParameterValue.objects.create(key="capital.max_member_share", value="1/4", effective_from=day)
    ParameterValue.objects.create(key="assembly.notice_days", value=[15, 45], effective_from=day)

    assert rules.get("capital.max_member_share", on=day) == Fraction(1, 4)
    assert rules.get("assembly.notice_days", on=day) == (15, 45)


def test_every_rule_cites_its_legal_reference(english):
    citation = rules.parameter("board.size_max").cite()
    assert "Cooperative Sector Law" in citation


def test_the_rules_page_lists_every_parameter_and_marks_the_unverified(en):
    response = en.get("/rules/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-key="capital.max_member_share"' in page
    assert "unverified" in page


def test_the_rules_api_is_public(client):
    response = client.get("/api/v1/rules")
    assert response.status_code == 200
    keys = {row["key"]: row for row in response.json()}
    assert keys["assembly.proxies_per_holder"]["value"] == "3"
    assert keys["capital.max_member_share"]["verified"] is False
