"""Spike.sh: an incident per check, opened on down and resolved on up."""
from chalicelib import settings
from chalicelib.checks.check_json import unique_key
from chalicelib.integrations import forms, http, markdown, text
from chalicelib.integrations.base import Notice, both_directions
from chalicelib.store.models import Channel

KIND = "spike"
LABEL = "Spike.sh"
validate = forms.url
is_noop = both_directions


def enabled() -> bool:
    return settings.SPIKE_ENABLED


def send(channel: Channel, notice: Notice) -> None:
    http.request("POST", channel.value, json={
        "check_id": unique_key(notice.check.code),
        "title": text.title(notice),
        "message": markdown.message(notice, markdown.Plain),
        "status": notice.status,
    })
