"""Which checks of a list changed since the page last looked: the live update's token.

A check's shown state changes only (1) when something writes it, and every writer stamps a
time on it (created, last_ping, last_start, or `changed` for pause, resume and schedule
edits), or (2) when time alone crosses one of its deadlines (late, then down). So a token
holds the time T of the last answer; the next answer sends the checks stamped after T and
those with a deadline in (T, now].

A write stamped just before T may land just after the read at T (a ping's time is taken when
it arrives). Checks stamped in the OVERLAP before T are therefore compared by a digest of
their states, kept in the token: sent again only if that digest differs. A third part of the
token, a digest of the set of check codes, tells the page when checks were added or removed.
Token: "<T in ms>.<overlap digest>.<codes digest>".
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from chalicelib.checks import check_summary
from chalicelib.checks.check_summary import Row

OVERLAP = timedelta(seconds=60)


@dataclass
class Changes:
    rows: list[Row]  # the checks to send, in the list's order
    token: str  # for the next poll
    reload: bool  # checks were added or removed: the page should reload


def token(rows: list[Row], now: datetime) -> str:
    return f"{_ms(now)}.{_overlap_digest(rows, now)}.{_codes_digest(rows)}"


def since(rows: list[Row], token_text: str, now: datetime) -> Changes:
    """The rows that changed since the token; all of them for a missing or malformed token."""
    new_token = token(rows, now)
    codes_digest = new_token.rsplit(".", 1)[1]
    parsed = _parse(token_text)
    if parsed is None:
        return Changes(rows, new_token, reload=False)
    then, old_overlap_digest, old_codes_digest = parsed
    if old_codes_digest != codes_digest:
        return Changes([], new_token, reload=True)
    # Rows stamped in the overlap count as changed only when the overlap's digest differs.
    after = then - OVERLAP if _overlap_digest(rows, then) != old_overlap_digest else then
    changed = [
        row for row in rows
        if row.stamp > after or any(then < moment <= now for moment in check_summary.deadlines(row.check))
    ]  # fmt: skip
    return Changes(changed, new_token, reload=False)


def _overlap_digest(rows: list[Row], moment: datetime) -> str:
    recent = [row.state() for row in rows if moment - OVERLAP < row.stamp <= moment]
    return _digest(recent)


def _codes_digest(rows: list[Row]) -> str:
    return _digest(sorted(row.check.code for row in rows))


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:12]


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _parse(text: str) -> tuple[datetime, str, str] | None:
    parts = text.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 16:
        return None
    return datetime.fromtimestamp(int(parts[0]) / 1000, timezone.utc), parts[1], parts[2]
