"""The Prometheus scrape endpoint of a project: gauges per check and per tag, read with the read-only API key."""
from dataclasses import dataclass
from datetime import datetime

from chalicelib import settings
from chalicelib.accounts.projects import hash_key
from chalicelib.api.core import ApiRequest, ApiResponse, text
from chalicelib.api.routing import routes
from chalicelib.checks import schedules
from chalicelib.checks.check_json import unique_key
from chalicelib.store.models import ApiKey, Check

KEY_LENGTH = 32
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass
class Scrape:
    status_code: int
    body: str = ""


@routes.plain("/projects/{code}/metrics/{key}", ["GET"])
def serve_scrape(request: ApiRequest, code: str, key: str | None) -> ApiResponse:
    """The key in the path, as Healthchecks' /projects/<code>/metrics/<key>."""
    if not settings.PROMETHEUS_ENABLED:
        return text(404, "Not found")
    result = scrape(code, key, request.now)
    return ApiResponse(result.status_code, result.body, CONTENT_TYPE)


@routes.plain("/projects/{code}/metrics", ["GET"])
def serve_scrape_bearer(request: ApiRequest, code: str) -> ApiResponse:
    """The key in an "Authorization: Bearer" header."""
    return serve_scrape(request, code, bearer_key(request.headers.get("authorization")))


def bearer_key(authorization: str | None) -> str | None:
    """The key from an "Authorization: Bearer <key>" header; None without one."""
    scheme, _, key = (authorization or "").partition(" ")
    return key.strip() if scheme == "Bearer" else None


def scrape(project_code: str, key: str | None, now: datetime) -> Scrape:
    """401 without a key, 400 for a malformed one, 403 unless it is this project's read-only key."""
    if key is None:
        return Scrape(401)
    if len(key) != KEY_LENGTH:
        return Scrape(400)
    try:
        api_key = ApiKey.get(hash_key(key))
    except ApiKey.DoesNotExist:
        return Scrape(403)
    if not api_key.readonly or api_key.project != project_code:
        return Scrape(403)
    checks = sorted(Check.by_project.query(project_code), key=lambda check: (check.created, check.code))
    return Scrape(200, exposition(checks, now))


def exposition(checks: list[Check], now: datetime) -> str:
    """The gauges in Prometheus' text format."""
    rows = [(check, schedules.status(check, now)) for check in checks]
    labelled = [(_check_labels(check), status, check) for check, status in rows]
    lines = []
    per_check = [
        ("hc_check_up", "1 if the check is up, 0 if it is down", lambda status, check: status != "down"),
        ("hc_check_started", "1 if the check has received a start signal and not yet its end", lambda status, check: check.last_start is not None),
        ("hc_check_grace", "1 if the check is late, inside its grace time", lambda status, check: status == "grace"),
        ("hc_check_paused", "1 if the check is paused", lambda status, check: status == "paused"),
    ]
    for name, help_text, value in per_check:
        lines += _header(name, help_text)
        lines += [f"{name}{labels} {int(value(status, check))}" for labels, status, check in labelled]
        lines.append("")

    all_tags, down_tags = set(), set()
    for check, status in rows:
        all_tags.update(check.tags.split())
        if status == "down":
            down_tags.update(check.tags.split())
    lines += _header("hc_tag_up", "1 if every check with this tag is up, 0 if any is down")
    lines += [f'hc_tag_up{{tag="{_escape(tag)}"}} {int(tag not in down_tags)}' for tag in sorted(all_tags)]
    lines.append("")
    lines += _header("hc_checks_total", "How many checks the project has")
    lines += [f"hc_checks_total {len(rows)}", ""]
    lines += _header("hc_checks_down_total", "How many of the project's checks are down")
    lines += [f"hc_checks_down_total {sum(status == 'down' for _, status in rows)}"]
    return "\n".join(lines) + "\n"


def _header(name: str, help_text: str) -> list[str]:
    return [f"# HELP {name} {help_text}.", f"# TYPE {name} gauge"]


def _check_labels(check: Check) -> str:
    return f'{{name="{_escape(check.name)}", tags="{_escape(check.tags)}", unique_key="{unique_key(check.code)}"}}'


def _escape(value: str) -> str:
    """A label value as the text format wants it: backslash, quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
