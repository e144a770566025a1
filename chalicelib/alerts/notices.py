"""Gathering what an alert says about a flip: the check, its last ping, the project's state."""
from chalicelib import settings
from chalicelib.checks import dependencies, flips, schedules
from chalicelib.checks.check_json import unique_key
from chalicelib.integrations.base import Notice
from chalicelib.store import storage
from chalicelib.store.models import Check, Flip, Ping, Project

OTHER_DOWN_SHOWN = 10


def build(check: Check, flip: Flip, notify_member=None) -> Notice:
    project = Project.get(check.project)
    last_ping = next(iter(Ping.query(check.code, scan_index_forward=False, limit=1)), None)
    notice = Notice(
        check=check,
        flip=flip,
        project_name=project.name,
        check_url=f"{settings.SITE_ROOT}/cloaked/{unique_key(check.code)}/",
        last_ping=last_ping,
        last_ping_body=_body(last_ping),
        notify_member=notify_member,
    )
    if flip.new_status == "up":
        went_down = flips.last_down_before(check.code, flip.created)
        notice.downtime = flip.created - went_down.created if went_down else None

    others = [c for c in Check.by_project.query(check.project) if c.code != check.code]
    if flip.new_status == "down":
        notice.covered_children = dependencies.covered_children(check, others)
    down = [c for c in others if schedules.status(c, flip.created) == "down"]
    notice.other_down = sorted(down, key=lambda c: c.name)[:OTHER_DOWN_SHOWN]
    notice.other_down_count = len(down)
    notice.project_check_count = len(others) + 1
    return notice


def _body(ping: Ping | None) -> bytes | None:
    return storage.ping_body(ping) if ping else None
