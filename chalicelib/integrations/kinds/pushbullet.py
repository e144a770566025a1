"""Pushbullet: a note pushed with the access token its OAuth flow gives us."""
from chalicelib import settings
from chalicelib.integrations import chat, http, markdown, oauth
from chalicelib.integrations.base import Notice
from chalicelib.store.models import Channel

KIND = "pushbullet"
LABEL = "Pushbullet"
MAX_LENGTH = 4096


def enabled() -> bool:
    return bool(settings.PUSHBULLET_CLIENT_ID and settings.PUSHBULLET_CLIENT_SECRET)


def validate(value: dict) -> str:
    """The access token itself (what the OAuth exchange returns)."""
    token = str(value.get("value") or "").strip()
    if not token or len(token) > 200 or not token.isprintable() or " " in token:
        raise ValueError("value: not a Pushbullet access token")
    return token


def is_noop(channel: Channel, status: str) -> bool:
    return False


def send(channel: Channel, notice: Notice) -> None:
    payload = {
        "type": "note",
        "title": settings.SITE_NAME,
        "body": chat.message(notice, markdown.Plain, MAX_LENGTH),
    }
    http.request("POST", f"{settings.PUSHBULLET_API_URL}/v2/pushes", json=payload, headers={"Access-Token": channel.value})


def authorize_url(state: str, redirect_uri: str) -> str:
    """Where to send the user to let us push to their devices (state: oauth.new_state)."""
    return oauth.authorize_url(
        f"{settings.PUSHBULLET_URL}/authorize",
        client_id=settings.PUSHBULLET_CLIENT_ID, redirect_uri=redirect_uri, response_type="code", state=state,
    )


def complete(code: str) -> tuple[str, str]:
    """Exchange the returned code: (the access token to store, the channel's name)."""
    _, answer = oauth.exchange(f"{settings.PUSHBULLET_API_URL}/oauth2/token", {
        "client_id": settings.PUSHBULLET_CLIENT_ID, "client_secret": settings.PUSHBULLET_CLIENT_SECRET,
        "code": code, "grant_type": "authorization_code",
    })
    try:
        return validate({"value": answer.get("access_token")}), ""
    except (ValueError, AttributeError):
        raise oauth.FlowError("Pushbullet did not grant access; please try again") from None
