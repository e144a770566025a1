"""Email reports and reminders: who is due, what the mail says, when the next one goes, exactly once."""
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.accounts import users
from chalicelib.alerts import reports
from chalicelib.checks import checks
from chalicelib.checks.flips import write_flip
from chalicelib.store.models import User

UTC = timezone.utc


@pytest.fixture
def reader(user):
    """The project owner, with the report period and time zone a test gives."""

    def make(reports="monthly", tz="UTC", next_report_date=None, nag_period=0, next_nag_date=None):
        actions = [User.reports.set(reports), User.tz.set(tz), User.nag_period.set(nag_period)]
        actions.append(User.next_report_date.set(next_report_date) if next_report_date else User.next_report_date.remove())
        actions.append(User.next_nag_date.set(next_nag_date) if next_nag_date else User.next_nag_date.remove())
        user.update(actions=actions)
        return User.get(user.id)

    return make


@pytest.fixture
def old_check(project):
    """make(name, created=..., **fields): a check that has existed (and pinged) for a while."""

    def make(name, created=datetime(2025, 9, 1, tzinfo=UTC), **fields):
        fields.setdefault("status", "up")
        fields.setdefault("timeout", 365 * 86400)  # up whatever "now" a test picks
        fields.setdefault("last_ping", datetime(2026, 1, 1, tzinfo=UTC))
        return checks.create_check(project, created, name=name, **fields)

    return make


def downtime(check, start: datetime, length: timedelta) -> None:
    """Flips down at start and back up after length."""
    write_flip(check, "up", "down", "timeout", start)
    write_flip(check, "down", "up", "", start + length)


def html(message) -> str:
    return message.get_body(("html",)).get_content()


def rows_of(message) -> list[list[str]]:
    """The HTML report's check rows as lists of cell texts."""
    import re

    rows = re.findall(r'<tr class="check">(.*?)</tr>', html(message), re.S)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]


# -- who is due -------------------------------------------------------------------------------------


def test_due_users_are_those_whose_report_date_has_passed(aws, now, make_member):
    due = users.create_user("due@example.org", now, next_report_date=now - timedelta(minutes=1))
    users.create_user("later@example.org", now, next_report_date=now + timedelta(minutes=1))
    users.create_user("off@example.org", now, reports="off")
    assert [u.id for u in reports.due_for_report(now)] == [due.id]


def test_due_users_are_found_without_a_table_scan(aws, now, monkeypatch):
    users.create_user("due@example.org", now, next_report_date=now - timedelta(hours=1))
    monkeypatch.setattr(User, "scan", classmethod(lambda *a, **k: pytest.fail("scanned the users table")))
    assert len(list(reports.due_for_report(now))) == 1


def test_reminders_are_due_only_for_users_with_a_passed_reminder_date(aws, now):
    due = users.create_user("due@example.org", now, nag_period=3600, next_nag_date=now - timedelta(seconds=1))
    users.create_user("later@example.org", now, nag_period=3600, next_nag_date=now + timedelta(minutes=5))
    users.create_user("none@example.org", now)
    assert [u.id for u in reports.due_for_reminder(now)] == [due.id]


def test_a_new_user_is_scheduled_for_the_monthly_report_in_their_zone(aws, now):
    user = users.create_user("new@example.org", now, tz="Asia/Tokyo")
    # Feb 1, 9:00 in Tokyo (UTC+9) is Feb 1, 0:00 UTC.
    assert user.next_report_date == datetime(2026, 2, 1, 0, 0, tzinfo=UTC)


# -- what the report says ---------------------------------------------------------------------------


def test_monthly_report_counts_each_months_downtimes_from_the_flips(reader, old_check, outbox):
    check = old_check("Backups")
    downtime(check, datetime(2025, 11, 10, tzinfo=UTC), timedelta(hours=2))
    downtime(check, datetime(2025, 12, 5, tzinfo=UTC), timedelta(hours=1))
    downtime(check, datetime(2025, 12, 20, tzinfo=UTC), timedelta(minutes=30))
    user = reader("monthly")
    assert reports.send_report(user, datetime(2026, 1, 1, 9, 30, tzinfo=UTC))
    message = outbox.last(user.email)
    assert message["Subject"] == "Monthly Report"
    assert "In December, 1 check had 2 downtime events." in outbox.text(message)
    assert "Dec 2025" in html(message) and "Nov 2025" in html(message)
    assert rows_of(message) == [["up", "Backups", "2 downtimes, 1 hour 30 minutes", "1 downtime, 2 hours"]]


def test_weekly_report_shows_the_last_two_weeks_monday_to_sunday(reader, old_check, outbox):
    check = old_check("Backups")
    downtime(check, datetime(2026, 1, 11, 23, 0, tzinfo=UTC), timedelta(minutes=20))  # Sunday of the last week
    downtime(check, datetime(2026, 1, 12, 1, 0, tzinfo=UTC), timedelta(minutes=5))  # this week: not reported
    user = reader("weekly")
    reports.send_report(user, datetime(2026, 1, 12, 9, 5, tzinfo=UTC))  # a Monday
    message = outbox.last(user.email)
    assert message["Subject"] == "Weekly Report"
    assert "Last week (Jan 5 to Jan 11), 1 check had 1 downtime event." in outbox.text(message)
    assert "Jan 5 – Jan 11" in html(message) and "Dec 29 – Jan 4" in html(message)
    assert rows_of(message) == [["up", "Backups", "1 downtime, 20 minutes", "All good!"]]


def test_daily_report_counts_yesterday_in_the_users_time_zone(reader, old_check, outbox):
    check = old_check("Backups")
    # 23:30 UTC on Jan 13 is already Jan 14 in Riga (UTC+2): yesterday, for a report on Jan 15 there.
    downtime(check, datetime(2026, 1, 13, 23, 30, tzinfo=UTC), timedelta(minutes=10))
    user = reader("daily", tz="Europe/Riga")
    reports.send_report(user, datetime(2026, 1, 15, 7, 10, tzinfo=UTC))
    message = outbox.last(user.email)
    assert "Yesterday (Jan 14), 1 check had 1 downtime event." in outbox.text(message)
    assert rows_of(message) == [["up", "Backups", "1 downtime, 10 minutes", "All good!"]]


def test_a_downtime_across_midnight_counts_in_both_days(reader, old_check, outbox):
    check = old_check("Backups")
    downtime(check, datetime(2026, 1, 13, 23, 0, tzinfo=UTC), timedelta(hours=2))
    reports.send_report(reader("daily"), datetime(2026, 1, 15, 9, 0, tzinfo=UTC))
    assert rows_of(outbox.last()) == [["up", "Backups", "1 downtime, 1 hour", "1 downtime, 1 hour"]]


def test_a_report_leaves_periods_before_the_check_existed_blank(reader, old_check, outbox):
    old_check("New one", created=datetime(2026, 1, 14, 6, 0, tzinfo=UTC))
    reports.send_report(reader("daily"), datetime(2026, 1, 15, 9, 0, tzinfo=UTC))
    assert rows_of(outbox.last()) == [["up", "New one", "All good!", ""]]
    assert "Yesterday (Jan 14), no checks had downtimes. Nice!" in outbox.text(outbox.last())


def test_down_checks_are_shouted_and_the_most_downtimes_come_first(reader, old_check, outbox):
    calm, flaky = old_check("A calm one"), old_check("Z flaky", status="down")
    downtime(flaky, datetime(2026, 1, 14, 1, 0, tzinfo=UTC), timedelta(minutes=1))
    write_flip(flaky, "up", "down", "timeout", datetime(2026, 1, 14, 3, 0, tzinfo=UTC))
    reports.send_report(reader("daily"), datetime(2026, 1, 15, 9, 0, tzinfo=UTC))
    names = [(row[0], row[1]) for row in rows_of(outbox.last())]
    assert names == [("DOWN", "Z flaky"), ("up", "A calm one")]


def test_each_project_the_user_belongs_to_has_its_own_table(reader, old_check, outbox, now):
    from chalicelib.accounts import projects

    other = projects.create_project("Other team", now).project
    user = reader("daily")
    projects.add_member(other.code, user.id, "r", now)
    old_check("Mine")
    checks.create_check(other, datetime(2025, 9, 1, tzinfo=UTC), name="Theirs")
    reports.send_report(user, now)
    body = html(outbox.last())
    assert body.index("Other team") < body.index("Theirs") and body.index("Test project") < body.index("Mine")


def test_check_names_are_escaped_in_the_html_report(reader, old_check, outbox, now):
    old_check("<script>alert(1)</script>")
    reports.send_report(reader("daily"), now)
    assert "<script>alert" not in html(outbox.last()) and "&lt;script&gt;" in html(outbox.last())


def test_no_report_when_no_check_pinged_in_180_days(reader, old_check, outbox, now):
    old_check("Quiet", last_ping=now - timedelta(days=181))
    assert not reports.send_report(reader("daily"), now)
    assert outbox.messages() == []


def test_report_mail_has_one_click_unsubscribe_headers(reader, old_check, outbox, now):
    old_check("Backups")
    reports.send_report(reader("daily"), now)
    message = outbox.last()
    url = message["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://localhost:8000/accounts/unsubscribe_reports/") and url in outbox.text(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_unsubscribe_header_is_sent_as_a_plain_url(reader, old_check, outbox, now):
    """Not folded into encoded words, which mail clients would not read as a URL."""
    old_check("Backups")
    reports.send_report(reader("daily"), now)
    raw = next(outbox.folder.glob("*.eml")).read_bytes()
    assert b"\nList-Unsubscribe: <http://localhost:8000/accounts/unsubscribe_reports/" in raw.replace(b"\r", b"")


# -- the schedule and exactly once ------------------------------------------------------------------


@pytest.mark.parametrize("period, tz, run_at, next_at", [
    # Tokyo (UTC+9): the run at 9:30 there sends, the next daily report is 9:00 tomorrow there.
    ("daily", "Asia/Tokyo", datetime(2026, 1, 15, 0, 30, tzinfo=UTC), datetime(2026, 1, 16, 0, 0, tzinfo=UTC)),
    # New York on the day before DST starts (Mar 8): 9:00 EDT is 13:00 UTC, not 14:00.
    ("daily", "America/New_York", datetime(2026, 3, 7, 14, 30, tzinfo=UTC), datetime(2026, 3, 8, 13, 0, tzinfo=UTC)),
    # Weekly from a Monday: the next Monday, 9:00 in Los Angeles (UTC-8).
    ("weekly", "America/Los_Angeles", datetime(2026, 1, 12, 17, 30, tzinfo=UTC), datetime(2026, 1, 19, 17, 0, tzinfo=UTC)),
    # Monthly in Riga after DST ends (Oct 25): Nov 1, 9:00 EET is 7:00 UTC.
    ("monthly", "Europe/Riga", datetime(2026, 10, 1, 6, 30, tzinfo=UTC), datetime(2026, 11, 1, 7, 0, tzinfo=UTC)),
])  # fmt: skip
def test_a_run_sends_the_due_report_and_schedules_the_next_in_local_time(reader, old_check, outbox, period, tz, run_at, next_at):
    old_check("Backups", last_ping=run_at - timedelta(days=1))
    user = reader(period, tz=tz, next_report_date=run_at - timedelta(minutes=30))
    assert reports.run(run_at) == (1, 0)
    assert len(outbox.messages()) == 1
    assert User.get(user.id).next_report_date == next_at


def test_two_overlapping_runs_send_the_report_once(reader, old_check, outbox, now):
    old_check("Backups")
    reader("daily", next_report_date=now - timedelta(hours=1))
    read_by_both = list(reports.due_for_report(now))  # the second run read the user before the first wrote
    assert reports.run(now) == (1, 0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reports, "due_for_report", lambda now: iter(read_by_both))
        assert reports.run(now + timedelta(seconds=5)) == (0, 0)
    assert len(outbox.messages()) == 1


def test_a_run_skips_users_not_yet_due(reader, old_check, outbox, now):
    old_check("Backups")
    reader("daily", next_report_date=now + timedelta(minutes=1))
    assert reports.run(now) == (0, 0)
    assert outbox.messages() == []



def test_a_run_that_died_after_its_claim_leaves_the_report_to_the_next_run(reader, old_check, outbox, now, monkeypatch):
    old_check("Backups")
    reader("daily", next_report_date=now - timedelta(hours=1))
    with monkeypatch.context() as dying:
        dying.setattr(reports, "send_report", lambda user, now: (_ for _ in ()).throw(RuntimeError("killed")))
        assert reports.run(now) == (0, 0)
    assert reports.run(now + timedelta(minutes=1)) == (0, 0)  # the dead run's claim is still live
    assert reports.run(now + timedelta(hours=1)) == (1, 0)
    assert len(outbox.messages()) == 1


def test_a_refused_report_is_not_retried_every_hour(reader, old_check, outbox, now, monkeypatch):
    from chalicelib.lib.errors import TransportError

    old_check("Backups")
    user = reader("daily", next_report_date=now - timedelta(hours=1))
    with monkeypatch.context() as refusing:
        refusing.setattr(reports, "send_report", lambda user, now: (_ for _ in ()).throw(TransportError("refused")))
        assert reports.run(now) == (0, 0)
    assert User.get(user.id).next_report_date > now
    assert reports.run(now + timedelta(hours=1)) == (0, 0)
    assert outbox.messages() == []


def test_the_report_claim_lease_is_the_reports_functions_timeout():
    import json
    from pathlib import Path

    config = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "config.json").read_text())
    assert reports.CLAIM_LEASE == timedelta(seconds=config["lambda_functions"]["reports"]["lambda_timeout"])

# -- reminders --------------------------------------------------------------------------------------


def test_no_reminder_while_nothing_is_down_but_the_date_moves_on(reader, old_check, outbox, now):
    old_check("Backups")
    user = reader("off", nag_period=3600, next_nag_date=now - timedelta(minutes=1))
    assert reports.run(now) == (0, 0)
    assert outbox.messages() == []
    assert User.get(user.id).next_nag_date == now + timedelta(hours=1)


def test_a_reminder_lists_the_checks_that_are_down(reader, old_check, outbox, now):
    old_check("Fine")
    old_check("Backups", status="down", last_ping=now - timedelta(hours=3))
    user = reader("off", nag_period=86400, next_nag_date=now - timedelta(minutes=1))
    assert reports.run(now) == (0, 1)
    message = outbox.last(user.email)
    assert message["Subject"] == "Reminder: 1 check still down"
    assert "This is a daily reminder: One check is still down." in outbox.text(message)
    assert rows_of(message) == [["DOWN", "Backups", "3 hours ago"]]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert User.get(user.id).next_nag_date == now + timedelta(days=1)


def test_two_overlapping_runs_send_the_reminder_once(reader, old_check, outbox, now):
    old_check("Backups", status="down")
    reader("off", nag_period=3600, next_nag_date=now - timedelta(minutes=1))
    read_by_both = list(reports.due_for_reminder(now))
    assert reports.run(now) == (0, 1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reports, "due_for_reminder", lambda now: iter(read_by_both))
        assert reports.run(now) == (0, 0)
    assert len(outbox.messages()) == 1
