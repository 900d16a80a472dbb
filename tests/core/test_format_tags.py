"""Template filters and the Jalali form field follow the visitor's language.

These tests need Django settings (pytest-django sets them up from ``pyproject.toml``).
"""

import datetime
from decimal import Decimal

import jdatetime
import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from taavon.core.forms import JalaliDateField
from taavon.core.templatetags.taavon_format import fadigits, jdate, jdatetime_filter, money

SHAHRIVAR_14 = datetime.date(2025, 9, 5)


@pytest.fixture
def persian():
    with translation.override("fa"):
        yield




def render(source, **context):
    return Template(source).render(Context(context))


# ------------------------------------------------------------------------ dates


def test_a_persian_page_shows_jalali_dates_in_persian_digits(persian):
    assert jdate(SHAHRIVAR_14) == "۱۴۰۴/۰۶/۱۴"
    assert jdate(SHAHRIVAR_14, "long") == "۱۴ شهریور ۱۴۰۴"
    assert jdatetime_filter(datetime.datetime(2025, 9, 5, 14, 30)) == "۱۴۰۴/۰۶/۱۴ ۱۴:۳۰"


def test_an_english_page_shows_jalali_dates_in_ascii_digits(english):
    assert jdate(SHAHRIVAR_14) == "1404/06/14"
    assert jdate(SHAHRIVAR_14, "long") == "14 Shahrivar 1404"
    assert jdatetime_filter(datetime.datetime(2025, 9, 5, 14, 30)) == "1404/06/14 14:30"


def test_aware_datetimes_are_shown_on_tehran_time(english, settings):
    settings.TIME_ZONE = "Asia/Tehran"
    late_evening_utc = datetime.datetime(2025, 9, 5, 20, 45, tzinfo=datetime.UTC)
    assert jdatetime_filter(late_evening_utc) == "1404/06/15 00:15"
    assert jdate(late_evening_utc) == "1404/06/15"


def test_date_filters_accept_jalali_objects_and_date_strings(english):
    assert jdate(jdatetime.date(1404, 6, 14)) == "1404/06/14"
    assert jdate("2025-09-05") == "1404/06/14"
    assert jdate("۱۴۰۴/۶/۱۴") == "1404/06/14"


@pytest.mark.parametrize("nothing", [None, "", "not a date", 42, datetime.date(1, 1, 1)])
def test_date_filters_shrug_at_nothing_and_nonsense(persian, nothing):
    assert jdate(nothing) == ""
    assert jdatetime_filter(nothing) == ""


# ------------------------------------------------------------------------ digits


def test_fadigits_follows_the_language():
    with translation.override("fa"):
        assert fadigits("تعاونی شماره 12") == "تعاونی شماره ۱۲"
        assert fadigits(2025) == "۲۰۲۵"
    with translation.override("en"):
        assert fadigits("Cooperative 12") == "Cooperative 12"
        assert fadigits(2025) == "2025"
    assert fadigits(None) == ""


def test_fadigits_keeps_safe_html_safe(persian):
    rendered = render("{{ value|fadigits }}", value=mark_safe("<b>12</b>"))
    assert rendered == "<b>۱۲</b>"
    assert render("{{ value|fadigits }}", value="<b>12</b>") == "&lt;b&gt;۱۲&lt;/b&gt;"


# ------------------------------------------------------------------------- money


def test_money_in_persian_uses_persian_digits_and_separator(persian):
    assert money(12500000) == "۱۲٬۵۰۰٬۰۰۰"
    assert money(Decimal("1500.00")) == "۱٬۵۰۰"
    assert money(Decimal("1234.5")) == "۱٬۲۳۴٫۵"
    assert money(-2500) == "-۲٬۵۰۰"
    assert money(0) == "۰"


def test_money_in_english_uses_commas(english):
    assert money(12500000) == "12,500,000"
    assert money(Decimal("1234.50")) == "1,234.50"
    assert money(999) == "999"
    assert money(1234.5) == "1,234.5"


def test_money_reads_numbers_written_as_text(english):
    assert money("۱۲٬۵۰۰") == "12,500"
    assert money("1,000,000") == "1,000,000"
    assert money(" 2500 ") == "2,500"


def test_money_leaves_non_numbers_alone(english):
    assert money(None) == ""
    assert money("") == ""
    assert money("free") == "free"
    assert money("1e999999") == "1e999999"
    assert money(Decimal("NaN")) == "NaN"


def test_filters_are_available_in_every_template(persian):
    rendered = render(
        "{{ d|jdate }} · {{ d|jdate:'long' }} · {{ n|money }} · {{ t|fadigits }}", d=SHAHRIVAR_14, n=1000, t="7"
    )
    assert rendered == "۱۴۰۴/۰۶/۱۴ · ۱۴ شهریور ۱۴۰۴ · ۱٬۰۰۰ · ۷"


def test_filters_work_with_load_too(english):
    assert render("{% load taavon_format %}{{ d|jdate }}", d=SHAHRIVAR_14) == "1404/06/14"


def test_filter_output_is_text():
    assert isinstance(money(5), str) and not isinstance(money(5), SafeString)


# ---------------------------------------------------------------- JalaliDateField


class MeetingForm(forms.Form):
    held_on = JalaliDateField()
    next_meeting = JalaliDateField(required=False)


@pytest.mark.parametrize("typed", ["۱۴۰۴/۰۶/۱۴", "1404-6-14", "2025-09-05"])
def test_the_form_reads_jalali_and_returns_a_gregorian_date(typed):
    form = MeetingForm(data={"held_on": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"held_on": SHAHRIVAR_14, "next_meeting": None}


def test_an_impossible_date_gets_a_translatable_error(english):
    form = MeetingForm(data={"held_on": "1404/12/30"})
    assert not form.is_valid()
    assert form.errors["held_on"] == ["Enter a valid Jalali date, e.g. 1404/06/14."]
    assert form.errors.as_data()["held_on"][0].code == "invalid"


def test_a_missing_required_date_is_reported_as_required(english):
    for blank in ["", "   "]:
        form = MeetingForm(data={"held_on": blank})
        assert not form.is_valid()
        assert form.errors.as_data()["held_on"][0].code == "required"


def test_the_initial_date_is_shown_in_jalali_in_the_visitors_digits():
    form = MeetingForm(initial={"held_on": SHAHRIVAR_14})
    with translation.override("fa"):
        assert form["held_on"].value() == "۱۴۰۴/۰۶/۱۴"
        assert 'value="۱۴۰۴/۰۶/۱۴"' in str(form["held_on"])
    with translation.override("en"):
        assert form["held_on"].value() == "1404/06/14"


def test_what_the_user_typed_is_shown_back_unchanged(persian):
    form = MeetingForm(data={"held_on": "1404/13/01"})
    assert 'value="1404/13/01"' in str(form["held_on"])


def test_an_unchanged_initial_date_is_not_a_change(persian):
    form = MeetingForm(initial={"held_on": SHAHRIVAR_14}, data={"held_on": "۱۴۰۴/۰۶/۱۴"})
    assert not form.has_changed()
    form = MeetingForm(initial={"held_on": SHAHRIVAR_14}, data={"held_on": "۱۴۰۴/۰۶/۱۵"})
    assert form.changed_data == ["held_on"]
