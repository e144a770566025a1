"""Sudo mode: before a sensitive change, the user proves again who they are with a six-digit
code sent by email. The caller keeps the state (a dict of plain values) in the session."""
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from chalicelib import settings
from chalicelib.accounts import limits
from chalicelib.lib import emails
from chalicelib.store.models import User

CODE_AGE = timedelta(minutes=15)
SUDO_AGE = timedelta(minutes=30)


def send_code(user: User, now: datetime) -> dict:
    """Email a new code; the state to keep until it is entered."""
    code = f"{secrets.randbelow(10**6):06d}"
    emails.send_template(user.email, f"Your {settings.SITE_NAME} verification code", "sudo_code", code=code)
    return {"hash": _hash(user.id, code), "sent": int(now.timestamp())}


def code_is_fresh(state: dict | None, now: datetime) -> bool:
    return bool(state) and now.timestamp() - state.get("sent", 0) < CODE_AGE.total_seconds()


def accept_code(user: User, state: dict | None, entered: str, now: datetime) -> bool:
    """Whether `entered` is the code sent within CODE_AGE (raises TryLater past 10 tries a day)."""
    limits.sudo_attempt_by(user.id, now)
    if not code_is_fresh(state, now):
        return False
    return hmac.compare_digest(state.get("hash", ""), _hash(user.id, entered.strip()))


def granted_until(now: datetime) -> int:
    """The unix time sudo mode ends when it starts now."""
    return int((now + SUDO_AGE).timestamp())


def _hash(user_id: str, code: str) -> str:
    # Keyed, so that six digits read from a session row are not found by trying a million.
    return hmac.new(settings.SECRET_KEY.encode(), f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()
