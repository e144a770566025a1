"""Channels (integrations) of a project, and which of them a check alerts through."""
import json
import uuid
from datetime import datetime

from chalicelib.store.models import Channel, Check


def create_channel(project_code: str, kind: str, value: str | dict, now: datetime, name: str = "", **fields) -> Channel:
    """A new channel, assigned to every check of its project (as Healthchecks does)."""
    channel = Channel(
        code=str(uuid.uuid4()),
        project=project_code,
        kind=kind,
        name=name,
        value=value if isinstance(value, str) else json.dumps(value),
        created=now,
        **fields,
    )
    channel.save()
    for check in Check.by_project.query(project_code):
        check.update(actions=[Check.channels.add({channel.code})])
    return channel


def find_in_project(project_code: str, code: str) -> Channel | None:
    """The channel with this code if it belongs to the project (None for any other, or none)."""
    try:
        channel = Channel.get(code) if code else None
    except Channel.DoesNotExist:
        return None
    return channel if channel is not None and channel.project == project_code else None


def in_project(project_code: str) -> list[Channel]:
    """The project's channels as the dashboard lists them: groups first, then by creation (one Query)."""
    return sorted(Channel.by_project.query(project_code), key=lambda c: (c.kind != "group", c.created))


def attention(found: list[Channel]) -> str:
    """Why a project's integrations need a look ("" when they do not): none, or one failing."""
    if not found:
        return "This project has no integrations: nobody is told when a check goes down."
    if any(channel.last_error for channel in found):
        return "An integration failed to deliver its last notification."
    return ""


def codes_in_project(project_code: str) -> set[str]:
    return {channel.code for channel in Channel.by_project.query(project_code)}


def for_check(check: Check) -> list[Channel]:
    """The check's enabled channels, fastest to notify first."""
    if not check.channels:
        return []
    found = Channel.batch_get(list(check.channels))
    usable = [c for c in found if c.project == check.project and not c.disabled]
    return sorted(usable, key=lambda c: (c.last_notify_duration is None, c.last_notify_duration or 0))


def record_late_error(channel: Channel, error: str, disable: bool) -> None:
    """A failure learned after the send (a bounce, a delivery report): the dashboard's last error,
    and the channel disabled when the failure is permanent."""
    channel.update(actions=[Channel.last_error.set(error)] + ([Channel.disabled.set(True)] if disable else []))


def record_result(channel: Channel, started: datetime, duration: float, error: str, disable: bool) -> None:
    """Keep the last attempt on the channel, for the dashboard (a success does not re-enable)."""
    actions = [
        Channel.last_notify.set(started),
        Channel.last_notify_duration.set(round(duration, 3)),
        Channel.last_error.set(error),
    ]
    if disable:
        actions.append(Channel.disabled.set(True))
    channel.update(actions=actions)
