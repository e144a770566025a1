"""The checks list's script reads each check's filter and schedule data from #checks-data."""
import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import add_check, browser_page, sign_up

pytestmark = pytest.mark.e2e
OWNER = "lister@example.org"


@pytest.fixture(scope="module")
def page(site, chromium):
    """A new owner's checks list (sign-up makes one check), with a second check added."""
    with browser_page(chromium) as page:
        sign_up(page, site, OWNER)
        add_check(page, "Nightly backup", slug="nightly-db")
        yield page


def test_typing_a_slug_in_search_hides_the_other_rows(page):
    page.fill("#search", "NIGHTLY-DB")
    expect(page.locator("tr.check-row:visible")).to_have_count(1)
    expect(page.locator("tr.check-row:visible")).to_contain_text("Nightly backup")
    page.fill("#search", "")
    expect(page.locator("tr.check-row:visible")).to_have_count(2)


def test_the_schedule_dialog_opens_with_the_rows_check(page):
    row = page.locator("tr.check-row", has_text="Nightly backup")
    row.locator("button.schedule-button").click()
    dialog = page.locator("#schedule-dialog")
    expect(dialog.locator("[data-check-name]")).to_have_text(" – Nightly backup")
    expect(dialog.locator("form")).to_have_attribute("action", re.compile(rf"/checks/{row.get_attribute('data-code')}/timeout/"))
    expect(dialog.locator("#schedule-timeout-value")).to_have_value("1")


def test_clicking_an_integration_icon_turns_it_off_without_a_reload(page, screenshot):
    page.reload()  # (closes any dialog an earlier test opened)
    page.evaluate("window.notReloaded = true")
    icon = page.locator("tr.check-row", has_text="Nightly backup").locator(".col-ch button").first
    expect(icon).to_have_attribute("aria-label", re.compile(r"^email.*: on$"))
    icon.click()
    expect(icon).to_have_attribute("aria-label", re.compile(r": off$"))
    screenshot(page, "checks-list-integrations")
    assert page.evaluate("window.notReloaded") is True
    page.reload()
    expect(page.locator("tr.check-row", has_text="Nightly backup").locator(".col-ch button").first).to_have_attribute(
        "aria-label", re.compile(r": off$")
    )
