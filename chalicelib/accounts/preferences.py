"""A user's own settings: time zone, theme, and the email reports and reminders schedule."""
import functools
import zoneinfo
from datetime import datetime, timedelta

from chalicelib import settings
from chalicelib.store.models import User

THEMES = {"": "Light", "dark": "Dark", "system": "Same as the system"}
REPORTS = {"off": "Off", "daily": "Daily", "weekly": "Weekly, on Mondays", "monthly": "Monthly, on the 1st"}
NAG_PERIODS = {0: "Off", 86400: "Daily", 3600: "Hourly"}


@functools.cache
def zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def known_zone(name: str) -> bool:
    return name in zones()


def set_time_zone(user: User, tz: str, now: datetime) -> None:
    """Save the zone and move the next report to REPORT_HOUR in it; ValueError for an unknown zone."""
    if not known_zone(tz):
        raise ValueError("Unknown time zone.")
    next_report = next_report_date(user.reports, tz, now)
    actions = [User.tz.set(tz)] + ([User.next_report_date.set(next_report)] if next_report else [])
    user.update(actions=actions)


def set_theme(user: User, theme: str) -> None:
    if theme not in THEMES:
        raise ValueError("Unknown theme.")
    user.update(actions=[User.theme.set(theme)])


def set_email_reports(user: User, reports: str, nag_period: int, now: datetime) -> None:
    """Save the schedule and when the next report and reminder are due (sending is elsewhere)."""
    if reports not in REPORTS:
        raise ValueError("Unknown report period.")
    if nag_period not in NAG_PERIODS:
        raise ValueError("Unknown reminder period.")
    next_report = next_report_date(reports, user.tz, now)
    next_nag = now + timedelta(seconds=nag_period) if nag_period else None
    user.update(
        actions=[
            User.reports.set(reports),
            User.nag_period.set(nag_period),
            User.next_report_date.set(next_report) if next_report else User.next_report_date.remove(),
            User.next_nag_date.set(next_nag) if next_nag else User.next_nag_date.remove(),
        ]
    )


def next_report_date(reports: str, tz: str, now: datetime) -> datetime | None:
    """The next settings.REPORT_HOUR o'clock in the user's zone that is a report day, after now."""
    if reports == "off":
        return None
    local = now.astimezone(zoneinfo.ZoneInfo(tz if known_zone(tz) else "UTC"))
    day = local.replace(hour=settings.REPORT_HOUR, minute=0, second=0, microsecond=0)
    if day <= local:
        day += timedelta(days=1)
    if reports == "weekly":
        day += timedelta(days=-day.weekday() % 7)
    elif reports == "monthly" and day.day != 1:
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return day.replace(fold=0).astimezone(now.tzinfo)
