"""Delivery reports of text messages and calls (Twilio's status callback) reach the API here."""
from urllib.parse import parse_qsl

from chalicelib.api.core import NOT_FOUND, VERSIONS, ApiRequest, ApiResponse, text
from chalicelib.api.routing import API_ROOT, routes
from chalicelib.integrations import delivery_reports


@routes.plain(API_ROOT + "/notifications/{token}/status", ["POST"], content_types=["*/*"])
def notification_status(request: ApiRequest, version: str, token: str) -> ApiResponse:
    """No key, the token is signed; always 200 (Twilio would retry anything else)."""
    if version not in VERSIONS:
        return NOT_FOUND
    form = dict(parse_qsl(request.body.decode("utf-8", errors="replace")))
    delivery_reports.record(token, form, request.now)
    return text(200, "")
