"""How long a ping's item is kept, and the prune of the pings DynamoDB's TTL does not delete.

A check shows its last `ping_log_limit` (L) pings: every read asks for serials above
n_pings - L (chalicelib/checks/events.py, chalicelib/api/history.py), so a ping leaves the log
the moment the L-th ping after it is counted, whether or not its item is still stored. What
this module decides is only when the item goes, and who pays for that:

- A check that pings often gets an expiry on each ping (`expires`, DynamoDB's TTL deletes the
  item for free): KEEP_FACTOR × L times the check's pace (the moving mean of the seconds between
  its success and failure pings), at least MIN_KEEP. At its pace the ping has left the log long
  before then (KEEP_FACTOR pings' worth of margin per visible ping), and a check that stops
  pinging keeps its last pings that long: 33 h for a check pinged every minute, 83 days hourly.
  About KEEP_FACTOR × L items stay stored per check, instead of at most L + PRUNE_EVERY.
- A check that pings rarely (the expiry would be over MAX_KEEP) gets none: every PRUNE_EVERY-th
  ping deletes, as it always did, the pings that left the log, one write unit each. Storing
  such a ping KEEP_FACTOR × L pings' time would cost more than deleting it (a million 270-byte
  items, ping and DynamoDB's overhead, kept 150 days cost about $0.60 at $0.25 plus $0.20 for
  backups per GB-month; a million deletes $0.625), and these checks ping so rarely that their
  deletes cost little; their log keeps its last L pings for good, as before.
- Bodies in S3 of pings that left the log are deleted by that prune too (DELETE requests are
  free); bodies of pings that expired unseen, by `pruneobjects`.

The check remembers, in its own update (no extra write), its pace and `prune_n`, the serial of
the newest ping that left the prune something to do (no expiry, or a body in S3): a prune runs
only when such a ping is among the last 2 × PRUNE_EVERY that left the log, so a check that
pings every minute never prunes at all.
"""
from datetime import datetime, timedelta

from chalicelib.checks import schedules
from chalicelib.store import storage
from chalicelib.store.models import Check, Ping

KEEP_FACTOR = 20
MIN_KEEP = timedelta(hours=1)
MAX_KEEP = timedelta(days=150)
PACE_WEIGHT = 1 / 8  # of each new interval in the moving mean
PRUNE_EVERY = 100
# A prune looks at the pings that left the log since the prune before the last one: so a prune
# that never ran (its ping's process died) or a ping stored late (a slow writer) is caught next time.
PRUNE_SPAN = 2 * PRUNE_EVERY
DEFAULT_PERIOD = 86400.0


def keep(check: Check) -> timedelta | None:
    """How long a ping on `check` (as read) is kept before DynamoDB deletes it; None: the prune does."""
    if check.pace is None:
        return None  # no estimate yet (a check's first pings): pruned, never lost early
    kept = timedelta(seconds=KEEP_FACTOR * int(check.ping_log_limit) * float(check.pace))
    if kept > MAX_KEEP:
        return None
    return max(kept, MIN_KEEP)


def expires(check: Check, now: datetime) -> datetime | None:
    kept = keep(check)
    return None if kept is None else now + kept


def check_actions(check: Check, kind: str, body_in_s3: bool, now: datetime) -> list:
    """What a ping of `kind` on `check` (as read) adds to its check's update: the new pace, and
    prune_n when this ping will leave work for the prune. Serial: the update's own n_pings."""
    actions = []
    pace = next_pace(check, kind, now)
    if pace != check.pace:
        actions.append(Check.pace.set(pace))
    if keep(check) is None or body_in_s3:
        # n_pings as the update found it, plus one: this ping's serial, whether ADDed or SET.
        actions.append(Check.prune_n.set(Check.n_pings + 1))
    return actions


def next_pace(check: Check, kind: str, now: datetime) -> float:
    """The moving mean of the seconds between success and failure pings, after this ping.

    It starts from the schedule's period, so a first few pings close together (someone trying
    the URL) do not pass for a fast check."""
    prior = float(check.pace) if check.pace is not None else schedule_period(check, now)
    if kind not in ("success", "fail") or check.last_ping is None:
        return prior
    interval = max(0.0, (now - check.last_ping).total_seconds())
    return round(prior + (interval - prior) * PACE_WEIGHT, 3)


def schedule_period(check: Check, now: datetime) -> float:
    """Seconds between two expected pings: the period, or the gap between the schedule's next two times."""
    if check.kind == "simple":
        return float(check.timeout)
    try:
        first, second = schedules.fire_times(check.kind, check.schedule, check.tz, now, 2)
    except ValueError:
        return DEFAULT_PERIOD
    return (second - first).total_seconds()


def after_store(check: Check, n: int) -> None:
    """After ping n is stored: every PRUNE_EVERY-th ping prunes, if some ping left it work."""
    if n % PRUNE_EVERY:
        return
    up_to_n = n - int(check.ping_log_limit)
    if up_to_n >= 1 and check.prune_n is not None and int(check.prune_n) > up_to_n - PRUNE_SPAN:
        prune(check.code, up_to_n)


def prune(code: str, up_to_n: int) -> None:
    """Of the last PRUNE_SPAN pings at or below `up_to_n` (they have left the log): delete those
    without an expiry, and the S3 bodies of all of them."""
    if up_to_n < 1:
        return
    gone = list(
        Ping.query(
            code,
            Ping.n.between(max(1, up_to_n - PRUNE_SPAN + 1), up_to_n),
            attributes_to_get=["code", "n", "object_size", "expires"],
        )
    )
    with Ping.batch_write() as batch:
        for ping in gone:
            if ping.expires is None:
                batch.delete(ping)
    in_s3 = [int(p.n) for p in gone if p.object_size]
    if in_s3:
        storage.delete_bodies(code, in_s3)
