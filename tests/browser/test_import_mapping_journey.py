"""An officer imports a spreadsheet whose columns need her word, on a desktop and on a 360 px phone."""

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from taavon.accounts.models import Role
from taavon.core.identifiers import make_national_code
from taavon.core.persian import to_persian_digits
from taavon.registry.models import ImportMapping
from tests import helpers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width, height", [(1280, 900), (360, 740)], ids=["desktop", "phone"])
def test_an_officer_settles_the_columns_then_imports(page: Page, open_page, log_in_as_official, tmp_path, width, height):
    coop = helpers.cooperative(name="تعاونی دامداران دشت")
    officer = helpers.user(Role.OFFICER, cooperative=coop, mobile="09121112299")
    zeros = make_national_code("000949480")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["نام پدر", "کدملی", "نام", "نام خانوادگی", "تاریخ عضویت", "تعداد سهام", "مبلغ پرداختی"])
    sheet.append(["علی", int(zeros), "فاطمه", "رضایی", "1402/01/15", 40, 2_000_000])  # a number cell: 9494804
    sheet.append(["حسن", int(helpers.national_code()), "حمید", "جعفری", "1402/01/15", 10, 1_000_000])
    path = tmp_path / "اعضا.xlsx"
    book.save(path)

    log_in_as_official(page, officer)  # at desktop size: on a phone the menu folds the user's name away
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, f"/cooperatives/{coop.pk}/members/import/")
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_test_id("import-form").locator("button[type=submit]").click()

    mapping = page.get_by_test_id("import-mapping")
    expect(mapping).to_be_visible()
    problems = page.get_by_test_id("mapping-problems")
    expect(problems).to_contain_text("نام پدر")
    expect(problems).to_contain_text("مبلغ اسمی هر سهم")
    expect(page.get_by_test_id("confirm-form")).to_have_count(0)
    unknown = mapping.locator('[data-testid=mapping-column][data-how="unknown"]')
    expect(unknown).to_have_count(1)
    expect(unknown).to_contain_text("شناخته نشد")
    count_select = page.locator("#column-5")
    expect(count_select.locator("option:checked")).to_have_text("تعداد سهام")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scrolling"

    unknown.locator("select").select_option(label="نادیده بگیر")
    page.locator("#share-price").fill("۱۰۰٬۰۰۰")
    page.get_by_test_id("mapping-form").locator("button[type=submit]").click()

    expect(page.get_by_test_id("mapping-problems")).to_have_count(0)
    expect(page.get_by_test_id("valid-count")).to_have_text("۲")
    expect(page.get_by_test_id("import-sample")).to_contain_text(to_persian_digits(zeros))
    expect(page.get_by_test_id("import-sample")).to_contain_text("۴٬۰۰۰٬۰۰۰")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scrolling"
    page.get_by_test_id("confirm-form").locator("button[type=submit]").click()

    expect(page.get_by_test_id("import-result")).to_be_visible()
    assert coop.memberships.get(person__national_code=zeros).shares_held == 4_000_000
    assert ImportMapping.objects.get(cooperative=coop).columns["نام پدر"] == "ignore"
