"""Passwords hashed with scrypt (stdlib); the salt and cost parameters travel in the hash string."""
import base64
import hashlib
import hmac
import secrets

from chalicelib.store.models import User

MIN_LENGTH = 8
MAX_LENGTH = 1024  # hashing a huge "password" would be a cheap way to burn CPU
# scrypt cost: 2**14 x 8 uses 16 MB and tens of milliseconds, as OWASP suggests for scrypt.
N, R, P = 2**14, 8, 1


def make_hash(password: str) -> str:
    """"scrypt$<n>$<r>$<p>$<salt>$<key>", base64 salt and key."""
    salt = secrets.token_bytes(16)
    key = _derive(password, salt, N, R, P)
    return "$".join(["scrypt", str(N), str(R), str(P), _b64(salt), _b64(key)])


def matches(password: str, stored: str | None) -> bool:
    """Whether the password is the one hashed in `stored` (False for no password at all)."""
    try:
        scheme, n, r, p, salt, key = (stored or "").split("$")
        if scheme != "scrypt" or len(password) > MAX_LENGTH:
            return False
        derived = _derive(password, base64.b64decode(salt), int(n), int(r), int(p))
        return hmac.compare_digest(derived, base64.b64decode(key))
    except ValueError:
        return False


def problem(password: str) -> str:
    """Why this password cannot be used, or "" when it can."""
    if len(password) < MIN_LENGTH:
        return f"The password must be at least {MIN_LENGTH} characters long."
    if len(password) > MAX_LENGTH:
        return f"The password must be at most {MAX_LENGTH} characters long."
    return ""


def set_password(user: User, password: str) -> None:
    """Store the new password's hash; an unused login link stops working too."""
    user.update(actions=[User.password_hash.set(make_hash(password)), User.login_token_hash.remove()])


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
