"""The reports' pages: one-click unsubscribe (signed, no login), "send me a report now", and the CLI."""
import json
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.alerts import reports
from chalicelib.checks import checks
from chalicelib.ops import cli
from chalicelib.store.models import User


@pytest.fixture
def subscriber(user, project, now):
    """The owner, with daily reports and hourly reminders on, and a check that pings."""
    from chalicelib.accounts import preferences

    checks.create_check(project, now, name="Backups", status="up", last_ping=now)
    preferences.set_email_reports(user, "daily", 3600, now)
    return User.get(user.id)


def unsubscribe_path(user, made=None) -> str:
    """The link's path, signed at `made` (the wall clock by default: the web client's requests use it)."""
    made = made or datetime.now(timezone.utc)
    return reports.unsubscribe_url(user, made).removeprefix("http://localhost:8000")


def test_the_unsubscribe_link_asks_first_and_changes_nothing(anonymous_web, subscriber):
    response = anonymous_web.get(unsubscribe_path(subscriber))
    assert response.status_code == 200
    assert 'id="unsubscribe"' in response.body.decode() and subscriber.email in response.body.decode()
    assert User.get(subscriber.id).reports == "daily"


def test_a_one_click_post_turns_reports_and_reminders_off_without_login_or_csrf(anonymous_web, subscriber):
    response = anonymous_web.post(unsubscribe_path(subscriber), {"List-Unsubscribe": "One-Click"}, csrf="")
    assert response.status_code == 200 and 'id="unsubscribed"' in response.body.decode()
    saved = User.get(subscriber.id)
    assert (saved.reports, saved.nag_period, saved.next_report_date, saved.next_nag_date) == ("off", 0, None, None)


def test_a_forged_unsubscribe_link_is_refused(anonymous_web, subscriber):
    path = unsubscribe_path(subscriber)
    forged = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]
    response = anonymous_web.post(forged, csrf="")
    assert response.status_code == 400 and "not valid" in response.body.decode()
    assert User.get(subscriber.id).reports == "daily"


def test_an_unsubscribe_link_signed_for_something_else_is_refused(anonymous_web, subscriber):
    from chalicelib.lib import signing

    token = signing.sign({"u": subscriber.id}, "another-salt", datetime.now(timezone.utc))
    assert anonymous_web.post(f"/accounts/unsubscribe_reports/{token}/", csrf="").status_code == 400
    assert anonymous_web.get("/accounts/unsubscribe_reports/garbage/").status_code == 400
    assert User.get(subscriber.id).reports == "daily"


def test_send_now_mails_my_report_and_keeps_the_schedule(web, subscriber, outbox):
    response = web.post("/accounts/profile/notifications/send_report/")
    assert response.status_code == 302
    message = outbox.last(subscriber.email)
    assert message["Subject"] == "Daily Report" and "Backups" in outbox.text(message)
    assert User.get(subscriber.id).next_report_date == subscriber.next_report_date


def test_send_now_needs_the_csrf_token(web, subscriber, outbox):
    assert web.post("/accounts/profile/notifications/send_report/", csrf="").status_code == 403
    assert outbox.messages() == []


def test_the_email_reports_page_has_the_send_now_button(web, subscriber):
    assert 'id="send-report-now"' in web.get("/accounts/profile/notifications/").body.decode()


def test_cli_sendreport_mails_the_users_report(subscriber, outbox, monkeypatch, capsys):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "")  # empty: "real AWS", which moto stands in for
    assert cli.main(["sendreport", "--email", subscriber.email.upper()]) == 0
    assert json.loads(capsys.readouterr().out) == {"sent": subscriber.email, "period": "daily"}
    assert outbox.last(subscriber.email)["Subject"] == "Daily Report"


def test_cli_sendreport_refuses_an_unknown_address(aws, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "")
    with pytest.raises(SystemExit, match="No user"):
        cli.main(["sendreport", "--email", "nobody@example.org"])


def test_the_unsubscribe_link_still_works_a_year_later(anonymous_web, subscriber):
    token_path = unsubscribe_path(subscriber, datetime.now(timezone.utc) - timedelta(days=365))
    assert anonymous_web.post(token_path, csrf="").status_code == 200
    assert User.get(subscriber.id).reports == "off"
