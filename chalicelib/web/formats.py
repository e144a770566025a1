"""Jinja filters and globals for times and durations as the dashboard words them."""
import re
from datetime import datetime
from functools import cache
from zoneinfo import available_timezones

from markupsafe import Markup, escape

UNITS = (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60))


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def ago(moment: datetime | None, now: datetime) -> str:
    """"3 minutes ago"; static/checks.js words it the same way when it refreshes the text."""
    if moment is None:
        return "never"
    seconds = int((now - moment).total_seconds())
    if seconds < 60:
        return "just now"
    for unit, size in UNITS[1:]:
        if seconds >= size:
            return _plural(seconds // size, unit) + " ago"
    return "just now"  # unreachable: seconds >= 60 matched "minute"


def relative(moment: datetime, now: datetime) -> str:
    """"in 3 hours" for a future moment, "3 hours ago" for a past one."""
    if moment <= now:
        return ago(moment, now)
    text = ago(now, moment)
    return "in under a minute" if text == "just now" else "in " + text.removesuffix(" ago")


def period(seconds) -> str:
    """A schedule's period or grace: "1 day", "2 hours 30 minutes" (the two largest units)."""
    seconds, parts = int(seconds), []
    for unit, size in UNITS:
        if seconds >= size and len(parts) < 2:
            parts.append(_plural(seconds // size, unit))
            seconds %= size
        elif parts:
            break
    return " ".join(parts) or _plural(seconds, "second")


@cache
def time_zones() -> list[str]:
    """Every IANA zone, UTC first, for time zone pickers."""
    return ["UTC", *sorted(z for z in available_timezones() if z != "UTC" and "/" in z)]


# An http(s) address up to whitespace; trailing punctuation ends the sentence, not the address.
LINK_RE = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def linkify(text: str) -> Markup:
    """The text escaped, with its web addresses made links (a check's description)."""
    pieces, done = [], 0
    for match in LINK_RE.finditer(text):
        pieces.append(escape(text[done : match.start()]))
        # Markup.format escapes what it is given: the address goes into the href escaped too.
        pieces.append(Markup('<a href="{0}" rel="nofollow noopener noreferrer">{0}</a>').format(match[0]))
        done = match.end()
    pieces.append(escape(text[done:]))
    return Markup("").join(pieces)


FILTERS = {"period": period, "linkify": linkify}
GLOBALS = {"ago": ago, "time_zones": time_zones}
