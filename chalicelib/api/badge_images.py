"""Status badges as images and JSON, for READMEs and dashboards: no key, the badge key (and
signature) in the path is the credential. What a badge says is checks/badges.py's."""

from chalicelib.api.core import ApiRequest, ApiResponse, text
from chalicelib.api.routing import routes
from chalicelib.checks import badges

BADGE_METHODS = ["GET", "OPTIONS"]


@routes.plain("/badge/{badge_key}/{signature}/{tag_file}", BADGE_METHODS)
def tag_badge(request: ApiRequest, badge_key: str, signature: str, tag_file: str) -> ApiResponse:
    tag, fmt = _name_and_format(tag_file)
    return _badge(request, lambda now: badges.project_badge(badge_key, signature, tag, fmt, now))


@routes.plain("/badge/{badge_key}/{signature_file}", BADGE_METHODS)
def project_badge(request: ApiRequest, badge_key: str, signature_file: str) -> ApiResponse:
    signature, fmt = _name_and_format(signature_file)
    return _badge(request, lambda now: badges.project_badge(badge_key, signature, None, fmt, now))


@routes.plain("/b/{states}/{badge_file}", BADGE_METHODS)
def check_badge(request: ApiRequest, states: str, badge_file: str) -> ApiResponse:
    badge_key, fmt = _name_and_format(badge_file)
    return _badge(request, lambda now: badges.check_badge(badge_key, states, fmt, now))


def _badge(request: ApiRequest, find) -> ApiResponse:
    """A badge response; `find(now)` locates it from the path, None meaning 404."""
    if request.method == "OPTIONS":
        return ApiResponse(204, "", headers=badges.BADGE_HEADERS)
    badge = find(request.now)
    if badge is None:
        return text(404, "not found")
    return ApiResponse(200, badge.body, badge.content_type, headers=badges.BADGE_HEADERS)


def _name_and_format(segment: str) -> tuple[str, str]:
    """"db.svg" -> ("db", "svg"): Chalice cannot split one path segment into two params."""
    name, _, fmt = segment.rpartition(".")
    return name, fmt
