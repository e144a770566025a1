"""WhatsApp through Twilio: an approved content template per direction, filled with the check's name.

Shares the monthly SMS quota.
"""
import json

from chalicelib import settings
from chalicelib.integrations import limits, recipient, text, twilio
from chalicelib.integrations.base import Notice
from chalicelib.store.models import Channel

KIND = "whatsapp"
LABEL = "WhatsApp"
NAME_LENGTH = 100  # template variables are short; a longer name is cut


def enabled() -> bool:
    templates = settings.WHATSAPP_DOWN_CONTENT_SID and settings.WHATSAPP_UP_CONTENT_SID
    return settings.TWILIO_USE_WHATSAPP and twilio.configured() and bool(settings.TWILIO_FROM and templates)


def validate(value: dict) -> str:
    return recipient.validate_phone(value)


def is_noop(channel: Channel, status: str) -> bool:
    return recipient.is_noop(channel, status)


QUOTA = "sms"  # the monthly quota its sends count against, shared with SMS


def limit(channel: Channel, notice: Notice) -> limits.Monthly:
    return limits.Monthly(QUOTA, "message", text.status_sentence(notice))


def send(channel: Channel, notice: Notice) -> None:
    content = settings.WHATSAPP_DOWN_CONTENT_SID if notice.status == "down" else settings.WHATSAPP_UP_CONTENT_SID
    form = {
        "To": f"whatsapp:{recipient.target(channel)['value']}",
        "From": f"whatsapp:{settings.TWILIO_FROM}",
        "ContentSid": content,
        "ContentVariables": json.dumps({"1": text.clip(text.name_then_code(notice.check), NAME_LENGTH)}),
    }
    if settings.TWILIO_MESSAGING_SERVICE_SID:
        form["MessagingServiceSid"] = settings.TWILIO_MESSAGING_SERVICE_SID
    twilio.post("Messages", {**form, **twilio.status_callback(channel, notice)})
