"""The two ways in from the login page: a password, or a login link by email. Both are rate
limited per address and per IP, and neither tells which accounts exist."""
import functools
from datetime import datetime

from chalicelib.accounts import limits, login_links, passwords, users
from chalicelib.store.models import User


def with_password(email: str, password: str, ip: str | None, now: datetime) -> User | None:
    """The user when the email and password match; None otherwise (never saying which was wrong)."""
    limits.auth_attempt_from(ip, now)
    limits.password_attempt_for(email, now)
    user = users.find_by_email(email)
    if user is None or user.password_hash is None:
        passwords.matches(password, _stand_in_hash())  # as slow as a real check: timing tells nothing
        return None
    return user if passwords.matches(password, user.password_hash) else None


def request_link(email: str, ip: str | None, now: datetime, next_url: str = "") -> None:
    """Email a login link if the address has an account that may log in."""
    limits.auth_attempt_from(ip, now)
    limits.link_to(email, now)
    user = users.find_by_email(email)
    if user is not None and user.deactivated is None:
        login_links.send_login_link(user, now, next_url)


@functools.cache
def _stand_in_hash() -> str:
    return passwords.make_hash("not anyone's password")
