"""Officers, supervisors and analysts download a cooperative's member list as Excel or CSV."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from taavon.accounts.models import ApiToken, Role
from taavon.registry.imports import services as imports
from taavon.registry.models import ImportBatch, Membership
from tests import helpers

pytestmark = pytest.mark.django_db


def someone(role, **scope):
    return helpers.user(role, password=None, **scope)


@pytest.fixture
def coop():
    coop = helpers.cooperative(name="تعاونی مصرف کارکنان")
    helpers.member(
        coop,
        helpers.person(first_name="زهرا", last_name="احمدی", mobile="09121112233", gender="f", birth_date=datetime.date(1991, 4, 23)),
        joined_on=datetime.date(2022, 9, 23),  # 1401/07/01
        membership_number="17",
        shares_held=20_000_000,
        shares_paid=15_000_000,
    )
    helpers.member(coop, helpers.person(first_name="علی", last_name="بهرامی"), status="left", left_on=datetime.date(2024, 3, 19))
    return coop


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_workbook_is_right_to_left_with_persian_headers_and_jalali_dates(client, coop):
    client.force_login(someone(Role.OFFICER, cooperative=coop))

    response = client.get(reverse("registry:member_export_xlsx", args=[coop.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert f"members-{coop.national_id}-" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(streamed(response))).worksheets[0]
    assert sheet.sheet_view.rightToLeft is True
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["کد ملی", "نام", "نام خانوادگی"] and "تاریخ عضویت" in header and "وضعیت" in header
    assert all(c.font.b for c in sheet[1])
    assert sheet.column_dimensions["C"].width >= 15
    rows = {r[2]: dict(zip(header, r, strict=False)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"احمدی", "بهرامی"}
    zahra = rows["احمدی"]
    assert zahra["تاریخ عضویت"] == "1401/07/01" and zahra["تاریخ تولد"] == "1370/02/03"
    assert zahra["سهام"] == 20_000_000 and zahra["مبلغ پرداختی"] == 15_000_000
    assert zahra["جنسیت"] == "زن" and zahra["تلفن همراه"] == "09121112233" and zahra["شماره عضویت"] == "17"
    assert rows["بهرامی"]["وضعیت"] == "خارج شده" and rows["بهرامی"]["تاریخ خروج"] == "1402/12/29"


def test_the_csv_starts_with_a_bom_so_excel_reads_persian(client, coop):
    client.force_login(someone(Role.OFFICER, cooperative=coop))

    response = client.get(reverse("registry:member_export_csv", args=[coop.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    body = streamed(response)
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("کد ملی,نام,نام خانوادگی,تلفن همراه,جنسیت,تاریخ تولد,شماره عضویت,تاریخ عضویت,سهام,مبلغ پرداختی")
    assert any("احمدی" in line and "1401/07/01" in line and "20000000" in line for line in lines[1:])
    assert len(lines) == 3


def test_an_exported_list_can_be_imported_into_another_cooperative(client, coop):
    target = helpers.cooperative()
    officer = someone(Role.OFFICER, cooperative=target)
    client.force_login(someone(Role.ADMINISTRATOR))
    exported = io.BytesIO(streamed(client.get(reverse("registry:member_export_csv", args=[coop.pk]))))
    exported.name = "export.csv"

    batch = imports.preview_member_import(target, exported, "export.csv", officer)
    imports.confirm_member_import(batch, officer)

    assert batch.errors == []
    copied = Membership.objects.get(cooperative=target, person__last_name="احمدی")
    assert copied.joined_on == datetime.date(2022, 9, 23) and copied.shares_paid == 15_000_000
    assert ImportBatch.objects.get(pk=batch.pk).imported_count == 2


def test_who_may_download_the_member_list(client, coop):
    urls = [reverse("registry:member_export_xlsx", args=[coop.pk]), reverse("registry:member_export_csv", args=[coop.pk])]
    home = coop.province
    expected = [
        (None, 302),
        (someone(Role.OFFICER, cooperative=coop), 200),
        (someone(Role.SUPERVISOR, province=home), 200),
        (someone(Role.ANALYST), 200),
        (someone(Role.ADMINISTRATOR), 200),
        (someone(Role.SUPERVISOR, province=helpers.other_province(home)), 404),
        (someone(Role.OFFICER, cooperative=helpers.cooperative()), 404),
        (someone(Role.MEMBER), 403),
        (someone(Role.BANK_OFFICER, bank_code="022"), 403),
    ]
    for user, status in expected:
        client.logout()
        if user is not None:
            client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == status, (user and user.roles(), url)
            if status == 302:
                assert "login" in response["Location"]
        assert client.post(urls[0]).status_code in {302, 405}


def test_the_api_exports_with_a_token(client, coop):
    _, token = ApiToken.issue(someone(Role.SUPERVISOR, province=coop.province), "reports")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    xlsx = client.get(f"/api/v1/cooperatives/{coop.pk}/members.xlsx", **auth)
    csv = client.get(f"/api/v1/cooperatives/{coop.pk}/members.csv", **auth)

    assert xlsx.status_code == 200 and openpyxl.load_workbook(io.BytesIO(streamed(xlsx))).worksheets[0].sheet_view.rightToLeft
    assert csv.status_code == 200 and streamed(csv).startswith(b"\xef\xbb\xbf")
    assert client.get(f"/api/v1/cooperatives/{coop.pk}/members.csv").status_code == 401
    _, outsider = ApiToken.issue(someone(Role.OFFICER, cooperative=helpers.cooperative()), "x")
    assert client.get(f"/api/v1/cooperatives/{coop.pk}/members.csv", HTTP_AUTHORIZATION=f"Bearer {outsider}").status_code == 404


ATTACKS = {"first_name": '=HYPERLINK("http://attacker.example","x")', "last_name": "+cmd|' /C calc'!A0"}


def test_a_name_that_looks_like_a_formula_is_text_in_the_workbook_and_in_the_csv(client, coop):
    """A spreadsheet must not run what a member typed as a name; the register keeps it as typed."""
    helpers.member(coop, helpers.person(**ATTACKS), membership_number="@SUM(1+1)")
    client.force_login(someone(Role.OFFICER, cooperative=coop))

    workbook = openpyxl.load_workbook(
        io.BytesIO(streamed(client.get(reverse("registry:member_export_xlsx", args=[coop.pk]))))
    )
    cells = {c.value: c for row in workbook.worksheets[0].iter_rows(min_row=2) for c in row}
    for typed in (*ATTACKS.values(), "@SUM(1+1)"):
        assert cells[typed].data_type == "s"  # stored and shown as typed, never a formula

    csv_text = streamed(client.get(reverse("registry:member_export_csv", args=[coop.pk]))).decode("utf-8-sig")
    assert "'=HYPERLINK(" in csv_text and "'+cmd|" in csv_text and "'@SUM(1+1)" in csv_text
    assert ",=HYPERLINK" not in csv_text and ",+cmd" not in csv_text
    assert Membership.objects.get(membership_number="@SUM(1+1)").person.first_name == ATTACKS["first_name"]
