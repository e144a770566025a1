"""Changing a check's schedule, and previewing cron and OnCalendar expressions as they are typed."""
from datetime import datetime
from zoneinfo import ZoneInfo

from cronsim import CronSim

from chalicelib.checks import checks, schedules
from chalicelib.web import check_form, check_saving, render
from chalicelib.web.access import check_for
from chalicelib.web.formats import relative
from chalicelib.web.http import HttpError, WebRequest, WebResponse, is_safe_next, json_response, redirect
from chalicelib.web.routing import Pages

pages = Pages(__name__)

CRON_DATES = 6
# As Healthchecks: six OnCalendar dates in UTC, four when a zone is shown beside UTC.
ONCALENDAR_DATES_UTC, ONCALENDAR_DATES_ZONE = 6, 4


@pages.route("/checks/{code}/timeout", methods=["POST"])
def change(request: WebRequest, code: str) -> WebResponse:
    """POST /checks/<code>/timeout/: kind, period or expression and zone, grace."""
    check, _, _ = check_for(request.user, code, "write")
    try:
        changes = check_form.schedule_fields(request.form)
    except check_form.FormError as e:
        raise HttpError(400, e.message) from None
    try:
        checks.change_schedule(check, changes, request.now)
    except check.DoesNotExist:
        raise HttpError(404, "No such check.") from None
    if request.is_xhr:
        return WebResponse(status=200)
    back = request.field("next")
    return redirect(back if is_safe_next(back) else check_saving.details_url(check))


@pages.route("/checks/cron_preview", methods=["POST"], login=False)
def cron_preview(request: WebRequest) -> WebResponse:
    return _preview(request, "cron")


@pages.route("/checks/oncalendar_preview", methods=["POST"])
def oncalendar_preview(request: WebRequest) -> WebResponse:
    return _preview(request, "oncalendar")


@pages.route("/checks/validate_schedule", methods=["GET"], login=False)
def validate(request: WebRequest) -> WebResponse:
    """GET ?kind=cron|oncalendar&schedule=... -> {"result": true|false}."""
    try:
        schedules.validate_schedule(request.arg("kind"), request.arg("schedule"))
    except ValueError:
        return json_response({"result": False})
    return json_response({"result": True})


def _preview(request: WebRequest, kind: str) -> WebResponse:
    """An HTML fragment: what the expression means and when it fires next, or why it is invalid."""
    schedule, tz = request.field("schedule").strip(), request.field("tz", "UTC").strip()
    context = {"kind": kind, "error": "", "description": "", "dates": [], "tz": tz}
    try:
        schedules.validate_schedule(kind, schedule)
    except ValueError:
        context["error"] = "Invalid cron expression" if kind == "cron" else "Invalid OnCalendar expression"
    else:
        try:
            tz = schedules.canonical_tz(tz)
        except ValueError:
            context["error"] = "Invalid time zone"
    if not context["error"]:
        count = CRON_DATES if kind == "cron" else ONCALENDAR_DATES_UTC if tz == "UTC" else ONCALENDAR_DATES_ZONE
        context["dates"] = [_date(moment, tz, request.now) for moment in schedules.fire_times(kind, schedule, tz, request.now, count)]
        if kind == "cron":
            context["description"] = _explain(schedule)
    return WebResponse(body=render.render_fragment(request, "checks/schedule_preview.html", **context))


def _date(moment: datetime, tz: str, now: datetime) -> dict:
    local = moment.astimezone(ZoneInfo(tz))
    return {
        "local": local.strftime("%a %b %-d, %Y, %H:%M") + f" {local.tzname()}",
        "relative": relative(moment, now),
        "iso": moment.isoformat(),
    }


def _explain(schedule: str) -> str:
    """cronsim's English description ("At 09:00 on Monday"); empty if it cannot say."""
    try:
        return CronSim(schedule, datetime(2000, 1, 1)).explain()
    except Exception:  # an explanation is a nicety; the dates below are what matters
        return ""
