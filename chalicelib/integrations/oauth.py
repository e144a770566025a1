"""What the kinds with an "Add to ..." flow share: a signed state, the authorize URL, the code exchange.

The web routes keep the state in the session and compare it on the way back; the signature
also binds it to one kind and makes it expire.
"""
import hashlib
import hmac
import secrets
import time
from urllib.parse import urlencode

from chalicelib import settings
from chalicelib.integrations import http
from chalicelib.integrations.base import TransportError

STATE_MAX_AGE = 3600


class FlowError(ValueError):
    """The flow cannot complete; the message can be shown to the user."""


def new_state(purpose: str, now: float | None = None) -> str:
    """A random state for one flow of one kind, signed with SECRET_KEY."""
    nonce, issued = secrets.token_urlsafe(16), int(now if now is not None else time.time())
    return f"{nonce}.{issued}.{_sign(purpose, nonce, issued)}"


def check_state(purpose: str, state: str, now: float | None = None) -> None:
    """FlowError unless the state was made by new_state(purpose) less than an hour ago."""
    try:
        nonce, issued, signature = state.split(".")
        issued_at = int(issued)
    except (AttributeError, ValueError):
        raise FlowError("Invalid state, please try again") from None
    if not hmac.compare_digest(signature, _sign(purpose, nonce, issued_at)):
        raise FlowError("Invalid state, please try again")
    if (now if now is not None else time.time()) - issued_at > STATE_MAX_AGE:
        raise FlowError("The request expired, please try again")


def _sign(purpose: str, nonce: str, issued: int) -> str:
    message = f"oauth-state|{purpose}|{nonce}|{issued}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def authorize_url(base: str, **params) -> str:
    return f"{base}?{urlencode(params)}"


def call(method: str, url: str, **kwargs) -> tuple[int, dict]:
    """A JSON API call made during a flow: (status, document); FlowError if it cannot be read.

    Answers below 500 come back so the kind can read the service's own error fields.
    """
    headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
    try:
        response = http.request(method, url, headers=headers, ok=range(200, 500), **kwargs)
        document = response.json()
    except TransportError as e:
        raise FlowError(f"Could not reach the service: {e.message}") from None
    except ValueError:
        raise FlowError(f"Unexpected answer from the service (status {response.status_code})") from None
    if not isinstance(document, (dict, list)):
        raise FlowError(f"Unexpected answer from the service (status {response.status_code})")
    return response.status_code, document


def exchange(token_url: str, form: dict) -> tuple[int, dict]:
    """POST the authorization code's form to the token endpoint: (status, document)."""
    return call("POST", token_url, data=form)
