"""Magic login links: a random token, stored hashed on the user, signed into an emailed URL.

A link is good for one hour and one use: using it clears the stored hash, and a newer link
replaces the older one's hash."""
import hashlib
import secrets
from datetime import datetime
from urllib.parse import quote

from pynamodb.exceptions import UpdateError

from chalicelib import settings
from chalicelib.lib import emails, signing
from chalicelib.store.models import User

MAX_AGE = 3600
SALT = "login-link"


def send_login_link(user: User, now: datetime, next_url: str = "") -> None:
    """Email the user a link that logs them in (and then opens next_url, a local path)."""
    emails.send_template(
        user.email, f"Log in to {settings.SITE_NAME}", "login_link", link=make_link(user, now, next_url)
    )


def make_link(user: User, now: datetime, next_url: str = "") -> str:
    """A new login link for the user; it replaces any link made before."""
    token = secrets.token_urlsafe(24)
    user.update(actions=[User.login_token_hash.set(_hash(token))])
    signed = signing.sign({"u": user.id, "k": token}, SALT, now)
    link = f"{settings.SITE_ROOT}/accounts/check_token/{user.id}/{signed}/"
    return link + (f"?next={quote(next_url, safe='/')}" if next_url else "")


def redeem(user_id: str, signed: str, now: datetime) -> User | None:
    """The user the link logs in, using it up; None for a forged, expired or used link."""
    try:
        payload = signing.unsign(signed, SALT, MAX_AGE, now)
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(payload, dict) or payload.get("u") != user_id or not isinstance(payload.get("k"), str):
        return None
    try:
        user = User.get(user_id)
    except User.DoesNotExist:
        return None
    expected = _hash(payload["k"])
    try:  # conditional: of two requests racing with one link, one logs in
        user.update(actions=[User.login_token_hash.remove()], condition=User.login_token_hash == expected)
    except UpdateError as e:
        if e.cause_response_code != "ConditionalCheckFailedException":
            raise
        return None
    return user


def _hash(token: str) -> str:
    # The token carries 192 random bits, so a fast hash is as good as a slow one here.
    return hashlib.sha256(token.encode()).hexdigest()
