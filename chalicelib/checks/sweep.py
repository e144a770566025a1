"""The deadline sweep: checks whose alert_after has passed go down, each exactly once.

It reads only the sparse "due" index (never a Scan), one query per shard, so the items it
reads are the checks that are due. The flip to down is a write conditioned on the status and
alert_after it read: of two sweeps racing over one check, one wins and writes the flip.
"""
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from pynamodb.exceptions import UpdateError

from chalicelib import settings
from chalicelib.checks import schedules
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
        return sum(pool.map(lambda check: _handle_alone(check, now), due_checks(now)))


def _handle_alone(check: Check, now: datetime) -> bool:
    try:
        return _handle(check, now)
    except Exception:
        # One bad check must not stop the sweep for all the others.
        log.exception("sweep failed on check %s", check.code)
        return False


def _handle(check: Check, now: datetime) -> bool:
    old_status, alert_after = check.status, check.alert_after
    unchanged = (Check.status == old_status) & (Check.alert_after == alert_after)
    if schedules.status(check, now) != "down":
        # Due by the index but not down by the rules (e.g. the schedule changed): re-aim.
        new_alert_after = schedules.going_down_after(check)
        action = Check.alert_after.set(new_alert_after) if new_alert_after else Check.alert_after.remove()
        _conditional_update(check, [action], unchanged)
        return False
    # The flip is dated when the check went down, not when the sweep noticed.
    flip = new_flip(check, old_status, "down", "timeout", alert_after)
    # False: pinged meanwhile, or another sweep got there first. One transaction, so a sweep
    # stopped by its timeout never leaves a check down without the flip that alerts.
    return update_with_flip(check, [Check.status.set("down"), Check.alert_after.remove()], unchanged, flip)


def _conditional_update(check: Check, actions: list, condition) -> bool:
    try:
        check.update(actions=actions, condition=condition)
        return True
    except UpdateError as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise


def run(seconds: float, poll: float, clock=time.monotonic, sleep=time.sleep, utcnow=None) -> int:
    """Sweep every `poll` seconds for about `seconds` (one scheduled Lambda run)."""
    utcnow = utcnow or (lambda: datetime.now(timezone.utc))
    started, went_down = clock(), 0
    while True:
        went_down += sweep_once(utcnow())
        if clock() - started + poll > seconds:
            return went_down
        sleep(poll)
