"""A check's history as people read it: pings, flips and notifications interleaved newest
first, paged back through what is stored, and the downtimes of recent months from the flips."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.store.models import Channel, Check, Flip, Notification, Ping

PING_KINDS = ("success", "fail", "start", "log", "ign")
KINDS = (*PING_KINDS, "flip", "notification")
# How each kind sorts among events of the same moment, newest first: a ping's flip and the
# notifications it caused are shown above the ping.
_ORDER = {"notification": 0, "flip": 1, "ping": 2}


@dataclass
class Event:
    created: datetime
    ping: Ping | None = None
    flip: Flip | None = None
    notification: Notification | None = None
    channel: Channel | None = None  # the notification's channel, when it still exists

    @property
    def type(self) -> str:
        return "ping" if self.ping else "flip" if self.flip else "notification"

    @property
    def identity(self) -> str:
        """What tells this event (and its state) from any other, for change detection."""
        if self.ping:
            return f"p{int(self.ping.n)}"
        if self.flip:
            # With its dependency decision, which delivery records after the flip (and its detail with it).
            return f"f{self.flip.created.isoformat()}:{self.flip.dependency or ''}"
        return f"n{self.notification.key}:{self.notification.error}"


def first_visible_n(check: Check) -> int:
    """Pings numbered above this are the visible ones (the project's ping log limit)."""
    return int(check.n_pings) - int(check.ping_log_limit)


def recent(check: Check, limit: int = 30, before: datetime | None = None, kinds=KINDS) -> list[Event]:
    """The newest `limit` events older than `before`, newest first.

    Events that share the last one's moment are all included, so that a page that starts
    where this one ended (before=its last event's time) never splits them.
    """
    kinds = set(kinds)
    found = []
    ping_kinds = [kind for kind in PING_KINDS if kind in kinds]
    if ping_kinds:
        found += [Event(p.created, ping=p) for p in _pings(check, limit, before, ping_kinds)]
    if "flip" in kinds:
        condition = Flip.created < before if before else None
        found += [Event(f.created, flip=f) for f in Flip.query(check.code, condition, scan_index_forward=False, limit=limit)]
    if "notification" in kinds:
        found += _notifications(check, limit, before)
    shown = _newest(found, limit)
    if _may_show_hidden_notifications(shown):
        since = visible_since(check)
        if since is not None:
            shown = _newest([e for e in found if not e.notification or e.created >= since], limit)
    return shown


def _newest(found: list[Event], limit: int) -> list[Event]:
    found = sorted(found, key=lambda e: (e.created, -_ORDER[e.type], e.ping.n if e.ping else 0), reverse=True)
    if len(found) > limit:
        cut = found[limit - 1].created
        found = [e for e in found[:limit]] + [e for e in found[limit:] if e.created == cut]
    return found


def _may_show_hidden_notifications(found: list[Event]) -> bool:
    """Whether a notification is older than every ping shown: then it may predate the log."""
    oldest_ping = min((e.created for e in found if e.ping), default=None)
    return any(e.notification and (oldest_ping is None or e.created < oldest_ping) for e in found)


def visible_since(check: Check) -> datetime | None:
    """When the oldest visible ping arrived, once older ones have left the log (else None).

    Notifications older than it are not shown: as in Healthchecks, the log shows no alert
    without its pings (pings that leave the log are no longer deleted at once, see
    chalicelib/pings/retention.py, so nor are the notifications older than them)."""
    if first_visible_n(check) < 1:
        return None
    oldest = Ping.query(check.code, Ping.n > first_visible_n(check), limit=1, attributes_to_get=["created"])
    return next((p.created for p in oldest), None)


def _pings(check: Check, limit: int, before: datetime | None, kinds: list[str]) -> list[Ping]:
    condition = Ping.created < before if before else None
    if len(kinds) < len(PING_KINDS):
        kind_condition = Ping.kind.is_in(*kinds)
        condition = kind_condition if condition is None else condition & kind_condition
    found = list(
        Ping.query(
            check.code,
            Ping.n > first_visible_n(check),
            filter_condition=condition,
            scan_index_forward=False,
            limit=limit,
        )
    )
    if len(found) == limit:
        found += _same_moment(check, found[-1], kinds)
    return found


def _same_moment(check: Check, last: Ping, kinds: list[str]) -> list[Ping]:
    """The pings just below `last` that arrived at the very same moment (they belong on its page)."""
    older = Ping.query(
        check.code, Ping.n.between(first_visible_n(check) + 1, int(last.n) - 1), scan_index_forward=False, page_size=10
    )
    result = []
    for ping in older:
        if ping.created != last.created:
            break
        if ping.kind in kinds:
            result.append(ping)
    return result


def _notifications(check: Check, limit: int, before: datetime | None) -> list[Event]:
    condition = Notification.created < before if before else None
    found = list(Notification.query(check.code, filter_condition=condition, scan_index_forward=False, limit=limit))
    codes = list({n.channel for n in found})
    channels = {c.code: c for c in Channel.batch_get(codes)} if codes else {}
    return [Event(n.created, notification=n, channel=channels.get(n.channel)) for n in found]


def stamp(events: list[Event]) -> str:
    """A short value that changes whenever the newest events change (the live update's ?u=)."""
    import hashlib

    if not events:
        return "1"
    return hashlib.sha1("|".join(e.identity for e in events).encode()).hexdigest()[:16]


def last_ping(check: Check) -> Ping | None:
    """The newest visible success or failure ping (starts, logs and ignored ones do not count)."""
    found = _pings(check, 1, None, ["success", "fail"])
    return found[0] if found else None


def find_ping(check: Check, n: int) -> Ping | None:
    """Ping number n when it is still visible."""
    if n <= first_visible_n(check):
        return None
    try:
        return Ping.get(check.code, n)
    except Ping.DoesNotExist:
        return None


CSV_COLUMNS = [
    "time", "event", "n", "kind", "exit_status", "duration", "run_id",
    "scheme", "method", "remote_addr", "user_agent", "old_status", "new_status", "reason",
]  # fmt: skip


def history_csv(check: Check) -> str:
    """Every visible ping and every stored flip as CSV, oldest first (our log download)."""
    import csv
    import io

    rows = [_ping_row(p) for p in Ping.query(check.code, Ping.n > first_visible_n(check))]
    rows += [_flip_row(f) for f in Flip.query(check.code)]
    rows.sort(key=lambda row: (row["time"], row["event"] == "flip"))
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _ping_row(ping: Ping) -> dict:
    return {
        "time": ping.created.isoformat(), "event": "ping", "n": int(ping.n), "kind": ping.kind,
        "exit_status": "" if ping.exitstatus is None else int(ping.exitstatus),
        "duration": "" if ping.duration is None else float(ping.duration),
        "run_id": ping.rid or "", "scheme": ping.scheme, "method": ping.method,
        "remote_addr": ping.remote_addr or "", "user_agent": _csv_safe(ping.ua),
    }  # fmt: skip


def _flip_row(flip: Flip) -> dict:
    return {
        "time": flip.created.isoformat(), "event": "flip",
        "old_status": flip.old_status, "new_status": flip.new_status, "reason": flip.detail or flip.reason,
    }  # fmt: skip


def _csv_safe(text: str) -> str:
    """User-sent text that a spreadsheet would run as a formula gets a leading quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@dataclass
class Downtime:
    """The downtimes of one calendar month."""

    start: datetime  # the month's first moment, in the time zone it was counted in
    count: int = 0
    duration: timedelta = timedelta(0)
    monitored: timedelta = timedelta(0)  # the part of the month the check existed, up to now
    no_data: bool = False  # the month ended before the check was created

    @property
    def uptime(self) -> float:
        """Percent of the monitored time not down."""
        if self.monitored <= timedelta(0):
            return 100.0
        return max(0.0, 100 * (1 - self.duration / self.monitored))


def month_starts(now: datetime, tz: str, months: int) -> list[datetime]:
    """The first moments of this month and the months before it, newest first, in tz."""
    local = now.astimezone(ZoneInfo(tz))
    year, month = local.year, local.month
    starts = []
    for _ in range(months):
        starts.append(datetime(year, month, 1, tzinfo=ZoneInfo(tz)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts


def downtimes(check: Check, now: datetime, tz: str = "UTC", months: int = 3) -> list[Downtime]:
    """Downtime count, total and uptime of each of the last `months` calendar months, newest first.

    Walks the flips back from now: between two flips the check was in the later flip's
    old status. A downtime that spans two months counts in both.
    """
    return period_downtimes(check, month_starts(now, tz, months), now)


def period_downtimes(check: Check, starts: list[datetime], now: datetime) -> list[Downtime]:
    """The same figures for any periods: `starts` newest first, the newest period ending now."""
    results = [Downtime(start) for start in starts]
    ends = [now, *starts[:-1]]
    for result, end in zip(results, ends):
        result.monitored = max(timedelta(0), end - max(result.start, check.created))
        result.no_data = end != now and check.created >= end

    flips = Flip.query(check.code, Flip.created >= starts[-1], scan_index_forward=False)
    cursor, status = now, check.status
    for flip in flips:
        if flip.new_status == "down":
            _add_down(results, ends, flip.created, cursor)
        cursor, status = flip.created, flip.old_status
    if status == "down":
        _add_down(results, ends, max(starts[-1], check.created), cursor)
    return results


def _add_down(results: list[Downtime], ends: list[datetime], start: datetime, end: datetime) -> None:
    for result, month_end in zip(results, ends):
        overlap = min(end, month_end) - max(start, result.start)
        if overlap > timedelta(0) or (start == end and result.start <= start < month_end):
            result.count += 1
            result.duration += max(overlap, timedelta(0))
