"""Members get what they need to decide: the agenda's documents, the candidates' profiles, and a
link to the assembly's page in the notice they receive."""

import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from taavon.accounts.models import Role, User
from taavon.assemblies.convening import services as convening
from taavon.assemblies.models import AgendaDocument, Candidate
from taavon.audit.models import AuditEvent
from taavon.notifications.models import OutboundMessage
from tests import helpers
from tests.assemblies import factory

pytestmark = pytest.mark.django_db

text = helpers.text

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n" + b"0" * 2000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 500


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def story():
    """A cooperative's draft annual assembly: a motion on the financial statements and a board election."""
    a = factory.assembly(members=5)
    statements = factory.motion(a, description="صورت‌های مالی سال ۱۴۰۳ به پیوست است.")
    board = factory.election(a)
    officer = helpers.user(Role.OFFICER, cooperative=a.cooperative)
    return a, statements, board, officer


def member_user(person):
    """The member's account (made the first time they log in)."""
    return User.objects.filter(person=person).first() or helpers.user(
        Role.MEMBER, national_code=person.national_code, person=person
    )


def upload(client, a, item, content, name="statements.pdf", content_type="application/pdf", **fields):
    data = {"title": fields.get("title", "صورت‌های مالی"), "kind": fields.get("kind", "financial_statements"),
            "file": SimpleUploadedFile(name, content, content_type=content_type)}
    return client.post(reverse("assemblies:document_add", args=[a.pk, item.pk]), data)


def test_an_officer_uploads_the_statements_and_a_member_reads_and_downloads_them(client, story):
    a, statements, _board, officer = story
    client.force_login(officer)
    answer = upload(client, a, statements, PDF)
    assert answer.status_code == 302 and answer["Location"].endswith(f"#item-{statements.pk}")

    document = AgendaDocument.objects.get(item=statements)
    assert document.content_type == "application/pdf" and document.size == len(PDF)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest() and not document.after_notice
    assert document.file.name.startswith("agenda/") and "statements" not in document.file.name
    assert AuditEvent.objects.filter(action="agenda_document.add", object_id=str(document.pk)).exists()

    factory.freeze_roll(a)
    person = a.roll.order_by("id").first().person
    client.force_login(member_user(person))
    page = client.get(reverse("assemblies:detail", args=[a.pk]))
    shown = text(page)
    assert "صورت‌های مالی سال ۱۴۰۳ به پیوست است." in shown  # the item's text
    assert "صورت‌های مالی" in shown and "PDF" in shown and document.sha256 in shown
    assert "کیلوبایت" in shown  # its size, in Persian

    download = client.get(reverse("assemblies:document", args=[a.pk, document.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF


def test_a_program_renamed_pdf_is_refused_with_a_clear_persian_message(client, story):
    a, statements, _board, officer = story
    client.force_login(officer)
    answer = upload(client, a, statements, EXE, name="report.pdf")
    assert answer.status_code == 422
    assert "این فایل از نوع PDF، PNG یا JPEG نیست" in text(answer)
    assert not AgendaDocument.objects.exists()

    # With htmx (the progress bar) the form comes back in place with the same message.
    answer = client.post(
        reverse("assemblies:document_add", args=[a.pk, statements.pk]),
        {"title": "x", "kind": "other", "file": SimpleUploadedFile("x.pdf", EXE, content_type="application/pdf")},
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200 and "نیست" in text(answer) and 'data-testid="document-form"' in answer.content.decode()


def test_a_file_over_the_limit_is_refused(client, story, settings):
    a, statements, _board, officer = story
    settings.AGENDA_DOCUMENT_MAX_BYTES = 1024 * 1024
    client.force_login(officer)
    answer = upload(client, a, statements, b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10))
    assert answer.status_code == 422
    assert "حداکثر ۱ مگابایت" in text(answer)
    assert not AgendaDocument.objects.exists()
    assert not list(settings.MEDIA_ROOT.glob("agenda/*"))  # nothing half-written


def test_the_request_past_the_route_limit_is_refused_before_it_is_read(client, story, settings):
    a, statements, _board, officer = story
    client.force_login(officer)
    path = reverse("assemblies:document_add", args=[a.pk, statements.pk])
    answer = client.post(path, {"file": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (settings.AGENDA_DOCUMENT_MAX_BYTES + 300_000))})
    assert answer.status_code == 413


def test_a_non_participant_gets_404_for_the_page_the_document_and_the_photo(client, story):
    a, statements, board, officer = story
    client.force_login(officer)
    upload(client, a, statements, PDF)
    document = AgendaDocument.objects.get()
    factory.freeze_roll(a)
    candidate = factory.candidates(board, [a.roll.order_by("id").first().person])[0]
    Candidate.objects.filter(pk=candidate.pk).update(photo="candidates/x.png", photo_type="image/png")

    stranger = helpers.user(Role.MEMBER)
    other_officer = helpers.user(Role.OFFICER, cooperative=helpers.cooperative())
    for outsider in (stranger, other_officer):
        client.force_login(outsider)
        assert client.get(reverse("assemblies:detail", args=[a.pk])).status_code == 404
        assert client.get(reverse("assemblies:document", args=[a.pk, document.pk])).status_code == 404
        assert client.get(reverse("assemblies:candidate_photo", args=[a.pk, candidate.pk])).status_code == 404
    # Nor is the document reached through another assembly the outsider does take part in.
    elsewhere = factory.freeze_roll(factory.assembly(members=2))
    client.force_login(member_user(elsewhere.roll.first().person))
    assert client.get(reverse("assemblies:document", args=[elsewhere.pk, document.pk])).status_code == 404
    # And the upload folder is not served.
    assert client.get("/media/" + document.file.name).status_code == 404


def test_after_the_notice_nothing_is_removed_and_a_correction_is_marked(client, story):
    a, statements, _board, officer = story
    client.force_login(officer)
    upload(client, a, statements, PDF)
    first = AgendaDocument.objects.get()
    factory.freeze_roll(a)

    refused = client.post(reverse("assemblies:document_remove", args=[a.pk, first.pk]), follow=True)
    assert "اصلاحیه" in text(refused) and AgendaDocument.objects.filter(pk=first.pk).exists()

    upload(client, a, statements, PNG, name="erratum.png", content_type="image/png", title="اصلاحیه ترازنامه", kind="other")
    correction = AgendaDocument.objects.exclude(pk=first.pk).get()
    assert correction.after_notice and correction.content_type == "image/png"
    member = member_user(a.roll.order_by("id").first().person)
    client.force_login(member)
    assert "پس از آگهی افزوده شد" in text(client.get(reverse("assemblies:detail", args=[a.pk])))
    # A member uploads nothing.
    assert upload(client, a, statements, PDF).status_code == 403


def test_in_a_draft_a_document_is_removed_and_editing_the_agenda_keeps_the_others(
    client, story, media, django_capture_on_commit_callbacks
):
    a, statements, board, officer = story
    client.force_login(officer)
    upload(client, a, statements, PDF)
    upload(client, a, statements, PNG, name="chart.png", content_type="image/png", title="نمودار")
    pdf, png = AgendaDocument.objects.order_by("pk")

    # The officer renames the election and moves it first: the statements keep their documents.
    convening.update_assembly(actor=officer, assembly=a, agenda=[
        {"title": "انتخاب هیئت مدیره", "kind": "election", "matter": "board_election", "seats": 3, "alternates": 1},
        {"title": statements.title, "kind": "motion", "matter": "financial_statements",
         "description": statements.description},
    ])
    statements.refresh_from_db()
    assert statements.position == 2 and set(statements.documents.all()) == {pdf, png}

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("assemblies:document_remove", args=[a.pk, png.pk]))
    assert answer.status_code == 302 and not AgendaDocument.objects.filter(pk=png.pk).exists()
    assert AuditEvent.objects.filter(action="agenda_document.remove", object_id=str(png.pk)).exists()
    assert not (media / png.file.name).exists() and (media / pdf.file.name).exists()


def test_the_candidate_writes_a_profile_that_members_see_before_and_on_the_ballot(client, story):
    a, _statements, board, _officer = story
    factory.freeze_roll(a)
    runner, voter = [e.person for e in a.roll.order_by("id")[:2]]
    candidate = factory.candidates(board, [runner])[0]

    client.force_login(member_user(runner))
    path = reverse("assemblies:candidate_profile", args=[a.pk, board.pk, candidate.pk])
    refused = client.post(path, {"statement": "شفافیت", "qualifications": "",
                                 "photo": SimpleUploadedFile("me.jpg", EXE, content_type="image/jpeg")})
    assert refused.status_code == 422 and "PNG یا JPEG نیست" in text(refused)
    saved = client.post(path, {"statement": "شفافیت در حساب‌ها و گزارش ماهانه به اعضا",
                               "qualifications": "کارشناس حسابداری، ده سال عضو",
                               "photo": SimpleUploadedFile("me.png", PNG, content_type="image/png")})
    assert saved.status_code == 302
    candidate.refresh_from_db()
    assert candidate.photo_type == "image/png" and candidate.profile_updated_at
    assert AuditEvent.objects.filter(action="candidate.profile", object_id=str(candidate.pk)).exists()

    client.force_login(member_user(voter))
    before = text(client.get(reverse("assemblies:detail", args=[a.pk])))
    assert "شفافیت در حساب‌ها و گزارش ماهانه به اعضا" in before and "کارشناس حسابداری" in before
    photo = client.get(reverse("assemblies:candidate_photo", args=[a.pk, candidate.pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png" and photo["X-Content-Type-Options"] == "nosniff"
    # Another member may not write it.
    assert client.post(path, {"statement": "x"}).status_code == 403

    factory.noticed_to_session(a)
    board.state, board.opened_at = "open", timezone.now()
    board.save()
    ballot = text(client.get(reverse("assemblies:ballot", args=[a.pk])))
    assert "شفافیت در حساب‌ها و گزارش ماهانه به اعضا" in ballot and "کارشناس حسابداری" in ballot
    # Once the session has opened the profile stays as members read it.
    client.force_login(member_user(runner))
    late = client.post(path, {"statement": "وعده تازه", "qualifications": ""})
    assert late.status_code == 422 and "پیش از گشایش جلسه" in text(late)


def test_the_notice_sms_and_email_carry_the_link_to_the_assembly_page(settings, story, django_capture_on_commit_callbacks):
    a, _statements, _board, officer = story
    settings.TAAVON_BASE_URL = "https://taavon.example.ir"
    for membership in a.cooperative.memberships.all()[:1]:
        membership.person.email = "m@example.ir"
        membership.person.save()
    with django_capture_on_commit_callbacks(execute=True):
        convening.publish_notice(actor=officer, assembly=a)
    link = f"https://taavon.example.ir/assemblies/{a.pk}/"
    sms = OutboundMessage.objects.filter(topic=f"assembly:{a.pk}:notice", channel="sms")
    assert sms.count() == 5 and all(m.body.endswith(link) for m in sms)
    email = OutboundMessage.objects.get(topic=f"assembly:{a.pk}:notice", channel="email")
    assert link in email.body


def test_the_link_never_comes_from_the_requests_host(client, settings, story, django_capture_on_commit_callbacks):
    a, _statements, _board, officer = story
    settings.TAAVON_BASE_URL = "https://taavon.example.ir"
    settings.ALLOWED_HOSTS = ["*"]
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("assemblies:publish", args=[a.pk]), {"newspaper": "", "newspaper_date": ""}, HTTP_HOST="evil.example")
    bodies = list(OutboundMessage.objects.filter(topic=f"assembly:{a.pk}:notice").values_list("body", flat=True))
    assert bodies and all("evil.example" not in b and "https://taavon.example.ir/" in b for b in bodies)


# --------------------------------------------------------------------------- the API


def test_the_api_uploads_lists_downloads_and_refuses_like_the_pages(client, story):
    a, statements, board, officer = story
    officer_api = helpers.Api(client, officer)
    base = f"/api/v1/assemblies/{a.pk}"
    headers = officer_api.headers

    answer = client.post(f"{base}/items/{statements.pk}/documents",
                         {"title": "گزارش هیئت مدیره", "kind": "board_report",
                          "file": SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf")}, **headers)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest() and body["kind"] == "board_report" and not body["after_notice"]

    refused = client.post(f"{base}/items/{statements.pk}/documents",
                          {"file": SimpleUploadedFile("r.pdf", EXE, content_type="application/pdf")}, **headers)
    assert refused.status_code == 422 and "not a PDF, PNG or JPEG file" in helpers.field_errors(refused)["file"][0]
    missing = client.post(f"{base}/items/{statements.pk}/documents", {"title": "x"}, **headers)
    assert missing.status_code == 422 and "file" in helpers.field_errors(missing)

    listed = officer_api.get(f"/assemblies/{a.pk}/items/{statements.pk}/documents").json()
    assert [d["id"] for d in listed] == [body["id"]]
    assert officer_api.get(f"/assemblies/{a.pk}").json()["items"][0]["documents"][0]["id"] == body["id"]

    factory.freeze_roll(a)
    person = a.roll.order_by("id").first().person
    member_api = helpers.Api(client, member_user(person))
    download = client.get(f"{base}/documents/{body['id']}", **member_api.headers)
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == PDF
    assert client.delete(f"{base}/documents/{body['id']}", **headers).status_code == 409  # noticed: kept (the state refuses, 409)

    stranger = helpers.Api(client, helpers.user(Role.MEMBER))
    assert stranger.get(f"/assemblies/{a.pk}/items/{statements.pk}/documents").status_code == 404
    assert client.get(f"{base}/documents/{body['id']}", **stranger.headers).status_code == 404

    # The candidate's profile through the API, and in the candidates' list.
    candidate = factory.candidates(board, [person])[0]
    written = client.post(f"{base}/items/{board.pk}/candidates/{candidate.pk}/profile",
                          {"statement": "برنامه من", "qualifications": "مهندس",
                           "photo": SimpleUploadedFile("p.png", PNG, content_type="image/png")}, **member_api.headers)
    assert written.status_code == 200, written.content
    assert written.json()["statement"] == "برنامه من" and written.json()["photo_url"]
    shown = member_api.get(f"/assemblies/{a.pk}/items/{board.pk}/candidates").json()[0]
    assert shown["qualifications"] == "مهندس"
    assert client.get(shown["photo_url"], **member_api.headers).status_code == 200
    assert client.get(f"{base}/candidates/{candidate.pk}/photo", **member_api.headers).status_code == 200


def test_a_second_call_carries_the_first_calls_documents_and_removing_one_keeps_the_others_file(
    story, media, django_capture_on_commit_callbacks
):
    from taavon.assemblies.convening import documents

    a, statements, _board, officer = story
    document = documents.add_agenda_document(
        actor=officer, item=statements, upload=SimpleUploadedFile("s.pdf", PDF), kind="financial_statements"
    )
    assert document.title == "s"  # no title given: the file's name
    factory.freeze_roll(a)
    a.state = "no_quorum"
    a.save()
    second = convening.convene_second_call(
        actor=officer, first_call=a, starts_at=timezone.now() + datetime.timedelta(days=12),
        ends_at=timezone.now() + datetime.timedelta(days=12, hours=3),
    )
    copy = AgendaDocument.objects.get(item__assembly=second)
    assert copy.file.name == document.file.name and copy.sha256 == document.sha256 and not copy.after_notice

    with django_capture_on_commit_callbacks(execute=True):
        documents.remove_agenda_document(actor=officer, document=copy)
    assert (media / document.file.name).exists()  # the first call's document still names it
