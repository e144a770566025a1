"""A check's alerting rules (failure and recovery thresholds, quiet windows), its snooze, the
project's quiet windows, and the preview of what will alert when."""
from datetime import datetime

from chalicelib.checks import quiet, thresholds
from chalicelib.store.models import Check, Project
from chalicelib.web import access, check_form, check_saving, render, sessions
from chalicelib.web.http import HttpError, WebRequest, WebResponse, redirect
from chalicelib.web.routing import Pages

pages = Pages(__name__)

SNOOZES = {"60": "1 hour", "480": "8 hours", "1440": "1 day"}  # minutes -> the button's words
PREVIEW_WINDOWS = 4


@pages.route("/checks/{code}/alerting", methods=["POST"])
def save_rules(request: WebRequest, code: str) -> WebResponse:
    """Thresholds and the check's quiet windows, by the API's rules."""
    # then: a held alert's time follows the check's new windows.
    return check_saving.save_form(request, code, _alerting_fields, "The alerting rules are saved.", then=quiet.reconsider)


def _alerting_fields(request: WebRequest, project: Project, check: Check) -> dict:
    return check_form.alerting_fields(request.form)


@pages.route("/checks/{code}/snooze", methods=["POST"])
def snooze(request: WebRequest, code: str) -> WebResponse:
    """POST minutes=<n>: silence the check's alerts for that long; 0 ends the snooze."""
    check, _, _ = access.check_for(request.user, code, "write")
    minutes = request.field("minutes").strip()
    if not minutes.isdigit() or int(minutes) > quiet.MAX_SNOOZE_MINUTES:
        raise HttpError(400, "Snooze for a whole number of minutes, up to a year.")
    quiet.snooze_for(check, int(minutes), request.now)
    sessions.flash(request, "The snooze is over." if minutes == "0" else f"Alerts are snoozed for {_minutes(int(minutes))}.")
    return redirect(check_saving.details_url(check))


@pages.route("/checks/{code}/alerting_preview", methods=["POST"])
def check_preview(request: WebRequest, code: str) -> WebResponse:
    """An HTML fragment: the thresholds in words and the next quiet times, the project's included."""
    check, project, _ = access.check_for(request.user, code, "read")
    context = {"error": "", "rule": "", "times": [], "snoozed": ""}
    try:
        fields = check_form.alerting_fields(request.form)
    except check_form.FormError as e:
        context["error"] = e.message
    else:
        context["rule"] = thresholds.describe(_Rules(fields))
        windows = [("this check", w) for w in quiet.loaded(fields["quiet_windows"])]
        windows += [("the project", w) for w in quiet.loaded(project.quiet_windows)]
        context["times"] = upcoming(windows, request.now)
        if check.snoozed_until and check.snoozed_until > request.now:
            context["snoozed"] = quiet.when(check.snoozed_until, request.user.tz or "UTC", request.now)
    return WebResponse(body=render.render_fragment(request, "checks/alerting_preview.html", **context))


@pages.route("/projects/{code}/quiet_windows_preview", methods=["POST"])
def project_preview(request: WebRequest, code: str) -> WebResponse:
    access.project_for(request.user, code, "read")
    context = {"error": "", "rule": "", "times": [], "snoozed": ""}
    try:
        windows = quiet.parse_lines(request.field("quiet_windows"))
    except ValueError as e:
        context["error"] = str(e)
    else:
        context["times"] = upcoming([("every check", w) for w in windows], request.now)
    return WebResponse(body=render.render_fragment(request, "checks/alerting_preview.html", **context))


def upcoming(windows: list[tuple[str, dict]], now: datetime) -> list[dict]:
    """The next quiet times of these (whose, window) pairs, soonest first, in words."""
    found = []
    for whose, window in windows:
        for start, end, tz in quiet.next_windows([window], now, PREVIEW_WINDOWS):
            found.append((start, end, tz, whose))
    return [
        {"start": quiet.when(start, tz, now) if start > now else "now", "end": quiet.when(end, tz, now), "whose": whose}
        for start, end, tz, whose in sorted(found)[:PREVIEW_WINDOWS]
    ]


class _Rules:
    """The form's thresholds as thresholds.describe reads a check."""

    def __init__(self, fields: dict):
        self.failure_threshold, self.recovery_threshold = fields["failure_threshold"], fields["recovery_threshold"]


def _minutes(minutes: int) -> str:
    return SNOOZES.get(str(minutes), f"{minutes} minutes")


def snooze_context(check, tz: str, now: datetime) -> dict:
    """What the details page says of the check's alerting: counts under way, a snooze, a held alert."""
    snoozed = check.snoozed_until if check.snoozed_until and check.snoozed_until > now else None
    return {
        "alert_progress": thresholds.progress(check),
        "snoozed_until_text": quiet.when(snoozed, tz, now) if snoozed else "",
        "held_until_text": quiet.when(check.alert_held_until, tz, now) if check.alert_held_until and check.status == "down" else "",
        "snoozes": SNOOZES,
        "rule_text": thresholds.describe(check),
        "window_lines": quiet.lines(quiet.loaded(check.quiet_windows)),
    }
