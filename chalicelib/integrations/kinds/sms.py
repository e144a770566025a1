"""SMS through Twilio: one line naming the check and its status; counted against the monthly SMS quota."""
from chalicelib import settings
from chalicelib.integrations import limits, recipient, text, twilio
from chalicelib.integrations.base import Notice
from chalicelib.store.models import Channel

KIND = "sms"
LABEL = "SMS"
MAX_LENGTH = 1600  # the most Twilio accepts in one message body


def enabled() -> bool:
    return twilio.configured() and bool(settings.TWILIO_FROM or settings.TWILIO_MESSAGING_SERVICE_SID)


def validate(value: dict) -> str:
    """{"value": "+E164", "up", "down"}; a new SMS channel sends "down" only unless asked."""
    return recipient.validate_phone(value, up_default=False)


def is_noop(channel: Channel, status: str) -> bool:
    return recipient.is_noop(channel, status)


def message(notice: Notice) -> str:
    return text.clip(f"{settings.SITE_NAME}: {text.status_sentence(notice)}", MAX_LENGTH)


QUOTA = "sms"  # the monthly quota its sends count against, shared with WhatsApp


def limit(channel: Channel, notice: Notice) -> limits.Monthly:
    return limits.Monthly(QUOTA, "SMS", message(notice))


def send(channel: Channel, notice: Notice) -> None:
    form = {"To": recipient.target(channel)["value"], "Body": message(notice), "RiskCheck": "disable"}
    twilio.post("Messages", {**form, **twilio.sender(), **twilio.status_callback(channel, notice)})
