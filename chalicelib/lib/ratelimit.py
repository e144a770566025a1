"""Token-bucket rate limits kept in DynamoDB, as Healthchecks' TokenBucket: a bucket holds at most
one token's worth, refills over `period` and each use spends 1/capacity of it."""
import hashlib
from datetime import datetime, timedelta

from pynamodb.exceptions import PutError

from chalicelib import settings
from chalicelib.store.models import TokenBucket

RETENTION = timedelta(days=1)
ATTEMPTS = 5
# Spending 1/capacity capacity times leaves a float a hair below zero; that last use is allowed.
EPSILON = 1e-9


def allow(key: str, capacity: int, period: timedelta, now: datetime) -> bool:
    """Spend one use of the bucket `key` (capacity uses per period); False when it is empty."""
    for _ in range(ATTEMPTS):
        bucket = _get(key)
        tokens = _refilled(bucket, period, now) - 1 / capacity
        if tokens < -EPSILON:
            return False
        if _save(key, bucket, tokens, now):
            return True
    return False  # lost every race: the bucket is being used hard, so deny


def seconds_until_allowed(key: str, capacity: int, period: timedelta, now: datetime) -> int:
    """How long until the next use would be allowed (for Retry-After)."""
    bucket = _get(key)
    missing = 1 / capacity - _refilled(bucket, period, now)
    return max(0, int(missing * period.total_seconds()) + 1) if missing > EPSILON else 0


def hashed(prefix: str, value: str) -> str:
    """A bucket key that does not store the value (an email, a phone number) in clear."""
    digest = hashlib.sha1((value + settings.SECRET_KEY).encode()).hexdigest()
    return f"{prefix}-{digest}"


def _get(key: str) -> TokenBucket | None:
    try:
        return TokenBucket.get(key, consistent_read=True)
    except TokenBucket.DoesNotExist:
        return None


def _refilled(bucket: TokenBucket | None, period: timedelta, now: datetime) -> float:
    if bucket is None:
        return 1.0
    elapsed = max(0.0, now.timestamp() - bucket.updated)
    return min(1.0, bucket.tokens + elapsed / period.total_seconds())


def _save(key: str, bucket: TokenBucket | None, tokens: float, now: datetime) -> bool:
    """Write the new level only if nobody else wrote since we read (compare-and-set)."""
    item = TokenBucket(key=key, tokens=tokens, updated=now.timestamp(), expires=now + RETENTION)
    condition = TokenBucket.key.does_not_exist() if bucket is None else TokenBucket.updated == bucket.updated
    try:
        item.save(condition=condition)
        return True
    except PutError as e:
        if e.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
