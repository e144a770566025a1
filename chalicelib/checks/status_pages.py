"""Public status pages: a project's chosen checks and tags under public names, their state now,
90 days of daily uptime and the recent incidents, computed at each view from the flips.

A view reads the page (one GetItem), the project's checks (one Query of by_project) and the
project's flips since 90 days ago (one Query of the flips' by_project index, bounded by its sort
key), whatever the number of checks shown. Nothing is precomputed, so nothing can go stale. Nothing of a check but
its state and the public name chosen here ever leaves this module's public view.
"""
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlsplit

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.checks import check_summary
from chalicelib.store.models import Flip, StatusPage

DAYS = 90  # the uptime bars
INCIDENT_DAYS = 28  # the incidents listed, and the feeds
MAX_ITEMS = 200
TITLE_MAX, NAME_MAX, MESSAGE_MAX, NOTE_MAX, LOGO_MAX = 100, 100, 2000, 2000, 500
# A chosen slug: lower-case letters, digits and inner hyphens, 3 to 60 characters.
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{1,58}[a-z0-9]")
STATES = {"up": "Up", "late": "Late", "down": "Down", "paused": "Paused", "running": "Running", "new": "No data yet"}
class PageError(ValueError):
    """Input a page or a note cannot take; the message says why (shown on the form, 422)."""


@dataclass
class Incident:
    """A down period: from the flip to down (`at`, the note's key) to the flip that ended it."""

    start: datetime
    end: datetime | None  # None: still down
    at: datetime | None  # the down flip's time; None when it is older than the window
    check: str  # the check's code: for the dashboard's note form, never shown publicly
    notes: list[str] = field(default_factory=list)

    def duration(self, now: datetime) -> timedelta:
        return (self.end or now) - self.start


@dataclass
class Day:
    day: date
    uptime: float | None  # percent of the monitored part of the day not down; None: not monitored
    down: timedelta

    @property
    def level(self) -> str:
        """The bar's kind: none (no data), full, minor (under an hour down), major."""
        if self.uptime is None:
            return "none"
        return "full" if not self.down else "minor" if self.down < timedelta(hours=1) else "major"


@dataclass
class ShownItem:
    name: str  # the public name
    state: str  # a key of STATES
    days: list[Day]
    uptime: float | None  # over the DAYS days
    incidents: list[Incident]  # the last INCIDENT_DAYS, newest first


@dataclass
class PageView:
    page: StatusPage
    items: list[ShownItem]
    now: datetime
    # Each shown check's own recent down periods, newest first (a tag's are merged in its item):
    # the dashboard's note forms. Never on the public page, which shows only public names.
    check_incidents: list[Incident] = field(default_factory=list)

    @property
    def state(self) -> str:
        """The page's headline: down if any item is down, else late if any is late, else up."""
        states = {item.state for item in self.items}
        return "down" if "down" in states else "late" if "late" in states else "up"

    @property
    def incidents(self) -> list[tuple[str, Incident]]:
        """Every item's incidents with its public name, newest first."""
        found = [(item.name, incident) for item in self.items for incident in item.incidents]
        return sorted(found, key=lambda pair: pair[1].start, reverse=True)


# Reading and writing pages.


def get(slug: str) -> StatusPage | None:
    if not isinstance(slug, str) or not 0 < len(slug) <= 100:
        return None
    try:
        return StatusPage.get(slug)
    except StatusPage.DoesNotExist:
        return None


def in_project(project_code: str) -> list[StatusPage]:
    return sorted(StatusPage.by_project.query(project_code), key=lambda p: (p.created, p.slug))


def items_of(page: StatusPage) -> list[dict]:
    return json.loads(page.items or "[]")


def create(project_code: str, title: str, now: datetime) -> StatusPage:
    """A new unpublished page at an unguessable slug (96 random bits)."""
    page = StatusPage(slug=secrets.token_hex(12), project=project_code, created=now, title=_title(title))
    page.save(condition=StatusPage.slug.does_not_exist())
    return page


def update(page: StatusPage, form: dict, project_checks: list) -> StatusPage:
    """Set the page from the form's values (title, slug, logo_url, message, published, items),
    all validated first; a new slug is taken in one transaction with the old one's removal."""
    title = _title(form.get("title", ""))
    slug = form.get("slug", "").strip() or page.slug
    if slug != page.slug and not SLUG_RE.fullmatch(slug):
        raise PageError("The address takes 3 to 60 lower-case letters, digits and hyphens, not at either end.")
    logo_url = _logo_url(form.get("logo_url", ""))
    message = form.get("message", "").strip()
    if len(message) > MESSAGE_MAX:
        raise PageError(f"The message takes up to {MESSAGE_MAX} characters.")
    items = _items(form.get("items", []), project_checks)
    values = dict(title=title, logo_url=logo_url, message=message or None, published=bool(form.get("published")),
                  items=json.dumps(items))  # fmt: skip
    if slug == page.slug:
        for name, value in values.items():
            setattr(page, name, value)
        page.save()
        return page
    moved = StatusPage(slug=slug, project=page.project, created=page.created, **values)
    try:
        with TransactWrite(connection=StatusPage._get_connection().connection) as both:
            both.save(moved, condition=StatusPage.slug.does_not_exist())
            both.delete(page)
    except TransactWriteError:
        raise PageError(f"The address “{slug}” is taken; choose another.") from None
    return moved


def delete(page: StatusPage) -> None:
    page.delete()


def delete_all(project_code: str) -> None:
    """Every page of a project (when the project is deleted)."""
    for page in StatusPage.by_project.query(project_code):
        page.delete()


def _title(title: str) -> str:
    title = title.strip()
    if not 0 < len(title) <= TITLE_MAX:
        raise PageError(f"Give the page a title of 1 to {TITLE_MAX} characters.")
    return title


def _logo_url(url: str) -> str | None:
    url = url.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if len(url) > LOGO_MAX or parts.scheme != "https" or not parts.hostname or re.search(r"[\s\"'<>\\]", url):
        raise PageError(f"The logo URL must be an https:// address of up to {LOGO_MAX} characters.")
    return url


def _items(items: list[tuple[str, str, str]], project_checks: list) -> list[dict]:
    """(kind "check" | "tag", the check's code or the tag, the public name) -> what is stored."""
    codes = {check.code for check in project_checks}
    tags = {tag for check in project_checks for tag in check.tags.split()}
    if len(items) > MAX_ITEMS:
        raise PageError(f"A page shows up to {MAX_ITEMS} checks and tags.")
    stored, seen = [], set()
    for kind, key, name in items:
        name = name.strip()
        if kind not in ("check", "tag") or key not in (codes if kind == "check" else tags) or (kind, key) in seen:
            raise PageError("A chosen check or tag is not in this project.")
        if not 0 < len(name) <= NAME_MAX:
            raise PageError(f"Give every shown check and tag a public name of 1 to {NAME_MAX} characters.")
        seen.add((kind, key))
        stored.append({kind: key, "name": name})
    return stored


# Incident notes, kept on the down flip.


def save_note(check, at: datetime, text: str, may_replace: bool) -> None:
    """The note on the incident that check's down flip at `at` starts; "" removes it. Without
    may_replace (members) only an incident with no note yet takes one."""
    text = text.strip()
    if len(text) > NOTE_MAX:
        raise PageError(f"A note takes up to {NOTE_MAX} characters.")
    flip = Flip(code=check.code, created=at)
    condition = Flip.code.exists() & (Flip.new_status == "down")
    if not may_replace:
        condition &= Flip.note.does_not_exist()
    try:
        flip.update(actions=[Flip.note.set(text) if text else Flip.note.remove()], condition=condition)
    except UpdateError as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            raise LookupError("No such incident, or it has a note that only a manager may change.") from None
        raise


# A view.


def view(page: StatusPage, now: datetime) -> PageView:
    """What the page shows now: per item, its state, daily uptime and recent incidents."""
    listed = {check.code: check for check in check_summary.project_checks(page.project)}
    wanted = items_of(page)
    shown_codes = set()
    for item in wanted:
        if "check" in item and item["check"] in listed:
            shown_codes.add(item["check"])
        elif "tag" in item:
            shown_codes |= {code for code, check in listed.items() if item["tag"] in check.tags.split()}
    flips = read_flips(page.project, shown_codes, now)
    result = []
    for item in wanted:
        members = [listed[item["check"]]] if item.get("check") in listed else [
            check for check in listed.values() if "tag" in item and item["tag"] in check.tags.split()]  # fmt: skip
        if members:
            result.append(shown_item(item["name"], members, flips, now))
    since, recent = window_start(now), now - timedelta(days=INCIDENT_DAYS)
    own = [period for code in shown_codes for period in down_periods(listed[code], flips[code], since, now)]
    own = [period for period in own if period.at is not None and (period.end is None or period.end > recent)]
    return PageView(page, result, now, sorted(own, key=lambda p: p.start, reverse=True))


def read_flips(project_code: str, codes: set[str], now: datetime) -> dict[str, list[Flip]]:
    """Each of these checks' flips of the last DAYS days, oldest first, from one Query of the
    project's flips (eventually consistent: a flip of the last second may show a moment later)."""
    flips: dict[str, list[Flip]] = {code: [] for code in codes}
    for flip in Flip.by_project.query(project_code, Flip.created >= window_start(now)):
        if flip.code in flips:
            flips[flip.code].append(flip)
    return flips


def window_start(now: datetime) -> datetime:
    """The first moment of the oldest bar's day (UTC)."""
    return datetime.combine(now.date() - timedelta(days=DAYS - 1), time(), tzinfo=timezone.utc)


def shown_item(name: str, checks: list, flips: dict[str, list[Flip]], now: datetime) -> ShownItem:
    """One line of the page: a check, or the checks of a tag taken together (down while any is)."""
    since = window_start(now)
    periods = [p for check in checks for p in down_periods(check, flips.get(check.code, []), since, now)]
    merged = _merge(periods) if len(checks) > 1 else periods
    created = max(since, min(check.created for check in checks))
    days = daily(merged, created, now)
    monitored = now - created
    down = sum((p.duration(now) for p in merged), timedelta(0))
    uptime = None if monitored <= timedelta(0) else max(0.0, 100 * (1 - down / monitored))
    recent = now - timedelta(days=INCIDENT_DAYS)
    incidents = sorted((p for p in merged if p.end is None or p.end > recent), key=lambda p: p.start, reverse=True)
    return ShownItem(name, state([check_summary.row(check, now) for check in checks]), days, uptime, incidents)


def state(rows: list) -> str:
    """The public state of a check's or a tag's rows: down, late, running, up, paused or new."""
    statuses = [row.status for row in rows]
    if "down" in statuses:
        return "down"
    if "grace" in statuses:
        return "late"
    if any(row.started for row in rows):
        return "running"
    if "up" in statuses:
        return "up"
    return "paused" if "paused" in statuses else "new"


def down_periods(check, flips: list[Flip], since: datetime, now: datetime) -> list[Incident]:
    """The check's down periods since `since`, from its flips oldest first and its status now."""
    periods, current = [], None
    status = flips[0].old_status if flips else check.status
    if status == "down":
        current = Incident(max(since, check.created), None, None, check.code)
    for flip in flips:
        if flip.new_status == "down" and current is None:
            current = Incident(flip.created, None, flip.created, check.code, [flip.note] if flip.note else [])
        elif flip.new_status != "down" and current is not None:
            current.end = flip.created
            periods.append(current)
            current = None
    if current is not None:  # still down
        periods.append(current)
    return periods


def _merge(periods: list[Incident]) -> list[Incident]:
    """Overlapping down periods of a tag's checks as one (their notes together)."""
    merged: list[Incident] = []
    for period in sorted(periods, key=lambda p: p.start):
        last = merged[-1] if merged else None
        if last is not None and (last.end is None or period.start <= last.end):
            if last.end is not None and (period.end is None or period.end > last.end):
                last.end = period.end
            last.notes += [note for note in period.notes if note not in last.notes]
        else:
            merged.append(Incident(period.start, period.end, period.at, period.check, list(period.notes)))
    return merged


def daily(periods: list[Incident], monitored_from: datetime, now: datetime) -> list[Day]:
    """DAYS bars, oldest first: each UTC day's uptime over the part of it that was monitored."""
    first = window_start(now)
    down = [timedelta(0)] * DAYS
    for period in periods:  # each period adds to the days it spans, not every day to every period
        start, end = max(first, period.start), min(now, period.end or now)
        while start < end:
            index = (start.date() - first.date()).days
            day_end = min(end, datetime.combine(start.date() + timedelta(days=1), time(), tzinfo=timezone.utc))
            down[index] += day_end - start
            start = day_end
    days = []
    for index in range(DAYS):
        start = first + timedelta(days=index)
        monitored = min(now, start + timedelta(days=1)) - max(start, monitored_from)
        if monitored <= timedelta(0):
            days.append(Day(start.date(), None, timedelta(0)))
        else:
            days.append(Day(start.date(), max(0.0, 100 * (1 - down[index] / monitored)), down[index]))
    return days


def duration_text(span: timedelta) -> str:
    """"2 h 14 min", "5 min", "under a minute"."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes and not days else ""]
    return " ".join(part for part in parts if part)


def day_text(day: Day) -> str:
    """What a bar says, in words, short (a page holds 90 per item): "13 Jan: 98.61% up, down 20 min"."""
    label = f"{day.day.day} {day.day:%b}"
    if day.uptime is None:
        return f"{label}: no data"
    if not day.down:
        return f"{label}: up"
    return f"{label}: {uptime_text(day.uptime)} up, down {duration_text(day.down)}"


def uptime_text(percent: float | None) -> str:
    if percent is None:
        return "no data"
    if percent >= 100:
        return "100%"
    return f"{min(percent, 99.99):.2f}%"  # never round a downtime up to 100%

