"""What a report and a reminder say: each of the user's projects, its checks' status and, for the
report, the downtimes of the last completed periods counted from the flips."""
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from chalicelib.accounts import preferences, project_overview
from chalicelib.checks import check_summary, events
from chalicelib.checks.events import Downtime
from chalicelib.integrations import text
from chalicelib.store.models import Check, User

SUBJECTS = {"daily": "Daily Report", "weekly": "Weekly Report", "monthly": "Monthly Report"}
PERIODS_SHOWN = 2  # completed periods in the table, newest first, as Healthchecks' report
ACTIVE_WITHIN = timedelta(days=180)  # no report for an account none of whose checks pinged lately


@dataclass
class CheckLine:
    check: Check
    status: str  # as of now: new | up | grace | down | paused
    downtimes: list[Downtime] = field(default_factory=list)  # one per column; [] in a reminder
    last_ping: str = ""  # "3 hours ago" or "Never", in a reminder

    @property
    def name(self) -> str:
        return text.name_then_code(self.check)

    def cells(self) -> list[str]:
        """Each column's words: "2 downtimes, 1 hour", "All good!", or "" before the check existed."""
        return [_cell(d) for d in self.downtimes]


@dataclass
class ProjectLines:
    name: str
    lines: list[CheckLine]


@dataclass
class Report:
    period: str  # daily | weekly | monthly
    subject: str
    intro: str
    columns: list[str]  # the periods' labels, newest first
    projects: list[ProjectLines]
    active: bool  # some check pinged within ACTIVE_WITHIN


@dataclass
class Reminder:
    subject: str
    intro: str
    projects: list[ProjectLines]  # only the down checks


def build_report(user: User, period: str, now: datetime) -> Report:
    """The report of the periods before now in the user's time zone, over all their projects."""
    tz = _zone(user.tz)
    starts = period_starts(period, now, tz, PERIODS_SHOWN + 1)
    utc_starts = [start.astimezone(timezone.utc) for start in starts]
    projects, active = [], False
    for summary in project_overview.summaries(user, now):
        lines = []
        for check in check_summary.project_checks(summary.project.code):
            active = active or (check.last_ping is not None and now - check.last_ping <= ACTIVE_WITHIN)
            figures = events.period_downtimes(check, utc_starts, now)[1:]  # the current period is not over
            lines.append(CheckLine(check, check_summary.row(check, now).status, figures))
        lines.sort(key=lambda line: (-line.downtimes[0].count, line.name.lower()))
        projects.append(ProjectLines(summary.name, lines))
    last = [line.downtimes[0].count for p in projects for line in p.lines]
    return Report(
        period=period,
        subject=SUBJECTS[period],
        intro=_intro(period, starts[1], starts[0], sum(1 for n in last if n), sum(last)),
        columns=[period_label(period, start, end) for start, end in zip(starts[1:], starts)],
        projects=projects,
        active=active,
    )


def build_reminder(user: User, now: datetime) -> Reminder:
    """The checks down now, by project; projects with none down are left out."""
    projects = []
    for summary in project_overview.summaries(user, now):
        if summary.status != "down":
            continue
        rows = check_summary.rows(check_summary.project_checks(summary.project.code), now)
        down = [CheckLine(r.check, r.status, last_ping=_last_ping(r.check, now)) for r in rows if r.status == "down"]
        projects.append(ProjectLines(summary.name, down))
    n_down = sum(len(p.lines) for p in projects)
    every = {3600: "hourly", 86400: "daily"}.get(int(user.nag_period), "periodic")
    subject = f"Reminder: {n_down} check{'' if n_down == 1 else 's'} still down"
    is_are = "One check is" if n_down == 1 else f"{n_down} checks are"
    return Reminder(subject, f"This is a{'n' if every == 'hourly' else ''} {every} reminder: {is_are} still down.", projects)


def period_starts(period: str, now: datetime, tz: ZoneInfo, count: int) -> list[datetime]:
    """The local first moments of the current period and the ones before it, newest first."""
    if period == "monthly":
        return events.month_starts(now, tz.key, count)
    today = now.astimezone(tz).date()
    step = 7 if period == "weekly" else 1
    first = today - timedelta(days=today.weekday()) if period == "weekly" else today
    return [datetime.combine(first - timedelta(days=step * i), time(), tzinfo=tz) for i in range(count)]


def period_label(period: str, start: datetime, end: datetime) -> str:
    """"Dec 2025", "Jan 5 – Jan 11" or "Jan 14"."""
    if period == "monthly":
        return f"{start:%b %Y}"
    if period == "weekly":
        return f"{_day(start)} – {_day(end - timedelta(days=1))}"
    return _day(start)


def _intro(period: str, start: datetime, end: datetime, n_checks: int, n_events: int) -> str:
    when = {
        "monthly": f"In {start:%B}",
        "weekly": f"Last week ({_day(start)} to {_day(end - timedelta(days=1))})",
        "daily": f"Yesterday ({_day(start)})",
    }[period]
    if not n_events:
        return f"{when}, no checks had downtimes. Nice!"
    checks = "1 check" if n_checks == 1 else f"{n_checks} checks"
    return f"{when}, {checks} had {n_events} downtime event{'' if n_events == 1 else 's'}."


def _cell(downtime: Downtime) -> str:
    if downtime.no_data:
        return ""
    if not downtime.count:
        return "All good!"
    return f"{downtime.count} downtime{'' if downtime.count == 1 else 's'}, {text.duration(downtime.duration)}"


def _last_ping(check: Check, now: datetime) -> str:
    return text.ago(check.last_ping, now) if check.last_ping else "Never"


def _day(moment: datetime) -> str:
    return f"{moment:%b} {moment.day}"


def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name if preferences.known_zone(name) else "UTC")
