"""A ping's effect on its check: computed from the check as read, applied in one conditional write.

The write is conditioned on the state the decision was made from, so concurrent pings never
lose an update: when the condition fails the check is read again and the ping re-decided.
A ping that changes the status writes the check and its flip in one transaction, so a status
change is never stored without the flip that alerts; as a transaction returns no values, its
serial is the one read plus one, and the write is conditioned on n_pings still being the one read.
"""
import logging
import math
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from chalicelib import settings
from chalicelib.checks import run_bounds, schedules, thresholds
from chalicelib.checks.flips import new_flip, update_with_flip
from chalicelib.pings import retention
from chalicelib.store.models import Check

log = logging.getLogger(__name__)

# A start and its finish further apart than this are not paired (as Healthchecks).
MAX_DURATION = timedelta(seconds=run_bounds.LONGEST_RUN)
# Open runs remembered per check for per-ping durations; the oldest are forgotten first.
MAX_OPEN_RUNS = 50
NO_RID = run_bounds.NO_RID
MAX_ATTEMPTS = 100


class CheckGone(Exception):
    """The check was deleted while the ping was being recorded."""


class RateLimited(Exception):
    """The check already took PING_RATE_LIMIT pings this minute; retry_after counts to the next."""

    def __init__(self, retry_after: int):
        super().__init__(f"rate limited for {retry_after} s")
        self.retry_after = retry_after


@dataclass
class Effect:
    """What one ping does to a check, decided from the check as read."""

    kind: str
    sets: dict = field(default_factory=dict)  # attribute -> value; None removes it
    run_sets: dict = field(default_factory=dict)  # runs map key -> start timestamp
    run_removes: list = field(default_factory=list)
    old_status: str = ""
    new_status: str | None = None  # set when the status changes (a flip)
    detail: str | None = None  # the flip's reason in words, when it has figures (run bounds, thresholds)
    duration: float | None = None  # this ping's run duration, when paired with its start
    expires: datetime | None = None  # when DynamoDB may delete the ping's item (None: the prune does)


def decide(check: Check, kind: str, rid: str | None, now: datetime) -> Effect:
    """Healthchecks' Check.ping rules (reference §1.5), with run ids paired per run."""
    if check.status == "paused" and check.manual_resume:
        kind = "ign"
    effect = Effect(kind=kind, old_status=check.status)
    if kind == "start":
        _start(check, rid, now, effect)
    elif kind in ("success", "fail"):
        _finish(check, kind, rid, now, effect)
    else:
        return effect  # log and ign change nothing but the count

    state = _State(check, effect.sets, effect.new_status, _runs_after(check, effect))
    effect.sets["alert_after"] = schedules.going_down_after(state)
    return effect


def _start(check: Check, rid: str | None, now: datetime, effect: Effect) -> None:
    effect.sets.update(last_start=now, last_start_rid=rid)
    runs = _open_runs(check)
    cutoff = now.timestamp() - MAX_DURATION.total_seconds()
    stale = [key for key, started in runs.items() if started < cutoff]
    keep = sorted((started, key) for key, started in runs.items() if started >= cutoff)
    stale += [key for _, key in keep[: max(0, len(keep) + 1 - MAX_OPEN_RUNS)]]
    effect.run_removes = [key for key in stale if key != (rid or NO_RID)]
    effect.run_sets[rid or NO_RID] = now.timestamp()


def _finish(check: Check, kind: str, rid: str | None, now: datetime, effect: Effect) -> None:
    effect.sets.update(last_ping=now, last_duration=None)
    if check.last_start:
        if check.last_start_rid == rid:
            effect.sets["last_duration"] = (now - check.last_start).total_seconds()
            effect.sets.update(last_start=None, last_start_rid=None)
        elif kind == "fail" or rid is None:
            effect.sets.update(last_start=None, last_start_rid=None)

    started = _open_runs(check).get(rid or NO_RID)
    if started is not None:
        effect.run_removes.append(rid or NO_RID)
        seconds = now.timestamp() - started
        if 0 <= seconds <= MAX_DURATION.total_seconds():
            effect.duration = round(seconds, 3)

    # A success whose run was shorter than min_duration or longer than max_duration is a failure,
    # counted as one by the failure threshold.
    out_of_bounds = run_bounds.finish_problem(check, effect.duration) if kind == "success" else None
    new_status, streak = thresholds.judge(check, "fail" if out_of_bounds else kind, effect.sets)
    detail = "; ".join(words for words in (out_of_bounds, streak) if words) or None
    if check.status != new_status:
        effect.new_status, effect.detail = new_status, detail
        effect.sets["status"] = new_status
        if check.alert_held_until is not None:
            effect.sets["alert_held_until"] = None  # that downtime is over: nothing is held any more


def _open_runs(check: Check) -> dict[str, float]:
    return {key: float(value) for key, value in check.runs.as_dict().items()}


def _runs_after(check: Check, effect: Effect) -> dict[str, float]:
    runs = {key: value for key, value in _open_runs(check).items() if key not in effect.run_removes}
    return {**runs, **effect.run_sets}


class _State:
    """The check as it will be after the effect, for computing alert_after."""

    def __init__(self, check: Check, sets: dict, new_status: str | None, runs: dict[str, float]):
        self._check, self._sets = check, sets
        self.status = new_status or check.status
        self.runs = runs  # each open run may have its own deadline (run_bounds)

    def __getattr__(self, name):
        return self._sets[name] if name in self._sets else getattr(self._check, name)


def _condition(check: Check, effect: Effect):
    """The state `effect` was decided from; the write happens only if it still holds."""
    condition = Check.code.exists() & (Check.status == check.status)
    if effect.kind in ("start", "success", "fail"):
        condition &= _same(Check.last_start, check.last_start)
    if effect.kind == "start":
        # A start keeps last_ping, and alert_after depends on it.
        condition &= _same(Check.last_ping, check.last_ping)
    if check.status == "down":
        # A down check's alert_after is a held alert's time (quiet.py), set by delivery meanwhile.
        condition &= _same(Check.alert_after, check.alert_after)
    for key in effect.run_removes:
        condition &= Check.runs[key].exists()
    counts = thresholds.condition(check) if effect.kind in ("success", "fail") else None
    return condition if counts is None else condition & counts


def _same(attribute, value):
    return attribute.does_not_exist() if value is None else attribute == value


def _rate_limit(check: Check, now: datetime):
    """(actions, condition) counting this ping in its minute; raises RateLimited when full.

    A fixed window kept on the check item, not a ratelimit token bucket: the bucket would add a
    read and a write to every ping, which stays at one read and two writes (check, ping)."""
    window = int(now.timestamp() // 60)
    if check.rate_window == window:
        if check.rate_count >= settings.PING_RATE_LIMIT:
            raise RateLimited(max(1, math.ceil((window + 1) * 60 - now.timestamp())))
        return [Check.rate_count.add(1)], Check.rate_count < settings.PING_RATE_LIMIT
    return (
        [Check.rate_window.set(window), Check.rate_count.set(1)],
        _same(Check.rate_window, check.rate_window),
    )


def _actions(effect: Effect, body_has_confirm: bool, serial: int | None = None, upkeep: list = ()) -> list:
    """The update; `serial` sets n_pings outright (a transaction), else it is ADDed to.
    `upkeep`: the ping log's (retention.check_actions), in the same write."""
    count = Check.n_pings.add(1) if serial is None else Check.n_pings.set(serial)
    actions = [count, Check.has_confirmation_link.set(body_has_confirm), *upkeep]
    for name, value in effect.sets.items():
        attribute = getattr(Check, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    actions += [Check.runs[key].set(value) for key, value in effect.run_sets.items()]
    actions += [Check.runs[key].remove() for key in effect.run_removes]
    return actions


def apply(check: Check, kind: str, rid: str | None, body: bytes, now: datetime) -> Effect:
    """Record a ping on `check` (refreshed in place, n_pings is the new serial); write any flip."""
    body_has_confirm = b"confirm" in body.lower()
    body_in_s3 = len(body) > settings.PING_BODY_INLINE_MAX
    for attempt in range(MAX_ATTEMPTS):
        effect = decide(check, kind, rid, now)
        effect.expires = retention.expires(check, now)
        upkeep = retention.check_actions(check, effect.kind, body_in_s3, now)
        serial = (check.n_pings or 0) + 1 if effect.new_status else None
        actions = _actions(effect, body_has_confirm, serial, upkeep)
        condition = _condition(check, effect)
        if settings.PING_RATE_LIMIT:
            rate_actions, rate_condition = _rate_limit(check, now)
            actions += rate_actions
            condition &= rate_condition
        if _write(check, effect, actions, condition, serial, now):
            return effect
        # Someone else changed the check first: read it again and decide anew. In place: the
        # caller stores the ping under this object's n_pings (a new object here would leave the
        # caller the serial it read, and its ping would overwrite another's).
        time.sleep(random.uniform(0, 0.002 * min(attempt, 10)))
        _refresh(check)
    raise RuntimeError(f"ping on {check.code} gave up after {MAX_ATTEMPTS} attempts")


# A write that lost a race: the state it was decided from changed, or a transaction held the item.
LOST_RACE = {"ConditionalCheckFailedException", "TransactionConflictException"}


def _write(check: Check, effect: Effect, actions: list, condition, serial: int | None, now: datetime) -> bool:
    """Apply the effect; False when a racing write changed the check first."""
    if serial is None:
        try:
            check.update(actions=actions, condition=condition)
            return True
        except UpdateError as e:
            if e.cause_response_code not in LOST_RACE:
                raise
            return False
    reason = "fail" if effect.new_status == "down" else ""
    flip = new_flip(check, effect.old_status, effect.new_status, reason, now, effect.detail)
    if not update_with_flip(check, actions, condition & _same(Check.n_pings, check.n_pings), flip):
        return False
    _refresh(check)
    check.n_pings = serial  # the refresh may already show later pings
    return True


def _refresh(check: Check) -> None:
    try:
        check.refresh(consistent_read=True)
    except Check.DoesNotExist:
        raise CheckGone() from None

