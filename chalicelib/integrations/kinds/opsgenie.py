"""Opsgenie: an alert opened on down and closed on up, matched by the check's unique key."""
import json

from chalicelib import settings
from chalicelib.checks.check_json import unique_key
from chalicelib.integrations import forms, http, text
from chalicelib.integrations.base import Notice, both_directions
from chalicelib.store.models import Channel

KIND = "opsgenie"
LABEL = "Opsgenie"
REGIONS = ("us", "eu")
MESSAGE_MAX = 130  # Opsgenie's limits on an alert's message and description
DESCRIPTION_MAX = 15000
is_noop = both_directions


def enabled() -> bool:
    return settings.OPSGENIE_ENABLED


def validate(value: dict) -> str:
    """{"region": "us" | "eu", "key": API key} as JSON."""
    return json.dumps({"region": forms.choice(value, "region", REGIONS, default="us"), "key": forms.text(value, "key", 100)})


def send(channel: Channel, notice: Notice) -> None:
    stored = forms.stored(channel)
    alias = unique_key(notice.check.code)
    url = (settings.OPSGENIE_EU_URL if stored.get("region") == "eu" else settings.OPSGENIE_URL) + "/v2/alerts"
    payload = {"alias": alias, "source": settings.SITE_NAME}
    if notice.status == "up":
        url += f"/{alias}/close?identifierType=alias"
    else:
        payload.update(
            tags=text.tags(notice.check),
            message=text.clip(text.status_sentence(notice), MESSAGE_MAX),
            description=text.clip(notice.check.desc, DESCRIPTION_MAX),
            details={**text.incident_details(notice), "Full details": notice.check_url},
        )
    headers = {"Authorization": f"GenieKey {stored['key']}"}
    http.request("POST", url, json=payload, headers=headers, explain=http.message_in("message"))

