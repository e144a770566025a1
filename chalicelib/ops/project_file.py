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
    project_checks = sorted(Check.by_project.query(project.code), key=lambda c: (c.created, c.name))
    names = [c.name for c in project_checks]
    exported = []
    for check in project_checks:
        shown = to_dict(check, now)
        item = {name: shown[name] for name in FIELDS if name in shown}
        item["channels"] = ",".join(sorted(identifiers[code] for code in check.channels or () if code in identifiers))
        item.pop("depends_on", None)
        parent = next((c for c in project_checks if c.code == check.depends_on), None)
        if parent is not None:  # by name where the name is unique, so the file travels to another project
            item["depends_on"] = parent.name if parent.name and names.count(parent.name) == 1 else parent.code
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
    parents = _parents(project, items)
    if windows is not None:  # a file without the key leaves the project's windows alone
        quiet.set_project_windows(project, windows)
    counts = {"created": 0, "updated": 0}
    codes = []
    for number, request in enumerate(requests, 1):
        response = checks_api.create_check(request)
        if response.status_code == 403:
            raise OpsError(f"check {number}: the project's check limit is reached ({counts} before it)")
        if response.status_code not in (200, 201):
            raise OpsError(f"check {number}: {response.body}")
        counts["created" if response.status_code == 201 else "updated"] += 1
        codes.append(response.body["uuid"])
    # Dependencies once every check of the file exists: a parent may come after its child.
    for number, parent in parents.items():
        parent_code = codes[parent] if isinstance(parent, int) else parent
        request = _api_request(project, {"depends_on": parent_code}, now)
        response = checks_api.update_check(request, codes[number - 1])
        if response.status_code != 200:
            raise OpsError(f"check {number}: {response.body}")
    return counts


def _parents(project: Project, items: list) -> dict:
    """Check number -> its parent: an index into the file, the uuid of a check of the project, or
    "" for none; by name in the file first, then by uuid or name in the project. OpsError before
    any write."""
    names = [item.get("name", "") for item in items]
    project_checks = list(Check.by_project.query(project.code))
    parents = {}
    for number, item in enumerate(items, 1):
        if "depends_on" not in item:
            continue  # as in the API, an omitted field keeps its value
        wanted = item["depends_on"]
        if not isinstance(wanted, str):
            raise OpsError(f"check {number}: depends_on is not a string")
        if not wanted or names.count(wanted) == 1:
            parents[number] = names.index(wanted) if wanted else ""
            parents[number] = names.index(wanted)
            continue
        found = [c.code for c in project_checks if wanted in (c.code, c.name)]
        if len(found) != 1:
            problem = "names no check of the file or the project" if not found else "names more than one check"
            raise OpsError(f"check {number}: depends_on {problem}: {wanted}")
        parents[number] = found[0]
    _refuse_cycles(parents)
    return parents


def _refuse_cycles(parents: dict) -> None:
    """A cycle among the file's own checks, found before anything is written."""
    for start in parents:
        seen, number = [start], parents[start]
        while isinstance(number, int):
            number += 1  # indexes are 0-based, check numbers 1-based
            if number in seen:
                raise OpsError(f"check {start}: depends_on makes a cycle (checks {', '.join(map(str, seen))})")
            seen.append(number)
            number = parents.get(number)


def _request(project: Project, item, number: int, now: datetime) -> ApiRequest:
    """The API request creating (or updating) one check of the file; OpsError if it is invalid."""
    if not isinstance(item, dict):
        raise OpsError(f"check {number}: not a JSON object")
    try:
        # depends_on names the parent by name here, resolved once every check of the file exists.
        spec = check_spec.validate({name: value for name, value in item.items() if name != "depends_on"})
        check_spec.check_run_bounds(spec.get("min_duration"), spec.get("max_duration"))
        if "channels" in spec:
            checks_api.channel_codes(project.code, spec["channels"])
    except ValueError as e:
        raise OpsError(f"check {number}: {e}") from None
    body = {name: item[name] for name in FIELDS if name in item and name != "depends_on"}
    body["unique"] = ["slug"] if spec.get("slug") else ["name"]
    return _api_request(project, body, now)


def _api_request(project: Project, body: dict, now: datetime) -> ApiRequest:
    operator = ApiKey(key_hash="", project=project.code, readonly=False)  # the CLI acts with full rights
    return ApiRequest(
        method="POST", version_segment="v3", headers={}, query={}, body=b"", now=now,
        json=body, key=operator, project=project,
    )  # fmt: skip
