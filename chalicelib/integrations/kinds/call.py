"""Phone calls through Twilio: a spoken sentence when a check goes down; counted against the monthly call quota."""
import json
from xml.sax.saxutils import escape

from chalicelib import settings
from chalicelib.integrations import limits, recipient, text, twilio
from chalicelib.integrations.base import Notice
from chalicelib.store.models import Channel

KIND = "call"
LABEL = "Phone Call"
NAME_LENGTH = 100  # said aloud; a longer name is cut


def enabled() -> bool:
    return twilio.configured() and bool(settings.TWILIO_FROM)


def validate(value: dict) -> str:
    """{"value": "+E164"}: calls only ever announce "down"."""
    return json.dumps({"value": recipient.normalize(value.get("value"))})


def is_noop(channel: Channel, status: str) -> bool:
    return status != "down"


def spoken(notice: Notice) -> str:
    name = text.clip(text.name_then_code(notice.check), NAME_LENGTH)
    return f'Hello! A message from {settings.SITE_NAME}: The check "{name}" is down.'


QUOTA = "call"  # the monthly quota its sends count against (the integrations page shows it)


def limit(channel: Channel, notice: Notice) -> limits.Monthly:
    return limits.Monthly(QUOTA, "phone call", spoken(notice))


def send(channel: Channel, notice: Notice) -> None:
    twiml = f"<Response><Say>{escape(spoken(notice))}</Say></Response>"
    form = {"From": settings.TWILIO_FROM, "To": recipient.target(channel)["value"], "Twiml": twiml}
    twilio.post("Calls", {**form, **twilio.status_callback(channel, notice)})
