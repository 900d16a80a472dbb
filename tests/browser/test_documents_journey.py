"""Members read what they decide on, in a real browser, on a desktop and on a 360 px phone.

The officer adds the financial statements to the agenda through the upload form (htmx, with its
progress bar); a program renamed .pdf is refused in place with a Persian message. A member opens
the assembly's page, downloads the statements from the item's link, and while voting on the board
election reads each candidate's profile on the ballot. No page is wider than the phone's screen,
the 64-letter SHA-256 of the document included.
"""

import struct
import zlib

import pytest
from django.core.files import File
from django.utils import timezone
from playwright.sync_api import Page, expect

from taavon.accounts.models import Role
from taavon.assemblies.models import AgendaDocument
from taavon.assemblies.voting import profiles
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def png(width=8, height=8) -> bytes:
    """A small, valid, grey PNG (the browser draws it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def no_wider_than_the_screen(page: Page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_member_downloads_an_items_document_and_reads_the_candidates_on_the_ballot(
    page: Page, open_page, log_in_as_official, log_in_as_member, new_context, tmp_path
):
    coop = helpers.cooperative(name="تعاونی مصرف کارکنان آموزش و پرورش")
    officer = helpers.user(Role.OFFICER, cooperative=coop, mobile="09121112244")
    assembly = factory.assembly(coop, members=4)
    statements = factory.motion(assembly, description="صورت‌های مالی حسابرسی‌شده سال ۱۴۰۳ پیوست است.")
    board = factory.election(assembly, seats=2, alternates=0)

    # 1. The officer adds the statements; a renamed program is refused where it was sent.
    log_in_as_official(page, officer)
    open_page(page, f"/assemblies/{assembly.pk}/")
    item = page.locator(f"#item-{statements.pk}")
    item.get_by_test_id("add-document").click()
    form = item.get_by_test_id("document-form")
    form.locator("input[name=title]").fill("صورت‌های مالی ۱۴۰۳")
    form.locator("select[name=kind]").select_option("financial_statements")
    form.locator("input[name=file]").set_input_files(
        files=[{"name": "statements.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00" + b"\x00" * 300}]
    )
    form.get_by_test_id("document-upload").click()
    expect(item.get_by_test_id("field-error")).to_contain_text("این فایل از نوع PDF، PNG یا JPEG نیست")

    form = item.get_by_test_id("document-form")
    form.locator("input[name=title]").fill("صورت‌های مالی ۱۴۰۳")
    form.locator("select[name=kind]").select_option("financial_statements")
    form.locator("input[name=file]").set_input_files(
        files=[{"name": "statements.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    form.get_by_test_id("document-upload").click()
    expect(page.locator(f"#item-{statements.pk}").get_by_test_id("document-link")).to_have_text("صورت‌های مالی ۱۴۰۳")
    document = AgendaDocument.objects.get()

    # 2. The notice is published; two members stand for the board and write their profiles.
    factory.freeze_roll(assembly)
    runners = [e.person for e in assembly.roll.order_by("id")[:2]]
    voter = assembly.roll.order_by("id")[2].person
    for person, candidate in zip(runners, factory.candidates(board, runners), strict=True):
        photo = tmp_path / f"{candidate.pk}.png"
        photo.write_bytes(png())
        with photo.open("rb") as f:
            profiles.update_candidate_profile(
                actor=officer, candidate=candidate, photo=File(f, name="photo.png"),
                qualifications="کارشناس ارشد مدیریت مالی، " + "عضو هیئت مدیره اتحادیه‌های تعاونی" * 3,
                statement=f"برنامه {person.full_name}: گزارش ماهانه حساب‌ها به همه اعضا",
            )

    # 3. A member reads the item and downloads its document, on a desktop and on a phone.
    member = new_context().new_page()
    log_in_as_member(member, voter)
    for viewport in (DESKTOP, PHONE):
        member.set_viewport_size(viewport)
        open_page(member, f"/assemblies/{assembly.pk}/")
        entry = member.locator(f"#item-{statements.pk}")
        expect(entry.get_by_test_id("item-text")).to_contain_text("حسابرسی‌شده")
        expect(entry.get_by_test_id("document-sha256")).to_have_text(document.sha256)
        expect(member.get_by_test_id("candidate-profile")).to_have_count(2)
        with member.expect_download() as download:
            entry.get_by_test_id("document-link").click()
        assert download.value.suggested_filename == "statements.pdf"
        assert open(download.value.path(), "rb").read() == PDF
        no_wider_than_the_screen(member)

    # 4. In session, the election is open: the ballot shows each candidate's profile and photo.
    factory.noticed_to_session(assembly)
    board.state, board.opened_at = "open", timezone.now()
    board.save()
    for viewport in (DESKTOP, PHONE):
        member.set_viewport_size(viewport)
        open_page(member, f"/assemblies/{assembly.pk}/ballot/")
        shown = member.get_by_test_id("ballot-candidates").get_by_test_id("candidate-profile")
        expect(shown).to_have_count(2)
        expect(shown.first.get_by_test_id("candidate-statement")).to_contain_text("گزارش ماهانه")
        expect(shown.first.get_by_test_id("candidate-photo")).to_be_visible()
        assert shown.first.get_by_test_id("candidate-photo").evaluate("img => img.naturalWidth") == 8
        expect(member.locator("body")).not_to_contain_text("WebSocket")  # no template comment leaks onto the page
        member.screenshot(path=str(tmp_path / f"ballot-{viewport['width']}.png"), full_page=True)
        no_wider_than_the_screen(member)
