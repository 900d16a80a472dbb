"""The Jalali calendar: showing dates to people and reading the dates they type."""

import datetime

import jdatetime
import pytest
from hypothesis import given
from hypothesis import strategies as st

from taavon.core.jalali import days_in_jalali_month, format_jalali, parse_jalali, to_jalali
from taavon.core.persian import to_persian_digits

# 1404/06/14 (14 Shahrivar 1404) is Friday 5 September 2025.
SHAHRIVAR_14 = datetime.date(2025, 9, 5)

# Every Gregorian date whose Jalali year has four digits (1000/01/01 – 1700/12/29).
four_digit_jalali_dates = st.dates(min_value=datetime.date(1621, 3, 21), max_value=datetime.date(2322, 3, 20))


def test_converting_to_jalali():
    assert to_jalali(SHAHRIVAR_14) == jdatetime.date(1404, 6, 14)
    moment = to_jalali(datetime.datetime(2025, 9, 5, 14, 30))
    assert (moment.year, moment.month, moment.day, moment.hour, moment.minute) == (1404, 6, 14, 14, 30)
    assert to_jalali(None) is None
    with pytest.raises(TypeError):
        to_jalali("1404/06/14")


def test_a_date_is_shown_in_persian_by_default():
    assert format_jalali(SHAHRIVAR_14) == "۱۴۰۴/۰۶/۱۴"
    assert format_jalali(SHAHRIVAR_14, month_names=True) == "۱۴ شهریور ۱۴۰۴"


def test_english_pages_still_use_the_jalali_calendar():
    assert format_jalali(SHAHRIVAR_14, persian_digits=False) == "1404/06/14"
    assert format_jalali(SHAHRIVAR_14, persian_digits=False, month_names=True) == "14 Shahrivar 1404"


def test_time_is_added_only_when_asked_and_only_for_datetimes():
    moment = datetime.datetime(2025, 9, 5, 9, 5, 59)
    assert format_jalali(moment) == "۱۴۰۴/۰۶/۱۴"
    assert format_jalali(moment, with_time=True) == "۱۴۰۴/۰۶/۱۴ ۰۹:۰۵"
    assert format_jalali(moment, with_time=True, persian_digits=False) == "1404/06/14 09:05"
    assert format_jalali(SHAHRIVAR_14, with_time=True) == "۱۴۰۴/۰۶/۱۴"
    assert format_jalali(None) == ""


@pytest.mark.parametrize(
    "typed", ["۱۴۰۴/۰۶/۱۴", "1404-6-14", "1404/06/14", "1404.6.14", " ۱۴۰۴ / ۶ / ۱۴ ", "١٤٠٤/٠٦/١٤"]
)
def test_a_clerk_types_a_jalali_date(typed):
    assert parse_jalali(typed) == SHAHRIVAR_14


def test_an_iso_gregorian_date_is_still_understood():
    assert parse_jalali("2025-09-05") == SHAHRIVAR_14
    assert parse_jalali("2025/9/5") == SHAHRIVAR_14


def test_dates_pass_through():
    assert parse_jalali(SHAHRIVAR_14) == SHAHRIVAR_14
    assert parse_jalali(datetime.datetime(2025, 9, 5, 23, 59)) == SHAHRIVAR_14
    assert parse_jalali(jdatetime.date(1404, 6, 14)) == SHAHRIVAR_14


def test_esfand_has_thirty_days_only_in_leap_years():
    assert days_in_jalali_month(1403, 12) == 30
    assert days_in_jalali_month(1404, 12) == 29
    assert parse_jalali("1403/12/30") == datetime.date(2025, 3, 20)
    assert parse_jalali("1404/01/01") == datetime.date(2025, 3, 21)
    with pytest.raises(ValueError, match="Esfand 1404 has days 1 to 29"):
        parse_jalali("1404/12/30")


@pytest.mark.parametrize(
    ("typed", "complaint"),
    [
        ("1404/13/01", "month must be between 1 and 12"),
        ("1404/00/10", "month must be between 1 and 12"),
        ("1404/12/31", "has days 1 to 29"),
        ("1404/07/31", "Mehr 1404 has days 1 to 30"),
        ("1404/06/00", "has days 1 to 31"),
        ("1404/06-14", "not a date written as year/month/day"),
        ("14/06/1404", "not a date written as year/month/day"),
        ("", "not a date written as year/month/day"),
        ("فردا", "not a date written as year/month/day"),
        ("2025-02-29", "not a valid Gregorian date"),
    ],
)
def test_impossible_dates_are_refused_with_a_clear_message(typed, complaint):
    with pytest.raises(ValueError, match=complaint):
        parse_jalali(typed)


@given(four_digit_jalali_dates, st.booleans())
def test_whatever_we_show_we_can_read_back(day, persian):
    assert parse_jalali(format_jalali(day, persian_digits=persian)) == day


@given(four_digit_jalali_dates)
def test_persian_and_ascii_formats_differ_only_in_digits(day):
    assert format_jalali(day) == to_persian_digits(format_jalali(day, persian_digits=False))
