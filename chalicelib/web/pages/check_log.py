"""A check's event log page with kind filters and paging, the log download, and each ping's
details and body."""
from datetime import datetime, timezone
from urllib.parse import urlencode

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.checks import events
from chalicelib.store import storage
from chalicelib.store.models import Check, Ping
from chalicelib.web import access, event_text, render
from chalicelib.web.http import HttpError, WebRequest, WebResponse, json_response
from chalicelib.web.navigation import project_nav
from chalicelib.web.pages.check_details import tz_choices
from chalicelib.web.routing import Pages

pages = Pages(__name__)

LOG_PAGE = 100
# Shown unless the filter form says otherwise; down-alert notifications are opt-in, as in Healthchecks.
DEFAULT_KINDS = ("success", "fail", "start", "log", "ign", "flip")
KIND_NAMES = {
    "success": "OK", "fail": "Failure", "start": "Started", "log": "Log", "ign": "Ignored",
    "flip": "Status changes", "notification": "Notifications",
}  # fmt: skip


@pages.route("/checks/{code}/log", methods=["GET"])
def log(request: WebRequest, code: str) -> WebResponse:
    check, project, _ = access.check_for(request.user, code, "read")
    context = _log_context(request, check)
    return render.render(request, "checks/log.html", **project_nav(project), section="checks", **context)


@pages.route("/checks/{code}/log_events", methods=["GET"])
def log_events(request: WebRequest, code: str) -> WebResponse:
    """The log's rows for other filters or an older page, as HTML in JSON (for static/log.js);
    with ?u=<stamp> of the rows the page has, only the stamp when nothing is new (its live update)."""
    check, _, _ = access.check_for(request.user, code, "read")
    context = _log_context(request, check)
    if request.arg("u") == context["stamp"]:
        return json_response({"stamp": context["stamp"]})
    rows = render.render_fragment(request, "checks/_events.html", **context)
    return json_response({"rows": rows, "older": context["older_url"], "stamp": context["stamp"]})


@pages.route("/checks/{code}/log.csv", methods=["GET"])
def log_csv(request: WebRequest, code: str) -> WebResponse:
    """Every visible ping and stored flip as a CSV download (ours; Healthchecks has none)."""
    check, _, _ = access.check_for(request.user, code, "read")
    return WebResponse(
        body=events.history_csv(check),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{check.code}-log.csv"'},
    )


def _log_context(request: WebRequest, check: Check) -> dict:
    kinds = _kinds(request)
    before = _before(request)
    found = events.recent(check, LOG_PAGE, before=before, kinds=kinds) if kinds else []
    older = None
    if len(found) >= LOG_PAGE:
        query = [(kind, "on") for kind in kinds] + [("filtered", "1"), ("before", found[-1].created.isoformat())]
        older = f"/checks/{check.code}/log/?" + urlencode(query)
    tz = request.user.tz or "UTC"
    return {
        "check": check,
        "events": found,
        "stamp": events.stamp(found),
        "kinds": kinds,
        "kind_names": KIND_NAMES,
        "before": before,
        "older_url": older,
        "tz": tz,
        "tz_choices": tz_choices(check, tz),
        "text": event_text,
    }


def _kinds(request: WebRequest) -> list[str]:
    if request.arg("filtered") != "1":
        return list(DEFAULT_KINDS)
    return [kind for kind in events.KINDS if request.arg(kind) == "on"]


def _before(request: WebRequest) -> datetime | None:
    raw = request.arg("before")
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise HttpError(400, "before must be an ISO 8601 time.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@pages.route("/checks/{code}/pings/{n}", methods=["GET"])
def ping_details(request: WebRequest, code: str, n: str) -> WebResponse:
    """Ping #n's details: a fragment for the page's dialog, or a page when opened directly."""
    check, project, _ = access.check_for(request.user, code, "read")
    ping = events.find_ping(check, int(n)) if n.isascii() and n.isdigit() else None
    if ping is None:
        raise HttpError(404, "No such ping: it may have been removed from the log.")
    return _ping_page(request, check, project, ping)


@pages.route("/checks/{code}/last_ping", methods=["GET"])
def last_ping(request: WebRequest, code: str) -> WebResponse:
    """The details of the newest success or failure ping."""
    check, project, _ = access.check_for(request.user, code, "read")
    ping = events.last_ping(check)
    if ping is None:
        raise HttpError(404, "This check has not received a success or failure ping yet.")
    return _ping_page(request, check, project, ping)


def _ping_page(request: WebRequest, check: Check, project, ping: Ping) -> WebResponse:
    body, unavailable = _body(ping)
    text, binary = event_text.ping_body_text(body)
    tz = request.user.tz or "UTC"
    context = {
        "check": check,
        "ping": ping,
        "body_text": text,
        "body_binary": binary,
        "body_size": len(body) if body is not None else 0,
        "body_unavailable": unavailable,
        "email": _email_parts(body) if ping.scheme == "email" and body else None,
        "tz_choices": tz_choices(check, tz),
        "text": event_text,
        "full_page": not request.is_xhr,
    }
    return render.render(request, "checks/ping_details.html", **project_nav(project), section="checks", **context)


def _body(ping: Ping) -> tuple[bytes | None, bool]:
    """The body and whether it exists but could not be read (S3 failing or not there yet)."""
    try:
        body = storage.ping_body(ping)
    except (BotoCoreError, ClientError):
        return None, True
    return body, body is None and bool(ping.object_size)


def _email_parts(raw: bytes) -> dict | None:
    """Subject and text of an email ping (its HTML part only as text, never rendered)."""
    from chalicelib.pings import mime

    message = mime.parse(raw)
    if message is None:
        return None
    return {"subject": mime.subject(message), "text": mime.body_text(message)}


@pages.route("/checks/{code}/pings/{n}/body", methods=["GET"])
def ping_body(request: WebRequest, code: str, n: str) -> WebResponse:
    """Ping #n's body as a download; 404 without one, 503 when S3 cannot be read."""
    check, _, _ = access.check_for(request.user, code, "read")
    ping = events.find_ping(check, int(n)) if n.isascii() and n.isdigit() else None
    if ping is None:
        raise HttpError(404, "No such ping.")
    try:
        body = storage.ping_body(ping)
    except (BotoCoreError, ClientError):
        raise HttpError(503, "The body cannot be read right now; try again later.") from None
    if not body:
        raise HttpError(404, "This ping has no body.")
    return WebResponse(
        body=body,
        content_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{check.code}-{int(ping.n)}.txt"'},
    )
