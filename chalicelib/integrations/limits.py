"""Delivery rules several kinds share: per-recipient rate limits and monthly quotas (length caps: chat.py).

A kind names its rule with `limit(channel, notice)`; delivery checks it once per notification,
before the first try, so retries of a transient failure spend nothing more. A refused send is
an error on the notification, never retried.
"""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from chalicelib import settings
from chalicelib.accounts import users
from chalicelib.integrations.base import Notice, TransportError
from chalicelib.lib import emails, ratelimit
from chalicelib.store.models import Channel, Member, MonthlyUsage, Project, User

log = logging.getLogger(__name__)

# Telegram, Signal, Pushover and ntfy: at most 6 messages a minute to one recipient.
PER_MINUTE = 6
RATE_LIMITED = "Rate limit exceeded"
# A month's counter outlives its month by this much, then DynamoDB's TTL removes it.
USAGE_RETENTION = timedelta(days=40)


@dataclass(frozen=True)
class PerMinute:
    """At most PER_MINUTE sends a minute to the recipient this bucket key stands for."""

    key: str


@dataclass(frozen=True)
class Monthly:
    """One send counted against the project owner's monthly quota ("sms" or "call")."""

    quota: str  # "sms" (SMS and WhatsApp share it) or "call"
    label: str  # as the error and the notice name it: "SMS", "message", "phone call"
    text: str  # the message that was not sent, quoted in the notice email


def recipient_key(prefix: str, recipient: str) -> PerMinute:
    """A per-minute rule for a recipient whose address is kept out of the table (hashed)."""
    return PerMinute(ratelimit.hashed(prefix, recipient))


def authorize(transport, channel: Channel, notice: Notice, now: datetime) -> None:
    """Raise TransportError when the kind's rule forbids this send; spends the send otherwise."""
    rule_for = getattr(transport, "limit", None)  # optional: only limited kinds define it
    rule = rule_for(channel, notice) if rule_for else None
    if isinstance(rule, PerMinute):
        if not ratelimit.allow(rule.key, PER_MINUTE, timedelta(minutes=1), now):
            raise TransportError(RATE_LIMITED)
    elif isinstance(rule, Monthly):
        project = Project.get(channel.project)
        if not spend(project, rule.quota, now):
            send_limit_notice(project, rule, now)
            raise TransportError(f"Monthly {rule.label} limit exceeded")


def quota_limit(project: Project, quota: str) -> int:
    """The project owner's monthly quota: their own (set by an operator) or CALL_LIMIT / SMS_LIMIT."""
    name = "call_limit" if quota == "call" else "sms_limit"
    owner = users.get(project.owner) if project.owner else None
    if owner is None:
        return users.LIMIT_DEFAULTS[name]()
    return users.limit(owner, name)


def spend(project: Project, quota: str, now: datetime) -> bool:
    """Count one send this month for the project's owner; False (nothing counted) at the limit."""
    item = MonthlyUsage(key=_usage_key(project, quota, now))
    limit = quota_limit(project, quota)
    try:
        item.update(
            actions=[MonthlyUsage.used.add(1), MonthlyUsage.expires.set(_month_end(now) + USAGE_RETENTION)],
            condition=MonthlyUsage.used.does_not_exist() | (MonthlyUsage.used < limit),
        )
    except UpdateError as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def used(project: Project, quota: str, now: datetime) -> int:
    """Sends counted this month (the dashboard shows "Used X of Y")."""
    return holder_used(project.owner or project.code, quota, now)


def holder_used(holder: str, quota: str, now: datetime) -> int:
    """Sends counted this month for a project owner's id (or an ownerless project's code)."""
    try:
        return int(MonthlyUsage.get(_holder_key(holder, quota, now)).used)
    except MonthlyUsage.DoesNotExist:
        return 0


def send_limit_notice(project: Project, rule: Monthly, now: datetime) -> None:
    """Tell the project's team that a message was held back by the monthly quota, quoting it."""
    limit = quota_limit(project, rule.quota)
    subject = f"Monthly {rule.label} limit reached"
    body = (
        f"Your project \"{project.name}\" on {settings.SITE_NAME} has used all {limit} of its "
        f"monthly {rule.label} notifications for {now:%B %Y}, so this one was not sent:\n\n"
        f"{rule.text}\n\nThe count starts again on the first day of next month.\n"
    )
    for address in team_emails(project):
        try:
            emails.send(address, subject, body)
        except TransportError as e:
            log.warning("limit notice to a member of project %s failed: %s", project.code, e.message)


def team_emails(project: Project) -> list[str]:
    """The addresses of everyone in the project (its owner included)."""
    user_ids = {member.user for member in Member.query(project.code)}
    if project.owner:
        user_ids.add(project.owner)
    if not user_ids:
        return []
    return sorted(user.email for user in User.batch_get(list(user_ids)))


def _usage_key(project: Project, quota: str, now: datetime) -> str:
    return _holder_key(project.owner or project.code, quota, now)


def _holder_key(holder: str, quota: str, now: datetime) -> str:
    return f"{quota}-{holder}-{now:%Y-%m}"


def _month_end(now: datetime) -> datetime:
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1)
