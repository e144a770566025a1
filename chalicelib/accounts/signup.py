"""Signing up by email: a new person gets a project with a first check and an email channel;
either way the address gets a login link, so the answer never tells who has an account."""
from datetime import datetime

from chalicelib.accounts import limits, login_links, preferences, projects, users
from chalicelib.checks import channels, checks
from chalicelib.lib.addresses import EMAIL_ADDRESS
from chalicelib.store.models import User

MAX_LENGTH = 254


def valid_address(email: str) -> bool:
    """Something@domain.tld without spaces or list separators; the emailed link proves the rest."""
    return len(email) <= MAX_LENGTH and bool(EMAIL_ADDRESS.match(email))


def sign_up(email: str, tz: str, ip: str | None, now: datetime) -> None:
    """Create the account if the address is new, then email it a login link."""
    limits.auth_attempt_from(ip, now)
    limits.link_to(email, now)
    user = users.find_or_create(email, lambda: create_account(email, tz, now))
    login_links.send_login_link(user, now)


def create_account(email: str, tz: str, now: datetime) -> User:
    """A user without a password, owning a default project with "My First Check" and an
    already verified email channel to their own address."""
    user = users.create_user(email, now, tz=tz if preferences.known_zone(tz) else "UTC")
    project = projects.create_project(user.email[:200], now, owner=user.id, keys=False).project
    checks.create_check(project, now, name="My First Check", slug="my-first-check")
    value = {"value": user.email, "up": True, "down": True}
    channels.create_channel(project.code, "email", value, now, email_verified=True)  # joins the check
    return user
