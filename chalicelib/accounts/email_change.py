"""Changing a user's email address: a signed link sent to the new address confirms it."""
from datetime import datetime

from chalicelib import settings
from chalicelib.accounts import users
from chalicelib.accounts.users import EmailTaken
from chalicelib.lib import emails, signing
from chalicelib.store.models import User

MAX_AGE = 15 * 60
SALT = "change-email"


def send_link(user: User, new_email: str, now: datetime) -> None:
    """Email the confirmation link to the new address (EmailTaken if someone has it)."""
    new_email = users.normalize_email(new_email)
    if users.find_by_email(new_email) is not None:
        raise EmailTaken()
    token = signing.sign({"u": user.id, "old": user.email, "new": new_email}, SALT, now)
    link = f"{settings.SITE_ROOT}/accounts/change_email/{token}/"
    emails.send_template(new_email, f"Confirm your new email address on {settings.SITE_NAME}", "change_email", link=link)


def read_link(token: str, now: datetime) -> tuple[User, str]:
    """The user and new address a valid link names; ValueError if forged, expired or used."""
    try:
        payload = signing.unsign(token, SALT, MAX_AGE, now)
        user = users.get(payload["u"])
    except (ValueError, KeyError, TypeError):
        raise ValueError("This link is not valid or has expired.") from None
    if user is None or user.email != payload["old"]:  # the email changed since: a used link
        raise ValueError("This link is not valid or has expired.")
    return user, payload["new"]


def apply_link(token: str, now: datetime) -> User:
    """Change the email the link names; EmailTaken or ValueError when it cannot be."""
    user, new_email = read_link(token, now)
    if users.find_by_email(new_email) is not None:
        raise EmailTaken()
    # Conditional on the old address, so the link works once even when clicked twice at once.
    try:
        users.change_email(user, new_email)
    except EmailTaken:
        raise
    except ValueError:
        raise ValueError("This link is not valid or has expired.") from None
    return user
