"""PagerTree: an incident triggered on down and resolved on up, keyed by the check."""
from chalicelib import settings
from chalicelib.checks.check_json import unique_key
from chalicelib.integrations import forms, http, markdown, text
from chalicelib.integrations.base import Notice, both_directions
from chalicelib.store.models import Channel

KIND = "pagertree"
LABEL = "PagerTree"
validate = forms.url
is_noop = both_directions


def enabled() -> bool:
    return settings.PAGERTREE_ENABLED


def send(channel: Channel, notice: Notice) -> None:
    http.request("POST", channel.value, json={
        "incident_key": unique_key(notice.check.code),
        "event_type": "trigger" if notice.status == "down" else "resolve",
        "title": text.title(notice),
        "description": markdown.message(notice, markdown.Plain),
        "client": settings.SITE_NAME,
        "client_url": settings.SITE_ROOT,
        "tags": " ".join(text.tags(notice.check)),
    })
