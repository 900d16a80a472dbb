"""An officer imports the cooperative's member list from a spreadsheet: upload, check the
preview (every refused row with its reason), then confirm or discard."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from taavon.accounts.models import ApiToken, Role
from taavon.audit.models import AuditEvent
from taavon.core.identifiers import make_national_code
from taavon.core.persian import to_persian_digits
from taavon.registry.imports import services as imports
from taavon.registry.models import Cooperative, ImportBatch, Membership, Person
from taavon.rules.models import ParameterValue
from tests import helpers
from tests.registry.test_import_columns import workbook

pytestmark = pytest.mark.django_db

HEADERS = ["کد ملی", "نام", "نام خانوادگی", "تلفن همراه", "جنسیت", "تاریخ تولد", "شماره عضویت", "تاریخ عضویت", "سهام", "مبلغ پرداختی"]


def xlsx(rows, headers=HEADERS) -> io.BytesIO:
    return workbook(headers, rows)


def csv_file(rows, headers=HEADERS, bom=True, name="members.csv") -> io.BytesIO:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    out = io.BytesIO((("\ufeff" if bom else "") + text.getvalue()).encode("utf-8"))
    out.name = name
    return out


def someone(role, **scope):
    """A user in ``role`` who logs in by the test client (no password to hash)."""
    return helpers.user(role, password=None, **scope)


def bad_checksum(code: str) -> str:
    return code[:9] + str((int(code[9]) + 1) % 10)


@pytest.fixture
def coop():
    return helpers.cooperative(name="تعاونی تولیدی نمونه", authorised_capital=1_000_000_000)


@pytest.fixture
def officer(coop):
    return someone(Role.OFFICER, cooperative=coop)


def import_url(coop):
    return reverse("registry:member_import", args=[coop.pk])


def fresh(file):
    """The same file, read again from its start (the test client reads it to the end)."""
    file.seek(0)
    return file


def upload(client, coop, file):
    return client.post(import_url(coop), {"file": fresh(file)})


@pytest.fixture
def story(coop):
    """A file with good rows and one bad row of each kind, and the register around it."""
    existing_member = helpers.member(coop)
    elsewhere = helpers.person(first_name="مریم", last_name="کاظمی")  # member of another cooperative
    helpers.member(helpers.cooperative(), elsewhere)
    good_ascii = helpers.national_code()
    good_persian = helpers.national_code()
    mistyped = bad_checksum(helpers.national_code())
    rows = [
        [good_ascii, "علی", "محمدی", "09121234567", "مرد", "1360/05/12", "101", "1400/01/15", 10_000_000, 5_000_000],
        [
            to_persian_digits(good_persian), "زهرا", "احمدي", "۰۹۱۲۷۶۵۴۳۲۱", "زن", "۱۳۷۰/۰۲/۰۳", "۱۰۲", "۱۴۰۱/۰۷/۰۱",
            "۲۰٬۰۰۰٬۰۰۰", "۲۰٬۰۰۰٬۰۰۰",
        ],
        [mistyped, "رضا", "کریمی", "", "", "", "103", "1400/01/15", 1_000_000, 0],
        [good_ascii, "علی", "محمدی", "", "", "", "104", "1400/01/15", 1_000_000, 0],
        [existing_member.person.national_code, "حسن", "نوری", "", "", "", "105", "1400/01/15", 1_000_000, 0],
        [helpers.national_code(), "سارا", "رحیمی", "", "", "", "106", "1403/13/01", 1_000_000, 0],
        [helpers.national_code(), "نرگس", "صادقی", "", "", "", "107", "1400/01/15", 1_000_000, 2_000_000],
        [elsewhere.national_code, "مریم", "کاظمی", "", "زن", "", "108", "1399/11/20", 3_000_000, 3_000_000],
        [helpers.national_code(), "", "بی‌نام", "", "", "", "109", "1400/01/15", 0, 0],
    ]
    return {
        "file": xlsx(rows),
        "existing_member": existing_member,
        "elsewhere": elsewhere,
        "good": [good_ascii, good_persian, elsewhere.national_code],
        "mistyped": mistyped,
    }


def test_the_preview_lists_every_refused_row_with_its_reason_and_writes_nothing(en, coop, officer, story):
    en.force_login(officer)
    people, memberships = Person.objects.count(), Membership.objects.count()

    response = upload(en, coop, story["file"])

    batch = ImportBatch.objects.get(cooperative=coop)
    assert response.status_code == 302 and response["Location"] == reverse(
        "registry:member_import_batch", args=[coop.pk, batch.pk]
    )
    assert (Person.objects.count(), Membership.objects.count()) == (people, memberships)
    assert batch.state == "preview" and batch.total_rows == 9
    assert sorted(r["national_code"] for r in batch.valid_rows) == sorted(story["good"])
    reasons = {e["row"]: [r["code"] for r in e["reasons"]] for e in batch.errors}
    assert reasons == {
        4: ["national_code_invalid"],
        5: ["duplicate_in_file"],
        6: ["already_member"],
        7: ["date_month_invalid"],
        8: ["paid_above_held"],
        10: ["required"],
    }

    page = en.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="valid-count">3<' in html and 'data-testid="error-count">6<' in html
    for row in reasons:
        assert f'data-row="{row}"' in html
    assert f"National code {story['mistyped']} is not valid (10 digits with a correct check digit)" in html
    assert f'<span class="ltr-value">{story["mistyped"]}</span>' in html  # the code as typed, to find the row
    assert "is repeated: it is already on row 2" in html
    assert "is already in this cooperative&#x27;s member register" in html
    assert "1403/13/01 is not a date: there is no month 13 (months run 1 to 12)" in html
    assert "is more than the shares" in html
    assert "First name is empty" in html
    assert "1 person is already in the national register" in html


def test_confirming_writes_every_valid_row_updates_the_count_and_audits_once(en, coop, officer, story):
    en.force_login(officer)
    upload(en, coop, story["file"])
    batch = ImportBatch.objects.get(cooperative=coop)
    people = Person.objects.count()

    response = en.post(reverse("registry:member_import_confirm", args=[coop.pk, batch.pk]), follow=True)

    assert response.status_code == 200
    assert "3 members from “members.xlsx” are now in the register" in response.content.decode()
    members = Membership.objects.filter(cooperative=coop).select_related("person")
    codes = {m.person.national_code for m in members}
    assert set(story["good"]) <= codes and len(codes) == 4  # the one already there and three new
    assert Person.objects.count() == people + 2  # the member of another cooperative is reused
    zahra = members.get(person__national_code=story["good"][1])
    assert zahra.person.last_name == "احمدی"  # Arabic yeh typed, Persian yeh stored
    assert zahra.person.mobile == "09127654321" and zahra.person.gender == "f"
    assert zahra.person.birth_date == datetime.date(1991, 4, 23)
    assert zahra.joined_on == datetime.date(2022, 9, 23)
    assert (zahra.shares_held, zahra.shares_paid, zahra.membership_number) == (20_000_000, 20_000_000, "102")
    kept = members.get(person__national_code=story["elsewhere"].national_code).person
    assert kept.first_name == "مریم" and kept.pk == story["elsewhere"].pk
    coop.refresh_from_db()
    assert coop.member_count == 4
    batch.refresh_from_db()
    assert batch.state == "confirmed" and batch.imported_count == 3
    event = AuditEvent.objects.get(action="member_import.confirm")
    assert event.cooperative_id == coop.pk and event.actor == officer
    assert event.after["imported"] == 3 and event.after["people_created"] == 2 and event.after["skipped"] == 0


def test_confirmation_checks_again_and_skips_someone_added_meanwhile(en, coop, officer, story):
    en.force_login(officer)
    upload(en, coop, story["file"])
    batch = ImportBatch.objects.get(cooperative=coop)
    added_meanwhile = helpers.person(national_code=story["good"][0])
    helpers.member(coop, added_meanwhile)

    response = en.post(reverse("registry:member_import_confirm", args=[coop.pk, batch.pk]), follow=True)

    batch.refresh_from_db()
    assert batch.imported_count == 2
    skipped = [e for e in batch.errors if e.get("at_confirm")]
    assert [e["national_code"] for e in skipped] == [story["good"][0]]
    assert "1 row was left out because the register changed after the preview" in response.content.decode()
    assert Membership.objects.filter(cooperative=coop).count() == 4
    coop.refresh_from_db()
    assert coop.member_count == 4


def test_a_write_that_slips_past_the_checks_leaves_nothing_half_written(coop, officer, story, monkeypatch):
    batch = imports.preview_member_import(coop, fresh(story["file"]), "members.xlsx", officer)
    helpers.member(coop, helpers.person(national_code=story["good"][0]))
    people, memberships = Person.objects.count(), Membership.objects.count()
    monkeypatch.setattr(imports, "_register_checks", lambda cooperative, rows: {})  # the race: checks saw nothing

    with pytest.raises(ValidationError, match="nothing was imported"):
        imports.confirm_member_import(batch, officer)

    assert (Person.objects.count(), Membership.objects.count()) == (people, memberships)
    batch.refresh_from_db()
    assert batch.state == "preview" and not AuditEvent.objects.filter(action="member_import.confirm").exists()


def test_a_batch_is_confirmed_once_only(en, coop, officer, story):
    en.force_login(officer)
    upload(en, coop, story["file"])
    batch = ImportBatch.objects.get(cooperative=coop)
    url = reverse("registry:member_import_confirm", args=[coop.pk, batch.pk])
    en.post(url)
    count = Membership.objects.count()

    response = en.post(url, follow=True)

    assert "This import was already confirmed or discarded." in response.content.decode()
    assert Membership.objects.count() == count


def test_discarding_writes_nothing_and_is_audited(en, coop, officer, story):
    en.force_login(officer)
    upload(en, coop, story["file"])
    batch = ImportBatch.objects.get(cooperative=coop)
    memberships = Membership.objects.count()

    response = en.post(reverse("registry:member_import_discard", args=[coop.pk, batch.pk]), follow=True)

    assert response.redirect_chain[-1][0] == import_url(coop)
    assert "nothing was written to the register" in response.content.decode()
    batch.refresh_from_db()
    assert batch.state == "discarded" and batch.valid_rows == []
    assert Membership.objects.count() == memberships
    assert AuditEvent.objects.filter(action="member_import.discard", cooperative_id=coop.pk).exists()
    confirm = en.post(reverse("registry:member_import_confirm", args=[coop.pk, batch.pk]))
    assert confirm.status_code == 302 and Membership.objects.count() == memberships


def test_a_csv_with_bom_persian_digits_and_english_headers_imports(en, coop, officer):
    en.force_login(officer)
    code = helpers.national_code()
    headers = ["National code", "First name", "Last name", "Mobile", "Gender", "Birth date", "Membership date", "Shares"]
    rows = [[to_persian_digits(code), "مهدی", "رستمی", to_persian_digits("9351112233"), "male", "۱۳۶۵/۰۱/۰۱", "۱۴۰۲/۰۳/۰۴", "۵۰۰۰۰۰۰"]]

    upload(en, coop, csv_file(rows, headers=headers, bom=True))
    batch = ImportBatch.objects.get(cooperative=coop)
    assert batch.errors == []
    imports.confirm_member_import(batch, officer)

    member = Membership.objects.get(cooperative=coop, person__national_code=code)
    assert member.person.mobile == "09351112233" and member.person.gender == "m"
    assert member.joined_on == datetime.date(2023, 5, 25) and member.shares_held == 5_000_000
    assert member.shares_paid == 0


def test_a_csv_without_bom_and_leading_zeros_dropped_by_excel_imports(en, coop, officer):
    en.force_login(officer)
    code = make_national_code("004567891")
    rows = [[code.lstrip("0"), "لیلا", "مرادی", "", "", "", "", "1402/03/04", "", ""]]

    upload(en, coop, csv_file(rows, bom=False))

    batch = ImportBatch.objects.get(cooperative=coop)
    assert batch.errors == [] and batch.valid_rows[0]["national_code"] == code


def test_the_legal_limits_are_checked_per_row_and_for_the_batch(en, officer, coop):
    en.force_login(officer)
    ParameterValue.objects.create(
        key="members.limits_by_type", value={"employment": [7, 3]}, effective_from=datetime.date(2020, 1, 1)
    )
    helpers.member(coop)
    rows = [
        [helpers.national_code(), "الف", "یکم", "", "", "", "", "1400/01/01", 300_000_000, 0],  # above 20% of 1e9
        [helpers.national_code(), "ب", "دوم", "", "", "", "", "1400/01/01", 200_000_000, 0],
        [helpers.national_code(), "پ", "سوم", "", "", "", "", "1400/01/01", 1_000, 0],
        [helpers.national_code(), "ت", "چهارم", "", "", "", "", "1400/01/01", 1_000, 0],  # a fourth member
    ]

    upload(en, coop, xlsx(rows))

    batch = ImportBatch.objects.get(cooperative=coop)
    reasons = {e["row"]: [r["code"] for r in e["reasons"]] for e in batch.errors}
    assert reasons == {2: ["share_above_maximum"], 5: ["members_above_maximum"]}
    html = en.get(reverse("registry:member_import_batch", args=[coop.pk, batch.pk])).content.decode()
    assert "Largest share of capital one member may hold" in html and "200,000,000" in html
    assert "Minimum and maximum members by cooperative type" in html


@pytest.mark.parametrize(
    "file, message",
    [
        (io.BytesIO(b"this is not a spreadsheet"), "Upload an Excel workbook (.xlsx) or a CSV file."),
        (csv_file([["1", "2"]], headers=["نام", "نام خانوادگی"]), "No header row"),
        (csv_file([], headers=["کد ملی", "نام"]), "Required columns are missing: نام خانوادگی، تاریخ عضویت."),
        (csv_file([]), "The file has a header row but no members."),
        (io.BytesIO(b"PK\x03\x04broken"), "could not be read as an Excel workbook"),
    ],
)
def test_an_unusable_file_is_refused_whole(en, coop, officer, file, message):
    en.force_login(officer)
    if not hasattr(file, "name"):
        file.name = "members.pdf" if file.getvalue().startswith(b"this") else "members.xlsx"

    response = upload(en, coop, file)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_upload_form_works_with_htmx_and_shows_a_progress_indicator(en, coop, officer, story):
    en.force_login(officer)
    page = en.get(import_url(coop)).content.decode()
    assert 'hx-encoding="multipart/form-data"' in page and 'hx-indicator="#progress, #upload-busy"' in page

    response = en.post(import_url(coop), {"file": fresh(story["file"])}, HTTP_HX_REQUEST="true")

    batch = ImportBatch.objects.get(cooperative=coop)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("registry:member_import_batch", args=[coop.pk, batch.pk])
    bad = en.post(import_url(coop), {"file": csv_file([])}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and b"<html" not in bad.content and b"no members" in bad.content


def test_thousands_of_refused_rows_are_paginated(en, coop, officer):
    en.force_login(officer)
    rows = [[bad_checksum(helpers.national_code()), "نام", "خانوادگی", "", "", "", "", "1400/01/01", 0, 0] for _ in range(120)]
    upload(en, coop, xlsx(rows))
    batch = ImportBatch.objects.get(cooperative=coop)
    assert len(batch.errors) == 120
    url = reverse("registry:member_import_batch", args=[coop.pk, batch.pk])

    first = en.get(url).content.decode()
    third = en.get(url + "?page=3", HTTP_HX_REQUEST="true").content.decode()

    assert first.count("data-row=") == 50 and "Page 1 of" in first
    assert "<html" not in third and 'id="import-errors"' in third


def test_a_long_file_is_written_in_bulk(coop, officer, django_assert_max_num_queries):
    rows = [
        [helpers.national_code(), "عضو", f"شماره {i}", "", "", "", str(i), "1400/01/01", 1_000_000, 1_000_000]
        for i in range(3000)
    ]
    file = xlsx(rows)
    with django_assert_max_num_queries(40):
        batch = imports.preview_member_import(coop, file, "members.xlsx", officer)
    assert len(batch.valid_rows) == 3000
    # Inserts go in chunks (SQLite caps the values per statement at 999): about one query per
    # hundred rows, never one per row.
    with django_assert_max_num_queries(100):
        imports.confirm_member_import(batch, officer)
    coop.refresh_from_db()
    assert coop.member_count == 3000


def test_the_template_file_has_the_persian_headers_right_to_left(client, coop, officer):
    client.force_login(officer)
    response = client.get(reverse("registry:member_import_template", args=[coop.pk]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet.sheet_view.rightToLeft
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet["A1"].font.b


# --------------------------------------------------------------------------- who may import


def test_only_the_cooperatives_officers_and_administrators_may_import(client, coop, story):
    url = import_url(coop)
    assert client.get(url).status_code == 302 and "login" in client.get(url)["Location"]
    home = coop.province
    refused = {
        "supervisor elsewhere": (someone(Role.SUPERVISOR, province=helpers.other_province(home)), 403),
        "supervisor of the province": (someone(Role.SUPERVISOR, province=home), 403),
        "member": (someone(Role.MEMBER), 403),
        "analyst": (someone(Role.ANALYST), 403),
        "officer of another cooperative": (someone(Role.OFFICER, cooperative=helpers.cooperative()), 404),
    }
    for label, (user, status) in refused.items():
        client.force_login(user)
        assert client.get(url).status_code == status, label
        assert client.post(url, {"file": fresh(story["file"])}).status_code == status, label
    assert not ImportBatch.objects.exists()
    client.force_login(someone(Role.ADMINISTRATOR))
    assert client.post(url, {"file": fresh(story["file"])}).status_code == 302


def test_a_batch_is_reachable_only_through_its_own_cooperative(client, coop, officer, story):
    client.force_login(officer)
    upload(client, coop, story["file"])
    batch = ImportBatch.objects.get()
    other = helpers.cooperative()
    client.force_login(someone(Role.OFFICER, cooperative=other))
    assert client.get(reverse("registry:member_import_batch", args=[coop.pk, batch.pk])).status_code == 404
    assert client.get(reverse("registry:member_import_batch", args=[other.pk, batch.pk])).status_code == 404
    assert client.post(reverse("registry:member_import_confirm", args=[other.pk, batch.pk])).status_code == 404
    batch.refresh_from_db()
    assert batch.state == "preview"


# --------------------------------------------------------------------------- API


def bearer(user):
    _, token = ApiToken.issue(user, "import script")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_api_previews_and_confirms_an_import(client, coop, officer, story):
    auth = bearer(officer)
    response = client.post(f"/api/v1/cooperatives/{coop.pk}/member-imports", {"file": fresh(story["file"])}, **auth)

    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "preview" and body["valid_count"] == 3 and body["error_count"] == 6
    assert {e["row"]: e["codes"] for e in body["errors"]}[5] == ["duplicate_in_file"]
    assert all(e["reasons"] for e in body["errors"])
    assert Membership.objects.filter(cooperative=coop).count() == 1

    confirmed = client.post(f"/api/v1/cooperatives/{coop.pk}/member-imports/{body['id']}/confirm", **auth)

    assert confirmed.status_code == 200 and confirmed.json()["imported_count"] == 3
    assert Cooperative.objects.get(pk=coop.pk).member_count == 4
    again = client.post(f"/api/v1/cooperatives/{coop.pk}/member-imports/{body['id']}/confirm", **auth)
    assert again.status_code == 409  # already confirmed: the import's state refuses


def test_the_api_refuses_outsiders_and_explains_bad_files(client, coop, officer, story):
    url = f"/api/v1/cooperatives/{coop.pk}/member-imports"
    assert client.post(url, {"file": fresh(story["file"])}).status_code == 401
    outsider = someone(Role.OFFICER, cooperative=helpers.cooperative())
    assert client.post(url, {"file": fresh(story["file"])}, **bearer(outsider)).status_code == 404
    assert client.post(url, {"file": fresh(story["file"])}, **bearer(someone(Role.MEMBER))).status_code == 403
    auth = bearer(officer)
    missing = client.post(url, **auth)
    assert missing.status_code == 422 and "file" in helpers.field_errors(missing)
    bad = client.post(url, {"file": csv_file([])}, **auth)
    assert bad.status_code == 422 and helpers.field_errors(bad)["file"]
    assert not ImportBatch.objects.exists()
