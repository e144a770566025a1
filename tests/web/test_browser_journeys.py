"""The main journeys in a real browser (Debian's chromium via playwright) on the local stack.

One user's story, step by step in one test module: the stack, the browser and the mailbox are
shared, and each test picks up where the one before left off (pytest runs them in file order).
Screenshots of the checks list and the details page go to test-output/screenshots/ for review.
"""
import re
from types import SimpleNamespace

import pytest
import requests
from playwright.sync_api import expect

from tests.support.browser import follow_login_link, login_links

pytestmark = pytest.mark.e2e

OWNER = "owner@example.org"
VIEWER = "viewer@example.org"
WAIT_MS = 15_000  # the checks list polls every 3 s while the tab is in use


@pytest.fixture(scope="module")
def story(site, chromium):
    """The owner's browser page and what the steps learn along the way."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    yield SimpleNamespace(page=context.new_page(), site=site, check_code=None, context=context)
    context.close()


def test_sign_up_by_magic_link(story):
    page, site = story.page, story.site
    page.goto(f"{site.base}/accounts/login/")
    page.fill("#signup-email", OWNER)
    page.click("#signup-form button[type=submit]")
    expect(page.get_by_text("Check your email")).to_be_visible()
    [link] = login_links(site, OWNER)
    follow_login_link(page, link)
    expect(page).to_have_url(re.compile(r"/projects/[0-9a-f-]+/checks/$"))
    expect(page.get_by_text("My First Check")).to_be_visible()


def test_create_a_check(story):
    page = story.page
    page.click("#add-check-button")
    page.fill("#add-name", "Nightly backup")
    page.fill("#add-tags", "prod db")
    page.click("#add-check-form button.primary")
    row = page.locator("tr.check-row", has_text="Nightly backup")
    expect(row).to_be_visible()
    story.check_code = row.get_attribute("data-code")
    expect(row.locator("[data-status-icon]")).to_have_class(re.compile(r"\bnew\b"))


def test_ping_turns_the_check_up_without_a_reload(story, screenshot):
    page, site = story.page, story.site
    page.mouse.move(10, 10)  # activity on a visible tab: the list polls fast
    response = requests.post(f"{site.base}/ping/{story.check_code}", data=b"42 files", timeout=10)
    assert response.text == "OK"
    row = page.locator(f"#check-{story.check_code}")
    expect(row.locator("[data-status-icon]")).to_have_class(re.compile(r"\bup\b"), timeout=WAIT_MS)
    expect(row.locator("[data-last-ping]")).not_to_contain_text("never", ignore_case=True)
    screenshot(page, "checks-list")


def test_checks_list_fits_a_phone_screen(story, chromium, screenshot):
    """At 375 px the page itself never scrolls sideways (wide tables scroll in their own box)."""
    phone = chromium.new_context(viewport={"width": 375, "height": 800}, storage_state=story.context.storage_state())
    try:
        page = phone.new_page()
        page.goto(story.page.url)
        expect(page.locator(f"#check-{story.check_code}")).to_be_attached()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        screenshot(page, "checks-list-phone")
    finally:
        phone.close()


def test_change_the_schedule_and_read_the_preview(story, screenshot):
    page = story.page
    page.goto(f"{story.site.base}/checks/{story.check_code}/details/")
    page.locator("button.schedule-button").first.click()
    dialog = page.locator("#schedule-dialog")
    dialog.locator("input[name=kind][value=cron]").check()
    dialog.locator("input[id$=-cron]").fill("30 6 * * 1-5")
    dialog.locator("input[id$=-cron-tz]").fill("Europe/Riga")
    preview = dialog.locator("[data-schedule-preview]")
    expect(preview).to_contain_text("Europe/Riga")
    expect(preview).to_contain_text("06:30")
    dialog.locator("[data-schedule-save]").click()
    expect(page.locator("body")).to_contain_text("30 6 * * 1-5")
    screenshot(page, "check-details")


def test_pause_the_check(story):
    page = story.page
    page.get_by_role("button", name=re.compile("^Pause")).first.click()
    expect(page.locator("body")).to_contain_text(re.compile("paused", re.I))
    api_status = requests.get(f"{story.site.base}/checks/{story.check_code}/details/", timeout=10)
    assert api_status.status_code in (200, 302)


def test_ping_now_resumes_the_paused_check_live(story):
    page = story.page
    page.get_by_role("button", name="Ping now!").click()
    expect(page.locator("#ping-now-result")).to_have_text("Pinged.")
    expect(page.locator("#status-word")).to_have_text("Up")


def test_the_log_shows_a_new_ping_without_a_reload(story):
    page, site = story.page, story.site
    page.goto(f"{site.base}/checks/{story.check_code}/log/")
    rows = page.locator("#log-rows tr")
    before = rows.count()
    requests.post(f"{site.base}/ping/{story.check_code}/log", data=b"from the log test", timeout=10)
    expect(rows).to_have_count(before + 1)
    expect(rows.first).to_contain_text("Log")


def test_the_project_switcher_lists_the_projects(story):
    page = story.page
    page.goto(f"{story.site.base}/checks/{story.check_code}/details/")
    page.locator(".project-menu > summary").click()
    expect(page.locator(".project-menu-list a")).to_have_count(1)
    expect(page.locator(".project-menu-list a")).to_have_attribute("href", re.compile(r"^/projects/[0-9a-f-]+/checks/$"))


def test_invite_a_read_only_member_who_cannot_edit(story, chromium):
    page, site = story.page, story.site
    project_code = re.search(r"/projects/([0-9a-f-]+)/", page.locator("a[href$='/settings/']").first.get_attribute("href"))[1]
    page.goto(f"{site.base}/projects/{project_code}/settings/")
    page.fill("#invite-email", VIEWER)
    page.select_option("#invite-role", "r")
    page.click("#invite-form button[type=submit]")
    expect(page.locator("body")).to_contain_text(VIEWER)

    viewer = chromium.new_context()
    viewer.set_default_timeout(WAIT_MS)
    try:
        viewer_page = viewer.new_page()
        [link] = login_links(site, VIEWER)
        follow_login_link(viewer_page, link)
        viewer_page.goto(f"{site.base}/checks/{story.check_code}/details/")
        expect(viewer_page.get_by_text("Nightly backup").first).to_be_visible()
        expect(viewer_page.locator("button.schedule-button")).to_have_count(0)
        expect(viewer_page.get_by_role("button", name=re.compile("^(Pause|Resume)"))).to_have_count(0)
        csrf = next(c["value"] for c in viewer.cookies() if c["name"] == "csrftoken")
        refused = viewer_page.request.post(
            f"{site.base}/checks/{story.check_code}/pause/", form={"csrf_token": csrf}, max_redirects=0
        )
        assert refused.status == 403
    finally:
        viewer.close()


def test_log_out(story):
    page = story.page
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto(f"{story.site.base}/checks/{story.check_code}/details/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
