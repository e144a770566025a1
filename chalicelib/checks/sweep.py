"""The deadline sweep: checks whose alert_after has passed go down, each exactly once.

It reads only the sparse "due" index (never a Scan), one query per shard, so the items it
reads are the checks that are due. The flip to down is a write conditioned on the status and
alert_after it read: of two sweeps racing over one check, one wins and writes the flip.

`tick` is one scheduled run (every minute): what is already due goes down at once, what falls
due within the minute goes down at its deadline, the function waiting for it; when nothing
falls due within the minute it ends after its Queries. A deadline is never less than a grace
(60 s at least) after the write that set it, so the tick of the minute before has seen it.
"""
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from pynamodb.exceptions import UpdateError

from chalicelib import settings
from chalicelib.checks import quiet, run_bounds, schedules, thresholds
from chalicelib.checks.flips import new_flip, update_with_flip
from chalicelib.store.models import Check

log = logging.getLogger(__name__)


def due_checks(now: datetime):
    """Index rows of checks whose alert_after is at or before now, shard by shard."""
    for shard in range(settings.DUE_SHARDS):
        yield from Check.due.query(shard, Check.alert_after <= now)


def sweep_once(now: datetime) -> int:
    """One pass: send every due check down, SWEEP_WORKERS at a time; the number that went down."""
    with ThreadPoolExecutor(max_workers=settings.SWEEP_WORKERS, thread_name_prefix="sweep") as pool:
        return sum(pool.map(lambda check: _alone(_handle, check, now), due_checks(now)))


def tick(now: datetime | None = None, sleep=time.sleep, clock=time.monotonic, window: float | None = None) -> int:
    """One scheduled run: the number of checks that went down.

    Reads the checks due within `window` seconds of now (SWEEP_SECONDS, the schedule's period),
    sends those already due down at once and waits, in deadline order, for each of the others:
    at its deadline the check is read again (consistently) and goes down only if it is still
    due, so a ping during the wait wins. With nothing due within the window, the Queries are
    all it does. `clock` is monotonic seconds; `sleep(seconds)` returning True ends the tick
    early (the local stack stopping), leaving the checks still ahead to the next tick.
    """
    now = now or datetime.now(timezone.utc)
    window = settings.SWEEP_SECONDS if window is None else window
    started = clock()
    rows = sorted(due_checks(now + timedelta(seconds=window)), key=lambda row: row.alert_after)
    if not rows:
        return 0
    with ThreadPoolExecutor(max_workers=settings.SWEEP_WORKERS, thread_name_prefix="sweep") as pool:
        handled = []
        for row in rows:
            if row.alert_after <= now:
                handled.append(pool.submit(_alone, _handle, row, now))
                continue
            ahead = (row.alert_after - now).total_seconds() - (clock() - started)
            if ahead > 0 and sleep(ahead):
                break
            at = max(row.alert_after, now + timedelta(seconds=clock() - started))
            handled.append(pool.submit(_alone, _recheck, row, at))
        return sum(future.result() for future in handled)


def _recheck(row: Check, at: datetime) -> bool:
    """At the deadline of a row read up to a minute ago: the check as it is now, down if still due."""
    try:
        check = Check.get(row.code, consistent_read=True)
    except Check.DoesNotExist:
        return False
    if check.alert_after is None or check.alert_after > at:
        # Pinged, paused or sent down meanwhile: a new deadline is in the index for a later tick.
        return False
    return _handle(check, at)


def _alone(handle, check: Check, now: datetime) -> bool:
    try:
        return handle(check, now)
    except Exception:
        # One bad check must not stop the sweep for all the others.
        log.exception("sweep failed on check %s", check.code)
        return False


def _handle(check: Check, now: datetime) -> bool:
    old_status, alert_after = check.status, check.alert_after
    if old_status == "down":
        return quiet.release(check, now)  # a down alert held by a quiet time, due to go
    unchanged = (Check.status == old_status) & (Check.alert_after == alert_after)
    if schedules.status(check, now) != "down":
        # Due by the index but not down by the rules (e.g. the schedule changed): re-aim.
        new_alert_after = schedules.going_down_after(check)
        action = Check.alert_after.set(new_alert_after) if new_alert_after else Check.alert_after.remove()
        _conditional_update(check, [action], unchanged)
        return False
    actions = [Check.status.set("down"), Check.alert_after.remove(), *thresholds.reset_actions()]
    # The flip is dated when the check went down, not when the sweep noticed.
    created, detail = alert_after, None
    overdue = run_bounds.overdue_runs(check, alert_after)
    if overdue:
        # A run past its own deadline: said in the flip, and forgotten so that it alerts once.
        created = run_bounds.overdue_flip_time(check, alert_after, now)
        detail = run_bounds.overdue_detail(check, overdue, created)
        for _, key, _ in overdue:
            actions.append(Check.runs[key].remove())
            unchanged &= Check.runs[key].exists()
    flip = new_flip(check, old_status, "down", "timeout", created, detail)
    # False: pinged meanwhile, or another sweep got there first. One transaction, so a sweep
    # stopped by its timeout never leaves a check down without the flip that alerts.
    return update_with_flip(check, actions, unchanged, flip)


def _conditional_update(check: Check, actions: list, condition) -> bool:
    try:
        check.update(actions=actions, condition=condition)
        return True
    except UpdateError as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
