"""An officer's member file as a real spreadsheet saves it: its columns are recognised (or asked
about), shares may come as a number of shares, number cells lose leading zeros, files come in
other encodings, and every refused row says why (issue 12)."""

import csv
import io
import os

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from taavon.accounts.models import ApiToken, Role
from taavon.audit.models import AuditEvent
from taavon.core.identifiers import make_national_code
from taavon.registry.imports import services as imports
from taavon.registry.models import ImportBatch, ImportMapping, Membership
from tests import helpers

pytestmark = pytest.mark.django_db

#: Headers as an officer's own spreadsheet has them: no «سهام» in rials, a father's name column.
SPREADSHEET = ["نام پدر", "کدملی", "نام", "نام خانوادگی", "تاریخ عضویت", "تعداد سهام", "مبلغ پرداختی"]
#: A national code with three leading zeros: a number cell shows it as 9494804.
ZEROS = make_national_code("000949480")


def workbook(headers, rows, name="members.xlsx") -> io.BytesIO:
    """A real .xlsx: numbers are written as number cells, text as text cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = name
    return out


def csv_bytes(headers, rows) -> str:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    return text.getvalue()


def named(data: bytes, name: str) -> io.BytesIO:
    out = io.BytesIO(data)
    out.name = name
    return out


@pytest.fixture
def coop():
    return helpers.cooperative(name="تعاونی مرزنشینان", authorised_capital=10_000_000_000)


@pytest.fixture
def officer(coop):
    return helpers.user(Role.OFFICER, cooperative=coop, password=None)


@pytest.fixture
def spreadsheet():
    """Three members; national codes typed into number cells, shares as a number of shares."""
    other = helpers.national_code()
    return workbook(
        SPREADSHEET,
        [
            ["علی", int(ZEROS), "فاطمه", "رضایی", "1402/01/15", 40, 2_000_000],
            ["حسن", int(other), "حمید", "جعفری", "1402/01/15", 10, 1_000_000],
            ["رضا", int(helpers.national_code()), "نسرین", "بهرامی", "1402/02/01", 25, 0],
        ],
    )


def batch_url(coop, batch, what=""):
    if what:
        return reverse(f"registry:member_import_{what}", args=[coop.pk, batch.pk])
    return reverse("registry:member_import_batch", args=[coop.pk, batch.pk])


def upload(client, coop, file):
    file.seek(0)
    return client.post(reverse("registry:member_import", args=[coop.pk]), {"file": file})


def test_a_number_of_shares_column_is_read_not_dropped_and_the_officer_settles_the_rest(en, coop, officer, spreadsheet):
    """The reported file: «تعداد سهام» was ignored, shares were 0, and every row was refused."""
    en.force_login(officer)

    upload(en, coop, spreadsheet)

    batch = ImportBatch.objects.get(cooperative=coop)
    columns = {c["header"]: (c["field"], c["how"]) for c in imports.column_rows(batch)}
    assert columns["تعداد سهام"] == ("share_count", "header")
    assert columns["کدملی"] == ("national_code", "header")
    assert columns["نام پدر"] == ("", "unknown"), "an unknown column is reported, not dropped"
    assert not [e for e in batch.errors if "paid_above_held" in [r["code"] for r in e["reasons"]]]
    page = en.get(batch_url(coop, batch)).content.decode()
    assert "Choose what column A («نام پدر») holds, or choose “Ignore”." in page
    assert "Enter the price of one share: the file gives the number of shares." in page
    assert 'data-testid="confirm-form"' not in page
    with pytest.raises(ValidationError):
        imports.confirm_member_import(batch, officer)

    response = en.post(batch_url(coop, batch, "mapping"), {"column-0": "ignore", "share_price": "۱۰۰٬۰۰۰"}, follow=True)

    page = response.content.decode()
    assert "every row was checked again" in page and 'data-testid="mapping-problems"' not in page
    batch.refresh_from_db()
    assert batch.errors == [] and len(batch.valid_rows) == 3 and batch.share_price == 100_000
    en.post(batch_url(coop, batch, "confirm"))
    fatemeh = Membership.objects.get(cooperative=coop, person__national_code=ZEROS)
    assert (fatemeh.shares_held, fatemeh.shares_paid) == (4_000_000, 2_000_000)
    remembered = ImportMapping.objects.get(cooperative=coop)
    assert remembered.share_price == 100_000 and remembered.columns["نام پدر"] == "ignore"
    event = AuditEvent.objects.get(action="member_import.confirm")
    assert event.after["columns"]["نام پدر"] == "ignore" and event.after["share_price"] == 100_000


def test_the_next_file_of_the_cooperative_uses_the_remembered_mapping(en, coop, officer):
    ImportMapping.objects.create(cooperative=coop, columns={"نام پدر": "ignore", "کد عضو": "membership_number"}, share_price=50_000)
    en.force_login(officer)
    headers = ["ردیف", "نام پدر", "کد ملی", "نام", "نام خانوادگی", "کد عضو", "تاریخ عضویت", "تعداد سهام"]
    code = helpers.national_code()

    upload(en, coop, workbook(headers, [[1, "محمد", code, "امید", "نیکو", "77", "1401/05/05", 3]]))

    batch = ImportBatch.objects.get(cooperative=coop)
    assert imports.mapping_problems(batch) == []
    how = {c["header"]: (c["field"], c["how"]) for c in imports.column_rows(batch)}
    assert how["کد عضو"] == ("membership_number", "remembered") and how["ردیف"] == ("ignore", "header")
    assert batch.valid_rows[0]["shares_held"] == 150_000 and batch.valid_rows[0]["membership_number"] == "77"
    page = en.get(batch_url(coop, batch)).content.decode()
    assert "as chosen last time" in page and 'data-testid="confirm-form"' in page


@pytest.mark.parametrize("header", ["کد ملی", "کدملی", "شماره ملی", "National code"])
@pytest.mark.parametrize("shares", ["مبلغ سهام", "سهام (ریال)", "سهام"])
def test_header_synonyms_of_the_code_and_of_shares_in_rials(coop, officer, header, shares):
    file = workbook([header, "نام", "نام خانوادگی", "تاریخ عضویت", shares], [[helpers.national_code(), "الف", "ب", "1400/01/01", 7_000_000]])

    batch = imports.preview_member_import(coop, file, "m.xlsx", officer)

    assert imports.mapping_problems(batch) == [] and batch.valid_rows[0]["shares_held"] == 7_000_000


def test_columns_with_headers_nobody_knows_are_recognised_by_what_they_hold(coop, officer):
    headers = ["ش.م", "نام", "نام خانوادگی", "همراه", "تولد", "ورود", "سهام"]
    rows = [
        [helpers.national_code(), "سیما", "کاظمی", "09121234567", "1360/01/01", "1400/03/03", 1_000_000],
        [helpers.national_code(), "یاسر", "مرادی", "09351234567", "1371/11/11", "1401/04/04", 1_000_000],
    ]

    batch = imports.preview_member_import(coop, workbook(headers, rows), "m.xlsx", officer)

    found = {c["header"]: (c["field"], c["how"]) for c in imports.column_rows(batch)}
    assert found["ش.م"] == ("national_code", "content")
    assert found["همراه"] == ("mobile", "content")
    assert found["تولد"] == ("birth_date", "content") and found["ورود"] == ("joined_on", "content")
    assert len(batch.valid_rows) == 2 and imports.mapping_problems(batch) == []


def test_a_code_from_a_number_cell_is_padded_but_typed_text_keeps_todays_rule(coop, officer):
    from_number = workbook(["کد ملی", "نام", "نام خانوادگی", "تاریخ عضویت"], [[9494804, "الف", "ب", "1400/01/01"]])
    typed = named(csv_bytes(["کد ملی", "نام", "نام خانوادگی", "تاریخ عضویت"], [["9494804", "الف", "ب", "1400/01/01"]]).encode(), "m.csv")
    assert ZEROS == "0009494804"

    padded = imports.preview_member_import(coop, from_number, "m.xlsx", officer)
    as_typed = imports.preview_member_import(coop, typed, "m.csv", officer)

    assert padded.valid_rows[0]["national_code"] == ZEROS
    assert [r["code"] for r in as_typed.errors[0]["reasons"]] == ["national_code_invalid"]


HEADERS = ["کد ملی", "نام", "نام خانوادگی", "تاریخ عضویت"]


@pytest.mark.parametrize(
    "encode, accepted",
    [
        (lambda text: text.encode("utf-8"), True),
        (lambda text: "\ufeff".encode() + text.encode("utf-8"), True),
        (lambda text: text.encode("utf-16"), False),  # with its byte order mark
        (lambda text: text.encode("utf-16-le"), False),  # without
    ],
    ids=["utf-8", "utf-8 with BOM", "utf-16", "utf-16 without BOM"],
)
def test_csv_encodings_are_read_or_named(en, coop, officer, encode, accepted):
    en.force_login(officer)
    data = encode(csv_bytes(HEADERS, [[helpers.national_code(), "مینا", "صالحی", "1400/01/01"]]))

    response = upload(en, coop, named(data, "members.csv"))

    if accepted:
        assert response.status_code == 302 and len(ImportBatch.objects.get().valid_rows) == 1
    else:
        assert response.status_code == 422
        page = response.content.decode()
        assert "The file is in UTF-16" in page and "CSV UTF-8" in page
        assert "No header row" not in page and "columns are missing" not in page


def test_binary_junk_named_csv_gets_an_encoding_error_in_pages_and_api(en, client, coop, officer):
    junk = bytes(range(256)) * 4 + os.urandom(2048)
    en.force_login(officer)

    page = upload(en, coop, named(junk, "members.csv"))
    _, token = ApiToken.issue(officer, "script")
    api = client.post(
        f"/api/v1/cooperatives/{coop.pk}/member-imports",
        {"file": named(junk, "members.csv")},
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_COOKIE="taavon_language=en",
    )

    assert page.status_code == 422 and "is not a text file" in page.content.decode()
    assert api.status_code == 422 and "is not a text file" in helpers.field_errors(api)["file"][0]
    assert not ImportBatch.objects.exists()


def test_an_xlsx_renamed_csv_is_read_as_the_workbook_it_is(coop, officer):
    file = workbook(HEADERS, [[helpers.national_code(), "الف", "ب", "1400/01/01"]])
    batch = imports.preview_member_import(coop, file, "members.csv", officer)
    assert len(batch.valid_rows) == 1


def refused(coop, officer, row, headers=(*HEADERS, "سهام", "مبلغ پرداختی")):
    batch = imports.preview_member_import(coop, workbook(list(headers), [row]), "m.xlsx", officer)
    return imports.error_rows(batch.errors)[0]


def test_reasons_say_why_in_english(english, coop, officer):
    code = helpers.national_code()
    esfand = refused(coop, officer, [code, "الف", "ب", "1404/12/30", 1_000_000, 0])
    negative = refused(coop, officer, [code, "الف", "ب", "1400/01/01", "-5,000,000", 0])
    no_shares = refused(coop, officer, [code, "الف", "ب", "1400/01/01", 2_000_000], headers=(*HEADERS, "مبلغ پرداختی"))

    assert esfand["reasons"] == ["Membership date 1404/12/30 is not a date: Esfand 1404 has 29 days."]
    assert negative["reasons"] == ["Shares (rials) -5,000,000 is negative: the amount cannot be below zero."]
    assert no_shares["codes"] == ["paid_without_shares"]
    assert "no column gives the shares" in no_shares["reasons"][0]


def test_reasons_say_why_in_persian_with_persian_digits(coop, officer):
    with translation.override("fa"):
        esfand = refused(coop, officer, [helpers.national_code(), "الف", "ب", "۱۴۰۴/۱۲/۳۰", 1_000_000, 0])
        leap = refused(coop, officer, [helpers.national_code(), "الف", "ب", "1403/12/31", 1_000_000, 0])
        negative = refused(coop, officer, [helpers.national_code(), "الف", "ب", "1400/01/01", 1_000_000, -3])

    assert esfand["reasons"] == ["تاریخ عضویت ۱۴۰۴/۱۲/۳۰ تاریخ درستی نیست: اسفند ۱۴۰۴ ۲۹ روز دارد."]
    assert "اسفند ۱۴۰۳ ۳۰ روز دارد" in leap["reasons"][0]
    assert negative["reasons"] == ["مبلغ پرداختی (ریال) -۳ منفی است: مبلغ نمی‌تواند کمتر از صفر باشد."]


def test_shares_in_rials_and_a_number_of_shares_that_disagree_are_refused(coop, officer):
    ImportMapping.objects.create(cooperative=coop, share_price=1_000)
    headers = [*HEADERS, "سهام", "تعداد سهام"]
    file = workbook(headers, [[helpers.national_code(), "الف", "ب", "1400/01/01", 5_000, 5], [helpers.national_code(), "پ", "ت", "1400/01/01", 6_000, 5]])

    batch = imports.preview_member_import(coop, file, "m.xlsx", officer)

    assert len(batch.valid_rows) == 1 and [r["code"] for r in batch.errors[0]["reasons"]] == ["shares_mismatch"]


def test_a_field_cannot_be_chosen_for_two_columns(coop, officer, spreadsheet):
    batch = imports.preview_member_import(coop, spreadsheet, "m.xlsx", officer)
    with pytest.raises(ValidationError) as caught:
        imports.remap_member_import(batch, mapping={0: "first_name"}, share_price=1, user=officer)
    assert "mapping" in caught.value.message_dict


# --------------------------------------------------------------------------- API


def test_the_api_shows_the_columns_takes_the_mapping_and_refuses_an_unsettled_confirm(client, coop, officer, spreadsheet):
    _, token = ApiToken.issue(officer, "script")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_COOKIE": "taavon_language=en"}
    base = f"/api/v1/cooperatives/{coop.pk}/member-imports"
    spreadsheet.seek(0)
    body = client.post(base, {"file": spreadsheet}, **auth).json()
    assert body["ready"] is False and len(body["mapping_problems"]) == 2
    assert {c["header"]: c["field"] for c in body["columns"]}["تعداد سهام"] == "share_count"

    early = client.post(f"{base}/{body['id']}/confirm", **auth)
    assert early.status_code == 422 and helpers.field_errors(early)["mapping"]
    twice = client.put(f"{base}/{body['id']}/columns", {"columns": {"0": "last_name"}}, content_type="application/json", **auth)
    assert twice.status_code == 422 and "one column only" in helpers.field_errors(twice)["mapping"][0]
    unknown = client.put(f"{base}/{body['id']}/columns", {"columns": {"0": "salary"}}, content_type="application/json", **auth)
    assert unknown.status_code == 422 and helpers.field_errors(unknown)["mapping"]

    mapped = client.put(
        f"{base}/{body['id']}/columns", {"columns": {"0": "ignore"}, "share_price": 100_000},
        content_type="application/json", **auth,
    )

    assert mapped.status_code == 200 and mapped.json()["ready"] is True and mapped.json()["valid_count"] == 3
    assert client.post(f"{base}/{body['id']}/confirm", **auth).json()["imported_count"] == 3
    assert Membership.objects.get(person__national_code=ZEROS).shares_held == 4_000_000


def test_a_bracketed_count_is_a_number_of_shares_and_bracketed_rials_are_rials(coop, officer):
    ImportMapping.objects.create(cooperative=coop, share_price=2_000)
    file = workbook([*HEADERS, "سهام (تعداد)"], [[helpers.national_code(), "الف", "ب", "1400/01/01", 3]])
    batch = imports.preview_member_import(coop, file, "m.xlsx", officer)
    assert batch.valid_rows[0]["shares_held"] == 6_000
