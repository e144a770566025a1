"""Apprise: any service the apprise package knows, by its Apprise URL. Optional: needs the package.

Apprise makes its own connections, so the private-address rule does not apply (as in Healthchecks).
"""
import importlib
import importlib.util

from chalicelib import settings
from chalicelib.integrations import forms, markdown, text
from chalicelib.integrations.base import Notice, TransportError, both_directions
from chalicelib.store.models import Channel

KIND = "apprise"
LABEL = "Apprise"
URL_MAX = 512
is_noop = both_directions


def enabled() -> bool:
    return settings.APPRISE_ENABLED and importlib.util.find_spec("apprise") is not None


def validate(value: dict) -> str:
    """The Apprise URL ({"url": "discord://..."}); any scheme apprise understands."""
    url = forms.text(value, "url", URL_MAX)
    if "://" not in url:
        raise ValueError("url: must be an Apprise URL such as mailto://... or json://...")
    return url


def send(channel: Channel, notice: Notice) -> None:
    library = importlib.import_module("apprise")  # here, not at the top: it is optional and heavy
    sender = library.Apprise()
    if not sender.add(channel.value):
        raise TransportError("Invalid Apprise URL")
    failure, success = library.NotifyType.FAILURE, library.NotifyType.SUCCESS
    sent = sender.notify(
        title=text.title(notice),
        body=markdown.message(notice, markdown.Plain),
        notify_type=failure if notice.status == "down" else success,
    )
    if not sent:
        raise TransportError("Failed")
