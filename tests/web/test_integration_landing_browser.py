"""A landing page in a real browser on the local stack: a visitor reads Slack's page, signs up
from it, and comes back to find a link straight to the add page of their new project."""
import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import browser_page, sign_up

pytestmark = pytest.mark.e2e
VISITOR = "visitor@example.org"


@pytest.fixture(scope="module")
def page(site, chromium):
    with browser_page(chromium) as page:
        yield page


def test_a_visitor_reads_the_page_signs_up_and_adds_slack_to_their_project(site, page, screenshot):
    page.goto(f"{site.base}/integrations/slack/")
    expect(page.locator("h1")).to_contain_text("for Slack")
    expect(page.locator("#landing-steps li")).to_have_count(4)
    screenshot(page, "landing-slack")

    page.click("#cta-signup")
    sign_up(page, site, VISITOR)

    page.goto(f"{site.base}/integrations/slack/")
    expect(page.locator("#cta-signup")).to_have_count(0)
    page.locator(".landing-targets a").first.click()
    expect(page).to_have_url(re.compile(r"/projects/[0-9a-f-]+/add/slack/$"))
    expect(page.locator("h1")).to_have_text("Add a Slack integration")
    screenshot(page, "landing-slack-add")
