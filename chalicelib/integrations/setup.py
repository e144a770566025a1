"""Setting up a project's integrations from the dashboard: add, edit, rename, remove, assign
checks, confirm an email address, and send a test notification through the real transport."""
import hashlib
import hmac
import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib import settings
from chalicelib.checks import channels
from chalicelib.integrations import limits, registry
from chalicelib.integrations.base import Notice
from chalicelib.lib import emails
from chalicelib.lib.errors import TransportError
from chalicelib.store.models import Channel, Check, Flip, Ping, Project, User

log = logging.getLogger(__name__)

NAME_MAX = 100
# The kinds whose settings can be changed after adding (Healthchecks' list); others are re-added.
EDITABLE = {"email", "webhook", "sms", "signal", "whatsapp", "ntfy", "group", "gotify"}
RECIPIENT_KINDS = {"call", "sms", "signal", "whatsapp"}


class SetupError(ValueError):
    """Input the kind refuses; the message names the field when it can."""


@dataclass
class ChannelRow:
    """One line of the integrations page."""

    channel: Channel
    label: str  # the kind as people call it
    details: str  # where it sends, in a few words
    assigned: int  # how many of the project's checks alert through it
    usage: str = ""  # kinds with a monthly quota: "Used 3 of 50 this month"

    @property
    def state(self) -> str:
        if self.channel.disabled:
            return "disabled"
        if self.channel.kind == "email" and not self.channel.email_verified:
            return "unconfirmed"
        return "ready"


def available_kinds() -> list[tuple[str, str]]:
    """(kind, label) of every kind the settings turn on, by label."""
    return sorted(((k, t.LABEL) for k, t in registry.KINDS.items() if t.enabled()), key=lambda kl: kl[1].lower())


def transport_for(kind: str):
    """The enabled transport of this kind; SetupError for an unknown or switched-off kind."""
    transport = registry.KINDS.get(kind)
    if transport is None or not transport.enabled():
        raise SetupError(f"There is no integration called {kind!r} here.")
    return transport


def rows(project: Project, now: datetime) -> tuple[list[ChannelRow], list[Check]]:
    """The project's channels with their assigned-check counts and quota use, and its checks
    (one Query each, and one read per monthly quota in use)."""
    checks = list(Check.by_project.query(project.code))
    found = channels.in_project(project.code)
    usage = {}  # quota -> its line, read once however many channels share it
    result = []
    for channel in found:
        transport = registry.KINDS.get(channel.kind)
        quota = getattr(transport, "QUOTA", None)
        if quota and quota not in usage:
            usage[quota] = f"Used {limits.used(project, quota, now)} of {limits.quota_limit(project, quota)} this month"
        result.append(
            ChannelRow(
                channel=channel,
                label=transport.LABEL if transport else channel.kind,
                details=describe(channel),
                assigned=sum(1 for c in checks if channel.code in (c.channels or set())),
                usage=usage.get(quota, ""),
            )
        )
    return result, checks


def checks_by_name(project: Project) -> list[Check]:
    return sorted(Check.by_project.query(project.code), key=lambda c: (c.name or c.code).lower())


def stored_settings(channel: Channel) -> dict:
    """The channel's settings as its form shows them."""
    from chalicelib.integrations import forms, recipient
    from chalicelib.integrations.kinds import email

    if channel.kind == "email":
        return email.target(channel)
    if channel.kind in RECIPIENT_KINDS:
        return recipient.target(channel)
    if channel.kind == "group":
        return {"channels": channel.value.split(",")}
    return forms.stored(channel)


def form_context(kind: str, project: Project, channel: Channel | None = None) -> dict:
    """What a kind's form shows besides its settings: a group's candidate members, whether
    Slack's and PagerDuty's "Add to" flows are on, the Matrix bot and the Telegram bot's names."""
    from chalicelib.integrations.kinds import pd, slack

    if kind == "group":
        own = channel.code if channel else None
        return {"group_candidates": [c for c in channels.in_project(project.code) if c.kind != "group" and c.code != own]}
    return {
        "slack_oauth": slack.oauth_enabled(), "pd_app": pd.app_enabled(),
        "matrix_user": settings.MATRIX_USER_ID, "telegram_bot": settings.TELEGRAM_BOT_NAME,
    }


def describe(channel: Channel) -> str:
    """Where the channel sends: an address, a URL; kinds may say it themselves with describe()."""
    from chalicelib.integrations.kinds import email, webhook

    if channel.kind == "email":
        target = email.target(channel)
        only = "" if target["up"] and target["down"] else (" (down only)" if target["down"] else " (up only)")
        return target["value"] + only
    if channel.kind == "webhook":
        parts = [f"{s['method']} {s['url']}" for s in (webhook.spec(channel, d) for d in ("down", "up")) if s["url"]]
        return " · ".join(parts)
    own = getattr(registry.KINDS.get(channel.kind), "describe", None)
    return own(channel) if own else ""


def add(project: Project, kind: str, value: dict, user: User, now: datetime, name: str = "") -> Channel:
    """A new channel of this kind, validated by its module and assigned to every check."""
    stored = _validate(transport_for(kind), _prepared(kind, value, project.code))
    channel = channels.create_channel(project.code, kind, stored, now, name=_name(name))
    if kind == "email":
        _confirm_address(channel, project, user)
    return channel


def connect(project: Project, kind: str, stored: str, now: datetime, name: str = "") -> Channel:
    """A channel from what an "Add to ..." flow returned (already validated by the kind's complete())."""
    transport_for(kind)
    return channels.create_channel(project.code, kind, stored, now, name=_name(name[:NAME_MAX]))


def edit(channel: Channel, value: dict, user: User, name: str | None = None) -> Channel:
    """Store new settings (and name); an email address that changed, or a disabled channel, starts afresh."""
    if channel.kind not in EDITABLE:
        raise SetupError(f"{channel.kind} integrations cannot be edited; remove it and add a new one.")
    stored = _validate(transport_for(channel.kind), _prepared(channel.kind, value, channel.project))
    actions = [Channel.value.set(stored)]
    if name is not None:
        actions.append(Channel.name.set(_name(name)))
    if channel.kind == "email":
        from chalicelib.integrations.kinds import email

        old = email.target(channel)["value"]
        if old != json.loads(stored)["value"] or channel.disabled:
            actions += [Channel.disabled.set(False), Channel.email_verified.set(False)]
            channel.email_verified = False
    channel.update(actions=actions)
    if channel.kind == "email" and not channel.email_verified:
        _confirm_address(channel, Project.get(channel.project), user)
    return channel


def rename(channel: Channel, name: str) -> None:
    channel.update(actions=[Channel.name.set(_name(name))])


def remove(channel: Channel) -> None:
    """Delete the channel, and take it off the checks that listed it."""
    for check in Check.by_project.query(channel.project):
        if channel.code in (check.channels or set()):
            check.update(actions=[Check.channels.delete({channel.code})])
    channel.delete()


def assign(channel: Channel, check_codes: set[str]) -> None:
    """Make exactly these checks of the project alert through the channel (others ignored)."""
    for check in Check.by_project.query(channel.project):
        has = channel.code in (check.channels or set())
        if check.code in check_codes and not has:
            check.update(actions=[Check.channels.add({channel.code})])
        elif check.code not in check_codes and has:
            check.update(actions=[Check.channels.delete({channel.code})])


def verification_token(channel: Channel) -> str:
    """The secret in an address's confirmation link; it stops working if the address changes."""
    from chalicelib.integrations.kinds import email

    message = f"{channel.code}:{email.target(channel)['value']}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def verify_email(channel_code: str, token: str) -> Channel | None:
    """Confirm the channel's address if the token is its own; the channel, or None."""
    try:
        channel = Channel.get(channel_code)
    except Channel.DoesNotExist:
        return None
    if channel.kind != "email" or not hmac.compare_digest(verification_token(channel), token):
        return None
    channel.update(actions=[Channel.email_verified.set(True)])
    return channel


def send_test(channel: Channel, project: Project, now: datetime, notify_member=None) -> str:
    """Send a made-up "down" alert (or "up", for a channel that only wants those); the error, or ""."""
    transport = registry.KINDS.get(channel.kind)
    if transport is None:
        return f"Unknown integration kind {channel.kind!r}."
    status = "up" if transport.is_noop(channel, "down") else "down"
    notice = _test_notice(channel, project, status, now)
    notice.notify_member = notify_member  # a group's Test! notifies its members
    started, clock = now, time.monotonic()
    error = ""
    try:
        if not transport.enabled():
            raise TransportError(f"{transport.LABEL} notifications are not enabled.")
        limits.authorize(transport, channel, notice, now)
        transport.send(channel, notice)
    except TransportError as e:
        error = e.message
    except Exception:
        log.exception("test notification on %s channel %s failed", channel.kind, channel.code)
        error = "Unexpected error while sending"
    channels.record_result(channel, started, time.monotonic() - clock, error[:200], disable=False)
    return error


def _test_notice(channel: Channel, project: Project, status: str, now: datetime) -> Notice:
    """A check called TEST that has just gone down (or up), never saved."""
    code = str(uuid.uuid4())
    last_ping = now - timedelta(days=1)
    check = Check(
        code=code, project=project.code, badge_key=code, created=now - timedelta(days=30), name="TEST",
        status=status, n_pings=42, last_ping=last_ping, due_shard=0, channels={channel.code},
    )
    flip = Flip(
        code=code, created=now, project=project.code, old_status="up" if status == "down" else "down",
        new_status=status, reason="timeout" if status == "down" else "", expires=now,
    )
    ping = Ping(code=code, n=42, created=last_ping, kind="success")
    return Notice(
        check=check, flip=flip, project_name=project.name,
        check_url=f"{settings.SITE_ROOT}/projects/{project.code}/checks/", last_ping=ping,
    )


def _validate(transport, value: dict) -> str:
    try:
        return transport.validate(value)
    except ValueError as e:
        raise SetupError(str(e)) from None


def _prepared(kind: str, value: dict, project_code: str) -> dict:
    """The form plus what validate() needs that the user must not choose: a group's project
    (its members must be this project's), a Matrix room's id (the bot joins the alias)."""
    if kind == "group":
        return {**value, "project": project_code}
    if kind == "matrix":
        from chalicelib.integrations import oauth
        from chalicelib.integrations.kinds import matrix

        try:
            return {**value, "room_id": matrix.join(str(value.get("room_id") or ""))}
        except oauth.FlowError as e:
            raise SetupError(f"room_id: {e}") from None
    return value


def _name(name: str) -> str:
    name = name.strip()
    if len(name) > NAME_MAX:
        raise SetupError(f"name: at most {NAME_MAX} characters")
    return name


def _confirm_address(channel: Channel, project: Project, user: User) -> None:
    """Your own address (or no verification) needs no link; another gets one by email.

    A failed send leaves the channel unconfirmed (the page says so; saving it again resends)."""
    from chalicelib.integrations.kinds import email

    address = email.target(channel)["value"]
    if not settings.EMAIL_USE_VERIFICATION or address.lower() == user.email.lower():
        channel.update(actions=[Channel.email_verified.set(True)])
        channel.email_verified = True
        return
    link = f"{settings.SITE_ROOT}/integrations/{channel.code}/verify/{verification_token(channel)}/"
    try:
        emails.send_template(
            address, f"Verify email address on {settings.SITE_NAME}", "verify_email",
            link=link, requester=user.email, project_name=project.name,
        )
    except TransportError as e:
        log.warning("confirmation email for channel %s not sent: %s", channel.code, e.message)
