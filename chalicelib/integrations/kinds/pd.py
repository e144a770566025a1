"""PagerDuty: an incident triggered on down and resolved on up (Events API v1), keyed by the check."""
import json
import re

from chalicelib import settings
from chalicelib.checks.check_json import unique_key
from chalicelib.integrations import forms, http, oauth, text
from chalicelib.integrations.base import Notice, both_directions
from chalicelib.store.models import Channel

KIND = "pd"
LABEL = "PagerDuty"
SERVICE_KEY = re.compile(r"^[A-Za-z0-9]{1,100}$")
DESCRIPTION_MAX = 1024  # PagerDuty cuts an incident's description here
is_noop = both_directions


def enabled() -> bool:
    return settings.PD_ENABLED


def validate(value: dict) -> str:
    """A service key ({"service_key"}) stored as is; with "account" (the app install) as JSON."""
    key = forms.text(value, "service_key", 100)
    if not SERVICE_KEY.match(key):
        raise ValueError("service_key: letters and digits only")
    if value.get("account"):
        return json.dumps({"service_key": key, "account": forms.text(value, "account", 100)})
    return key


def service_key(channel: Channel) -> str:
    return forms.stored(channel).get("service_key") or channel.value


def description(notice: Notice) -> str:
    name = text.name_then_code(notice.check)
    if notice.status == "up":
        return f"{name} received a ping and is now UP"
    return f"{name} is DOWN ({notice.reason})." if notice.reason else f"{name} is DOWN."


def send(channel: Channel, notice: Notice) -> None:
    details = text.incident_details(notice)
    if notice.check.desc:
        details["Description"] = notice.check.desc
    if text.tags(notice.check):
        details["Tags"] = ", ".join(text.tags(notice.check))
    http.request("POST", f"{settings.PD_EVENTS_URL}/generic/2010-04-15/create_event.json", json={
        "service_key": service_key(channel),
        "incident_key": unique_key(notice.check.code),
        "event_type": "trigger" if notice.status == "down" else "resolve",
        "description": text.clip(description(notice), DESCRIPTION_MAX),
        "client": settings.SITE_NAME,
        "client_url": text.details_url(notice),
        "details": details,
    })


def app_enabled() -> bool:
    """PD_APP_ID turns on PagerDuty's install flow instead of pasting a key."""
    return bool(settings.PD_APP_ID)


def install_url(state: str, redirect_uri: str) -> str:
    """Where the user picks services on PagerDuty; it comes back to redirect_uri?state=...&config=..."""
    return oauth.authorize_url(
        f"{settings.PD_APP_URL}/install/integration",
        app_id=settings.PD_APP_ID, redirect_url=f"{redirect_uri}?state={state}", version="2",
    )


def complete(config: str) -> list[tuple[str, str]]:
    """The channels the install returned: (value to store, name) per integration key."""
    try:
        answer = json.loads(config)
        account = answer["account"]["name"]
        keys = answer["integration_keys"]
        channels = [
            (validate({"service_key": item["integration_key"], "account": account}), item.get("name") or "")
            for item in keys
        ]
    except (ValueError, KeyError, TypeError):
        raise oauth.FlowError("PagerDuty returned an unexpected configuration") from None
    if not channels:
        raise oauth.FlowError("No PagerDuty service was selected")
    return channels
