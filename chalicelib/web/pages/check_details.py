"""The check details page, its live status JSON, and the edits made on it: name, slug, tags
and description; the check it depends on; which integrations the check alerts through."""
from chalicelib import settings
from chalicelib.accounts import users
from chalicelib.checks import badges, channels, checks, dependencies, events, run_bounds, schedules, snippets
from chalicelib.store.models import Channel, Check, Project
from chalicelib.web import access, check_form, check_saving, event_text, render
from chalicelib.web.http import HttpError, WebRequest, WebResponse, is_safe_next, json_response, redirect
from chalicelib.web.navigation import project_nav
from chalicelib.web.pages import alerting_pages
from chalicelib.web.routing import Pages

pages = Pages(__name__)

EVENTS_SHOWN = 30
NAME_FIELDS = ("name", "slug", "tags", "desc")


@pages.route("/checks/{code}/details", methods=["GET"])
def details(request: WebRequest, code: str) -> WebResponse:
    check, project, role = access.check_for(request.user, code, "read")
    users.mark_active(request.user, request.now)
    urls = ping_urls(check, project)
    email = ping_email(check, project)
    context = {
        **status_context(request, check, project),
        **events_context(request, check, events.recent(check, EVENTS_SHOWN)),
        "role": role,
        "can_write": access.allows(role, "write"),
        "urls": urls,
        "ping_email": email,
        "examples": snippets.examples(check, urls["uuid"], email),
        "channels": channels.in_project(project.code),
        "badge_urls": badges.check_badge_urls(check),
        "copied": request.arg("copied") == "1",
        "run_time": run_bounds.describe(check),
        **dependency_context(check),
    }
    return render.render(request, "checks/details.html", **project_nav(project), section="checks", **context)


@pages.route("/checks/{code}/status", methods=["GET"])
def status(request: WebRequest, code: str) -> WebResponse:
    """Status JSON for the page's poll; the events and downtimes HTML only when newer than ?u=."""
    check, project, _ = access.check_for(request.user, code, "read")
    recent = events.recent(check, EVENTS_SHOWN)
    context = {**status_context(request, check, project), **events_context(request, check, recent)}
    result = {
        "status": context["check_status"],
        "started": context["started"],
        "title": context["title"],
        "status_text": render.render_fragment(request, "checks/_status.html", **context),
        "updated": context["updated"],
    }
    if request.arg("u") != context["updated"]:
        result["events"] = render.render_fragment(request, "checks/_events.html", **context)
        result["downtimes"] = render.render_fragment(request, "checks/_downtimes.html", **context)
    return json_response(result)


@pages.route("/checks/{code}/name", methods=["POST"])
def update_name(request: WebRequest, code: str) -> WebResponse:
    """Name, slug, tags and description, validated by the API's rules."""
    check, project, _ = access.check_for(request.user, code, "write")
    fields = {name: request.field(name) for name in NAME_FIELDS if name in request.form}
    try:
        changes = check_form.validated(fields)
    except check_form.FormError as e:
        raise HttpError(400, e.message) from None
    checks.rename(check, project, changes, request.now)
    target = request.field("next")
    return redirect(target if is_safe_next(target) else check_saving.details_url(check))


@pages.route("/checks/{code}/depends_on", methods=["POST"])
def update_dependency(request: WebRequest, code: str) -> WebResponse:
    """The check it depends on (depends_on: a check uuid of the project, "" for none)."""
    return check_saving.save_form(request, code, _dependency_fields)


def _dependency_fields(request: WebRequest, project: Project, check: Check) -> dict:
    try:
        return {"depends_on": dependencies.resolve_parent(project.code, check.code, request.field("depends_on"))}
    except dependencies.DependencyError as e:
        problem = str(e).removeprefix("depends_on ")
        raise check_form.FormError("depends_on", f"It cannot depend on that check: it {problem}.") from None


def dependency_context(check: Check) -> dict:
    """The check's parent, the checks that depend on it, the parents it may choose and what each means."""
    project_checks = list(Check.by_project.query(check.project))
    parent = next((c for c in project_checks if c.code == check.depends_on), None)
    choices = dependencies.parent_choices(check, project_checks)
    return {
        "parent": parent,
        "children": sorted((c for c in project_checks if c.depends_on == check.code), key=lambda c: c.name),
        "parent_choices": [(c, dependencies.preview(c)) for c in choices],
        "dependency_preview": dependencies.preview(parent),
        "no_parent_preview": dependencies.preview(None),
    }


@pages.route("/checks/{code}/channels/{channel}/enabled", methods=["POST"])
def set_channel(request: WebRequest, code: str, channel: str) -> WebResponse:
    """POST state=on|off: the check alerts through this channel of its project, or not."""
    check, _, _ = access.check_for(request.user, code, "write")
    state = request.field("state")
    if state not in ("on", "off"):
        raise HttpError(400, 'state must be "on" or "off".')
    try:
        found = Channel.get(channel) if channel else None
    except Channel.DoesNotExist:
        found = None
    if found is None or found.project != check.project:
        raise HttpError(404, "No such integration in this check's project.")
    checks.set_channel(check, found.code, state == "on")
    if request.is_xhr:
        return WebResponse(status=200)
    return redirect(check_saving.details_url(check))


def ping_urls(check: Check, project: Project) -> dict[str, str | None]:
    """The ping URL by uuid, and by <ping key>/<slug> when the project has a ping key and the check a slug."""
    slug = settings.PING_ENDPOINT + f"{project.ping_key}/{check.slug}" if project.ping_key and check.slug else None
    return {"uuid": settings.PING_ENDPOINT + check.code, "slug": slug}


def ping_email(check: Check, project: Project) -> str | None:
    """The check's email address, when email pings are configured."""
    try:
        from chalicelib.pings import email_pings
    except ImportError:  # email pings are optional
        return None
    return email_pings.address(check)


def status_context(request: WebRequest, check: Check, project: Project) -> dict:
    """What the status block and the page title need."""
    status = schedules.status(check, request.now)
    name = check.name or check.code
    title = f"{'DOWN – ' if status == 'down' else ''}{name} – {settings.SITE_NAME}"
    return {
        "check": check,
        "check_status": status,
        "started": check.last_start is not None,
        "title": title,
        "now": request.now,
        **alerting_pages.snooze_context(check, request.user.tz or "UTC", request.now),
    }


def events_context(request: WebRequest, check: Check, recent: list[events.Event]) -> dict:
    """What the events table and the downtimes table need, in the viewer's time zone."""
    tz = request.user.tz or "UTC"
    return {
        "check": check,
        "events": recent,
        "updated": events.stamp(recent),
        "tz": tz,
        "tz_choices": tz_choices(check, tz),
        "text": event_text,
        "downtimes": events.downtimes(check, request.now, tz),
    }


def tz_choices(check: Check, user_tz: str) -> list[str]:
    """UTC, the viewer's zone and (for cron and OnCalendar checks) the check's zone, each once."""
    choices = ["UTC", user_tz]
    if check.kind != "simple":
        choices.append(check.tz)
    return list(dict.fromkeys(choices))
