"""Mattermost: the Slack-compatible payload, in Markdown, to an incoming webhook."""
from chalicelib import settings
from chalicelib.integrations import forms, http, markdown, slackalike
from chalicelib.integrations.base import Notice, both_directions
from chalicelib.store.models import Channel

KIND = "mattermost"
LABEL = "Mattermost"
validate = forms.url
is_noop = both_directions


def enabled() -> bool:
    return settings.MATTERMOST_ENABLED


def send(channel: Channel, notice: Notice) -> None:
    http.request("POST", channel.value, json=slackalike.payload(notice, style=markdown.Markdown))
