"""What the Twilio kinds (SMS, WhatsApp, phone calls) share: the account's API, its auth and its errors."""
import base64

from chalicelib import settings
from chalicelib.integrations import delivery_reports, http
from chalicelib.integrations.base import TransportError

INVALID_NUMBER = 21211  # Twilio's error code for a "To" number it cannot use


def configured() -> bool:
    return bool(settings.TWILIO_ACCOUNT and settings.TWILIO_AUTH)


def sender() -> dict[str, str]:
    """Who sends: the messaging service when one is set, else the From number."""
    if settings.TWILIO_MESSAGING_SERVICE_SID:
        return {"MessagingServiceSid": settings.TWILIO_MESSAGING_SERVICE_SID}
    return {"From": settings.TWILIO_FROM}


def status_callback(channel, notice) -> dict[str, str]:
    """Twilio reports a message or call that failed after it took it, to this URL."""
    return {"StatusCallback": delivery_reports.callback_url(notice.flip, channel.code)}


def post(resource: str, form: dict[str, str]) -> None:
    """POST a form to the account's resource ("Messages", "Calls") with basic auth."""
    url = f"{settings.TWILIO_API_URL}/2010-04-01/Accounts/{settings.TWILIO_ACCOUNT}/{resource}.json"
    credentials = base64.b64encode(f"{settings.TWILIO_ACCOUNT}:{settings.TWILIO_AUTH}".encode()).decode()
    http.request("POST", url, data=form, headers={"Authorization": f"Basic {credentials}"}, explain=_explain)


def _explain(response) -> TransportError:
    if response.status_code == 400:
        try:
            code = response.json().get("code")
        except ValueError:
            code = None
        if code == INVALID_NUMBER:
            return TransportError("Invalid phone number", disable=True)
    return http.status_error(response.status_code)
