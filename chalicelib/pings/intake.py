"""The ping endpoint: /ping/<uuid>[/action] and /ping/<ping key>/<slug>[/action], and the
snooze, /ping/<uuid>/snooze/<minutes> and /ping/<ping key>/<slug>/snooze/<minutes>.

Kept light on purpose: no jinja2, fido2 or integrations are imported on this path.
"""
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib import settings
from chalicelib.accounts import projects
from chalicelib.checks import channels, checks, quiet
from chalicelib.pings import effects, retention
from chalicelib.store import storage
from chalicelib.store.models import Check, Ping

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
RID_RE = re.compile(UUID_RE.pattern, re.IGNORECASE)
URL_SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
ACTIONS = ("start", "fail", "log")
UA_MAX = 200
# A namespace for the codes of checks made by ?create=1 (see _auto_create).
AUTO_CREATE_NAMESPACE = uuid.UUID("6f1c7e0a-3f52-4c1e-9a53-0b7d8f0d2e11")


@dataclass
class Target:
    """Which check a ping URL names and what it signals."""

    code: str | None = None
    ping_key: str | None = None
    slug: str | None = None
    action: str = "success"
    exitstatus: int | None = None
    snooze_minutes: int | None = None  # a snooze (0 ends it), not a ping


@dataclass
class PingRequest:
    method: str
    scheme: str
    remote_addr: str | None
    ua: str
    body: bytes
    query: dict = field(default_factory=dict)


@dataclass
class PingResponse:
    status_code: int
    text: str
    headers: dict = field(default_factory=dict)


NOT_FOUND = PingResponse(404, "not found")
BAD_URL = PingResponse(400, "invalid url format")


def parse_path(parts: list[str]) -> Target | PingResponse:
    """Read the path segments after /ping/ into a Target, or the error Healthchecks gives."""
    parts = [p for p in parts if p]
    if (len(parts) == 3 and UUID_RE.match(parts[0]) or len(parts) == 4) and parts[-2] == "snooze":
        return _snooze_target(parts)
    if len(parts) == 1 and UUID_RE.match(parts[0]):
        return Target(code=parts[0])
    if len(parts) == 2 and UUID_RE.match(parts[0]) and _is_action(parts[1]):
        return _with_action(Target(code=parts[0]), parts[1])
    if len(parts) in (2, 3) and all(URL_SLUG_RE.match(p) for p in parts[:2]):
        if len(parts) == 3 and not _is_action(parts[2]):
            return NOT_FOUND
        if parts[1] != parts[1].lower():
            return BAD_URL
        target = Target(ping_key=parts[0], slug=parts[1])
        return _with_action(target, parts[2]) if len(parts) == 3 else target
    return NOT_FOUND


def _snooze_target(parts: list[str]) -> Target | PingResponse:
    """/<uuid>/snooze/<minutes> or /<ping key>/<slug>/snooze/<minutes>."""
    minutes = parts[-1]
    if not (minutes.isascii() and minutes.isdigit()) or int(minutes) > quiet.MAX_SNOOZE_MINUTES:
        return BAD_URL
    if len(parts) == 3:
        return Target(code=parts[0], snooze_minutes=int(minutes))
    if all(URL_SLUG_RE.match(p) for p in parts[:2]):
        if parts[1] != parts[1].lower():
            return BAD_URL
        return Target(ping_key=parts[0], slug=parts[1], snooze_minutes=int(minutes))
    return NOT_FOUND


def _is_action(segment: str) -> bool:
    return segment in ACTIONS or segment.isascii() and segment.isdigit()


def _with_action(target: Target, segment: str) -> Target | PingResponse:
    if segment in ACTIONS:
        target.action = segment
        return target
    target.exitstatus = int(segment)
    if target.exitstatus > 255:
        return BAD_URL
    target.action = "fail" if target.exitstatus > 0 else "success"
    return target


def response_headers() -> dict:
    headers = {
        "Content-Type": "text/plain; charset=utf-8",
        "Access-Control-Allow-Origin": "*",
        "Cache-Control": "max-age=0, no-cache, no-store, must-revalidate, private",
        "Expires": "Thu, 01 Jan 1970 00:00:00 GMT",
    }
    if settings.PING_BODY_LIMIT:
        headers["Ping-Body-Limit"] = str(settings.PING_BODY_LIMIT)
    return headers


def handle(target: Target, request: PingRequest, now: datetime) -> PingResponse:
    """Record one ping and answer as Healthchecks does."""
    created = False
    found = find(target)
    if len(found) > 1:
        return PingResponse(409, "ambiguous slug")
    check = found[0] if found else None
    if target.snooze_minutes is not None:
        return _snooze(check, target.snooze_minutes, now)
    if check is None and target.slug and request.query.get("create") == "1":
        check = _auto_create(target.ping_key, target.slug, now)
        created = check is not None
    if check is None:
        return NOT_FOUND

    rid = request.query.get("rid") or None
    if rid is not None:
        if not RID_RE.match(rid):
            return PingResponse(400, "invalid uuid format")
        rid = rid.lower()

    kind = ping_kind(check, target.action, request.method, cut_body(request.body)[0])
    try:
        record(check, kind, request, now, rid=rid, exitstatus=target.exitstatus)
    except effects.RateLimited as e:
        # As the hosted Healthchecks: UUID pings always get 200, slug pings may get 429.
        if target.code:
            return PingResponse(200, "OK (rate limited)")
        return PingResponse(429, "rate limited", {"Retry-After": str(e.retry_after)})
    except effects.CheckGone:
        return NOT_FOUND
    return PingResponse(201, "Created") if created else PingResponse(200, "OK")


def _snooze(check: Check | None, minutes: int, now: datetime) -> PingResponse:
    """Silence the check's alerts for `minutes` (0 ends the snooze): one write, no ping stored."""
    if check is None:
        return NOT_FOUND
    try:
        quiet.snooze_for(check, minutes, now)
    except Check.DoesNotExist:
        return NOT_FOUND
    return PingResponse(200, "OK")


def find(target: Target) -> list[Check]:
    """The checks a target names: none, one, or more (an ambiguous slug)."""
    if target.code:
        check = checks.get(target.code)
        return [check] if check else []
    return checks.find_by_slug(target.ping_key, target.slug)


def record(
    check: Check, kind: str, request: PingRequest, now: datetime, rid: str | None = None, exitstatus: int | None = None
) -> str:
    """Apply a ping of `kind` to the check and store it; the kind recorded (pausing may make it "ign").

    The one way every ping form (HTTP, email) is recorded. Raises ping_effects.RateLimited or
    ping_effects.CheckGone.
    """
    body, truncated = cut_body(request.body)
    effect = effects.apply(check, kind, rid, body, now)
    _store(check, effect, request, rid, exitstatus, body, truncated, now)
    return effect.kind


def cut_body(body: bytes) -> tuple[bytes, bool]:
    """The part of a body that is kept (PING_BODY_LIMIT bytes), and whether it was cut."""
    if settings.PING_BODY_LIMIT and len(body) > settings.PING_BODY_LIMIT:
        return body[: settings.PING_BODY_LIMIT], True
    return body, False


def ping_kind(check: Check, action: str, method: str, body: bytes) -> str:
    """The URL's action, overridden by the POST-only rule and the HTTP body keyword filter."""
    if check.methods == "POST" and method != "POST":
        return "ign"
    if check.filter_http_body:
        return kind_by_keywords(check, body.decode("utf-8", errors="replace"))
    return action


def kind_by_keywords(check: Check, text: str) -> str:
    """Failure keywords win over success, success over start; no match is "ign" (or "fail")."""
    for kind, keywords in (
        ("fail", check.failure_kw),
        ("success", check.success_kw),
        ("start", check.start_kw),
    ):
        if _matches(keywords, text):
            return kind
    return "fail" if check.filter_default_fail else "ign"


def _matches(keywords: str, text: str) -> bool:
    """Comma-separated, case-sensitive substrings; empty parts are ignored."""
    return any(kw.strip() and kw.strip() in text for kw in keywords.split(","))


def _auto_create(ping_key: str, slug: str, now: datetime) -> Check | None:
    """?create=1: a new check named after the slug, with all project channels, unless full."""
    project = projects.find_by_ping_key(ping_key)
    if project is None or checks.count_in_project(project.code) >= 2 * project.check_limit:
        return None
    # The code is derived from the ping URL, so two racing first pings create one check.
    code = str(uuid.uuid5(AUTO_CREATE_NAMESPACE, f"{project.code}/{ping_key}/{slug}"))
    try:
        return checks.create_check(
            project, now, code=code, name=slug, slug=slug, channels=channels.codes_in_project(project.code)
        )
    except Check.PutError:
        return checks.get(code)


def _store(check, effect, request, rid, exitstatus, body, truncated, now) -> None:
    n = check.n_pings
    ping = Ping(
        code=check.code,
        n=n,
        created=now,
        kind=effect.kind,
        scheme=request.scheme,
        method=request.method,
        remote_addr=request.remote_addr,
        ua=request.ua[:UA_MAX],
        exitstatus=exitstatus,
        rid=rid,
        duration=effect.duration,
        body_truncated=truncated,
        expires=effect.expires,
    )
    if len(body) > settings.PING_BODY_INLINE_MAX and storage.put_body(check.code, n, body):
        ping.object_size = len(body)
    elif body:
        ping.body = body
    ping.save()
    # Pings at or below n - ping_log_limit have now left the log (every read hides them); their
    # items expire, or the prune deletes them (retention.py).
    retention.after_store(check, n)
