"""Email alerts: validation, flags, and the messages a real SMTP listener receives."""
import json
from datetime import timedelta

import pytest

from chalicelib.integrations import text
from chalicelib.integrations.base import TransportError
from chalicelib.integrations.kinds import email as email_kind
from chalicelib.store.models import Channel, Check, Ping

ADDRESS = "ops@example.org"


def make_channel(value=None, verified=True) -> Channel:
    value = value if value is not None else json.dumps({"value": ADDRESS, "up": True, "down": True})
    return Channel(code="c0ffee", project="p", kind="email", value=value, email_verified=verified)


def send(smtp_server, notice):
    """Send the alert and return the received message's subject, text and HTML."""
    email_kind.send(make_channel(), notice)
    _, rcpt_tos, message = smtp_server.messages[-1]
    assert rcpt_tos == [ADDRESS]
    return (
        message["Subject"],
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


@pytest.fixture
def last_ping(now):
    return Ping(code="x", n=42, created=now - timedelta(hours=2, minutes=5), kind="fail", exitstatus=1)


def test_validate_returns_the_address_and_flags_as_json():
    stored = email_kind.validate({"value": " ops@example.org ", "up": False, "down": True})
    assert json.loads(stored) == {"value": ADDRESS, "up": False, "down": True}


@pytest.mark.parametrize("address", ["", "ops", "ops@", "@example.org", "ops@example", "o ps@example.org",
                                     "ops@@example.org", "<ops@example.org>", "a@b.org, c@d.org"])
def test_validate_rejects_a_malformed_address(address):
    with pytest.raises(ValueError, match="value"):
        email_kind.validate({"value": address, "up": True, "down": True})


def test_validate_requires_up_or_down():
    with pytest.raises(ValueError, match="up, down"):
        email_kind.validate({"value": ADDRESS, "up": False, "down": False})


def test_is_noop_follows_the_flags():
    channel = make_channel(json.dumps({"value": ADDRESS, "up": False, "down": True}))
    assert (email_kind.is_noop(channel, "down"), email_kind.is_noop(channel, "up")) == (False, True)


def test_legacy_bare_address_wants_both_directions():
    channel = make_channel(ADDRESS)
    assert not email_kind.is_noop(channel, "down") and not email_kind.is_noop(channel, "up")
    assert email_kind.target(channel)["value"] == ADDRESS


def test_unverified_address_is_an_error_that_keeps_the_channel_enabled(smtp_server, notice):
    with pytest.raises(TransportError) as info:
        email_kind.send(make_channel(verified=False), notice("down"))
    assert (info.value.message, info.value.disable, info.value.transient) == ("Email not verified", False, False)
    assert smtp_server.messages == []


def test_down_alert_subject(smtp_server, notice):
    subject, _, _ = send(smtp_server, notice("down"))
    assert subject == "DOWN | Backups"


def test_up_alert_subject(smtp_server, notice):
    subject, _, _ = send(smtp_server, notice("up"))
    assert subject == "UP | Backups"


def test_subject_uses_the_uuid_when_the_name_is_empty(smtp_server, notice, make_check):
    check = make_check(name="")
    subject, plain, _ = send(smtp_server, notice("down", check=check))
    assert subject == f"DOWN | {check.code}"
    assert f'The check "{check.code}" is DOWN' in plain


def test_text_part_has_the_alert_details(smtp_server, notice, last_ping):
    _, plain, _ = send(smtp_server, notice("down", last_ping=last_ping, last_ping_body=b"disk full"))
    for expected in [
        'The check "Backups" is DOWN (success signal did not arrive on time, grace time passed).',
        "Nightly database dump",
        "Project: Test project",
        "Tags: prod nightly",
        "Period: 1 day",
        "Total Pings: 42",
        "Last Ping: Failure, 2 hours 5 minutes ago",
        "Last Ping Time: Thu, 15 Jan 2026 09:55:00 GMT",
        "disk full",
        "Status changed to DOWN at Thu, 15 Jan 2026 12:00:00 GMT.",
    ]:
        assert expected in plain


def test_the_alert_says_where_the_last_ping_came_from(smtp_server, notice, last_ping):
    last_ping.scheme, last_ping.method, last_ping.remote_addr = "https", "POST", "203.0.113.9"
    _, plain, _ = send(smtp_server, notice("down", last_ping=last_ping))
    assert "Last Ping From: HTTPS POST from 203.0.113.9" in plain


def test_an_email_pings_sender_is_where_it_came_from(smtp_server, notice, last_ping):
    last_ping.scheme, last_ping.ua = "email", "Email from backup@example.org"
    _, plain, _ = send(smtp_server, notice("down", last_ping=last_ping))
    assert "Last Ping From: Email from backup@example.org" in plain


def test_html_part_has_the_alert_details(smtp_server, notice, last_ping):
    n = notice("down", last_ping=last_ping, last_ping_body=b"disk full")
    _, _, html = send(smtp_server, n)
    for expected in [
        "is DOWN (success signal did not arrive on time, grace time passed).",
        f'href="{n.check_url}"',
        "Nightly database dump",
        "Test project",
        "prod nightly",
        "Failure, 2 hours 5 minutes ago",
        "disk full</pre>",
        "Status changed to <strong>DOWN</strong> at Thu, 15 Jan 2026 12:00:00 GMT.",
    ]:
        assert expected in html


def test_check_url_is_in_the_text_part(smtp_server, notice):
    n = notice("down")
    _, plain, _ = send(smtp_server, n)
    assert n.check_url in plain


def test_html_part_escapes_check_fields(smtp_server, notice, make_check):
    check = make_check(name="<b>x</b>", desc="<script>alert(1)</script>")
    _, _, html = send(smtp_server, notice("down", check=check, last_ping_body=b"<img src=x>"))
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<script>" not in html and "<img" not in html


def test_up_alert_tells_the_downtime(smtp_server, notice):
    _, plain, html = send(smtp_server, notice("up", downtime=timedelta(hours=2, minutes=5, seconds=9)))
    assert 'The check "Backups" is now UP.' in plain
    assert "The downtime lasted 2 hours 5 minutes." in plain
    assert "The downtime lasted 2 hours 5 minutes." in html


def test_up_alert_without_known_downtime_says_nothing_of_it(smtp_server, notice):
    _, plain, _ = send(smtp_server, notice("up"))
    assert "downtime" not in plain


def test_cron_check_shows_schedule_and_time_zone(smtp_server, notice, make_check):
    check = make_check(name="Nightly", kind="cron", schedule="15 3 * * *", tz="Europe/Riga")
    _, plain, _ = send(smtp_server, notice("down", check=check))
    assert "Schedule: 15 3 * * *\nTime Zone: Europe/Riga\n" in plain
    assert "Period" not in plain


def test_never_pinged_check_shows_never(smtp_server, notice):
    _, plain, _ = send(smtp_server, notice("down"))
    assert "Last Ping: Never" in plain
    assert "Last ping body" not in plain


def test_last_ping_body_keeps_its_last_10000_characters(smtp_server, notice, last_ping):
    body = b"HEAD" + b"x" * 10_000 + b"END"
    _, plain, _ = send(smtp_server, notice("down", last_ping=last_ping, last_ping_body=body))
    assert "Last ping body (its last 10,000 characters):" in plain
    assert "x" * 9_997 + "END" in plain and "HEAD" not in plain


def test_last_ping_body_with_invalid_utf8_is_still_shown(smtp_server, notice, last_ping):
    _, plain, _ = send(smtp_server, notice("down", last_ping=last_ping, last_ping_body=b"ok \xff\xfe done"))
    assert "ok \ufffd\ufffd done" in plain


def test_other_down_checks_are_listed_and_the_rest_counted(smtp_server, notice, now):
    others = [Check(code=f"o{i}", project="p", name=f"Job {i}", last_ping=now - timedelta(minutes=i + 1))
              for i in range(10)]
    n = notice("down", other_down=others, other_down_count=13, project_check_count=20)
    _, plain, html = send(smtp_server, n)
    assert "Also down in this project:\n  - Job 0 (last ping 1 minute ago)\n" in plain
    assert "  - Job 9 (last ping 10 minutes ago)\n  ...and 3 more\n" in plain
    assert "<li>...and 3 more</li>" in html


def test_up_alert_lists_checks_still_down(smtp_server, notice):
    others = [Check(code="o1", project="p", name="Job 1")]
    _, plain, _ = send(smtp_server, notice("up", other_down=others, other_down_count=1, project_check_count=2))
    assert "Still down in this project:\n  - Job 1 (never pinged)\n" in plain
    assert "more" not in plain


def test_all_other_checks_up_when_the_project_has_more_checks(smtp_server, notice):
    _, plain, html = send(smtp_server, notice("down", project_check_count=5))
    assert "All the other checks are up." in plain
    assert "All the other checks are up." in html


def test_single_check_project_has_no_other_checks_section(smtp_server, notice):
    _, plain, _ = send(smtp_server, notice("down", project_check_count=1))
    assert "other checks" not in plain and "in this project" not in plain


@pytest.mark.parametrize("seconds, words", [
    (0, "0 seconds"), (1, "1 second"), (59, "59 seconds"), (60, "1 minute"), (125, "2 minutes 5 seconds"),
    (7500, "2 hours 5 minutes"), (7230, "2 hours"), (86400, "1 day"), (90000, "1 day 1 hour"),
    (8 * 86400, "1 week 1 day"),
])
def test_durations_in_words(seconds, words):
    assert text.duration(seconds) == words


def test_times_are_in_the_readers_own_zone_when_the_address_is_an_account(smtp_server, notice, now, project):
    from chalicelib.accounts import users

    users.create_user(ADDRESS, now, tz="Europe/Riga")
    channel = make_channel()
    channel.project = project.code
    email_kind.send(channel, notice("down"))
    text_part = smtp_server.messages[-1][2].get_body(("plain",)).get_content()
    assert email_kind.text.format_time(now, "Europe/Riga") in text_part
    assert "(Europe/Riga)" in text_part


def test_times_are_in_the_project_owners_zone_for_other_addresses(smtp_server, notice, now, project):
    from chalicelib.accounts import users
    from chalicelib.store.models import Project

    owner = users.create_user("owner@example.org", now, tz="Asia/Tokyo")
    project.update(actions=[Project.owner.set(owner.id)])
    channel = make_channel()
    channel.project = project.code
    email_kind.send(channel, notice("down"))
    assert "(Asia/Tokyo)" in smtp_server.messages[-1][2].get_body(("plain",)).get_content()
