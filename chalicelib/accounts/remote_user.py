"""REMOTE_USER_HEADER mode: a trusted proxy in front of the site logs people in and names them
in a request header; the user is created on first sight, as signup would."""
from datetime import datetime

from chalicelib import settings
from chalicelib.accounts import signup, users
from chalicelib.store.models import User


def enabled() -> bool:
    return bool(settings.REMOTE_USER_HEADER)


def header_name() -> str:
    """The setting as a lower-case HTTP header name: Django's "HTTP_AUTH_USER" is "auth-user"."""
    name = settings.REMOTE_USER_HEADER.strip()
    name = name[5:] if name.upper().startswith("HTTP_") else name
    return name.replace("_", "-").lower()


def user_for(email: str, now: datetime) -> User | None:
    """The user the header names (created with a default project if new); None for no valid
    email, or an account an operator deactivated."""
    email = users.normalize_email(email)
    if not signup.valid_address(email):
        return None
    user = users.find_or_create(email, lambda: signup.create_account(email, "UTC", now))
    return None if user.deactivated else user
