"""When the next email report is due, in the user's own time zone."""
from datetime import datetime, timezone

import pytest

from chalicelib.accounts import preferences

UTC = timezone.utc


@pytest.mark.parametrize("reports, now, expected", [
    ("daily", datetime(2026, 1, 15, 8, 0, tzinfo=UTC), datetime(2026, 1, 15, 9, 0, tzinfo=UTC)),
    ("daily", datetime(2026, 1, 15, 9, 0, tzinfo=UTC), datetime(2026, 1, 16, 9, 0, tzinfo=UTC)),
    ("weekly", datetime(2026, 1, 15, 12, 0, tzinfo=UTC), datetime(2026, 1, 19, 9, 0, tzinfo=UTC)),  # a Thursday -> Monday
    ("weekly", datetime(2026, 1, 19, 8, 0, tzinfo=UTC), datetime(2026, 1, 19, 9, 0, tzinfo=UTC)),
    ("monthly", datetime(2026, 1, 15, 12, 0, tzinfo=UTC), datetime(2026, 2, 1, 9, 0, tzinfo=UTC)),
    ("monthly", datetime(2026, 12, 31, 12, 0, tzinfo=UTC), datetime(2027, 1, 1, 9, 0, tzinfo=UTC)),
    ("monthly", datetime(2026, 3, 1, 8, 0, tzinfo=UTC), datetime(2026, 3, 1, 9, 0, tzinfo=UTC)),
])  # fmt: skip
def test_next_report_is_at_nine_on_the_next_report_day(reports, now, expected):
    assert preferences.next_report_date(reports, "UTC", now) == expected


def test_next_report_is_at_nine_in_the_users_zone_across_a_dst_change():
    # Riga moves from UTC+2 to UTC+3 on 2026-03-29: 9:00 there is 7:00 UTC before and 6:00 UTC after.
    now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert preferences.next_report_date("daily", "Europe/Riga", now) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


def test_report_hour_setting_moves_the_report_time(monkeypatch):
    monkeypatch.setattr("chalicelib.settings.REPORT_HOUR", 17)
    now = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    assert preferences.next_report_date("daily", "UTC", now) == datetime(2026, 1, 15, 17, 0, tzinfo=UTC)


def test_no_report_date_when_reports_are_off():
    assert preferences.next_report_date("off", "UTC", datetime(2026, 1, 15, tzinfo=UTC)) is None


def test_known_zones_come_from_the_tz_database():
    assert preferences.known_zone("Asia/Tokyo") and not preferences.known_zone("asia/tokyo")
