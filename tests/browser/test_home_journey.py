"""A member on a 360 px phone on the day of their assembly: the menu leads to "My assemblies", the
home page says the assembly is today and checks them in with one tap."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from taavon.assemblies.models import CheckIn
from tests.assemblies import factory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_on_a_phone_finds_todays_assembly_and_checks_in_from_home(page: Page, open_page, log_in_as_member):
    start = timezone.now() + datetime.timedelta(minutes=30)
    if timezone.localtime(start).date() != timezone.localdate():
        start = timezone.now() + datetime.timedelta(seconds=60)
    a = factory.freeze_roll(factory.assembly(members=3, title="مجمع عمومی امروز", starts_at=start))
    person = a.roll.order_by("id").first().person

    log_in_as_member(page, person)
    page.set_viewport_size({"width": 360, "height": 740})
    page.locator(".navbar-toggler").click()
    page.get_by_test_id("nav-my-assemblies").click()
    upcoming = page.get_by_test_id("my-assemblies-upcoming")
    expect(upcoming).to_contain_text("مجمع عمومی امروز")
    expect(upcoming.get_by_test_id("todo")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    open_page(page, "/")
    today = page.locator("[data-testid=next-action][data-kind=check_in]")
    expect(today).to_contain_text("مجمع عمومی امروز")
    expect(today).to_contain_text("امروز")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    today.get_by_test_id("action-check_in").click()

    expect(page.get_by_test_id("checked-in")).to_be_visible()
    assert CheckIn.objects.filter(assembly=a, roll_entry__person=person).exists()
    open_page(page, "/")
    expect(page.locator("[data-testid=next-action][data-kind=checked_in]")).to_be_visible()
