"""Healthchecks-compatible management API (v1, v2, v3): which handler serves what, with which key."""
from chalicelib.api import checks_api, history
from chalicelib.api.core import NOT_FOUND, VERSIONS, ApiRequest, ApiResponse, serve, text

# endpoint -> method -> (handler, needs a read-write key)
ENDPOINTS = {
    "checks": {"GET": (checks_api.list_checks, False), "POST": (checks_api.create_check, True)},
    "check": {
        "GET": (checks_api.get_check, False),
        "POST": (checks_api.update_check, True),
        "DELETE": (checks_api.delete_check, True),
    },
    "pause": {"POST": (checks_api.pause_check, True)},
    "resume": {"POST": (checks_api.resume_check, True)},
    "pings": {"GET": (history.list_pings, True)},
    "ping_body": {"GET": (history.ping_body, True)},
    "flips": {"GET": (history.list_flips, False)},
    "channels": {"GET": (history.list_channels, True)},
    "badges": {"GET": (history.list_badges, False)},
}


def handle(endpoint: str, request: ApiRequest, **params) -> ApiResponse:
    """Answer one API request; `params` are the path's parts (check code, ping number)."""
    methods = ENDPOINTS[endpoint]
    handler, write = methods.get(request.method, (None, False))
    if handler is None and request.method != "OPTIONS":
        return ApiResponse(405, {"error": "method not allowed"})
    return serve(request, lambda r: handler(r, **params), list(methods), write)


def notification_status(version: str, token: str, form: dict[str, str], now) -> ApiResponse:
    """A delivery report (Twilio's status callback): no key, the token is signed; always 200."""
    if version not in VERSIONS:
        return NOT_FOUND
    from chalicelib import delivery_reports

    delivery_reports.record(token, form, now)
    return text(200, "")


def status(version: str) -> ApiResponse:
    """Healthchecks' status endpoint: no key, OK when the database answers."""
    return history.status() if version in VERSIONS else NOT_FOUND


__all__ = ["ApiRequest", "ApiResponse", "ENDPOINTS", "handle", "notification_status", "status"]
