"""A check's fields from a dashboard form (add check, change schedule), by the API's rules.

The API's validators (chalicelib/checks/spec.py) take JSON values; a form sends strings, so the
numbers are parsed here first and every value then goes through the same rule the API uses.
Durations come as seconds (`timeout`) or as a number and a unit (`timeout_value`, `timeout_unit`).
"""
import re

from chalicelib.checks import quiet, schedules, thresholds
from chalicelib.checks import spec as check_spec

KINDS = ("simple", "cron", "oncalendar")
UNITS = {"60": "minutes", "3600": "hours", "86400": "days"}
DEFAULT_TIMEOUT, DEFAULT_GRACE = 86400, 3600
LABELS = {
    "timeout": "Period", "grace": "Grace time", "tz": "Time zone", "desc": "Description",
    "start_kw": "Start keywords", "success_kw": "Success keywords", "failure_kw": "Failure keywords",
    "methods": "Allowed methods", "failure_threshold": "Failures in a row", "recovery_threshold": "Successes in a row",
}  # fmt: skip
PROBLEMS = {
    "does not match pattern": "may contain only lower-case letters, digits, - and _",
    "is too small": "must be at least 1 minute",
    "is too large": "must be at most 365 days",
    "is not a number": "must be a whole number",
    "is not a valid timezone": "is not a known time zone",
}
TAGS_MAX = 500
NUMBER_RE = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,6})?$")  # "1.5" hours is fine; seconds are whole


class FormError(ValueError):
    """A field the form must show again with `message` next to it."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field_name, self.message = field_name, message


def check_fields(form: dict[str, list[str]]) -> dict:
    """Name, slug, tags and the schedule of a new check, as Check attributes."""
    raw = {"name": _text(form, "name").strip(), "slug": _text(form, "slug").strip()}
    tags = " ".join(_text(form, "tags").split())
    if len(tags) > TAGS_MAX:
        raise FormError("tags", f"Tags must be at most {TAGS_MAX} characters.")
    fields = validated(raw)
    fields["tags"] = tags
    fields.update(schedule_fields(form))
    return fields


def schedule_fields(form: dict[str, list[str]]) -> dict:
    """kind, timeout or schedule and tz, and grace, as Check attributes."""
    kind = _text(form, "kind", "simple")
    if kind not in KINDS:
        raise FormError("kind", "Choose simple, cron or OnCalendar.")
    grace = _seconds(form, "grace", DEFAULT_GRACE)
    if kind == "simple":
        fields = validated({"timeout": _seconds(form, "timeout", DEFAULT_TIMEOUT), "grace": grace})
        # Healthchecks stores this placeholder on simple checks.
        return {"kind": "simple", **fields, "schedule": "* * * * *"}
    schedule = _text(form, "schedule").strip()
    try:
        schedules.validate_schedule(kind, schedule)
    except ValueError:
        name = "cron" if kind == "cron" else "OnCalendar"
        raise FormError("schedule", f"This is not a valid {name} expression.") from None
    fields = validated({"grace": grace, "tz": _text(form, "tz", "UTC").strip()})
    return {"kind": kind, "schedule": schedule, **fields}


RUN_TIME_UNITS = {"1": "seconds", "60": "minutes", "3600": "hours"}
RUN_TIME_LABELS = {"min_duration": "Shortest run", "max_duration": "Longest run"}


def run_time_fields(form: dict[str, list[str]]) -> dict:
    """min_duration and max_duration (a number and a unit each; empty for no bound) and
    track_runs, as Check attributes, by the API's rules and checked together."""
    fields = {"track_runs": _text(form, "track_runs") in ("on", "1", "true")}
    for name, label in RUN_TIME_LABELS.items():
        text, unit = _text(form, f"{name}_value").strip(), _text(form, f"{name}_unit", "60")
        if not text:
            fields[name] = None
            continue
        if unit not in RUN_TIME_UNITS:
            raise FormError(name, f"{label} has an unknown unit.")
        if not NUMBER_RE.match(text):
            raise FormError(name, f"{label} must be a number.")
        fields[name] = round(float(text) * int(unit))
    try:
        fields = check_spec.validate(fields)
        check_spec.check_run_bounds(fields["min_duration"], fields["max_duration"])
    except check_spec.SpecError as e:
        raise FormError(e.field_name, _run_time_problem(e)) from None
    return fields


def _run_time_problem(error: check_spec.SpecError) -> str:
    label = RUN_TIME_LABELS.get(error.field_name, error.field_name)
    if error.problem == "is too small":
        smallest = "1 minute" if error.field_name == "max_duration" else "1 second"
        return f"{label} must be at least {smallest}."
    if error.problem == "is too large":
        return f"{label} must be at most 72 hours."
    if error.problem == "is not less than max_duration":
        return "The shortest run must be shorter than the longest."
    return f"{label} {error.problem}."


def alerting_fields(form: dict[str, list[str]]) -> dict:
    """failure_threshold, recovery_threshold (1 stored as nothing) and quiet_windows (JSON), as Check attributes."""
    values = {}
    for name in ("failure_threshold", "recovery_threshold"):
        text = _text(form, name, "1").strip()
        values[name] = int(text) if text.isdigit() else text
    try:
        windows = quiet.parse_lines(_text(form, "quiet_windows"))
    except ValueError as e:
        raise FormError("quiet_windows", f"Quiet windows: {e}") from None
    try:
        fields = check_spec.validate(values)
    except check_spec.SpecError as e:
        raise FormError(e.field_name, f"{LABELS[e.field_name]} must be a whole number from 1 to {thresholds.MAX_THRESHOLD}.") from None
    fields = {name: (None if value == 1 else value) for name, value in fields.items()}
    return {**fields, "quiet_windows": quiet.stored(windows)}


def validated(values: dict) -> dict:
    """The values through the API's rules; a FormError worded for people on the first bad one."""
    try:
        return check_spec.validate(values)
    except check_spec.SpecError as e:
        label = LABELS.get(e.field_name, e.field_name.capitalize())
        raise FormError(e.field_name, f"{label} {PROBLEMS.get(e.problem, e.problem)}.") from None


def _text(form: dict[str, list[str]], name: str, default: str = "") -> str:
    return (form.get(name) or [default])[0]


def _seconds(form: dict[str, list[str]], name: str, default: int):
    """Seconds from `name`, or from `name`_value times `name`_unit; the raw text if not a number."""
    unit = _text(form, f"{name}_unit")
    if unit:
        if unit not in UNITS:
            raise FormError(name, f"{LABELS[name]} has an unknown unit.")
        text, multiplier = _text(form, f"{name}_value").strip(), int(unit)
    else:
        text, multiplier = _text(form, name, str(default)).strip(), 1
    # Not a number: let the API's rule say "must be a whole number".
    if not NUMBER_RE.match(text) or (not unit and "." in text):
        return text
    return round(float(text) * multiplier)
