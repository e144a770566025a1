"""Users: created by signup or invitation, found by id or email."""
import uuid
from datetime import datetime, timedelta

from chalicelib.accounts import preferences
from chalicelib.models import User


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return next(iter(User.by_email.query(normalize_email(email), limit=1)), None)


def get(user_id: str) -> User | None:
    try:
        return User.get(user_id)
    except User.DoesNotExist:
        return None


def create_user(email: str, now: datetime, **fields) -> User:
    """A new user with this (normalized) email; the caller makes sure it is not taken."""
    # Scheduled from the start: the report run finds only users with a next_report_date.
    first_report = preferences.next_report_date(fields.get("reports", "monthly"), fields.get("tz", "UTC"), now)
    fields.setdefault("next_report_date", first_report)
    user = User(id=str(uuid.uuid4()), email=normalize_email(email), created=now, **fields)
    user.save()
    return user


ACTIVE_EVERY = timedelta(days=1)  # how often a visit refreshes last_active (one write a day at most)


def mark_active(user: User, now: datetime) -> None:
    """Note that the user visited the dashboard (the checks list, a check's page)."""
    if user.last_active is None or now - user.last_active >= ACTIVE_EVERY:
        user.update(actions=[User.last_active.set(now)])
