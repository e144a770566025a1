"""Splunk On-Call (VictorOps): a CRITICAL event on down, RECOVERY on up, per check."""
from chalicelib import settings
from chalicelib.checks.check_json import unique_key
from chalicelib.integrations import forms, http, markdown, text
from chalicelib.integrations.base import Notice, both_directions
from chalicelib.store.models import Channel

KIND = "victorops"
LABEL = "Splunk On-Call"
validate = forms.url
is_noop = both_directions


def enabled() -> bool:
    return settings.VICTOROPS_ENABLED


def send(channel: Channel, notice: Notice) -> None:
    http.request("POST", channel.value, explain=_explain, json={
        "entity_id": unique_key(notice.check.code),
        "message_type": "CRITICAL" if notice.status == "down" else "RECOVERY",
        "entity_display_name": text.name_then_code(notice.check),
        "state_message": markdown.message(notice, markdown.Plain),
        "monitoring_tool": settings.SITE_NAME,
    })


def _explain(response) -> http.TransportError:
    # The REST endpoint (routing key) no longer exists.
    return http.status_error(response.status_code, disable=response.status_code == 404)
