"""The events a check's pages show: interleaving, paging, filters, downtimes, the CSV, the wording."""
import csv
import io
from datetime import datetime, timedelta, timezone

from chalicelib.checks import channels, checks, events, flips
from chalicelib.store.models import FLIP_RETENTION, Check, Notification, Ping
from chalicelib.web import event_text


def minutes(now, n):
    return now + timedelta(minutes=n)


def notify(check, channel, when, error="", status="down"):
    notification = Notification(
        code=check.code, key=f"{when.isoformat()}#{channel.code}", channel=channel.code,
        check_status=status, created=when, error=error, expires=when + FLIP_RETENTION,
    )  # fmt: skip
    notification.save()
    return notification


def fresh(check):
    return Check.get(check.code)


def test_events_interleave_pings_flips_and_notifications_newest_first(check, ping, now, project):
    channel = channels.create_channel(project.code, "webhook", {"url_down": "http://x"}, now, name="ops")
    ping(check, minutes(now, 1))
    flips.write_flip(check, "up", "down", "timeout", minutes(now, 2))
    notify(check, channel, minutes(now, 3))
    ping(check, minutes(now, 4))
    found = events.recent(fresh(check))
    # The first ping also flipped the check from new to up.
    assert [e.type for e in found] == ["ping", "notification", "flip", "flip", "ping"]
    assert [e.created for e in found] == [minutes(now, m) for m in (4, 3, 2, 1, 1)]


def test_a_flip_is_listed_above_the_ping_that_caused_it(check, ping, now):
    ping(check, now)  # new -> up: the flip has the ping's time
    found = events.recent(fresh(check))
    assert [e.type for e in found] == ["flip", "ping"]


def test_events_stop_at_the_limit(check, ping, now):
    for m in range(5):
        ping(check, minutes(now, m))
    found = events.recent(fresh(check), limit=3)
    assert [int(e.ping.n) for e in found] == [5, 4, 3]


def test_paging_before_an_event_continues_with_older_ones(check, ping, now):
    for m in range(6):
        ping(check, minutes(now, m))
    first = events.recent(fresh(check), limit=3, kinds=["success"])
    second = events.recent(fresh(check), limit=3, before=first[-1].created, kinds=["success"])
    assert [int(e.ping.n) for e in first + second] == [6, 5, 4, 3, 2, 1]


def test_a_page_never_splits_events_of_the_same_moment(check, ping, now):
    ping(check, minutes(now, -1))
    ping(check, now)
    ping(check, now)
    found = events.recent(fresh(check), limit=2, kinds=["success"])
    assert [int(e.ping.n) for e in found] == [3, 2]
    flips.write_flip(check, "up", "down", "", now)
    found = events.recent(fresh(check), limit=1, kinds=["success", "flip"])
    assert {e.type for e in found} == {"flip", "ping"} and len(found) == 3


def test_kind_filter_keeps_only_chosen_kinds(check, ping, now):
    ping(check, minutes(now, 1), "start")
    ping(check, minutes(now, 2))
    ping(check, minutes(now, 3), "fail")
    found = events.recent(fresh(check), kinds=["fail", "start"])
    assert [e.ping.kind for e in found] == ["fail", "start"]


def test_pings_beyond_the_ping_log_limit_are_not_listed(check, ping, now):
    check.update(actions=[Check.ping_log_limit.set(2)])
    for m in range(4):
        ping(check, minutes(now, m))
    found = events.recent(fresh(check), kinds=["success"])
    assert [int(e.ping.n) for e in found] == [4, 3]
    assert events.find_ping(fresh(check), 2) is None
    assert int(events.find_ping(fresh(check), 3).n) == 3


def test_last_ping_skips_starts_logs_and_ignored(check, ping, now):
    ping(check, minutes(now, 1), "fail")
    ping(check, minutes(now, 2), "start")
    ping(check, minutes(now, 3), "log")
    assert int(events.last_ping(fresh(check)).n) == 1


def test_stamp_changes_when_a_notification_is_delivered(check, project, now):
    channel = channels.create_channel(project.code, "webhook", {}, now)
    notification = notify(check, channel, now, error="Sending")
    before = events.stamp(events.recent(check))
    notification.update(actions=[Notification.error.set("")])
    assert events.stamp(events.recent(check)) != before
    assert events.stamp([]) == "1"


def test_downtimes_count_and_total_per_month(project, now):
    # now is 2026-01-15 12:00 UTC; the check exists since November 1st.
    check = checks.create_check(project, datetime(2025, 11, 1, tzinfo=timezone.utc), name="db")
    down_at = datetime(2025, 12, 10, tzinfo=timezone.utc)
    flips.write_flip(check, "up", "down", "timeout", down_at)
    flips.write_flip(check, "down", "up", "", down_at + timedelta(hours=2))
    flips.write_flip(check, "up", "down", "timeout", datetime(2025, 12, 31, 23, tzinfo=timezone.utc))
    flips.write_flip(check, "down", "up", "", datetime(2026, 1, 1, 1, tzinfo=timezone.utc))
    january, december, november = events.downtimes(check, now)
    assert (january.count, january.duration) == (1, timedelta(hours=1))
    assert (december.count, december.duration) == (2, timedelta(hours=3))
    assert (november.count, november.duration, november.uptime) == (0, timedelta(0), 100.0)
    assert round(december.uptime, 3) == round(100 * (1 - 3 / (31 * 24)), 3)


def test_an_ongoing_downtime_counts_up_to_now(check, now):
    flips.write_flip(check, "up", "down", "timeout", now - timedelta(hours=5))
    check.update(actions=[Check.status.set("down")])
    january = events.downtimes(fresh(check), now)[0]
    assert (january.count, january.duration) == (1, timedelta(hours=5))


def test_months_before_the_check_existed_have_no_data(check, now):
    months = events.downtimes(check, now)
    assert [m.no_data for m in months] == [False, True, True]


def test_months_are_counted_in_the_viewers_time_zone(check, now):
    months = events.downtimes(check, now, "America/New_York")
    assert months[0].start == datetime(2026, 1, 1, 5, tzinfo=timezone.utc)


def test_csv_lists_pings_and_flips_oldest_first(check, ping, now):
    ping(check, now, ua="=HYPERLINK(\"x\")")
    ping(check, minutes(now, 1), "fail")
    rows = list(csv.DictReader(io.StringIO(events.history_csv(fresh(check)))))
    assert [(r["event"], r["n"], r["kind"], r["new_status"]) for r in rows] == [
        ("ping", "1", "success", ""),
        ("flip", "", "", "up"),
        ("ping", "2", "fail", ""),
        ("flip", "", "", "down"),
    ]
    assert rows[0]["user_agent"] == "'=HYPERLINK(\"x\")"
    assert rows[0]["remote_addr"] == "10.0.0.1"


def test_kind_labels():
    def label(kind, exitstatus=None):
        return event_text.kind_label(Ping(kind=kind, exitstatus=exitstatus))

    assert [label(k) for k in ("success", "fail", "start", "log", "ign")] == ["OK", "Failure", "Started", "Log", "Ignored"]
    assert label("fail", 3) == "Status 3"
    assert label("success", 0) == "OK"


def test_qualifiers_say_how_the_ping_arrived():
    assert event_text.qualifier(Ping(kind="ign")) == "(ignored)"
    assert event_text.qualifier(Ping(kind="fail", exitstatus=2)) == "(failure, exit status 2)"
    assert event_text.qualifier(Ping(kind="success", exitstatus=0)) == "(exit status 0)"
    assert event_text.qualifier(Ping(kind="start")) == "(received via the /start endpoint)"
    assert event_text.qualifier(Ping(kind="success")) == ""


def test_source_shows_method_address_body_start_and_user_agent():
    ping = Ping(scheme="https", method="POST", remote_addr="1.2.3.4", body=b"x" * 200, ua="u" * 100)
    assert event_text.source(ping) == f"HTTPS POST from 1.2.3.4 - {'x' * 150} - {'u' * 80}…"
    assert event_text.source(Ping(scheme="email", ua="Email from a@b.c")) == "Email from a@b.c"


def test_durations_are_hours_minutes_seconds_under_72_hours():
    assert event_text.duration(65.4) == "1:05"
    assert event_text.duration(3 * 3600 + 7) == "3:00:07"
    assert event_text.duration(72 * 3600) == ""
    assert event_text.duration(None) == ""


def test_flip_and_notification_wording(check, project, now):
    assert event_text.flip_text(flips.write_flip(check, "up", "down", "", now)) == "Status: up ➔ down"
    channel = channels.create_channel(project.code, "webhook", {}, now, name="ops")
    sent = notify(check, channel, now)
    failed = notify(check, channel, minutes(now, 1), error="Received status code 500", status="up")
    assert event_text.notification_text(sent, channel) == "Sent a down alert to Webhook “ops”"
    assert event_text.notification_text(failed, channel) == "Failed to send an up alert to Webhook “ops”: Received status code 500"
    assert event_text.notification_text(sent, None) == "Sent a down alert to a removed integration"


def test_pings_that_left_the_log_but_are_still_stored_are_never_read_back(project, make_check, ping, now):
    from chalicelib.store.models import Project

    project.update(actions=[Project.ping_log_limit.set(3)])
    check = make_check(name="Every minute", timeout=60, n_pings=95, pace=60)
    for n in range(96, 101):
        ping(check, minutes(now, n - 96))
    assert [int(p.n) for p in Ping.query(check.code)] == [96, 97, 98, 99, 100]  # expire later
    check = fresh(check)
    assert [int(e.ping.n) for e in events.recent(check, kinds=events.PING_KINDS)] == [100, 99, 98]
    assert events.find_ping(check, 97) is None and int(events.find_ping(check, 98).n) == 98
    assert int(events.last_ping(check).n) == 100
    rows = list(csv.DictReader(io.StringIO(events.history_csv(check))))
    assert [row["n"] for row in rows if row["event"] == "ping"] == ["98", "99", "100"]
