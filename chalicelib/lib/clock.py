"""The one clock: request handlers and event handlers read "now" here, and pass it down."""
from datetime import datetime, timezone


def now() -> datetime:
    return datetime.now(timezone.utc)
