"""Validating a check's create/update JSON the way Healthchecks' API does (reference §3.6).

Types are strict (a float is not a number of seconds; null is refused, except where it turns
a run-time bound off); only the first error is reported, as "json validation error: <field>
<what is wrong>".
"""
import re
from datetime import datetime, timezone

from chalicelib.checks import quiet, run_bounds, schedules, thresholds

SLUG_RE = re.compile(r"^[a-z0-9-_]*$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
UNIQUE_FIELDS = ("name", "slug", "tags", "timeout", "grace")
BOOLEANS = ("manual_resume", "filter_subject", "filter_body", "filter_http_body", "filter_default_fail")
KEYWORDS = ("start_kw", "success_kw", "failure_kw", "subject", "subject_fail")


class SpecError(ValueError):
    """A request body that breaks the rules; str() is the message to answer with."""

    def __init__(self, field_name: str, problem: str):
        super().__init__(f"json validation error: {field_name} {problem}")
        self.field_name, self.problem = field_name, problem  # for forms, which word it differently


# This project's fields, not Healthchecks': API v3 only (v1 and v2 ignore them, as unknown fields).
EXTENSIONS = (*run_bounds.FIELDS, "depends_on", *thresholds.FIELDS, "quiet_windows", "snoozed_until")


def validate(data: dict, extensions: bool = True) -> dict:
    """The known fields of `data`, checked and normalised; SpecError on the first bad one.
    Without `extensions` (API v1, v2) this project's own fields are unknown, hence ignored."""
    spec = {}
    for name, rule in RULES.items():
        if name in data and (extensions or name not in EXTENSIONS):
            spec[name] = rule(name, data[name])
    return spec


def check_run_bounds(min_duration: int | None, max_duration: int | None) -> None:
    """The bounds a check would have after a change; SpecError unless the shortest is below the longest."""
    if min_duration is not None and max_duration is not None and min_duration >= max_duration:
        raise SpecError("min_duration", "is not less than max_duration")


def _string(max_length: int | None = None, pattern: re.Pattern | None = None):
    def check(name, value):
        if not isinstance(value, str):
            raise SpecError(name, "is not a string")
        if max_length is not None and len(value) > max_length:
            raise SpecError(name, "is too long")
        if pattern is not None and not pattern.match(value):
            raise SpecError(name, "does not match pattern")
        return value

    return check


def _seconds(name, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(name, "is not a number")
    if value < schedules.MIN_SECONDS:
        raise SpecError(name, "is too small")
    if value > schedules.MAX_SECONDS:
        raise SpecError(name, "is too large")
    return value


def _boolean(name, value):
    if not isinstance(value, bool):
        raise SpecError(name, "is not a boolean")
    return value


def _run_seconds(smallest: int):
    """Seconds from `smallest` to run_bounds.LONGEST_RUN, or null for no bound."""

    def check(name, value):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError(name, "is not a number")
        if value < smallest:
            raise SpecError(name, "is too small")
        if value > run_bounds.LONGEST_RUN:
            raise SpecError(name, "is too large")
        return value

    return check


def _methods(name, value):
    if value not in ("", "POST"):
        raise SpecError(name, "has unexpected value")
    return value


def _schedule(name, value):
    value = _string(schedules.MAX_SCHEDULE_LENGTH)(name, value)
    try:
        schedules.validate_schedule(schedules.guess_kind(value), value)
    except ValueError:
        raise SpecError(name, "is not a valid cron or OnCalendar expression") from None
    return value


def _tz(name, value):
    value = _string()(name, value)
    try:
        return schedules.canonical_tz(value)
    except ValueError:
        raise SpecError(name, "is not a valid timezone") from None


def _threshold(name, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(name, "is not a number")
    if value < 1:
        raise SpecError(name, "is too small")
    if value > thresholds.MAX_THRESHOLD:
        raise SpecError(name, "is too large")
    return value


def _windows(name, value):
    try:
        return quiet.validate_windows(value)
    except ValueError as e:
        raise SpecError(name, str(e)) from None


def _moment_or_null(name, value):
    """An ISO 8601 date-time with its offset, as UTC; null (or "") for none."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SpecError(name, "is not a string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise SpecError(name, "is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise SpecError(name, "has no UTC offset")
    return moment.astimezone(timezone.utc)


def _unique(name, value):
    if not isinstance(value, list):
        raise SpecError(name, "is not an array")
    for item in value:
        if item not in UNIQUE_FIELDS:
            raise SpecError(f"an item in '{name}'", "has unexpected value")
    return value


def _check_uuid(name, value):
    """A check's uuid, or "" for none (whether it can be the parent is the API's to say)."""
    value = _string()(name, value)
    if value and not UUID_RE.match(value):
        raise SpecError(name, "is not a check uuid")
    return value


RULES = {
    "name": _string(100),
    "slug": _string(100, SLUG_RE),
    "tags": _string(),
    "desc": _string(),
    "timeout": _seconds,
    "grace": _seconds,
    "schedule": _schedule,
    "tz": _tz,
    **{name: _boolean for name in BOOLEANS},
    "methods": _methods,
    **{name: _string(200) for name in KEYWORDS},
    "channels": _string(),
    "unique": _unique,
    "min_duration": _run_seconds(1),
    "max_duration": _run_seconds(run_bounds.SHORTEST_MAX_DURATION),
    "track_runs": _boolean,
    "depends_on": _check_uuid,  # v3 only (an extension): the parent check, see checks/dependencies.py
    "failure_threshold": _threshold,
    "recovery_threshold": _threshold,
    "quiet_windows": _windows,
    "snoozed_until": _moment_or_null,
}
