"""Quiet times: recurring quiet windows (of a check or of its whole project) and snoozes, during
which a check that goes down sends no down alert. The alert is held to the end of the quiet time
and goes out then only if the check is still down; a check back up before that sends neither.

The flip is written as always (status and flip together, by the ping or the sweep). Delivery,
which reads the check anyway and here also the project (one GetItem per flip delivered), holds a
down flip that fell in a quiet time: it marks the flip held and gives the down check an
alert_after at the quiet time's end, in one transaction. The sweep finds the held check there
(the due index) and, if it is still down and no longer quiet, marks the flip released in one
transaction with the check; the stream's MODIFY of that flip delivers it. The ping path reads
nothing more: a snooze and the check's windows are on the check item, the project's are never
needed there.
"""
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.checks import schedules
from chalicelib.checks.flips import LOST_RACE, last_down_before
from chalicelib.store.models import Check, Flip, Project

MAX_WINDOWS = 10
MAX_DURATION = 7 * 86400
MAX_SNOOZE_MINUTES = 525_600  # a year, as the longest period
# Windows whose fires overlap are one quiet time; a cron firing every minute would chain forever.
MAX_CHAINED_FIRES = 1000
BASE_WORDS = {"timeout": "success signal did not arrive on time", "fail": "received a failure signal"}
DURATION_UNITS = {"m": 60, "h": 3600, "d": 86400}
SEPARATOR = " — "  # between a flip's own reason and what the quiet time did to its alert


# -- windows: what they are and when they are ----------------------------------------------------


def validate_windows(value) -> list[dict]:
    """A list of {"schedule", "duration", "tz"} checked and normalised; ValueError naming the problem."""
    if not isinstance(value, list):
        raise ValueError("is not an array")
    if len(value) > MAX_WINDOWS:
        raise ValueError(f"has more than {MAX_WINDOWS} windows")
    return [_window(item, number) for number, item in enumerate(value, 1)]


def _window(item, number: int) -> dict:
    where = f"window {number}"
    if not isinstance(item, dict):
        raise ValueError(f"{where} is not an object")
    schedule, duration, tz = item.get("schedule"), item.get("duration"), item.get("tz", "UTC")
    if not isinstance(schedule, str) or not schedule.strip():
        raise ValueError(f"{where} needs a schedule (a cron or OnCalendar expression)")
    schedule = schedule.strip()
    try:
        schedules.validate_schedule(schedules.guess_kind(schedule), schedule)
    except ValueError:
        raise ValueError(f"{where}: schedule is not a valid cron or OnCalendar expression") from None
    if isinstance(duration, bool) or not isinstance(duration, int) or not schedules.MIN_SECONDS <= duration <= MAX_DURATION:
        raise ValueError(f"{where}: duration must be an integer of seconds from {schedules.MIN_SECONDS} to {MAX_DURATION}")
    if not isinstance(tz, str):
        raise ValueError(f"{where}: tz is not a string")
    try:
        tz = schedules.canonical_tz(tz)
    except ValueError:
        raise ValueError(f"{where}: tz is not a valid timezone") from None
    return {"schedule": schedule, "duration": duration, "tz": tz}


def parse_lines(text: str) -> list[dict]:
    """Windows from the dashboard's text, one a line: "<cron or OnCalendar> | <duration> | <time zone>"
    (the zone may be left out for UTC; the duration is minutes, or a number with m, h or d)."""
    windows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) not in (2, 3):
            raise ValueError(f"Line {number}: write a window as <cron or OnCalendar> | <duration, e.g. 90m> | <time zone>.")
        unit = parts[1][-1:].lower() if parts[1][-1:].isalpha() else "m"
        amount = parts[1][:-1].strip() if parts[1][-1:].isalpha() else parts[1]
        if unit not in DURATION_UNITS or not amount.isdigit():
            raise ValueError(f"Line {number}: the duration is a whole number of minutes, or of hours with h, of days with d.")
        windows.append({"schedule": parts[0], "duration": int(amount) * DURATION_UNITS[unit],
                        "tz": parts[2] if len(parts) == 3 else "UTC"})  # fmt: skip
    try:
        return validate_windows(windows)
    except ValueError as e:
        raise ValueError(f"{str(e)[0].upper()}{str(e)[1:]}.") from None


def lines(windows: list[dict]) -> str:
    """The dashboard's text of these windows (parse_lines reads it back)."""
    return "\n".join(f"{w['schedule']} | {_duration_text(w['duration'])} | {w['tz']}" for w in windows)


def _duration_text(seconds: int) -> str:
    for unit in ("d", "h"):
        if seconds % DURATION_UNITS[unit] == 0:
            return f"{seconds // DURATION_UNITS[unit]}{unit}"
    return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds / 60:.2f}m"


def stored(windows: list[dict]) -> str | None:
    """The attribute's value: JSON, or None (no attribute) for no windows."""
    return json.dumps(windows, separators=(",", ":")) if windows else None


def loaded(value: str | None) -> list[dict]:
    return json.loads(value) if value else []


def window_end(window: dict, moment: datetime) -> datetime | None:
    """The end of this window's quiet time covering `moment` (overlapping fires chained), or None."""
    kind, duration = schedules.guess_kind(window["schedule"]), timedelta(seconds=window["duration"])
    fires = schedules.fire_times(kind, window["schedule"], window["tz"], moment - duration, MAX_CHAINED_FIRES)
    if not fires or fires[0] > moment:
        return None
    end = fires[0] + duration
    for fire in fires[1:]:
        if fire >= end:
            break
        end = fire + duration
    return end


def quiet_at(check, project_windows: list[dict], moment: datetime) -> tuple[datetime, str] | None:
    """(when the quiet time covering `moment` ends, what it is in words), or None when not quiet.

    The latest end of everything quiet then: the check's snooze, its windows, its project's."""
    found = []
    if check.snoozed_until and check.snoozed_until > moment:
        found.append((check.snoozed_until, "a snooze", _zone(check)))
    for source, windows in (("a quiet window", loaded(check.quiet_windows)), ("a project quiet window", project_windows)):
        for window in windows:
            end = window_end(window, moment)
            if end is not None:
                found.append((end, source, window["tz"]))
    if not found:
        return None
    end, what, tz = max(found, key=lambda item: item[0])
    return end, f"{what} (until {when(end, tz, moment)})"


def when(moment: datetime, tz: str, now: datetime) -> str:
    """"03:30 Europe/Riga" within a day of now, else "Jan 18 03:30 Europe/Riga"."""
    local = moment.astimezone(ZoneInfo(tz))
    text = local.strftime("%H:%M") if moment - now < timedelta(hours=24) else local.strftime("%b %-d %H:%M")
    return f"{text} {tz}"


def _zone(check) -> str:
    return check.tz if check.kind != "simple" else "UTC"


def next_windows(windows: list[dict], now: datetime, count: int = 3) -> list[tuple[datetime, datetime, str]]:
    """The next `count` quiet times of these windows (under way ones first): (start, end, tz)."""
    found = []
    for window in windows:
        kind, duration = schedules.guess_kind(window["schedule"]), timedelta(seconds=window["duration"])
        for fire in schedules.fire_times(kind, window["schedule"], window["tz"], now - duration, count + 1):
            found.append((fire, fire + duration, window["tz"]))
    return sorted(found)[:count]


def set_project_windows(project: Project, windows: list[dict]) -> None:
    value = stored(windows)
    project.update(actions=[Project.quiet_windows.set(value) if value else Project.quiet_windows.remove()])


def project_windows(project_code: str) -> list[dict]:
    """The project's windows: one GetItem (delivery and the sweep's release, never a ping)."""
    try:
        return loaded(Project.get(project_code, attributes_to_get=["quiet_windows"]).quiet_windows)
    except Project.DoesNotExist:
        return []


# -- held alerts ---------------------------------------------------------------------------------


def withheld(flip: Flip, check: Check) -> bool:
    """Whether delivery sends nothing for this flip: a down flip in a quiet time (held now, or
    already), or an up flip whose down alert was held and never let go."""
    if flip.new_status == "up":
        down = last_down_before(flip.code, flip.created)
        return down is not None and down.held_until is not None and down.released is None
    if flip.released is not None:
        return False
    if flip.held_until is not None:
        return True
    quiet = quiet_at(check, project_windows(check.project), flip.created)
    if quiet is None:
        return False
    _hold(flip, check, *quiet)
    return True


def _hold(flip: Flip, check: Check, end: datetime, words: str) -> None:
    """Mark the flip held, and aim the still-down check's alert_after at the quiet time's end."""
    flip_actions = [Flip.held_until.set(end), Flip.detail.set(f"{base_reason(flip)}{SEPARATOR}in {words}")]
    flip_condition = Flip.held_until.does_not_exist() & Flip.released.does_not_exist()
    try:
        with TransactWrite(connection=Check._get_connection().connection) as both:
            both.update(flip, actions=flip_actions, condition=flip_condition)
            both.update(
                check,
                actions=[Check.alert_after.set(end), Check.alert_held_until.set(end)],
                condition=(Check.status == "down") & Check.alert_held_until.does_not_exist(),
            )
        return
    except TransactWriteError as e:
        reasons = {reason.code if reason else "None" for reason in e.cancellation_reasons}
        if e.cause_response_code != "TransactionCanceledException" or not reasons <= LOST_RACE:
            raise
    # The check is up again (or holds another downtime's alert): only the flip is marked, so
    # that its up flip stays silent too. A repeat that finds it marked changes nothing.
    try:
        flip.update(actions=flip_actions, condition=flip_condition)
    except UpdateError as e:
        if e.cause_response_code != "ConditionalCheckFailedException":
            raise


def base_reason(flip: Flip) -> str:
    """The flip's own reason in words, without what a quiet time added."""
    if flip.detail:
        return flip.detail.partition(SEPARATOR)[0]
    return BASE_WORDS.get(flip.reason, "went down")


def release(check: Check, now: datetime) -> bool:
    """The sweep at a held alert's time: still quiet, hold on; else let the flip go (delivery
    sends it on the stream's MODIFY). True when released; of two racing sweeps one writes."""
    held_at = check.alert_after
    unchanged = (Check.status == "down") & (Check.alert_after == held_at)
    quiet = quiet_at(check, project_windows(check.project), now)
    if quiet is not None:
        try:
            check.update(actions=[Check.alert_after.set(quiet[0]), Check.alert_held_until.set(quiet[0])], condition=unchanged)
        except UpdateError as e:
            if e.cause_response_code not in ("ConditionalCheckFailedException", "TransactionConflictException"):
                raise
        return False
    clear = [Check.alert_after.remove(), Check.alert_held_until.remove()]
    flip = _held_flip(check.code, now)
    if flip is None:  # nothing to let go (cleared events): just stop waiting
        try:
            check.update(actions=clear, condition=unchanged)
        except UpdateError as e:
            if e.cause_response_code not in ("ConditionalCheckFailedException", "TransactionConflictException"):
                raise
        return False
    words = flip.detail.partition(SEPARATOR)[2].removeprefix("in ") if flip.detail else "a quiet time"
    detail = f"{base_reason(flip)}{SEPARATOR}still down after {words}"
    try:
        with TransactWrite(connection=Check._get_connection().connection) as both:
            both.update(check, actions=clear, condition=unchanged)
            both.update(flip, actions=[Flip.released.set(now), Flip.detail.set(detail)],
                        condition=Flip.released.does_not_exist())  # fmt: skip
        return True
    except TransactWriteError as e:
        reasons = {reason.code if reason else "None" for reason in e.cancellation_reasons}
        if e.cause_response_code == "TransactionCanceledException" and reasons <= LOST_RACE:
            return False
        raise


def _held_flip(code: str, now: datetime) -> Flip | None:
    """The check's latest down flip, when its alert is held and not yet let go."""
    flip = last_down_before(code, now + timedelta(seconds=1))
    return flip if flip is not None and flip.held_until is not None and flip.released is None else None


# -- snoozes -------------------------------------------------------------------------------------


def reconsider(check: Check, now: datetime) -> Check:
    """After the check's windows changed: a held alert is decided again at the sweep's next tick
    (let go, unless something still keeps it quiet)."""
    return _change(check, [Check.changed.set(now)], True, now)


def snooze(check: Check, until: datetime | None, now: datetime) -> Check:
    """Silence the check's alerts until then (None ends the snooze). Ending it lets a held alert
    go at the sweep's next tick, unless a window still keeps it."""
    actions = [Check.snoozed_until.set(until) if until else Check.snoozed_until.remove(), Check.changed.set(now)]
    return _change(check, actions, until is None, now)


def _change(check: Check, actions: list, release: bool, now: datetime) -> Check:
    """Write `actions`; with `release`, a held alert's time moves to now (the next tick decides)."""
    release_now = release and check.alert_held_until is not None and check.status == "down"
    condition = Check.code.exists()
    if release_now:
        actions = [*actions, Check.alert_after.set(now), Check.alert_held_until.set(now)]
        condition &= (Check.status == "down") & Check.alert_held_until.exists()
    try:
        check.update(actions=actions, condition=condition)
    except UpdateError as e:
        if e.cause_response_code != "ConditionalCheckFailedException":
            raise
        if not release_now:
            raise Check.DoesNotExist() from None
        # The held alert went (or the check came up) meanwhile: decide again on the check as it is.
        check.refresh(consistent_read=True)  # DoesNotExist for a deleted check
        return _change(check, actions[:-2], release, now)
    return check


def snooze_for(check: Check, minutes: int, now: datetime) -> Check:
    return snooze(check, now + timedelta(minutes=minutes) if minutes else None, now)
