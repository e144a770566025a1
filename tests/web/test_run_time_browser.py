"""Run-time rules in a real browser on the local stack: set them in the check's Run time form,
read the preview, then see the alert a too-short run and a stuck run cause in the events.

Pings go over HTTP to the stack; the start of the stuck run is recorded two hours in the past
through the domain code on the stack's own DynamoDB, so the stack's sweep finds it overdue."""
import re
from datetime import datetime, timedelta, timezone

import pytest
import requests
from playwright.sync_api import expect

from tests.support.browser import browser_page, open_check, sign_up, wait_for_alert

pytestmark = pytest.mark.e2e
OWNER = "runner@example.org"
SWEEP_WAIT_MS = 45_000  # the local stack's sweep ticks every 20 s
ALERT_WAIT = 30  # seconds: delivery reads the flips stream every second on the local stack
RUN_A = "aaaaaaaa-1111-4111-8111-111111111111"
RUN_B = "bbbbbbbb-2222-4222-8222-222222222222"


@pytest.fixture(scope="module")
def page(site, chromium):
    """A new owner on the details page of their first check."""
    with browser_page(chromium) as page:
        sign_up(page, site, OWNER)
        page.code = open_check(page, "My First Check")
        yield page


@pytest.fixture
def on_the_stack(site, monkeypatch):
    """This process's pynamodb models on the stack's DynamoDB (moto's in-process mock set aside)."""
    from chalicelib.store import aws
    from tests import conftest

    mock = conftest._session_mock
    if mock is not None:
        mock.stop(remove_data=False)
    for name, value in site.client_env().items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    aws.reset()
    yield
    monkeypatch.undo()
    aws.reset()
    if mock is not None:
        mock.start(reset=False)


def save_run_time(page, minimum="", maximum="", track=False, expect_preview=""):
    page.locator("#run-time summary").click()
    form = page.locator("#run-time-form")
    form.locator("#run-time-min_duration").fill(minimum)
    form.locator("#run-time-min_duration-unit").select_option("60")
    form.locator("#run-time-max_duration").fill(maximum)
    form.locator("#run-time-max_duration-unit").select_option("3600")
    form.locator("#run-time-track").set_checked(track)
    expect(page.locator("#run-time-preview")).to_contain_text(expect_preview)
    form.locator("#run-time-save").click()
    expect(page.locator("body")).to_contain_text("The run-time rules are saved.")


def test_the_preview_refuses_bounds_out_of_order(page):
    page.locator("#run-time summary").click()
    form = page.locator("#run-time-form")
    form.locator("#run-time-min_duration").fill("120")
    form.locator("#run-time-min_duration-unit").select_option("60")
    form.locator("#run-time-max_duration").fill("1")
    form.locator("#run-time-max_duration-unit").select_option("3600")
    expect(page.locator("#run-time-preview")).to_have_text("The shortest run must be shorter than the longest.")
    expect(form.locator("#run-time-save")).to_be_disabled()
    page.reload()


def test_a_run_shorter_than_the_shortest_run_alerts(page, site, screenshot):
    save_run_time(page, minimum="1", expect_preview="alerts when it takes under 1 min")
    expect(page.locator("#run-time-summary")).to_contain_text("takes under 1 min")
    ping_url = f"{site.base}/ping/{page.code}"
    assert requests.get(ping_url, timeout=10).text == "OK"  # up
    assert requests.get(ping_url + "/start", timeout=10).text == "OK"
    assert requests.get(ping_url, timeout=10).text == "OK"  # a second later at most: too short
    expect(page.locator("#status-word")).to_have_text("Down")
    expect(page.locator("#events-body")).to_contain_text(re.compile(r"Status: up ➔ down \(ran \d+ s, shorter than 1 min\)"))
    screenshot(page, "run-time-too-short")
    alert = wait_for_alert(site, "DOWN | My First Check", ALERT_WAIT, OWNER)
    assert re.search(r"ran \d+ s, shorter than 1 min", alert)


def test_a_run_that_never_finishes_alerts_though_another_run_succeeded(page, site, on_the_stack, screenshot):
    from chalicelib.pings import intake

    save_run_time(page, track=True, expect_preview="Every run is watched by its run id")
    ping_url = f"{site.base}/ping/{page.code}"
    started = datetime.now(timezone.utc) - timedelta(hours=2)
    request = intake.PingRequest(method="GET", scheme="http", remote_addr="10.0.0.1", ua="cron", body=b"", query={"rid": RUN_A})
    assert intake.handle(intake.parse_path([page.code, "start"]), request, started).text == "OK"
    for suffix in ("/start", ""):
        assert requests.get(f"{ping_url}{suffix}?rid={RUN_B}", timeout=10).text == "OK"
    events = page.locator("#events-body")
    # The sweep found run A (the local stack ticks every SWEEP_SECONDS, 20 s)...
    expect(events).to_contain_text("(run aaaaaaaa started 2 h ago never finished)", timeout=SWEEP_WAIT_MS)
    expect(events).to_contain_text("Status: down ➔ up")  # ...after run B had brought the check up
    expect(page.locator("#status-word")).to_have_text("Down")
    screenshot(page, "run-time-stuck-run")
    wait_for_alert(site, "DOWN | My First Check", ALERT_WAIT, OWNER, containing="run aaaaaaaa started 2 h ago never finished")
