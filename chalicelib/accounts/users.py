"""Users: created by signup or invitation, found by id or email."""
import uuid
from datetime import datetime

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
    user = User(id=str(uuid.uuid4()), email=normalize_email(email), created=now, **fields)
    user.save()
    return user
