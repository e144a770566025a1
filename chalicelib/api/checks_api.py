"""The /checks endpoints: list, get, create (with the `unique` upsert), update, pause, resume, delete."""
import re
import unicodedata

from chalicelib.accounts import teams
from chalicelib.api.core import NOT_FOUND, ApiRequest, ApiResponse, error, text
from chalicelib.api.routing import METHOD_NOT_ALLOWED, routes
from chalicelib.checks import checks, dependencies, quiet, run_bounds, schedules
from chalicelib.checks import spec as check_spec
from chalicelib.checks.check_json import to_dict, unique_key
from chalicelib.store.models import Channel, Check

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
UNIQUE_KEY_RE = re.compile(r"^[0-9a-f]{40}$")
COPIED_FIELDS = (
    "slug", "tags", "desc", "grace", "tz", "methods", "manual_resume", "filter_body",
    "filter_http_body", "filter_default_fail", "start_kw", "success_kw", "failure_kw",
)  # fmt: skip


def _json(request: ApiRequest, check: Check, status_code: int = 200) -> ApiResponse:
    return ApiResponse(status_code, to_dict(check, request.now, request.readonly, request.version))


def find(request: ApiRequest, code: str, allow_unique_key: bool = True) -> Check | None:
    """The project's check by uuid (or, where allowed, unique_key); None for anything else."""
    if UUID_RE.match(code):
        check = checks.get(code)
        # Another project's check is "not found": its existence is not this key's business.
        return check if check is not None and check.project == request.project.code else None
    if allow_unique_key and UNIQUE_KEY_RE.match(code):
        return next((c for c in _project_checks(request) if unique_key(c.code) == code), None)
    return None


def _project_checks(request: ApiRequest) -> list[Check]:
    return sorted(Check.by_project.query(request.project.code), key=lambda c: c.created)


@routes.endpoint("/checks", "GET")
def list_checks(request: ApiRequest) -> ApiResponse:
    tags, slug = request.query.get("tag", []), request.arg("slug")
    found = [
        c for c in _project_checks(request)
        if all(tag in c.tags.split() for tag in tags) and (slug is None or c.slug == slug)
    ]  # fmt: skip
    return ApiResponse(200, {"checks": [to_dict(c, request.now, request.readonly, request.version) for c in found]})


@routes.endpoint("/checks/{code}", "GET")
def get_check(request: ApiRequest, code: str) -> ApiResponse:
    check = find(request, code)
    return _json(request, check) if check else NOT_FOUND


@routes.endpoint("/checks", "POST", write=True)
def create_check(request: ApiRequest) -> ApiResponse:
    try:
        spec = check_spec.validate(request.json, extensions=request.version >= 3)
        existing = _upsert_match(request, spec)
        changes = _changes(request, spec, existing)
    except ValueError as e:
        return error(400, str(e))
    if existing is not None:
        return _json(request, _snoozed(checks.update_config(existing, changes, request.now), spec, request))
    # The owner's limit across all their projects, as the dashboard's "Add Check" counts it.
    if teams.free_slots_for(request.project) <= 0:
        return ApiResponse(403, "", "text/plain")
    check = checks.create_check(request.project, request.now, **changes)
    return _json(request, _snoozed(check, spec, request), 201)


def _read_only_address(code: str) -> ApiResponse | None:
    """A check's unique_key address is for reading: writing to it is 405, as Healthchecks answers."""
    return METHOD_NOT_ALLOWED if UNIQUE_KEY_RE.match(code) else None


@routes.endpoint("/checks/{code}", "POST", write=True, guard=_read_only_address)
def update_check(request: ApiRequest, code: str) -> ApiResponse:
    check = find(request, code, allow_unique_key=False)
    if check is None:
        return NOT_FOUND
    try:
        spec = check_spec.validate(request.json, extensions=request.version >= 3)
        changes = _changes(request, spec, check)
        return _json(request, _snoozed(checks.update_config(check, changes, request.now), spec, request))
    except ValueError as e:
        return error(400, str(e))
    except Check.DoesNotExist:
        return NOT_FOUND  # deleted while being updated


@routes.endpoint("/checks/{code}/pause", "POST", write=True)
def pause_check(request: ApiRequest, code: str) -> ApiResponse:
    check = find(request, code, allow_unique_key=False)
    return _json(request, checks.pause(check, request.now)) if check else NOT_FOUND


@routes.endpoint("/checks/{code}/resume", "POST", write=True)
def resume_check(request: ApiRequest, code: str) -> ApiResponse:
    check = find(request, code, allow_unique_key=False)
    if check is None:
        return NOT_FOUND
    if check.status != "paused":
        return text(409, "check is not paused")
    return _json(request, checks.resume(check, request.now))


@routes.endpoint("/checks/{code}", "DELETE", write=True, guard=_read_only_address)
def delete_check(request: ApiRequest, code: str) -> ApiResponse:
    check = find(request, code, allow_unique_key=False)
    if check is None:
        return NOT_FOUND
    response = _json(request, check)  # the check as it was
    checks.delete(check)
    return response


def _upsert_match(request: ApiRequest, spec: dict) -> Check | None:
    """With `unique`, the first of the project's checks equal on every listed field."""
    unique = spec.get("unique") or []
    if not unique or any(name not in spec for name in unique):
        return None
    return next((c for c in _project_checks(request) if all(getattr(c, n) == spec[n] for n in unique)), None)


def _changes(request: ApiRequest, spec: dict, check: Check | None) -> dict:
    """The check fields a validated request sets, with Healthchecks' derived fields."""
    changes = {name: spec[name] for name in COPIED_FIELDS if name in spec}
    if "name" in spec:
        changes["name"] = spec["name"]
        if request.version < 3 and "slug" not in spec:
            changes["slug"] = slugify(spec["name"])
    if "schedule" in spec:
        changes.update(kind=schedules.guess_kind(spec["schedule"]), schedule=spec["schedule"])
    elif "timeout" in spec:
        changes.update(kind="simple", timeout=spec["timeout"])
    # The deprecated subject fields set the keywords and turn the subject filter on or off.
    for old_name, new_name in (("subject", "success_kw"), ("subject_fail", "failure_kw")):
        if old_name in spec:
            changes[new_name] = spec[old_name]
            current = {kw: changes.get(kw, getattr(check, kw, "")) for kw in ("success_kw", "failure_kw")}
            changes["filter_subject"] = bool(current["success_kw"] or current["failure_kw"])
    if "filter_subject" in spec:
        changes["filter_subject"] = spec["filter_subject"]
    if "channels" in spec:
        changes["channels"] = channel_codes(request.project.code, spec["channels"])
    if "depends_on" in spec:
        code = check.code if check is not None else None
        changes["depends_on"] = dependencies.resolve_parent(request.project.code, code, spec["depends_on"])
    if "slug" in changes:
        changes["slug_key"] = checks.slug_key(request.project.ping_key, changes["slug"])
    changes.update(extension_changes(spec))
    changes.update({name: spec[name] for name in run_bounds.FIELDS if name in spec})
    check_spec.check_run_bounds(
        *(changes.get(name, getattr(check, name, None)) for name in ("min_duration", "max_duration"))
    )
    return changes


def extension_changes(spec: dict) -> dict:
    """Check attributes from this project's validated fields: 1 and [] are stored as nothing."""
    changes = {name: (None if spec[name] == 1 else spec[name]) for name in ("failure_threshold", "recovery_threshold") if name in spec}
    if "quiet_windows" in spec:
        changes["quiet_windows"] = quiet.stored(spec["quiet_windows"])
    return changes


def _snoozed(check: Check, spec: dict, request: ApiRequest) -> Check:
    """A snooze set or ended by `snoozed_until`, and new windows, which let a held alert be decided again."""
    if "quiet_windows" in spec:
        check = quiet.reconsider(check, request.now)
    if "snoozed_until" not in spec:
        return check
    return quiet.snooze(check, spec["snoozed_until"], request.now)


def channel_codes(project_code: str, value: str) -> set[str]:
    """"*" is every channel of the project, "" none, else channel uuids or names, comma-separated."""
    channels = list(Channel.by_project.query(project_code))
    if value == "*":
        return {c.code for c in channels}
    codes = set()
    for identifier in (part.strip() for part in value.split(",")) if value else ():
        if not identifier:
            raise ValueError("empty channel identifier")
        matches = [c for c in channels if identifier in (c.code, c.name)]
        if not matches:
            raise ValueError(f"invalid channel identifier: {identifier}")
        if len(matches) > 1:
            raise ValueError(f"non-unique channel identifier: {identifier}")
        codes.add(matches[0].code)
    return codes


def slugify(value: str) -> str:
    """As Django's slugify: ASCII, lower case, words joined by hyphens."""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value.lower())
    return re.sub(r"[-\s]+", "-", value).strip("-_")
