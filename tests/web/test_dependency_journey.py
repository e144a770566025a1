"""A journey in a real browser: a check made to depend on a router, and the alerts that follow.

The owner picks the parent in the check's form (reading the sentence it shows), then the router
fails: its alert lists the check it covers; the check fails too and sends nothing, its event log
saying why; the router comes back and the check, still down, alerts once.
"""
import pytest
import requests
from playwright.sync_api import expect

from tests.support.browser import add_check, alerts, browser_page, sign_up, wait_for_alert

pytestmark = pytest.mark.e2e
OWNER = "netops@example.org"
ALERT_WAIT = 30  # seconds: delivery reads the flips stream every second on the local stack


def ping(site, code: str, suffix: str = "") -> None:
    assert requests.post(f"{site.base}/ping/{code}{suffix}", timeout=10).text == "OK"


@pytest.fixture(scope="module")
def page(site, chromium):
    with browser_page(chromium) as page:
        yield page


def test_a_check_depending_on_a_down_router_alerts_only_when_the_router_is_back(site, page, screenshot):
    sign_up(page, site, OWNER)
    router, web = add_check(page, "router"), add_check(page, "web")

    # The check's form: pick the router, read what it means, save.
    page.goto(f"{site.base}/checks/{web}/details/")
    page.click("#edit-dependency summary")
    preview = page.locator("#dependency-preview")
    expect(preview).to_have_text("Alerts whenever it goes down, whatever other checks do.")
    page.select_option("#depends-on-select", label="router")
    expect(preview).to_have_text("Won't alert while “router” is down.")
    screenshot(page, "check-dependency-form")
    page.click("#save-dependency")
    expect(page.locator("#dependency-summary")).to_contain_text("Depends on router")

    ping(site, router), ping(site, web)
    ping(site, router, "/fail")
    router_down = wait_for_alert(site, "DOWN | router", ALERT_WAIT, OWNER)
    assert "Alerts held while this check is down (these depend on it):\n  - web" in router_down

    ping(site, web, "/fail")
    events = page.locator("#events-body")
    expect(events).to_contain_text("not alerted: depends on “router”, down since", timeout=ALERT_WAIT * 1000)
    screenshot(page, "check-dependency-held")
    assert [s for s, _ in alerts(site, OWNER)] == ["DOWN | router"]

    ping(site, router)
    web_down = wait_for_alert(site, "DOWN | web", ALERT_WAIT, OWNER)
    assert "alerted late: still down after “router” came back up" in web_down
    wait_for_alert(site, "UP | router", ALERT_WAIT, OWNER)
    assert sorted(s for s, _ in alerts(site, OWNER)) == ["DOWN | router", "DOWN | web", "UP | router"]
