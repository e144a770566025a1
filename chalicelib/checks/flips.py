"""Flips: the history of a check's status changes, which drives alerts and downtime figures."""
from datetime import datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.store.models import FLIP_RETENTION, Check, Flip

# Why a transaction was cancelled when it lost a race, rather than failed.
LOST_RACE = {"ConditionalCheckFailed", "TransactionConflict", "None"}


def write_flip(check: Check, old_status: str, new_status: str, reason: str, created: datetime,
               detail: str | None = None) -> Flip:
    flip = new_flip(check, old_status, new_status, reason, created, detail)
    flip.save()
    return flip


def new_flip(check: Check, old_status: str, new_status: str, reason: str, created: datetime,
             detail: str | None = None) -> Flip:
    """A flip not yet saved, for a caller that writes it with the check's change."""
    return Flip(
        code=check.code,
        created=created,
        project=check.project,
        old_status=old_status,
        new_status=new_status,
        reason=reason,
        detail=detail,
        expires=created + FLIP_RETENTION,
    )


def update_with_flip(check: Check, actions: list, condition, flip: Flip) -> bool:
    """The check's update (if the condition still holds) and its flip, both or neither: a status
    change is never stored without the flip that alerts. False when a racing write won."""
    try:
        with TransactWrite(connection=Check._get_connection().connection) as both:
            both.update(check, actions=actions, condition=condition)
            both.save(flip)
        return True
    except TransactWriteError as e:
        reasons = {reason.code if reason else "None" for reason in e.cancellation_reasons}
        if e.cause_response_code == "TransactionCanceledException" and reasons <= LOST_RACE:
            return False
        raise


def last_down_before(code: str, moment: datetime) -> Flip | None:
    """The latest flip to "down" before moment, to tell how long a downtime lasted."""
    for flip in Flip.query(code, Flip.created < moment, scan_index_forward=False):
        if flip.new_status == "down":
            return flip
    return None


# A schedule change that leaves a check already late puts it down silently (reference §1.6).
SILENT_REASON = "schedule"


def needs_alert(flip: Flip) -> bool:
    """Flips to up or down alert, except a check's first ping, a resume from pause and a
    schedule change."""
    if flip.new_status == "down":
        return flip.reason != SILENT_REASON
    return flip.new_status == "up" and flip.old_status not in ("new", "paused")
