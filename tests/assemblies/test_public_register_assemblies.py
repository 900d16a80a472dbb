"""What the public register shows of a cooperative's assemblies: published notices, the last one held."""

import pytest
from django.utils import timezone

from taavon.core.jalali import format_jalali
from taavon.registry.public.selectors import last_assembly_date
from tests.assemblies import factory

pytestmark = pytest.mark.django_db


def test_a_published_notice_appears_on_the_public_page_and_a_draft_does_not(client):
    noticed = factory.freeze_roll(factory.assembly(title="مجمع عمومی عادی سالیانه ۱۴۰۴"))
    draft = factory.assembly(noticed.cooperative, title="پیش‌نویس محرمانه")

    page = client.get(f"/register/{noticed.cooperative.national_id}/").content.decode()

    assert noticed.title in page
    assert draft.title not in page


def test_the_last_assembly_held_is_the_last_closed_one(client):
    held = factory.in_session(factory.assembly())
    held.state, held.closed_at = "closed", timezone.now()
    held.save()
    factory.freeze_roll(factory.assembly(held.cooperative))  # noticed, not yet held

    assert last_assembly_date(held.cooperative) == timezone.localtime(held.starts_at).date()
    page = client.get(f"/register/{held.cooperative.national_id}/").content.decode()
    assert format_jalali(timezone.localtime(held.starts_at).date(), month_names=True) in page
