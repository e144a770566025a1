"""Finding and creating checks; the keys that put a check in its indexes."""
import uuid
import zlib
from datetime import datetime

from pynamodb.exceptions import UpdateError

from chalicelib import flips, schedules, settings, storage
from chalicelib.models import Check, Flip, Notification, Ping, Project


def due_shard(code: str) -> int:
    """The due-index partition of a check: stable, spread evenly over DUE_SHARDS."""
    return zlib.crc32(code.encode()) % settings.DUE_SHARDS


def slug_key(ping_key: str | None, slug: str) -> str | None:
    """The by_slug index key, or None (not indexed) without a ping key or slug."""
    return f"{ping_key}/{slug}" if ping_key and slug else None


def get(code: str) -> Check | None:
    try:
        return Check.get(code, consistent_read=True)
    except Check.DoesNotExist:
        return None


def find_by_slug(ping_key: str, slug: str) -> list[Check]:
    """All checks answering to this slug URL; more than one is "ambiguous"."""
    return list(Check.by_slug.query(slug_key(ping_key, slug), limit=2))


def count_in_project(project_code: str) -> int:
    return Check.by_project.count(project_code)


def create_check(project: Project, now: datetime, code: str | None = None, **fields) -> Check:
    """Create a check in the project; fails if one with this code already exists."""
    code = code or str(uuid.uuid4())
    check = Check(
        code=code,
        project=project.code,
        badge_key=str(uuid.uuid4()),
        created=now,
        due_shard=due_shard(code),
        ping_log_limit=project.ping_log_limit,
        **fields,
    )
    check.slug_key = slug_key(project.ping_key, check.slug)
    check.save(condition=Check.code.does_not_exist())
    return check


def update_config(check: Check, changes: dict, now: datetime) -> Check:
    """Set configuration fields and recompute alert_after, without losing a racing ping.

    The write is conditioned on the state alert_after was computed from; if a ping changed
    it first, the check is read again and the changes applied anew.
    """
    for _ in range(20):
        for name, value in changes.items():
            setattr(check, name, value)
        alert_after = schedules.going_down_after(check)
        # DynamoDB stores no empty sets: an empty channel set is removed instead.
        empty = {name for name, value in changes.items() if value is None or value == set()}
        actions = [getattr(Check, name).set(value) for name, value in changes.items() if name not in empty]
        actions += [getattr(Check, name).remove() for name in empty]
        actions.append(Check.alert_after.set(alert_after) if alert_after else Check.alert_after.remove())
        try:
            check.update(actions=actions, condition=_state_unchanged(check))
            return check
        except UpdateError as e:
            if e.cause_response_code != "ConditionalCheckFailedException":
                raise
        check = get(check.code)
        if check is None:
            raise Check.DoesNotExist()
    raise RuntimeError(f"update of {check.code} kept racing with pings")


def _state_unchanged(check: Check):
    condition = Check.code.exists() & (Check.status == check.status)
    for attribute, value in ((Check.last_ping, check.last_ping), (Check.last_start, check.last_start)):
        condition &= attribute.does_not_exist() if value is None else attribute == value
    return condition


def pause(check: Check, now: datetime) -> Check:
    """Stop monitoring until the next ping (or resume); a paused check is left as it is."""
    if check.status == "paused":
        return check
    old_status = check.status
    check.update(
        actions=[Check.status.set("paused"), Check.last_start.remove(), Check.alert_after.remove()],
        condition=Check.status == old_status,
    )
    flips.write_flip(check, old_status, "paused", "", now)
    return check


def resume(check: Check, now: datetime) -> Check:
    """A paused check starts afresh as "new"; the caller checks that it is paused."""
    check.update(
        actions=[
            Check.status.set("new"), Check.last_start.remove(), Check.last_ping.remove(),
            Check.alert_after.remove(),
        ],
        condition=Check.status == "paused",
    )
    flips.write_flip(check, "paused", "new", "", now)
    return check


def delete(check: Check) -> None:
    """Delete the check with its pings (and their S3 bodies), flips and notifications."""
    check.delete()
    pings = list(Ping.query(check.code, attributes_to_get=["code", "n", "object_size"]))
    storage.delete_bodies(check.code, [int(p.n) for p in pings if p.object_size])
    for model, items in (
        (Ping, pings),
        (Flip, Flip.query(check.code)),
        (Notification, Notification.query(check.code)),
    ):
        with model.batch_write() as batch:
            for item in items:
                batch.delete(item)
