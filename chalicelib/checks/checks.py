"""Finding and creating checks; the keys that put a check in its indexes."""
import uuid
import zlib
from datetime import datetime

from pynamodb.exceptions import UpdateError

from chalicelib import settings
from chalicelib.checks import dependencies, flips, run_bounds, schedules, thresholds
from chalicelib.store import storage
from chalicelib.store.models import Check, Flip, Notification, Ping, Project

MAX_ATTEMPTS = 20  # tries of a dashboard or API change racing with pings


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
    return _read(Check.by_slug.query(slug_key(ping_key, slug), limit=2))


def find_by_badge_key(badge_key: str) -> Check | None:
    return next(iter(_read(Check.by_badge_key.query(badge_key, limit=1))), None)


def _read(index_rows) -> list[Check]:
    """The checks behind a keys-only index's rows, read from the table."""
    return [check for check in (get(row.code) for row in index_rows) if check is not None]


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
    for _ in range(MAX_ATTEMPTS):
        for name, value in changes.items():
            setattr(check, name, value)
        alert_after = schedules.going_down_after(check)
        # DynamoDB stores no empty sets: an empty channel set is removed instead.
        empty = {name for name, value in changes.items() if value is None or value == set()}
        actions = [getattr(Check, name).set(value) for name, value in changes.items() if name not in empty]
        actions += [getattr(Check, name).remove() for name in empty]
        actions.append(Check.alert_after.set(alert_after) if alert_after else Check.alert_after.remove())
        actions.append(Check.changed.set(now))
        try:
            check.update(actions=actions, condition=_state_unchanged(check))
            check.changed = now
            return check
        except UpdateError as e:
            # Lost to a ping: it changed the state, or its transaction held the item.
            if e.cause_response_code not in ("ConditionalCheckFailedException", "TransactionConflictException"):
                raise
        check = get(check.code)
        if check is None:
            raise Check.DoesNotExist()
    raise RuntimeError(f"update of {check.code} kept racing with pings")


def change_schedule(check: Check, changes: dict, now: datetime) -> Check:
    """Set a new schedule; an up check that is already late under it goes down without an
    alert (reference §1.6), so a schedule edit never pages anyone."""
    check = update_config(check, changes, now)
    if check.status == "up" and schedules.status(check, now) == "down":
        flip = flips.new_flip(check, "up", "down", flips.SILENT_REASON, now)
        actions = [Check.status.set("down"), Check.alert_after.remove(), Check.changed.set(now)]
        flips.update_with_flip(check, actions, _state_unchanged(check), flip)  # False: a ping got there first and decides
        return get(check.code) or check
    return check


def _state_unchanged(check: Check):
    condition = Check.code.exists() & (Check.status == check.status)
    attributes = [(Check.last_ping, check.last_ping), (Check.last_start, check.last_start)]
    if check.status == "down":  # its alert_after is a held alert's time (quiet.py)
        attributes.append((Check.alert_after, check.alert_after))
    for attribute, value in attributes:
        condition &= attribute.does_not_exist() if value is None else attribute == value
    return condition


def pause(check: Check, now: datetime) -> Check:
    """Stop monitoring until the next ping (or resume); a paused check is left as it is."""
    actions = [Check.status.set("paused"), Check.last_start.remove(), Check.alert_after.remove(), Check.changed.set(now),
               Check.alert_held_until.remove(), *thresholds.reset_actions()]  # fmt: skip
    return _change_status(check, "paused", actions + _forget_runs(check), now)


def resume(check: Check, now: datetime) -> Check:
    """A paused check starts afresh as "new"; the caller checks that it is paused."""
    actions = [
        Check.status.set("new"), Check.last_start.remove(), Check.last_ping.remove(),
        Check.alert_after.remove(), Check.changed.set(now), Check.alert_held_until.remove(), *thresholds.reset_actions(),
    ]
    return _change_status(check, "new", actions + _forget_runs(check), now, only_from="paused")


def _forget_runs(check: Check) -> list:
    """Pause and resume forget the latest start; where every run is watched, all open runs, so
    that no run from before alerts afterwards."""
    return [Check.runs.set({})] if run_bounds.watches_runs(check) else []


def _change_status(check: Check, new_status: str, actions: list, now: datetime, only_from: str | None = None) -> Check:
    """Pause or resume: the check's update and its flip in one transaction, re-read when a ping
    changed the status first. A check already in `new_status` (or no longer in `only_from`) is left alone."""
    for _ in range(MAX_ATTEMPTS):
        if check.status == new_status or (only_from and check.status != only_from):
            return check
        flip = flips.new_flip(check, check.status, new_status, "", now)
        if flips.update_with_flip(check, actions, Check.status == check.status, flip):
            check.refresh(consistent_read=True)
            return check
        check = get(check.code)
        if check is None:
            raise Check.DoesNotExist()
    raise RuntimeError(f"{new_status} of {check.code} kept racing with pings")


def delete(check: Check, clear_children: bool = True) -> None:
    """Delete the check with its pings (and their S3 bodies), flips and notifications; the checks
    that depended on it depend on nothing (left as they are when the whole project goes)."""
    if clear_children:
        dependencies.clear_children(check)
    check.delete()
    _delete_history(check.code)


def _delete_history(code: str) -> None:
    """Delete a check's pings (and their S3 bodies), flips and notifications."""
    pings = list(Ping.query(code, attributes_to_get=["code", "n", "object_size"]))
    storage.delete_bodies(code, [int(p.n) for p in pings if p.object_size])
    for model, items in (
        (Ping, pings),
        (Flip, Flip.query(code)),
        (Notification, Notification.query(code)),
    ):
        with model.batch_write() as batch:
            for item in items:
                batch.delete(item)


def rename(check: Check, project: Project, changes: dict, now: datetime) -> Check:
    """Set validated name, slug, tags and desc; tags are kept single-space separated."""
    changes = dict(changes)
    if "tags" in changes:
        changes["tags"] = " ".join(changes["tags"].split())
    if "slug" in changes:
        changes["slug_key"] = slug_key(project.ping_key, changes["slug"])
    return update_config(check, changes, now)


COPY_SUFFIX = " (copy)"
# Configuration a copy takes over from its original (reference §1.7); state starts afresh.
COPIED_FIELDS = (
    "desc", "tags", "kind", "timeout", "grace", "schedule", "tz", "methods", "manual_resume",
    "filter_subject", "filter_body", "filter_http_body", "filter_default_fail",
    "start_kw", "success_kw", "failure_kw", *run_bounds.FIELDS, "depends_on",
    "failure_threshold", "recovery_threshold", "quiet_windows",
)  # fmt: skip


def copy(check: Check, project: Project, now: datetime) -> Check:
    """A new check in the same project, configured as this one, with no pings."""
    name = check.name + COPY_SUFFIX
    if len(name) > 100:
        name = check.name[:90] + "..." + COPY_SUFFIX
    slug = f"{check.slug}-copy" if check.slug else ""
    fields = {field: getattr(check, field) for field in COPIED_FIELDS}
    if check.channels:
        fields["channels"] = set(check.channels)
    return create_check(project, now, name=name, slug=slug if len(slug) <= 100 else "", **fields)


def transfer(check: Check, target: Project, channel_codes: set[str], now: datetime) -> Check:
    """Move the check to another project, alerting through all of that project's channels."""
    changes = {"project": target.code, "slug_key": slug_key(target.ping_key, check.slug), "channels": channel_codes}
    # A parent is always in the same project: the move ends the check's dependencies both ways.
    dependencies.clear_children(check)
    changes["depends_on"] = None
    return update_config(check, changes, now)


def set_channel(check: Check, channel_code: str, enabled: bool) -> None:
    """Turn one channel on or off for the check (an atomic set add or delete)."""
    action = Check.channels.add({channel_code}) if enabled else Check.channels.delete({channel_code})
    check.update(actions=[action], condition=Check.code.exists())


def clear_events(check: Check) -> Check:
    """Forget the check's history: status "new", no last ping or runs; pings, flips and
    notifications deleted. The ping counter goes on, so new pings get new numbers."""
    check.update(
        actions=[
            Check.status.set("new"), Check.last_ping.remove(), Check.last_start.remove(),
            Check.last_start_rid.remove(), Check.last_duration.remove(), Check.runs.set({}),
            Check.has_confirmation_link.set(False), Check.alert_after.remove(), Check.alert_held_until.remove(),
            *thresholds.reset_actions(),
        ],
        condition=Check.code.exists(),
    )
    _delete_history(check.code)
    return check
