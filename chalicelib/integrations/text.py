"""Wording every integration kind shares: durations, times, the status sentence, check details."""
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from chalicelib import settings
from chalicelib.integrations.base import Notice
from chalicelib.store.models import Check, Ping

# Biggest first; a duration is told in its largest unit plus, if not zero, the next one.
UNITS = [("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)]

PING_KINDS = {
    "success": "Success",
    "fail": "Failure",
    "start": "Start",
    "log": "Log",
    "ign": "Ignored",
}


def duration(value: timedelta | float) -> str:
    """A length of time in words, e.g. "2 hours 5 minutes" or "1 day"."""
    seconds = int(value.total_seconds() if isinstance(value, timedelta) else value)
    counts = []
    for name, size in UNITS:
        count, seconds = divmod(seconds, size)
        counts.append((name, count))
    for i, (name, count) in enumerate(counts):
        if count:
            words = [_plural(count, name)]
            if i + 1 < len(counts) and counts[i + 1][1]:
                words.append(_plural(counts[i + 1][1], counts[i + 1][0]))
            return " ".join(words)
    return "0 seconds"


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def ago(moment: datetime, now: datetime) -> str:
    """How long before now, e.g. "3 hours ago"; "just now" under a second."""
    if now - moment < timedelta(seconds=1):
        return "just now"
    return duration(now - moment) + " ago"


def format_time(moment: datetime, zone: str = "UTC") -> str:
    """An absolute time as in mail headers: "Thu, 15 Jan 2026 12:00:00 GMT" in UTC, else with
    the offset and the zone's name: "Thu, 15 Jan 2026 14:00:00 +0200 (Europe/Riga)"."""
    if zone == "UTC":
        return format_datetime(moment.astimezone(timezone.utc), usegmt=True)
    return f"{format_datetime(moment.astimezone(ZoneInfo(zone)))} ({zone})"


def name_then_code(check: Check) -> str:
    """The check's name, or its uuid when it has none."""
    return check.name or check.code


def tags(check: Check) -> list[str]:
    return check.tags.split()


def status_sentence(notice: Notice, quote=lambda name: name) -> str:
    """One sentence saying what happened, with the reason when the check went down.

    `quote` formats the name, e.g. escaping or bolding it for a markup language.
    """
    name = quote(name_then_code(notice.check))
    if notice.status != "down":
        return f'The check "{name}" is now UP.'
    reason = f" ({notice.reason})" if notice.reason else ""
    return f'The check "{name}" is DOWN{reason}.'


def downtime_sentence(notice: Notice) -> str:
    """"The downtime lasted ..." for an up alert whose downtime is known, else ""."""
    if notice.status != "up" or notice.downtime is None:
        return ""
    return f"The downtime lasted {duration(notice.downtime)}."


def schedule_fields(check: Check) -> list[tuple[str, str]]:
    """Period for simple checks; Schedule and Time Zone for cron and OnCalendar ones."""
    if check.kind == "simple":
        return [("Period", duration(check.timeout))]
    return [("Schedule", check.schedule), ("Time Zone", check.tz)]


def last_ping_summary(ping: Ping | None, now: datetime) -> str:
    """The last ping's kind and age, e.g. "Success, 2 hours ago", or "Never"."""
    if ping is None:
        return "Never"
    return f"{PING_KINDS.get(ping.kind, ping.kind)}, {ago(ping.created, now)}"


def details(notice: Notice) -> list[tuple[str, str]]:
    """The labelled facts most kinds show: project, tags, schedule, pings."""
    fields = [("Project", notice.project_name)]
    if tags(notice.check):
        fields.append(("Tags", " ".join(tags(notice.check))))
    fields.extend(schedule_fields(notice.check))
    fields.append(("Total Pings", str(int(notice.check.n_pings))))
    fields.append(("Last Ping", last_ping_summary(notice.last_ping, notice.now)))
    return fields


def body_tail(body: bytes | None, limit: int) -> tuple[str, bool]:
    """The last `limit` characters of a ping body as text, and whether any were cut."""
    text = (body or b"").decode("utf-8", errors="replace")
    return text[-limit:], len(text) > limit


def others_heading(notice: Notice) -> str:
    """What the list of other down checks is called, or "" when there is nothing to say."""
    if notice.other_down_count:
        return "Also down in this project:" if notice.status == "down" else "Still down in this project:"
    if notice.project_check_count > 1:
        return "All the other checks are up."
    return ""


def others_not_listed(notice: Notice) -> int:
    """How many other down checks the list leaves out ("and N more")."""
    return max(notice.other_down_count - len(notice.other_down), 0)


def other_down_lines(notice: Notice) -> list[tuple[str, str]]:
    """Each listed other down check: its name and when it was last pinged."""
    lines = []
    for check in notice.other_down:
        seen = f"last ping {ago(check.last_ping, notice.now)}" if check.last_ping else "never pinged"
        lines.append((name_then_code(check), seen))
    return lines


COVERED_SHOWN = 10


def covered_heading(notice: Notice) -> str:
    """What the list of checks whose alerts this one holds is called; "" when there are none."""
    if notice.status != "down" or not notice.covered_children:
        return ""
    return "Alerts held while this check is down (these depend on it):"


def covered_items(notice: Notice, quote=lambda name: name) -> list[str]:
    """Each check this one's being down holds alerts for, "Name (down)" when it is, then "and N more"."""
    shown = notice.covered_children[:COVERED_SHOWN] if covered_heading(notice) else []
    items = [quote(name_then_code(c)) + (" (down)" if c.status == "down" else "") for c in shown]
    if len(notice.covered_children) > len(shown) and shown:
        items.append(f"and {len(notice.covered_children) - len(shown)} more")
    return items


def title(notice: Notice) -> str:
    """A subject line: "Backups is DOWN"."""
    return f"{name_then_code(notice.check)} is {notice.status.upper()}"


def headline(notice: Notice) -> str:
    """A card's heading: "“Backups” is DOWN."."""
    return f"“{name_then_code(notice.check)}” is {notice.status.upper()}."


def emoji(notice: Notice) -> str:
    return "🔴" if notice.status == "down" else "🟢"


def chat_body(notice: Notice, limit: int = 1000) -> str | None:
    """The last ping's body for a chat code block: its first `limit` characters, or None.

    None when there is no body or it holds ``` (it would end the code block early).
    """
    body = (notice.last_ping_body or b"").decode("utf-8", errors="replace").rstrip()
    if not body or "```" in body:
        return None
    return body if len(body) <= limit else body[:limit] + "\n[truncated]"


def clip(value: str, limit: int) -> str:
    """At most `limit` characters, ending in "…" when cut (for services with length caps)."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def details_url(notice: Notice) -> str:
    """The check's page in the dashboard (the uncloaked link, for incident tools)."""
    return f"{settings.SITE_ROOT}/checks/{notice.check.code}/details/"


def other_down_items(notice: Notice, quote=lambda name: name) -> list[str]:
    """The other down checks as list items, "Name (last ping 2 hours ago)", then "and N more"."""
    items = [f"{quote(name)} ({seen})" for name, seen in other_down_lines(notice)]
    if others_not_listed(notice):
        items.append(f"and {others_not_listed(notice)} more")
    return items


def incident_details(notice: Notice) -> dict:
    """The facts incident tools (PagerDuty, Opsgenie) list, labelled as they show them."""
    result = {
        "Project": notice.project_name,
        "Total pings": int(notice.check.n_pings),
        "Last ping": last_ping_summary(notice.last_ping, notice.now),
    }
    result.update({label.capitalize(): value for label, value in schedule_fields(notice.check)})
    return result


def origin(ping: Ping) -> str:
    """How and whence the ping came: "HTTPS POST from 1.2.3.4", or "Email from <sender>"."""
    if ping.scheme == "email":
        return ping.ua
    how = " ".join(part for part in (ping.scheme.upper(), ping.method) if part)
    return f"{how} from {ping.remote_addr or 'an unknown address'}"
