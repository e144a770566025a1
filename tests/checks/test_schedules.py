"""Schedule and status rules of a check (chalicelib/checks/schedules.py), with `now` passed in."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import available_timezones

import pytest

from chalicelib.checks import schedules

UTC = timezone.utc
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # a Thursday
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)


@dataclass
class FakeCheck:
    """The attributes the schedule logic reads, with the Check model's defaults."""

    kind: str = "simple"
    timeout: int = 86400
    grace: int = 3600
    schedule: str = "* * * * *"
    tz: str = "UTC"
    status: str = "new"
    last_ping: datetime | None = None
    last_start: datetime | None = None
    max_duration: int | None = None
    track_runs: bool | None = None
    runs: dict = field(default_factory=dict)
    alert_held_until: datetime | None = None


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def up_check(**fields) -> FakeCheck:
    """An up simple check pinged at NOW (due NOW + 1 day, down NOW + 1 day 1 hour)."""
    return FakeCheck(**{"status": "up", "last_ping": NOW, **fields})


def cron_check(schedule, last_ping, tz="UTC") -> FakeCheck:
    return up_check(kind="cron", schedule=schedule, tz=tz, last_ping=last_ping)


def oncalendar_check(schedule, last_ping, tz="UTC") -> FakeCheck:
    return up_check(kind="oncalendar", schedule=schedule, tz=tz, last_ping=last_ping)


# Simple checks, next_expected and going_down_after


def test_simple_check_is_due_timeout_after_last_ping():
    assert schedules.next_expected(up_check(timeout=600)) == NOW + timedelta(seconds=600)


def test_going_down_after_adds_grace_to_due_time():
    check = up_check(timeout=600, grace=120)
    assert schedules.going_down_after(check) == NOW + timedelta(seconds=720)


@pytest.mark.parametrize("stored", ["new", "paused", "down"])
def test_only_up_checks_are_expected(stored):
    check = up_check(status=stored)
    assert schedules.next_expected(check) is None
    assert schedules.going_down_after(check) is None


def test_earlier_start_moves_due_time_to_the_start():
    started = NOW + HOUR
    assert schedules.next_expected(up_check(last_start=started)) == started


def test_later_start_leaves_due_time_alone():
    check = up_check(timeout=600, last_start=NOW + HOUR)
    assert schedules.next_expected(check) == NOW + timedelta(seconds=600)


def test_next_expected_without_started_ignores_the_start():
    check = up_check(last_start=NOW + HOUR)
    assert schedules.next_expected(check, with_started=False) == NOW + timedelta(days=1)


@pytest.mark.parametrize("stored", ["new", "paused"])
def test_started_new_or_paused_check_goes_down_grace_after_start(stored):
    check = FakeCheck(status=stored, last_start=NOW, grace=300)
    assert schedules.going_down_after(check) == NOW + timedelta(seconds=300)


def test_started_down_check_never_goes_down_again():
    check = up_check(status="down", last_start=NOW)
    assert schedules.going_down_after(check) is None


# status(): up_check() is due at DUE and down an hour later; runs start at START, grace 1 hour.

START = NOW + HOUR
DUE = NOW + timedelta(days=1)

STATUS_CASES = {
    "never pinged is new": (FakeCheck(), NOW, False, "new"),
    "up before due": (up_check(), DUE - SECOND, False, "up"),
    "grace from due time": (up_check(), DUE, False, "grace"),
    "down from due time plus grace": (up_check(), DUE + HOUR, False, "down"),
    "stored down is down": (up_check(status="down"), NOW, False, "down"),
    "paused stays paused": (up_check(status="paused"), DUE + 30 * HOUR, False, "paused"),
    "running is up for v2": (up_check(last_start=START), START + HOUR - SECOND, False, "up"),
    "running is started for v1": (
        up_check(last_start=START), START + HOUR - SECOND, True, "started"),
    "run past grace is down": (up_check(last_start=START), START + HOUR, False, "down"),
    "run past grace is down for v1": (up_check(last_start=START), START + HOUR, True, "down"),
    "paused running within grace is paused": (
        FakeCheck(status="paused", last_start=START), START + HOUR - SECOND, False, "paused"),
    "paused run past grace is down": (
        FakeCheck(status="paused", last_start=START), START + HOUR, False, "down"),
    "down running is down for v2": (
        up_check(status="down", last_start=START), START + SECOND, False, "down"),
    "down running within grace is started for v1": (
        up_check(status="down", last_start=START), START + SECOND, True, "started"),
    "down run past grace is down for v1": (
        up_check(status="down", last_start=START), START + HOUR, True, "down"),
    "up with no future match stays up": (
        oncalendar_check("2026-01-01 12:00", last_ping=NOW), utc(2099, 1, 1), False, "up"),
}


@pytest.mark.parametrize("check, now, with_started, expected", STATUS_CASES.values(),
                         ids=STATUS_CASES)
def test_status(check, now, with_started, expected):
    assert schedules.status(check, now, with_started=with_started) == expected


# Cron


def test_cron_next_expected_in_utc():
    check = cron_check("0 9 * * *", last_ping=utc(2026, 1, 15, 9, 0, 5))
    assert schedules.next_expected(check) == utc(2026, 1, 16, 9, 0)


def test_cron_match_is_strictly_after_last_ping():
    check = cron_check("0 9 * * *", last_ping=utc(2026, 1, 15, 9, 0))
    assert schedules.next_expected(check) == utc(2026, 1, 16, 9, 0)


def test_cron_matches_local_time_of_check_zone():
    winter = cron_check("0 9 * * *", last_ping=utc(2026, 1, 15, 10), tz="Europe/Riga")
    summer = cron_check("0 9 * * *", last_ping=utc(2026, 7, 15, 10), tz="Europe/Riga")
    assert schedules.next_expected(winter) == utc(2026, 1, 16, 7)  # EET, UTC+2
    assert schedules.next_expected(summer) == utc(2026, 7, 16, 6)  # EEST, UTC+3


def test_cron_going_down_after_in_check_zone():
    check = cron_check("0 9 * * *", last_ping=utc(2026, 1, 15, 10), tz="Europe/Riga")
    assert schedules.going_down_after(check) == utc(2026, 1, 16, 8)


# New York, 2026: clocks go 02:00 -> 03:00 EDT on March 8 and 02:00 -> 01:00 EST on November 1.
# cronsim follows Debian cron: a fixed-time job whose time is skipped runs right after the jump,
# and one whose time repeats runs once; jobs more frequent than hourly are scheduled normally.


def test_cron_0230_on_spring_forward_day_runs_when_clocks_reach_0300():
    check = cron_check("30 2 * * *", last_ping=utc(2026, 3, 7, 12), tz="America/New_York")
    assert schedules.next_expected(check) == utc(2026, 3, 8, 7)  # 03:00 EDT


def test_cron_0230_after_spring_forward_day_is_back_to_0230():
    check = cron_check("30 2 * * *", last_ping=utc(2026, 3, 8, 7), tz="America/New_York")
    assert schedules.next_expected(check) == utc(2026, 3, 9, 6, 30)  # 02:30 EDT


def test_cron_0230_on_fall_back_day_runs_at_0230_standard_time():
    check = cron_check("30 2 * * *", last_ping=utc(2026, 10, 31, 12), tz="America/New_York")
    assert schedules.next_expected(check) == utc(2026, 11, 1, 7, 30)  # 02:30 EST


def test_cron_0130_in_repeated_hour_runs_once_at_first_occurrence():
    check = cron_check("30 1 * * *", last_ping=utc(2026, 10, 31, 12), tz="America/New_York")
    assert schedules.next_expected(check) == utc(2026, 11, 1, 5, 30)  # 01:30 EDT
    check.last_ping = utc(2026, 11, 1, 5, 31)
    assert schedules.next_expected(check) == utc(2026, 11, 2, 6, 30)  # next day, not 01:30 EST


def test_cron_ping_in_second_pass_of_repeated_hour_expects_the_first_pass():
    # cronsim quirk kept as Healthchecks has it: from 01:10 EST the "next" 01:30 is the EDT one,
    # which is earlier than the ping itself.
    check = cron_check("30 1 * * *", last_ping=utc(2026, 11, 1, 6, 10), tz="America/New_York")
    assert schedules.next_expected(check) == utc(2026, 11, 1, 5, 30)


def test_cron_every_30_minutes_runs_through_both_passes_of_repeated_hour():
    times = schedules.fire_times("cron", "*/30 * * * *", "America/New_York", utc(2026, 11, 1, 5), 4)
    # 01:30 EDT, 01:00 EST, 01:30 EST, 02:00 EST
    assert times == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6),
                     utc(2026, 11, 1, 6, 30), utc(2026, 11, 1, 7)]


# OnCalendar


def test_oncalendar_matches_local_time_of_check_zone():
    check = oncalendar_check("12:00", last_ping=utc(2026, 1, 15, 11), tz="Europe/Riga")
    assert schedules.next_expected(check) == utc(2026, 1, 16, 10)


def test_oncalendar_expression_zone_overrides_check_zone():
    check = oncalendar_check("12:00 UTC", last_ping=utc(2026, 1, 15, 11), tz="Europe/Riga")
    assert schedules.next_expected(check) == utc(2026, 1, 15, 12)


def test_oncalendar_multiple_lines_take_earliest_match():
    # From Thursday NOW, Friday 17:00 UTC comes before Monday 09:00 Riga time.
    check = oncalendar_check("Mon 09:00\nFri 17:00 UTC", last_ping=NOW, tz="Europe/Riga")
    assert schedules.fire_times("oncalendar", check.schedule, check.tz, NOW, 3) == [
        utc(2026, 1, 16, 17),
        utc(2026, 1, 19, 7),
        utc(2026, 1, 23, 17),
    ]
    assert schedules.next_expected(check) == utc(2026, 1, 16, 17)


def test_oncalendar_tilde_one_is_last_day_of_month():
    check = oncalendar_check("*-*~1 12:00", last_ping=utc(2028, 2, 1))
    assert schedules.next_expected(check) == utc(2028, 2, 29, 12)


def test_oncalendar_keeps_local_time_across_dst_change():
    times = schedules.fire_times("oncalendar", "12:00", "Europe/Riga", utc(2026, 3, 28), 2)
    assert times == [utc(2026, 3, 28, 10), utc(2026, 3, 29, 9)]  # EET, then EEST


def test_oncalendar_skips_time_lost_to_spring_forward():
    # Unlike cron, systemd (and oncalendar) drop a time that does not exist that day.
    check = oncalendar_check("02:30", last_ping=utc(2026, 3, 7, 12), tz="America/New_York")
    assert schedules.next_expected(check) == utc(2026, 3, 9, 6, 30)


def test_oncalendar_with_no_future_match_is_never_expected():
    check = oncalendar_check("2026-01-01 12:00", last_ping=utc(2026, 2, 1))
    assert schedules.next_expected(check) is None
    assert schedules.going_down_after(check) is None


# guess_kind and validate_schedule


@pytest.mark.parametrize("text", ["* * * * *", "  0 9 * * MON-FRI \n", "*/5\t* * * *"])
def test_one_line_of_five_fields_is_cron(text):
    assert schedules.guess_kind(text) == "cron"


@pytest.mark.parametrize(
    "text", ["12:00", "0 0 9 * * *", "* * * *", "0 9 * *\n*", "Mon *-*-* 12:00:00"])
def test_anything_else_is_oncalendar(text):
    assert schedules.guess_kind(text) == "oncalendar"


@pytest.mark.parametrize(
    "kind, text",
    [("cron", "*/5 * * * *"), ("cron", "0 9 L * *"), ("oncalendar", "*-*~1 12:00"),
     ("oncalendar", "Mon, 12:34\n00:00 Europe/Riga")],
)
def test_validate_schedule_accepts_valid_expressions(kind, text):
    schedules.validate_schedule(kind, text)


@pytest.mark.parametrize("text", ["garbage", "", "61 * * * *", "* * 31 2 *", "0 9 * * * *"])
def test_validate_schedule_rejects_bad_cron(text):
    with pytest.raises(ValueError, match="cron"):
        schedules.validate_schedule("cron", text)


@pytest.mark.parametrize("text", ["garbage", "", "25:00", "12:00 Europe", "1999-01-01"])
def test_validate_schedule_rejects_bad_oncalendar(text):
    with pytest.raises(ValueError, match="OnCalendar"):
        schedules.validate_schedule("oncalendar", text)


def test_validate_schedule_limits_length_to_100():
    schedules.validate_schedule("cron", "00" + ",0" * 45 + " * * * *")  # 100 characters
    with pytest.raises(ValueError, match="longer than 100"):
        schedules.validate_schedule("cron", "000" + ",0" * 45 + " * * * *")


def test_validate_schedule_rejects_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        schedules.validate_schedule("simple", "* * * * *")


# canonical_tz


@pytest.mark.parametrize(
    "alias, canonical",
    [("Europe/Kiev", "Europe/Kyiv"), ("Asia/Calcutta", "Asia/Kolkata"), ("UCT", "Etc/UTC"),
     ("US/Eastern", "America/New_York"), ("CET", "Europe/Brussels"), ("EET", "Europe/Athens"),
     ("MET", "Europe/Brussels"), ("WET", "Europe/Lisbon"), ("EST5EDT", "America/New_York"),
     ("GMT0", "Etc/GMT"), ("Iceland", "Africa/Abidjan")],
)
def test_canonical_tz_rewrites_legacy_aliases(alias, canonical):
    assert schedules.canonical_tz(alias) == canonical


@pytest.mark.parametrize("name", ["UTC", "Europe/Riga", "America/New_York", "Etc/GMT+5", "America/Montreal", "Etc/UCT"])
def test_canonical_tz_keeps_canonical_names_and_backward_names_of_places(name):
    assert schedules.canonical_tz(name) == name


@pytest.mark.parametrize("name", ["Mars/Base", "", "europe/riga", "Europe", "../etc/passwd"])
def test_canonical_tz_rejects_unknown_zones(name):
    with pytest.raises(ValueError, match="timezone"):
        schedules.canonical_tz(name)


def test_every_alias_maps_to_a_known_canonical_zone():
    known = available_timezones()
    for alias, target in schedules.TZ_ALIASES.items():
        assert alias in known and target in known and target not in schedules.TZ_ALIASES


# validate_seconds


@pytest.mark.parametrize("value", [60, 31_536_000])
def test_validate_seconds_accepts_bounds(value):
    schedules.validate_seconds("timeout", value)


@pytest.mark.parametrize("value", [59, 31_536_001, 1.5, True, "60", None])
def test_validate_seconds_rejects_out_of_range_and_non_ints(value):
    with pytest.raises(ValueError, match="^grace "):
        schedules.validate_seconds("grace", value)


# fire_times


def test_fire_times_returns_count_times_in_order():
    times = schedules.fire_times("cron", "0 9 * * *", "Europe/Riga", NOW, 3)
    assert times == [utc(2026, 1, 16, 7), utc(2026, 1, 17, 7), utc(2026, 1, 18, 7)]


def test_fire_times_are_strictly_after_start():
    assert schedules.fire_times("cron", "0 12 * * *", "UTC", NOW, 1) == [utc(2026, 1, 16, 12)]


def test_fire_times_are_utc():
    times = schedules.fire_times("oncalendar", "12:00", "Europe/Riga", NOW, 2)
    assert all(t.tzinfo is UTC for t in times)


def test_fire_times_stop_when_schedule_runs_out():
    times = schedules.fire_times("oncalendar", "2026-02-01 12:00", "UTC", NOW, 5)
    assert times == [utc(2026, 2, 1, 12)]


def test_fire_times_reject_simple_kind():
    with pytest.raises(ValueError):
        schedules.fire_times("simple", "", "UTC", NOW, 3)


def test_every_alias_leads_to_a_zone_that_is_not_itself_an_alias():
    from zoneinfo import available_timezones

    zones = available_timezones()
    assert all(target in zones and target not in schedules.TZ_ALIASES for target in schedules.TZ_ALIASES.values())
