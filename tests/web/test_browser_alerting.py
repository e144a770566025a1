"""Alerting rules in a real browser on the local stack: a failure threshold set in the dialog and
the alert on the Nth failure; a quiet window and a snooze holding a down alert, and the alert that
goes out once the quiet time is over. Steps in file order, as in test_browser_journeys.py."""
import re
from types import SimpleNamespace

import pytest
import requests
from playwright.sync_api import expect

from tests.support.browser import WAIT_MS, add_check, alerts, browser_page, sign_up
from tests.support.stack import poll

pytestmark = pytest.mark.e2e

OWNER = "alerting@example.org"
ALERT_MS = 60_000  # a sweep tick every 20 s on the local stack, then delivery from the stream


def down_alerts(site) -> list[str]:
    """The text of every down alert mailed to OWNER, oldest first."""
    return [text for subject, text in alerts(site, OWNER) if subject.startswith("DOWN")]


def wait_for_alerts(site, count: int) -> list[str]:
    return poll(lambda: (found := down_alerts(site)) and len(found) >= count and found, ALERT_MS / 1000, f"{count} down alerts")


@pytest.fixture(scope="module")
def story(site, chromium):
    """A new owner (sign-up makes an email channel) with the check "Flaky import", on its details page."""
    with browser_page(chromium) as page:
        sign_up(page, site, OWNER)
        code = add_check(page, "Flaky import")
        page.goto(f"{site.base}/checks/{code}/details/")
        yield SimpleNamespace(page=page, site=site, code=code)


def ping(story, suffix=""):
    assert requests.get(f"{story.site.base}/ping/{story.code}{suffix}", timeout=10).text == "OK"


def open_dialog(page):
    page.click("#alerting-button")
    return page.locator("#alerting-dialog")


def test_set_a_failure_threshold_and_read_the_preview(story, screenshot):
    page = story.page
    dialog = open_dialog(page)
    dialog.locator("#failure-threshold").fill("2")
    expect(dialog.locator("[data-alerting-preview]")).to_contain_text("Goes down on the 2nd failure in a row")
    screenshot(page, "alerting-dialog")
    dialog.locator("[data-alerting-save]").click()
    expect(page.locator("#alerting-rule")).to_contain_text("2nd failure in a row")


def test_the_first_failure_is_counted_and_alerts_no_one(story):
    page = story.page
    ping(story)  # up
    ping(story, "/fail")
    page.reload()
    expect(page.locator("#alert-progress")).to_have_text("failing, 1 of 2")
    expect(page.locator("#status-word")).to_have_text("Up")


def test_the_second_failure_in_a_row_sends_the_alert_with_its_count(story):
    page = story.page
    ping(story, "/fail")
    expect(page.locator("#status-word")).to_have_text("Down", timeout=WAIT_MS)
    [alert] = wait_for_alerts(story.site, 1)
    assert "2 failures in a row (threshold 2)" in alert


def test_a_quiet_window_set_in_the_dialog_holds_the_down_alert(story, screenshot):
    page = story.page
    ping(story)  # back up (recovery threshold 1)
    page.reload()
    dialog = open_dialog(page)
    dialog.locator("#failure-threshold").fill("1")
    dialog.locator("#quiet-windows").fill("* * * * * | 1h | UTC")  # quiet all day long
    expect(dialog.locator("[data-alerting-preview]")).to_contain_text("if still down")
    dialog.locator("[data-alerting-save]").click()
    expect(page.locator("#alerting-windows")).to_contain_text("* * * * * | 1h | UTC")

    ping(story, "/fail")
    page.reload()
    expect(page.locator("#held-alert")).to_contain_text("Its down alert is held until", timeout=WAIT_MS)
    page.reload()  # the events table updates live on new events only, not on a flip's new detail
    expect(page.locator("#events-body")).to_contain_text("in a quiet window")
    screenshot(page, "alerting-held")
    assert len(down_alerts(story.site)) == 1


def test_removing_the_window_sends_the_held_alert(story):
    page = story.page
    dialog = open_dialog(page)
    dialog.locator("#quiet-windows").fill("")
    dialog.locator("[data-alerting-save]").click()
    alerts = wait_for_alerts(story.site, 2)
    assert "still down after a quiet window" in alerts[-1]


def test_a_snooze_from_the_button_holds_the_alert_until_it_ends(story):
    page = story.page
    ping(story)  # up again: its down alert went out, so the up alert does too
    page.reload()
    page.click("#snooze-60")
    expect(page.locator("#snoozed-until")).to_contain_text("Alerts are snoozed until")
    ping(story, "/fail")
    page.reload()
    expect(page.locator("#held-alert")).to_be_visible()
    assert len(down_alerts(story.site)) == 2
    page.click("#snooze-end")
    expect(page.locator("#snoozed-until")).to_have_count(0)
    alerts = wait_for_alerts(story.site, 3)
    assert re.search(r"still down after a snooze \(until \d\d:\d\d UTC\)", alerts[-1])
