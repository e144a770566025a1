"""exportproject and importproject: a project's checks as JSON, in the API's check fields.

Import goes through the API's own create-or-update (validation, `unique` upsert, check limit),
matching an existing check by slug, or by name when the check has no slug.
"""
from datetime import datetime

from chalicelib.api import checks_api
from chalicelib.api.core import ApiRequest
from chalicelib.checks import quiet
from chalicelib.checks import spec as check_spec
from chalicelib.checks.check_json import to_dict
from chalicelib.ops import OpsError
from chalicelib.store.models import ApiKey, Channel, Check, Project

# The check fields a file carries: what the API accepts, less the deprecated and the directive.
# (A snooze is state, not configuration: it does not travel.)
FIELDS = tuple(name for name in check_spec.RULES if name not in ("subject", "subject_fail", "unique", "snoozed_until"))


def find_project(code: str) -> Project:
    try:
        return Project.get(code)
    except Project.DoesNotExist:
        raise OpsError(f"No project with the code {code}") from None


def export_checks(project: Project, now: datetime) -> dict:
    """{"project", "name", "quiet_windows", "checks": [...]}: the project's quiet windows, and each
    check's API fields, channels by name where unique."""
    identifiers = _channel_identifiers(project.code)
    exported = []
    for check in sorted(Check.by_project.query(project.code), key=lambda c: (c.created, c.name)):
        shown = to_dict(check, now)
        item = {name: shown[name] for name in FIELDS if name in shown}
        item["channels"] = ",".join(sorted(identifiers[code] for code in check.channels or () if code in identifiers))
        exported.append(item)
    return {"project": project.code, "name": project.name, "quiet_windows": quiet.loaded(project.quiet_windows),
            "checks": exported}  # fmt: skip


def _channel_identifiers(project_code: str) -> dict[str, str]:
    """Channel code -> its name when that name is unique in the project (so it travels), else the code."""
    channels = list(Channel.by_project.query(project_code))
    names = [c.name for c in channels]
    return {
        c.code: c.name if c.name and "," not in c.name and names.count(c.name) == 1 else c.code
        for c in channels
    }  # fmt: skip


def import_checks(project: Project, data, now: datetime) -> dict:
    """Create or update the file's checks; every check is validated before anything is written."""
    items = data.get("checks") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise OpsError('The file must hold a list of checks, or an object with a "checks" list')
    windows = data.get("quiet_windows") if isinstance(data, dict) else None
    try:
        windows = None if windows is None else quiet.validate_windows(windows)
    except ValueError as e:
        raise OpsError(f"the project's quiet_windows: {e}") from None
    requests = [_request(project, item, number, now) for number, item in enumerate(items, 1)]
    if windows is not None:  # a file without the key leaves the project's windows alone
        quiet.set_project_windows(project, windows)
    counts = {"created": 0, "updated": 0}
    for number, request in enumerate(requests, 1):
        response = checks_api.create_check(request)
        if response.status_code == 403:
            raise OpsError(f"check {number}: the project's check limit is reached ({counts} before it)")
        if response.status_code not in (200, 201):
            raise OpsError(f"check {number}: {response.body}")
        counts["created" if response.status_code == 201 else "updated"] += 1
    return counts


def _request(project: Project, item, number: int, now: datetime) -> ApiRequest:
    """The API request creating (or updating) one check of the file; OpsError if it is invalid."""
    if not isinstance(item, dict):
        raise OpsError(f"check {number}: not a JSON object")
    try:
        spec = check_spec.validate(item)
        if "channels" in spec:
            checks_api.channel_codes(project.code, spec["channels"])
    except ValueError as e:
        raise OpsError(f"check {number}: {e}") from None
    body = {name: item[name] for name in FIELDS if name in item}
    body["unique"] = ["slug"] if spec.get("slug") else ["name"]
    operator = ApiKey(key_hash="", project=project.code, readonly=False)  # the CLI acts with full rights
    return ApiRequest(
        method="POST", version_segment="v3", headers={}, query={}, body=b"", now=now,
        json=body, key=operator, project=project,
    )  # fmt: skip
