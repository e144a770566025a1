"""Rocket.Chat: a linked sentence and the facts as attachment fields, to an incoming webhook."""
from chalicelib import settings
from chalicelib.integrations import forms, http, markdown, slackalike, text
from chalicelib.integrations.base import Notice, both_directions
from chalicelib.store.models import Channel

KIND = "rocketchat"
LABEL = "Rocket.Chat"
validate = forms.url
is_noop = both_directions


def enabled() -> bool:
    return settings.ROCKETCHAT_ENABLED


def send(channel: Channel, notice: Notice) -> None:
    http.request("POST", channel.value, json=payload(notice))


def payload(notice: Notice) -> dict:
    name = markdown.escape(text.name_then_code(notice.check))
    body_field = None
    if notice.last_ping is not None and notice.last_ping_body:
        size = len(notice.last_ping_body)
        link = f"{notice.check_url}#ping-{int(notice.last_ping.n)}"
        unit = "byte" if size == 1 else "bytes"
        body_field = slackalike.field("Last Ping Body", f"{size} {unit}, [show body]({link})")
    fields = slackalike.fields(notice, style=markdown.Markdown, body_field=body_field)
    return {
        "alias": settings.SITE_NAME,
        "avatar": settings.SITE_LOGO_URL,
        "text": f"[{name}]({notice.check_url}) is {notice.status.upper()}.",
        "attachments": [{"color": "#d9534f" if notice.status == "down" else "#5cb85c", "fields": fields}],
    }
