"""Authenticator-app codes (TOTP, RFC 6238: HMAC-SHA1, 30 s steps, 6 digits) as a second login
factor, with single-use recovery codes for a lost phone."""
import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from pynamodb.exceptions import UpdateError

from chalicelib import settings
from chalicelib.accounts import limits
from chalicelib.lib import ratelimit
from chalicelib.store.models import User

STEP = 30
DIGITS = 6
WINDOW = 1  # the step before and after count too: phone clocks drift
RECOVERY_CODES = 10
CODE_REUSE = timedelta(seconds=90)  # a code seen once is refused for the rest of its window


def new_secret() -> str:
    """160 random bits in base32, as authenticator apps expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def code_at(secret: str, when: datetime) -> str:
    """The code an authenticator app shows at `when`."""
    counter = int(when.timestamp()) // STEP
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 10**DIGITS:0{DIGITS}d}"


def matches(secret: str, code: str, now: datetime) -> bool:
    """Whether `code` is the current code, or the one just before or after."""
    steps = (now + timedelta(seconds=STEP * shift) for shift in range(-WINDOW, WINDOW + 1))
    return any(hmac.compare_digest(code_at(secret, when), code) for when in steps)


def uri(secret: str, email: str) -> str:
    """The otpauth:// URI an authenticator app reads (from a QR code or pasted)."""
    label = quote(f"{settings.SITE_NAME}:{email}", safe=":")
    return f"otpauth://totp/{label}?" + urlencode({"secret": secret, "issuer": settings.SITE_NAME})


def enable(user: User, secret: str, now: datetime) -> list[str]:
    """Turn TOTP on with this secret; the new recovery codes, shown once and stored hashed."""
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    hashes = {_hash(user.id, code) for code in codes}
    user.update(actions=[User.totp.set(secret), User.totp_created.set(now), User.recovery_codes.set(hashes)])
    return codes


def disable(user: User) -> None:
    user.update(actions=[User.totp.remove(), User.totp_created.remove(), User.recovery_codes.remove()])


def accept_login_code(user: User, entered: str, now: datetime) -> bool:
    """Whether `entered` is a fresh app code or an unused recovery code (which it uses up).

    Raises TryLater past 96 tries a day."""
    limits.spend(f"totp-{user.id}", 96, limits.DAY, now)
    code = entered.strip().replace(" ", "").lower()
    if not user.totp:
        return False
    if len(code) == DIGITS and code.isdigit():
        # Checked after the match, so that wrong guesses do not block the right code.
        return matches(user.totp, code, now) and ratelimit.allow(f"totpc-{user.id}-{code}", 1, CODE_REUSE, now)
    return _use_recovery_code(user, code)


def recovery_codes_left(user: User) -> int:
    return len(user.recovery_codes or ())


def _use_recovery_code(user: User, code: str) -> bool:
    hashed = _hash(user.id, code)
    try:  # conditional: of two requests racing with one code, one gets in
        user.update(actions=[User.recovery_codes.delete({hashed})], condition=User.recovery_codes.contains(hashed))
    except UpdateError as e:
        if e.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True


def _recovery_code() -> str:
    """Ten base32 characters (50 bits) as "xxxxx-xxxxx"."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()[:10]
    return f"{raw[:5]}-{raw[5:]}"


def _hash(user_id: str, code: str) -> str:
    # Keyed, as sudo codes: a leaked users table does not give the codes away.
    return hmac.new(settings.SECRET_KEY.encode(), f"totp-recovery:{user_id}:{code}".encode(), hashlib.sha256).hexdigest()
