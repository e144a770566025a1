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

from chalicelib import schedules
from chalicelib.check_summary import Row

OVERLAP = timedelta(seconds=60)


@dataclass
class Changes:
    rows: list[Row]  # the checks to send, in the list's order
    token: str  # for the next poll
    reload: bool  # checks were added or removed: the page should reload


def stamp(row: Row) -> datetime:
    """The last time anything wrote the check."""
    check = row.check
    return max(t for t in (check.created, check.last_ping, check.last_start, check.changed) if t is not None)


def deadlines(row: Row) -> list[datetime]:
    """The moments at which time alone changes the check's shown status."""
    check, result = row.check, []
    if check.last_start is not None:
        result.append(check.last_start + timedelta(seconds=check.grace))
    due = schedules.next_expected(check, with_started=False) if check.status == "up" else None
    if due is not None:
        result += [due, due + timedelta(seconds=check.grace)]
    return result


def token(rows: list[Row], now: datetime) -> str:
    return f"{_ms(now)}.{_overlap_digest(rows, now)}.{_codes_digest(rows)}"


def since(rows: list[Row], token_text: str, now: datetime) -> Changes:
    """The rows that changed since the token; all of them for a missing or malformed token."""
    new_token = token(rows, now)
    parsed = _parse(token_text)
    if parsed is None:
        return Changes(rows, new_token, reload=False)
    then, overlap_digest, codes_digest = parsed
    if codes_digest != _codes_digest(rows):
        return Changes([], new_token, reload=True)
    overlap_changed = _overlap_digest(rows, then) != overlap_digest
    changed = [
        row for row in rows
        if stamp(row) > then
        or (overlap_changed and stamp(row) > then - OVERLAP)
        or any(then < moment <= now for moment in deadlines(row))
    ]  # fmt: skip
    return Changes(changed, new_token, reload=False)


def _overlap_digest(rows: list[Row], moment: datetime) -> str:
    recent = [row.state() for row in rows if moment - OVERLAP < stamp(row) <= moment]
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
