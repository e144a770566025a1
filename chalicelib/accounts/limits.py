"""The rate limits on logging in, signing up and sudo codes (the reference's TokenBucket table)."""
from datetime import datetime, timedelta

from chalicelib.lib import ratelimit

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


class TryLater(Exception):
    """A limit is spent; the caller answers 429 with Retry-After."""

    def __init__(self, retry_after: int):
        super().__init__(f"try again in {retry_after} s")
        self.retry_after = retry_after


def spend(key: str, capacity: int, period: timedelta, now: datetime) -> None:
    """Use one attempt from the bucket, or raise TryLater."""
    if not ratelimit.allow(key, capacity, period, now):
        raise TryLater(max(1, ratelimit.seconds_until_allowed(key, capacity, period, now)))


def auth_attempt_from(ip: str | None, now: datetime) -> None:
    """20 login and signup attempts per hour from one address."""
    spend(f"auth-ip-{ip or 'unknown'}", 20, HOUR, now)


def link_to(email: str, now: datetime) -> None:
    """10 login links or signups per hour to one mailbox (its dots and +alias ignored)."""
    spend(ratelimit.hashed("em", mailbox(email)), 10, HOUR, now)


def password_attempt_for(email: str, now: datetime) -> None:
    """20 password attempts per day for one address."""
    spend(ratelimit.hashed("pw", email.strip().lower()), 20, DAY, now)


def sudo_attempt_by(user_id: str, now: datetime) -> None:
    """10 sudo codes entered per day per user."""
    spend(f"sudo-{user_id}", 10, DAY, now)


def mailbox(email: str) -> str:
    """The address as the mailbox sees it: lower case, no dots or +alias in the local part."""
    local, _, domain = email.strip().lower().rpartition("@")
    return local.split("+", 1)[0].replace(".", "") + "@" + domain
