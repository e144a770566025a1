"""Pushover: a push message with a priority per direction, and the subscription that adds a user key.

Stored value: "<user key>|<down priority>|<up priority>"; priority -3 means "do not send", 2 is
an emergency that repeats until acknowledged, and is cancelled when the check comes back up.
"""
from urllib.parse import urlencode

from chalicelib import settings
from chalicelib.checks.check_json import unique_key
from chalicelib.integrations import chat, http, limits, text
from chalicelib.integrations.base import Notice, TransportError
from chalicelib.store.models import Channel

KIND = "po"
LABEL = "Pushover"
PRIORITIES = range(-3, 3)
OFF, EMERGENCY = -3, 2
MAX_LENGTH = 1024  # Pushover's limits for a message and for its title
TITLE_LENGTH = 250


def enabled() -> bool:
    return bool(settings.PUSHOVER_API_TOKEN and settings.PUSHOVER_SUBSCRIPTION_URL)


def validate(value: dict) -> str:
    """"key|prio|prio_up" from {"user_key", "prio", "prio_up"}; ValueError naming the bad field."""
    user_key = str(value.get("user_key") or "").strip()
    if not user_key.isalnum() or len(user_key) > 50:
        raise ValueError("user_key: not a Pushover user key")
    return "|".join([user_key, str(_priority(value, "prio")), str(_priority(value, "prio_up"))])


def _priority(value: dict, field: str) -> int:
    try:
        priority = int(value.get(field, 0))
    except (TypeError, ValueError):
        priority = None
    if priority not in PRIORITIES:
        raise ValueError(f"{field}: must be a whole number from -3 to 2")
    return priority


def target(channel: Channel) -> tuple[str, int, int]:
    """The user key and the down and up priorities (older values have one priority for both)."""
    user_key, down, *up = channel.value.split("|")
    return user_key, int(down), int(up[0]) if up else int(down)


def is_noop(channel: Channel, status: str) -> bool:
    _, down, up = target(channel)
    return (up if status == "up" else down) == OFF


def limit(channel: Channel, notice: Notice) -> limits.PerMinute:
    return limits.recipient_key("po", target(channel)[0])


def send(channel: Channel, notice: Notice) -> None:
    user_key, down, up = target(channel)
    tag = unique_key(notice.check.code)
    if notice.status == "up" and down == EMERGENCY:
        # Stop the emergency alert from repeating now that the check is back.
        _post(f"/1/receipts/cancel_by_tag/{tag}.json", {"token": settings.PUSHOVER_API_TOKEN})
    priority = up if notice.status == "up" else down
    form = {
        "token": settings.PUSHOVER_API_TOKEN,
        "user": user_key,
        "message": chat.message(notice, chat.ChatHtml, MAX_LENGTH, body=False, description=False, link=False),
        "title": text.clip(f"{text.emoji(notice)} {text.title(notice)}", TITLE_LENGTH),
        "html": "1",
        "priority": str(priority),
        "tags": tag,
        "url": notice.check_url,
        "url_title": f"View on {settings.SITE_NAME}",
    }
    if priority == EMERGENCY:
        form["retry"] = str(settings.PUSHOVER_EMERGENCY_RETRY_DELAY)
        form["expire"] = str(settings.PUSHOVER_EMERGENCY_EXPIRATION)
    _post("/1/messages.json", form)


def _post(path: str, form: dict) -> None:
    http.request("POST", settings.PUSHOVER_API_URL + path, data=form, explain=_explain)


def _explain(response) -> TransportError:
    if response.status_code == 400:
        try:
            invalid_user = response.json().get("user") == "invalid"
        except (ValueError, AttributeError):
            invalid_user = False
        if invalid_user:
            return TransportError("Received status code 400 (invalid user)", disable=True)
    return http.status_error(response.status_code)


def subscribe_url(state: str, redirect_uri: str, prio: int, prio_up: int, failure_url: str) -> str:
    """Where to send the user to subscribe; Pushover returns to redirect_uri with the user key.

    The priorities chosen on the add page travel with the state; `complete` reads them back.
    """
    back = f"{redirect_uri}?" + urlencode({"state": state, "prio": prio, "prio_up": prio_up})
    return settings.PUSHOVER_SUBSCRIPTION_URL + "?" + urlencode({"success": back, "failure": failure_url})


def complete(params: dict) -> str | None:
    """The value to store from Pushover's return, or None when the user unsubscribed instead."""
    if params.get("pushover_unsubscribed") == "1":
        return None
    return validate({"user_key": params.get("pushover_user_key"), "prio": params.get("prio"), "prio_up": params.get("prio_up")})


def unsubscribe(project_code: str) -> int:
    """Remove the project's Pushover channels (the user unsubscribed in Pushover); how many went."""
    gone = list(Channel.by_project.query(project_code, filter_condition=Channel.kind == KIND))
    for channel in gone:
        channel.delete()
    return len(gone)
