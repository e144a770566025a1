"""Read-mostly endpoints: a check's pings, a ping's body, flips; the project's channels and badges."""
from datetime import datetime, timedelta, timezone

from chalicelib import settings
from chalicelib.api.checks_api import find
from chalicelib.api.core import NOT_FOUND, VERSIONS, ApiRequest, ApiResponse
from chalicelib.api.routing import API_ROOT, routes
from chalicelib.checks.check_json import isoformat
from chalicelib.store import storage
from chalicelib.store.models import Channel, Check, Flip, Ping

MAX_PINGS_LISTED = 1000
MAX_SECONDS = 31_536_000
MAX_TIMESTAMP = 10_000_000_000


@routes.endpoint("/checks/{code}/pings", "GET", write=True)
def list_pings(request: ApiRequest, code: str) -> ApiResponse:
    check = find(request, code, allow_unique_key=False)
    if check is None:
        return NOT_FOUND
    limit = min(int(check.ping_log_limit), MAX_PINGS_LISTED)
    kept = Ping.query(check.code, Ping.n > check.n_pings - limit, scan_index_forward=False, limit=limit)
    return ApiResponse(200, {"pings": [_ping_json(request, check, ping) for ping in kept]})


def _ping_json(request: ApiRequest, check: Check, ping: Ping) -> dict:
    result = {
        "type": ping.kind,
        "date": ping.created.isoformat(),
        "n": int(ping.n),
        "scheme": ping.scheme,
        "remote_addr": ping.remote_addr,
        "method": ping.method,
        "ua": ping.ua,
        "rid": ping.rid,
    }
    if ping.duration is not None:
        result["duration"] = round(float(ping.duration), 2)
    has_body = bool(ping.body or ping.object_size)
    base = f"{settings.SITE_ROOT}/api/v{request.version}/checks/{check.code}"
    result["body_url"] = f"{base}/pings/{int(ping.n)}/body" if has_body else None
    return result


@routes.endpoint("/checks/{code}/pings/{n}/body", "GET", write=True)
def ping_body(request: ApiRequest, code: str, n: str) -> ApiResponse:
    check = find(request, code, allow_unique_key=False)
    if check is None or not n.isdigit() or int(n) <= check.n_pings - check.ping_log_limit:
        return NOT_FOUND
    try:
        ping = Ping.get(check.code, int(n))
    except Ping.DoesNotExist:
        return NOT_FOUND
    body = storage.get_body(check.code, int(n)) if ping.object_size else ping.body
    if not body:
        return NOT_FOUND
    return ApiResponse(200, bytes(body), "text/plain")  # whatever its bytes, as Healthchecks sends it


@routes.endpoint("/checks/{code}/flips", "GET")
def list_flips(request: ApiRequest, code: str) -> ApiResponse:
    check = find(request, code)
    if check is None:
        return NOT_FOUND
    bounds = _flip_bounds(request)
    if bounds is None:
        return ApiResponse(400, "", "text/plain")
    start, end = bounds
    condition = Flip.created >= start if start else None
    found = [f for f in Flip.query(check.code, condition, scan_index_forward=False) if end is None or f.created < end]
    return ApiResponse(200, {"flips": [_flip_json(f) for f in found]})


def _flip_bounds(request: ApiRequest) -> tuple[datetime | None, datetime | None] | None:
    """(from, before) out of ?seconds, ?start and ?end; None when one of them is invalid."""
    values = {}
    for name, maximum in (("seconds", MAX_SECONDS), ("start", MAX_TIMESTAMP), ("end", MAX_TIMESTAMP)):
        raw = request.arg(name)
        if raw is None:
            continue
        if not raw.isdigit() or int(raw) > maximum:
            return None
        values[name] = int(raw)
    starts = []
    if "seconds" in values:
        starts.append(request.now - timedelta(seconds=values["seconds"]))
    if "start" in values:
        starts.append(datetime.fromtimestamp(values["start"], timezone.utc))
    end = datetime.fromtimestamp(values["end"], timezone.utc) if "end" in values else None
    return (max(starts) if starts else None), end


def _flip_json(flip: Flip) -> dict:
    return {"timestamp": isoformat(flip.created), "up": 1 if flip.new_status == "up" else 0}


@routes.endpoint("/channels", "GET", write=True)
def list_channels(request: ApiRequest) -> ApiResponse:
    channels = sorted(Channel.by_project.query(request.project.code), key=lambda c: c.created)
    return ApiResponse(200, {"channels": [{"id": c.code, "name": c.name, "kind": c.kind} for c in channels]})


@routes.endpoint("/badges", "GET")
def list_badges(request: ApiRequest) -> ApiResponse:
    from chalicelib.checks import badges

    tags = sorted({tag for check in Check.by_project.query(request.project.code) for tag in check.tags.split()})
    return ApiResponse(200, badges.project_badge_urls(request.project, tags))


@routes.plain(API_ROOT + "/status", ["GET"])
def status(request: ApiRequest, version: str) -> ApiResponse:
    """Healthchecks' status endpoint: no key, OK when the database answers (a read of a key that does not exist)."""
    if version not in VERSIONS:
        return NOT_FOUND
    Check.count("-", limit=1)
    return ApiResponse(200, "OK", "text/plain")
