"""Gotify: a Markdown message to a self-hosted Gotify server, with a priority per direction."""
import json
from urllib.parse import quote

from chalicelib.integrations import forms, http, markdown, text
from chalicelib.integrations.base import Notice
from chalicelib.store.models import Channel

KIND = "gotify"
LABEL = "Gotify"
PRIORITIES = (0, 2, 5, 9)  # 0 turns a direction off


def enabled() -> bool:
    return True


def validate(value: dict) -> str:
    """{"url", "token", "priority", "priority_up"} as JSON."""
    return json.dumps({
        "url": forms.url(value),
        "token": forms.text(value, "token", 100),
        "priority": forms.choice(value, "priority", PRIORITIES, default=5),
        "priority_up": forms.choice(value, "priority_up", PRIORITIES, default=5),
    })


def priority(channel: Channel, status: str) -> int:
    stored = forms.stored(channel)
    return int(stored.get("priority_up" if status == "up" else "priority", 5))


def is_noop(channel: Channel, status: str) -> bool:
    return priority(channel, status) == 0


def send(channel: Channel, notice: Notice) -> None:
    stored = forms.stored(channel)
    url = stored["url"].rstrip("/") + "/message?token=" + quote(stored["token"], safe="")
    http.request("POST", url, json={
        "title": text.title(notice),
        "message": markdown.message(notice),
        "extras": {"client::display": {"contentType": "text/markdown"}},
        "priority": priority(channel, notice.status),
    })
