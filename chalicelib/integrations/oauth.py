"""What the kinds with an "Add to ..." flow share: a signed state, the authorize URL, the code exchange.

The web routes keep the state in the session and compare it on the way back; the signature
also binds it to one kind and makes it expire.
"""
import secrets
from datetime import datetime
from urllib.parse import urlencode

from chalicelib.integrations import http
from chalicelib.integrations.base import TransportError
from chalicelib.lib import signing

STATE_MAX_AGE = 3600


class FlowError(ValueError):
    """The flow cannot complete; the message can be shown to the user."""


def new_state(purpose: str, now: datetime) -> str:
    """A random state for one flow of one kind (e.g. "slack"), signed and timestamped."""
    return signing.sign({"nonce": secrets.token_urlsafe(16)}, f"oauth-{purpose}", now)


def check_state(purpose: str, state: str, now: datetime) -> None:
    """FlowError unless new_state(purpose) made this state less than an hour ago."""
    try:
        signing.unsign(state, f"oauth-{purpose}", STATE_MAX_AGE, now)
    except ValueError:
        raise FlowError("Invalid or expired request, please try again") from None


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
