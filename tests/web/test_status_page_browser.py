"""A status page in a real browser on the local stack: a manager publishes one check under a
public name, then visitors without JavaScript read it at desktop and phone widths."""

import pytest
import requests
from playwright.sync_api import expect

from tests.support.browser import DESKTOP, browser_page, open_check, sign_up

pytestmark = pytest.mark.e2e
OWNER = "publisher@example.org"
SLUG = "acme-status"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def manager(site, chromium):
    """A new owner whose first check failed once and recovered (an incident), on its status pages."""
    with browser_page(chromium) as page:
        sign_up(page, site, OWNER)
        page.check_code = open_check(page, "My First Check")
        for suffix in ("/fail", ""):
            assert requests.get(f"{site.base}/ping/{page.check_code}{suffix}", timeout=10).status_code == 200
        page.get_by_role("link", name="Status pages").click()
        yield page


@pytest.fixture(scope="module")
def published(manager, site):
    """The manager's page, published at SLUG with the first check as "Website"."""
    manager.fill("#status-page-title", "Acme status")
    manager.click("#create-status-page")
    row = manager.locator("#shown-items tr", has_text="My First Check")
    row.locator("input[type=checkbox]").check()
    row.locator("input[type=text]").fill("Website")
    manager.fill("#page-slug", SLUG)
    manager.fill("#page-message", "Planned maintenance on Sunday 02:00 UTC.")
    manager.check("#page-published")
    manager.click("#save-page")
    expect(manager.locator("body")).to_contain_text("Status page saved.")
    expect(manager.locator("#public-url")).to_have_text(f"{site.base}/status/{SLUG}/")
    return f"{site.base}/status/{SLUG}/"


def visit(chromium, url, viewport):
    """A visitor's browser with JavaScript off: the page must work without it."""
    context = chromium.new_context(viewport=viewport, java_script_enabled=False)
    page = context.new_page()
    page.goto(url)
    return context, page


def test_a_visitor_sees_the_public_name_state_bars_and_incident_without_javascript(chromium, published, screenshot):
    context, page = visit(chromium, published, DESKTOP)
    try:
        expect(page.locator("h1")).to_have_text("Acme status")
        expect(page.locator(".item-name")).to_have_text("Website")
        expect(page.locator(".state")).to_contain_text("Up")
        expect(page.locator(".bars li")).to_have_count(90)
        expect(page.locator(".incident h3")).to_contain_text("Website: down for")
        expect(page.locator("#message")).to_have_text("Planned maintenance on Sunday 02:00 UTC.")
        assert "My First Check" not in page.content()
        screenshot(page, "status-page-desktop")
    finally:
        context.close()


def test_the_page_fits_a_phone(chromium, published, screenshot):
    context, page = visit(chromium, published, PHONE)
    try:
        item = page.locator(".item").bounding_box()
        bars = page.locator(".bars").bounding_box()
        assert item["x"] >= 0 and item["x"] + item["width"] <= PHONE["width"]
        assert bars["width"] > 200  # the 90 bars share the width, none pushed off screen
        screenshot(page, "status-page-phone")
    finally:
        context.close()


def test_a_note_written_in_the_dashboard_appears_under_the_incident(manager, published, chromium):
    manager.reload()
    form = manager.locator(".incident-note form").first
    form.locator("textarea").fill("The job's host rebooted for updates.")
    form.get_by_role("button", name="Save note").click()
    expect(manager.locator("body")).to_contain_text("Note saved.")
    context, page = visit(chromium, published, DESKTOP)
    try:
        expect(page.locator(".incident .note")).to_have_text("The job's host rebooted for updates.")
    finally:
        context.close()


def test_an_unpublished_page_is_not_found(manager, published, chromium):
    manager.uncheck("#page-published")
    manager.click("#save-page")
    expect(manager.locator("body")).to_contain_text("Status page saved.")
    context, page = visit(chromium, published, DESKTOP)
    try:
        expect(page.locator("h1")).to_have_text("No such status page")
    finally:
        context.close()
