"""Trello: a card on a chosen list when a check goes down."""
import json
from urllib.parse import urlencode

from chalicelib import settings
from chalicelib.integrations import forms, http, markdown, oauth, text
from chalicelib.integrations.base import Notice
from chalicelib.store.models import Channel

KIND = "trello"
LABEL = "Trello"
CARD_TEXT_MAX = 16384  # Trello's limit on a card's name and description


def enabled() -> bool:
    return bool(settings.TRELLO_APP_KEY)


def validate(value: dict) -> str:
    """{"token", "list_id", "board_name", "list_name"} as JSON."""
    return json.dumps({
        "token": forms.text(value, "token", 200),
        "list_id": forms.text(value, "list_id", 100),
        "board_name": forms.text(value, "board_name", 200),
        "list_name": forms.text(value, "list_name", 200),
    })


def is_noop(channel: Channel, status: str) -> bool:
    return status != "down"


def send(channel: Channel, notice: Notice) -> None:
    stored = forms.stored(channel)
    query = urlencode({
        "idList": stored["list_id"],
        "name": text.clip(f"Down: {text.name_then_code(notice.check)}", CARD_TEXT_MAX),
        "desc": text.clip(markdown.message(notice), CARD_TEXT_MAX),
        "key": settings.TRELLO_APP_KEY,
        "token": stored["token"],
    })
    http.request("POST", f"{settings.TRELLO_API_URL}/1/cards?{query}")


def authorize_url(return_url: str) -> str:
    """Trello's page granting a token; it returns to return_url with #token=..."""
    return oauth.authorize_url(
        f"{settings.TRELLO_URL}/1/authorize",
        expiration="never", name=settings.SITE_NAME, scope="read,write", response_type="token",
        key=settings.TRELLO_APP_KEY, return_url=return_url, callback_method="fragment",
    )


def boards(token: str) -> list[dict]:
    """The user's open boards with their open lists: [{"id", "name", "lists": [{"id", "name"}]}]."""
    query = urlencode({
        "key": settings.TRELLO_APP_KEY, "token": token, "filter": "open",
        "fields": "id,name", "lists": "open", "list_fields": "id,name",
    })
    status, answer = oauth.call("GET", f"{settings.TRELLO_API_URL}/1/members/me/boards?{query}")
    if status != 200 or not isinstance(answer, list):
        raise oauth.FlowError("Trello did not list the boards; please try again")
    return [
        {"id": b["id"], "name": b["name"], "lists": [{"id": x["id"], "name": x["name"]} for x in b.get("lists", [])]}
        for b in answer
    ]
