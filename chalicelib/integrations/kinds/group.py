"""Group: an alert sent on to the listed channels of the same project (never into other groups)."""
import uuid

from chalicelib.integrations import forms
from chalicelib.integrations.base import Notice, TransportError, both_directions
from chalicelib.store.models import Channel

KIND = "group"
LABEL = "Group"
is_noop = both_directions


def enabled() -> bool:
    return True


def validate(value: dict) -> str:
    """The member codes, comma-separated; each must be a channel of the project and not a group.

    value: {"project": project code, "channels": [channel codes]}.
    """
    project = forms.text(value, "project", 100)
    codes = value.get("channels") or []
    if isinstance(codes, str):
        codes = codes.split(",")
    codes = list(dict.fromkeys(str(code).strip() for code in codes if str(code).strip()))
    if not codes:
        raise ValueError("channels: select at least one integration")
    for code in codes:
        try:
            uuid.UUID(code)
        except ValueError:
            raise ValueError(f"channels: {code} is not an integration of this project") from None
    found = {channel.code: channel for channel in Channel.batch_get(codes)}
    for code in codes:
        channel = found.get(code)
        if channel is None or channel.project != project:
            raise ValueError(f"channels: {code} is not an integration of this project")
        if channel.kind == KIND:
            raise ValueError("channels: a group cannot contain another group")
    return ",".join(codes)


def members(channel: Channel) -> list[Channel]:
    """The group's enabled member channels still in its project, groups left out."""
    codes = [code for code in channel.value.split(",") if code]
    if not codes:
        return []
    found = {member.code: member for member in Channel.batch_get(codes)}
    return [
        found[code] for code in codes
        if code in found and found[code].project == channel.project
        and found[code].kind != KIND and not found[code].disabled
    ]


def send(channel: Channel, notice: Notice) -> None:
    """Each member is notified (once per flip) and records its own result; raise if any failed."""
    group = members(channel)
    errors = [notice.notify_member(member, notice) for member in group]
    failed = sum(1 for error in errors if error)
    if failed:
        raise TransportError(f"{failed} out of {len(group)} notifications failed")
