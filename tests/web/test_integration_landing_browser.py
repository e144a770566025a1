"""A landing page in a real browser on the local stack: a visitor reads Slack's page, signs up
from it, and comes back to find a link straight to the add page of their new project."""
import re

import pytest
from playwright.sync_api import expect
from tests.web.test_browser_journeys import follow_login_link, login_links

pytestmark = pytest.mark.e2e
VISITOR = "visitor@example.org"
WAIT_MS = 15_000


@pytest.fixture(scope="module")
def page(site, chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    yield context.new_page()
    context.close()


def test_a_visitor_reads_the_page_signs_up_and_adds_slack_to_their_project(site, page, screenshot):
    page.goto(f"{site.base}/integrations/slack/")
    expect(page.locator("h1")).to_contain_text("for Slack")
    expect(page.locator("#landing-steps li")).to_have_count(4)
    screenshot(page, "landing-slack")

    page.click("#cta-signup")
    page.fill("#signup-email", VISITOR)
    page.click("#signup-form button[type=submit]")
    expect(page.get_by_text("Check your email")).to_be_visible()
    follow_login_link(page, login_links(site, VISITOR)[-1])

    page.goto(f"{site.base}/integrations/slack/")
    expect(page.locator("#cta-signup")).to_have_count(0)
    page.locator(".landing-targets a").first.click()
    expect(page).to_have_url(re.compile(r"/projects/[0-9a-f-]+/add/slack/$"))
    expect(page.locator("h1")).to_have_text("Add a Slack integration")
    screenshot(page, "landing-slack-add")
