"""What a page carries and how its forms read: the Persian font only on Persian pages, no Bootstrap
script, select boxes that say «همه» or «انتخاب کنید» instead of dashes and a calendar on every date
input."""

import json
import re

import pytest
from django.urls import reverse

from taavon.accounts.models import Role
from taavon.core.forms import JalaliDateField, JalaliDateInput
from taavon.registry.forms import CooperativeFilterForm, CooperativeForm, MemberAddForm
from tests import helpers

pytestmark = pytest.mark.django_db


def test_a_persian_page_loads_the_persian_font_and_an_english_page_does_not(client, settings):
    persian = client.get("/").content.decode()
    assert "vendor/vazirmatn/vazirmatn.css" in persian

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/").content.decode()
    assert 'lang="en"' in english
    assert "vazirmatn" not in english.lower()


def test_the_font_sheet_loads_two_cut_down_weights_and_no_whole_font(client):
    from django.contrib.staticfiles import finders

    sheet = open(finders.find("vendor/vazirmatn/vazirmatn.css"), encoding="utf-8").read()
    sources = re.findall(r'url\("([^"]+)"\)', sheet)
    assert sources == ["fonts/Vazirmatn-Persian-Regular.woff2", "fonts/Vazirmatn-Persian-Bold.woff2"]
    assert sheet.count("unicode-range") == 2
    for source in sources:
        size = len(open(finders.find(f"vendor/vazirmatn/{source}"), "rb").read())
        assert size < 30_000, f"{source} is {size} bytes: not the subset"


def test_no_page_loads_bootstrap_s_script_and_the_calendar_only_where_a_date_is_asked(client):
    home = client.get("/").content.decode()
    assert "bootstrap.bundle" not in home
    assert "jalali-datepicker.js" in home  # only its address, in taavon.js's data attribute
    assert re.search(r'<script[^>]+src="[^"]*jalali-datepicker', home) is None


def test_every_date_input_carries_the_calendar_s_words_in_the_page_s_language(client, settings):
    field = MemberAddForm()["joined_on"]
    words = json.loads(re.search(r"data-jalali-date=\"([^\"]*)\"", str(field)).group(1).replace("&quot;", '"'))
    assert words["digits"] == "fa"
    assert words["months"][11] == "اسفند"
    assert words["weekdays"][0] == "شنبه"
    assert words["open"] == "انتخاب تاریخ از تقویم"

    from django.utils import translation

    with translation.override("en"):
        words = json.loads(re.search(r"data-jalali-date=\"([^\"]*)\"", str(MemberAddForm()["joined_on"])).group(1).replace("&quot;", '"'))
    assert words["digits"] == "en" and words["months"][0] == "Farvardin" and words["weekdays"][6] == "Friday"
    assert words["open"] == "Choose a date from a calendar"


def test_every_date_field_of_every_form_uses_the_calendar_input():
    from taavon.assemblies.convening import forms as convening_forms
    from taavon.registry import forms as registry_forms

    dates = [
        field
        for module in (registry_forms, convening_forms)
        for form_class in vars(module).values()
        for field in getattr(form_class, "base_fields", {}).values()
        if isinstance(field, JalaliDateField)
    ]
    assert len(dates) >= 10
    assert all(isinstance(field.widget, JalaliDateInput) for field in dates)


def test_a_filter_offers_all_and_a_form_asks_to_choose(client):
    filters = CooperativeFilterForm()
    for name in ("province", "activity", "legal_type", "status"):
        assert list(filters.fields[name].choices)[0][1] == "همه", name

    form = CooperativeForm()
    assert list(form.fields["province"].choices)[0][1] == "انتخاب کنید"
    rendered = str(form)
    assert "---------" not in rendered
    member = MemberAddForm()
    assert list(member.fields["gender"].choices)[0][1] == "نامشخص"

    officer = helpers.user(Role.ADMINISTRATOR)
    client.force_login(officer)
    page = client.get(reverse("registry:list")).content.decode()
    assert "---------" not in page
    assert "<option value=\"\" selected>همه</option>" in page
    counties = client.get(reverse("registry:counties"), {"province": str(helpers.province().pk)}).content.decode()
    assert counties.startswith('<option value="">انتخاب کنید</option>')
    assert "---------" not in client.get(reverse("registry:create")).content.decode()


def test_no_template_has_a_comment_django_would_print():
    """Django's {# … #} ends at the line's end: one spread over lines is printed on the page as
    text (it was, on the account, token, cooperative list and ballot pages)."""
    from pathlib import Path

    import taavon

    printed = [
        f"{path.relative_to(Path(taavon.__file__).parent)}:{number}"
        for path in Path(taavon.__file__).parent.rglob("templates/**/*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "{#" in line and "#}" not in line.split("{#", 1)[1]
    ]
    assert printed == []
