"""Dashboard sessions in DynamoDB (cookie holds a random key; the table holds its hash), CSRF
tokens (double-submit cookie, rotated at login) and flash messages."""
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from chalicelib import settings
from chalicelib.accounts import users
from chalicelib.store.models import Session, User
from chalicelib.web.http import HttpError, WebRequest, WebResponse

SESSION_COOKIE = "sessionid"
CSRF_COOKIE = "csrftoken"
AGE = timedelta(days=14)
# A session row holding this key is a login waiting for its second factor, not a login yet.
PENDING = "two_factor"
PENDING_AGE = timedelta(seconds=300)
DEACTIVATED = "This account is deactivated."


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def load(request: WebRequest) -> tuple[Session | None, User | None]:
    """The request's live session and its user, or (None, None)."""
    key = request.cookies.get(SESSION_COOKIE)
    if not key:
        return None, None
    try:
        session = Session.get(_hash(key))
    except Session.DoesNotExist:
        return None, None
    if session.expires <= request.now:  # TTL deletes late; never trust an expired row
        return None, None
    if PENDING in session.data:
        return session, None
    try:
        user = User.get(session.user)
    except User.DoesNotExist:
        return None, None
    return (None, None) if user.deactivated else (session, user)


def create(user: User, now: datetime, age: timedelta = AGE, data: dict | None = None) -> tuple[Session, str]:
    """A new session row for `user` and the key its cookie carries."""
    key = secrets.token_urlsafe(32)
    session = Session(key_hash=_hash(key), user=user.id, created=now, expires=now + age, data=data or {})
    session.save()
    return session, key


def start(user: User, request: WebRequest, response: WebResponse) -> Session:
    """Log `user` in: a new session, its cookie, and a fresh CSRF token; never a deactivated user."""
    if user.deactivated:
        raise HttpError(403, DEACTIVATED)
    end(request, response)
    session, key = create(user, request.now)
    response.cookies.append(_cookie(SESSION_COOKIE, key, AGE))
    rotate_csrf(request, response)
    request.session, request.user = session, user
    users.mark_active(user, request.now)  # a login counts as activity (pruneusers reads it)
    return session


def start_pending(user: User, request: WebRequest, response: WebResponse, next_url: str) -> Session:
    """Half a login (the password or link was right): a short session naming the user, whom
    load() does not return until the second factor is checked and start() replaces it."""
    end(request, response)
    session, key = create(user, request.now, PENDING_AGE, {PENDING: {"next": next_url}})
    response.cookies.append(_cookie(SESSION_COOKIE, key, PENDING_AGE))
    request.session = session
    return session


def pending_login(request: WebRequest) -> tuple[User | None, str]:
    """The user of a half-done login and where it goes next; (None, "") without one."""
    if request.session is None or PENDING not in request.session.data:
        return None, ""
    try:
        user = User.get(request.session.user)
    except User.DoesNotExist:
        return None, ""
    return user, _plain(request.session.data[PENDING]).get("next", "")


def end(request: WebRequest, response: WebResponse) -> None:
    """Log out: delete the session row and the cookie."""
    if request.session is not None:
        request.session.delete()
    request.session, request.user = None, None
    if request.cookies.get(SESSION_COOKIE):
        response.cookies.append(_cookie(SESSION_COOKIE, "", timedelta(0)))


def end_all(user_id: str, keep: Session | None = None) -> None:
    """Delete every session of a user (password change, account closed), except `keep`."""
    with Session.batch_write() as batch:
        for session in Session.by_user.query(user_id):
            if keep is None or session.key_hash != keep.key_hash:
                batch.delete(session)


def csrf_token(request: WebRequest) -> str:
    """The token forms must echo; made on first use and set as a cookie by the dispatcher."""
    if not request.csrf_token:
        request.csrf_token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    return request.csrf_token


def rotate_csrf(request: WebRequest, response: WebResponse) -> None:
    request.csrf_token = secrets.token_urlsafe(32)
    response.cookies.append(_cookie(CSRF_COOKIE, request.csrf_token, AGE, http_only=False))


def csrf_ok(request: WebRequest) -> bool:
    """A POST is ours when its form field or X-CSRFToken header equals the cookie."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get("x-csrftoken") or request.field("csrf_token")
    return bool(cookie) and hmac.compare_digest(cookie, sent)


def csrf_cookie_if_new(request: WebRequest, response: WebResponse) -> None:
    """Set the CSRF cookie when this request made the token (first visit)."""
    if request.csrf_token and request.cookies.get(CSRF_COOKIE) != request.csrf_token:
        if not any(c.startswith(CSRF_COOKIE + "=") for c in response.cookies):
            response.cookies.append(_cookie(CSRF_COOKIE, request.csrf_token, AGE, http_only=False))


def put(request: WebRequest, name: str, value) -> None:
    """Keep a small value in the session (only for logged-in requests)."""
    if request.session is not None:
        Session(key_hash=request.session.key_hash).update(actions=[Session.data[name].set(value)])
        request.session.data[name] = value


def pop(request: WebRequest, name: str, default=None):
    if request.session is None or name not in request.session.data:
        return default
    value = request.session.data[name]
    Session(key_hash=request.session.key_hash).update(actions=[Session.data[name].remove()])
    request.session.data.attribute_values.pop(name, None)  # a MapAttribute has no `del`
    return _plain(value)


def _plain(value):
    # A map stored in session.data comes back as a pynamodb MapAttribute; callers want a dict.
    return value.as_dict() if hasattr(value, "as_dict") else value


def flash(request: WebRequest, message: str, level: str = "success") -> None:
    """A message shown once, on the next page."""
    # session.data is a pynamodb MapAttribute: it has `in` and [], not .get().
    earlier = request.session.data["flashes"] if request.session and "flashes" in request.session.data else []
    put(request, "flashes", [*earlier, [level, message]])


def pop_flashes(request: WebRequest) -> list[list[str]]:
    return pop(request, "flashes", [])


def set_cookie(response: WebResponse, name: str, value: str, age: timedelta) -> None:
    """An HttpOnly, SameSite=Lax cookie of the site's own (e.g. auto-login)."""
    response.cookies.append(_cookie(name, value, age))


def _cookie(name: str, value: str, age: timedelta, http_only: bool = True) -> str:
    parts = [f"{name}={value}", "Path=/", f"Max-Age={int(age.total_seconds())}", "SameSite=Lax"]
    if http_only:
        parts.append("HttpOnly")
    if settings.SITE_ROOT.startswith("https://"):
        parts.append("Secure")
    return "; ".join(parts)

