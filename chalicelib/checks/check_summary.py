"""Checks as lists show them: each check's status as of now, filters, sorts, and the worst
status of a group (a tag, a project), for the checks list, its live update and My Projects."""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeSetAttribute, UTCDateTimeAttribute

from chalicelib.checks import run_bounds, schedules
from chalicelib.store import raw_items
from chalicelib.store.models import Check

# Worst first: the order of "sort by status" and of aggregation.
SEVERITY = {"down": 0, "grace": 1, "started": 2, "up": 3, "new": 4, "paused": 5}
STATUSES = ("new", "up", "grace", "down", "paused", "started")
SORTS = ("created", "name", "-name", "last_ping", "-last_ping", "status")
# Only what a list shows, so a project of 1,000 checks is a light read.
LIST_ATTRIBUTES = [
    "code", "project", "badge_key", "created", "name", "slug", "tags", "kind", "timeout", "grace", "schedule",
    "tz", "status", "last_ping", "last_start", "last_duration", "has_confirmation_link", "changed", "channels",
    "max_duration", "track_runs", "runs",  # a watched run's own deadline decides its status (run_bounds)
]  # fmt: skip


@dataclass(slots=True)
class ListedCheck:
    """A check as lists read it: LIST_ATTRIBUTES only, with Check's names, types and defaults."""
    code: str
    project: str
    badge_key: str
    created: datetime
    name: str
    slug: str
    tags: str
    kind: str
    timeout: int
    grace: int
    schedule: str
    tz: str
    status: str
    last_ping: datetime | None
    last_start: datetime | None
    last_duration: int | float | None
    has_confirmation_link: bool
    changed: datetime | None
    channels: set[str]  # the codes of the channels the check alerts through
    max_duration: int | None
    track_runs: bool | None
    runs: dict[str, float]  # run key -> start timestamp, while runs are watched


@dataclass(slots=True)
class Row:
    check: ListedCheck
    status: str  # new | up | grace | down | paused, as of now
    started: bool  # a run is in progress (and not yet overdue)
    stamp: datetime  # the last time anything wrote the check: created, a ping, a start or a change

    @property
    def tags(self) -> list[str]:
        return self.check.tags.split()

    def state(self) -> dict:
        """What a live update sends about the check."""
        check = self.check
        return {
            "code": check.code,
            "status": self.status,
            "started": self.started,
            "last_ping": check.last_ping.isoformat() if check.last_ping else None,
            "last_duration": int(check.last_duration) if check.last_duration is not None else None,
            "confirmation": bool(check.has_confirmation_link),
        }


def project_checks(project_code: str) -> list[ListedCheck]:
    """The project's checks in creation order: one Query of the by_project index (paginated),
    projected to LIST_ATTRIBUTES and read straight into ListedCheck, no Check objects."""
    items = raw_items.query(Check._get_connection(), project_code, index_name=Check.by_project.Meta.index_name,
                            attributes_to_get=LIST_ATTRIBUTES)  # fmt: skip
    return sorted(map(_listed, items), key=lambda c: (c.created, c.code))


def _decoder(attribute):
    """The raw DynamoDB value -> Python, for one attribute: the fast path of pynamodb's own."""
    if isinstance(attribute, UTCDateTimeAttribute):
        return datetime.fromisoformat
    if isinstance(attribute, NumberAttribute):
        return attribute.deserialize
    if isinstance(attribute, UnicodeSetAttribute):
        return set
    if isinstance(attribute, MapAttribute):  # runs: key -> {"N": timestamp}
        return lambda raw: {key: float(value["N"]) for key, value in raw.items()}
    return None  # strings and booleans arrive as they are


_ATTRIBUTES = [(name, Check.get_attributes()[name]) for name in LIST_ATTRIBUTES]
_DECODERS = [(a.attr_name, name, _decoder(a)) for name, a in _ATTRIBUTES]
_DEFAULTS = {name: a.default for name, a in _ATTRIBUTES if not callable(a.default)}
_FACTORIES = [(name, a.default) for name, a in _ATTRIBUTES if callable(a.default)]  # e.g. channels: set


def _listed(item: dict) -> ListedCheck:
    values = dict(_DEFAULTS)
    for name, make in _FACTORIES:
        values[name] = make()
    for key, name, decode in _DECODERS:
        typed = item.get(key)
        if typed is not None:
            ((kind, raw),) = typed.items()
            values[name] = None if kind == "NULL" else decode(raw) if decode else raw
    return ListedCheck(**values)


def row(check, now: datetime) -> Row:
    """check: a ListedCheck or a Check (both have the attributes lists read)."""
    status = schedules.status(check, now)
    started = check.last_start is not None and status != "down"
    stamp = max(t for t in (check.created, check.last_ping, check.last_start, check.changed) if t is not None)
    return Row(check, status, started, stamp)


def deadlines(check) -> list[datetime]:
    """The moments at which time alone changes the check's shown status."""
    result = []
    if run_bounds.watches_runs(check):
        result += [deadline for deadline, _, _ in run_bounds.run_deadlines(check)]
    elif check.last_start is not None:
        result.append(check.last_start + timedelta(seconds=check.grace))
    due = schedules.next_expected(check, with_started=False) if check.status == "up" else None
    if due is not None:
        result += [due, due + timedelta(seconds=check.grace)]
    return result


def rows(checks: list[ListedCheck], now: datetime) -> list[Row]:
    return [row(check, now) for check in checks]


def worst(statuses) -> str:
    """A group's status: down if any is down, else grace if any is late, else up."""
    statuses = set(statuses)
    return "down" if "down" in statuses else "grace" if "grace" in statuses else "up"


def tag_summary(rows: list[Row]) -> dict[str, tuple[str, str]]:
    """Each tag's worst status and a tooltip ("2 of 5 down", "1 of 3 late", "4 up")."""
    by_tag: dict[str, list[str]] = {}
    for item in rows:
        for tag in item.tags:
            by_tag.setdefault(tag, []).append(item.status)
    summary = {}
    for tag in sorted(by_tag, key=str.lower):
        statuses = by_tag[tag]
        status = worst(statuses)
        if status == "down":
            tooltip = f"{statuses.count('down')} of {len(statuses)} down"
        elif status == "grace":
            tooltip = f"{statuses.count('grace')} of {len(statuses)} late"
        else:
            tooltip = f"{len(statuses)} up"
        summary[tag] = (status, tooltip)
    return summary


def title(rows: list[Row], site_name: str) -> str:
    """The page title: "3 down – Site" while any check is down."""
    down = sum(1 for item in rows if item.status == "down")
    return f"{down} down – {site_name}" if down else site_name


def matches(item: Row, tags: list[str], search: str, statuses: list[str]) -> bool:
    """Has every tag, contains the search text (in name, slug or code), and has any status."""
    check = item.check
    if any(tag not in item.tags for tag in tags):
        return False
    if search and search.lower() not in f"{check.name}\n{check.slug}\n{check.code}".lower():
        return False
    if statuses:
        shown = {item.status, "started"} if item.started else {item.status}
        return bool(shown.intersection(statuses))
    return True


def sort(rows: list[Row], order: str) -> list[Row]:
    """Rows in the chosen order (rows come in creation order), down checks always first."""
    if order in ("name", "-name"):
        rows = sorted(rows, key=lambda r: _natural(r.check.name or r.check.code), reverse=order == "-name")
    elif order in ("last_ping", "-last_ping"):
        # As Healthchecks: "last_ping" is oldest first with the never pinged last, and
        # "-last_ping" its exact reverse (the never pinged first, then newest first).
        rows = sorted(rows, key=_last_ping_key, reverse=order == "-last_ping")
    elif order == "status":
        rows = sorted(rows, key=lambda r: SEVERITY["started" if r.started else r.status])
    return sorted(rows, key=lambda r: r.status != "down")  # stable: keeps the order within


def _last_ping_key(row: Row) -> tuple:
    return (0, row.check.last_ping) if row.check.last_ping else (1, datetime.min.replace(tzinfo=timezone.utc))


def _natural(text: str) -> list:
    """"check 10" after "check 9": digits compare as numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text.lower()) if part]
