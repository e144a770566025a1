"""Zulip: a Markdown message to a stream topic or a private conversation, as a bot."""
import base64
import json
import re

from chalicelib import settings
from chalicelib.integrations import forms, http, markdown, text
from chalicelib.integrations.base import Notice, both_directions
from chalicelib.store.models import Channel

KIND = "zulip"
LABEL = "Zulip"
MESSAGE_TYPES = ("stream", "private")
TOPIC_MAX = 60  # Zulip's limits on a topic and a message
CONTENT_MAX = 10000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
is_noop = both_directions


def enabled() -> bool:
    return settings.ZULIP_ENABLED


def validate(value: dict) -> str:
    """{"bot_email", "api_key", "site", "mtype", "to", "topic"} as JSON."""
    bot_email = forms.text(value, "bot_email", 254)
    if not EMAIL.match(bot_email):
        raise ValueError("bot_email: enter the bot's email address")
    return json.dumps({
        "bot_email": bot_email,
        "api_key": forms.text(value, "api_key", 100),
        "site": forms.url(value, "site").rstrip("/"),
        "mtype": forms.choice(value, "mtype", MESSAGE_TYPES, default="stream"),
        "to": forms.text(value, "to", 200),
        "topic": forms.text(value, "topic", TOPIC_MAX, required=False),
    })


def send(channel: Channel, notice: Notice) -> None:
    stored = forms.stored(channel)
    # A private message to a numeric user id needs the id in a JSON list.
    to = f"[{stored['to']}]" if stored["to"].isdigit() else stored["to"]
    credentials = base64.b64encode(f"{stored['bot_email']}:{stored['api_key']}".encode()).decode()
    http.request(
        "POST", f"{stored['site']}/api/v1/messages",
        headers={"Authorization": f"Basic {credentials}"},
        data={
            "type": stored["mtype"],
            "to": to,
            "topic": stored.get("topic") or text.clip(text.title(notice), TOPIC_MAX),
            "content": text.clip(markdown.message(notice), CONTENT_MAX),
        },
        explain=http.message_in("msg"),
    )

