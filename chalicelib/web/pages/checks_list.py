"""The checks list: the page, its live-update JSON, and the Add Check dialog's POST."""
from collections import Counter
from urllib.parse import urlencode

from chalicelib import settings
from chalicelib.accounts import teams, users
from chalicelib.checks import channels, check_changes, check_summary, checks
from chalicelib.store.models import Project, User
from chalicelib.web import check_form, event_text, render
from chalicelib.web.access import allows, project_for
from chalicelib.web.http import HttpError, WebRequest, WebResponse, is_safe_next, json_response, redirect
from chalicelib.web.navigation import project_nav
from chalicelib.web.pages import check_details
from chalicelib.web.routing import Pages

pages = Pages(__name__)

# Healthchecks' cut-off for per-channel icons in a row; the toggle is check_details.set_channel's route.
ICONS_MAX = 10
TOGGLE_URL = "/checks/{check}/channels/{channel}/enabled"


@pages.route("/projects/{code}/checks", methods=["GET"])
def checks_page(request: WebRequest, code: str) -> WebResponse:
    project, role = project_for(request.user, code, "read")
    _remember_choices(request, project, role)
    users.mark_active(request.user, request.now)
    return _page(request, project, role)


@pages.route("/projects/{code}/checks/status", methods=["GET"])
def status(request: WebRequest, code: str) -> WebResponse:
    """GET ?since=<token>: the checks that changed, and (if any did) tags and title."""
    project, _ = project_for(request.user, code, "read")
    rows = check_summary.rows(check_summary.project_checks(project.code), request.now)
    changes = check_changes.since(rows, request.arg("since"), request.now)
    body = {"token": changes.token, "details": [row.state() for row in changes.rows]}
    if changes.reload:
        body["reload"] = True
    if changes.rows:
        body["tags"] = check_summary.tag_summary(rows)
        body["title"] = check_summary.title(rows, settings.SITE_NAME)
        body["any_down"] = any(row.status == "down" for row in rows)
    return json_response(body)


@pages.route("/projects/{code}/checks/add", methods=["POST"])
def add_check(request: WebRequest, code: str) -> WebResponse:
    """POST the Add Check form: a new check linked to every channel of the project."""
    project, role = project_for(request.user, code, "write")
    if teams.free_slots_for(project) <= 0:
        raise HttpError(400, "The project's owner has no free check slots left.")
    try:
        fields = check_form.check_fields(request.form)
    except check_form.FormError as e:
        return _page(request, project, role, add_error=e, status=400)
    fields["channels"] = channels.codes_in_project(project.code)
    checks.create_check(project, request.now, **{k: v for k, v in fields.items() if v != set()})
    back = request.field("next")
    return redirect(back if is_safe_next(back) else f"/projects/{project.code}/checks/")


def _page(request: WebRequest, project: Project, role: str, add_error=None, status: int = 200) -> WebResponse:
    rows = check_summary.rows(check_summary.project_checks(project.code), request.now)
    tags, search, statuses = request.args("tag"), request.arg("search"), request.args("status")
    shown = {row.check.code for row in rows if check_summary.matches(row, tags, search, statuses)}
    can_write = allows(role, "write")
    quota = teams.check_quota_for(project, len(rows)) if can_write else None
    integrations = channels.in_project(project.code)
    return render.render(
        request,
        "checks/list.html",
        status=status,
        **project_nav(project, integrations),
        section="checks",
        rows=check_summary.sort(rows, request.user.sort),
        shown=shown,
        tags=check_summary.tag_summary(rows),
        selected_tags=tags,
        search=search,
        selected_statuses=statuses,
        statuses=check_summary.STATUSES,
        sort=request.user.sort,
        sorts=SORT_LABELS,
        title=check_summary.title(rows, settings.SITE_NAME),
        any_down=any(row.status == "down" for row in rows),
        token=check_changes.token(rows, request.now),
        can_write=can_write,
        slots_left=quota.free if quota else 0,
        slots_used=quota.used if quota else len(rows),
        over_limit=quota if quota and quota.used > quota.limit else None,
        **_integrations_context(integrations),
        ping_url=_ping_url_maker(project, rows),
        show_durations=any(row.check.last_duration is not None for row in rows),
        duration=event_text.duration,
        now=request.now,
        add_error=add_error,
        add_values={name: request.field(name) if add_error else "" for name in ("name", "slug", "tags")},
        filters_query=_filters_query(tags, search, statuses),
        checks_data=_checks_data(rows),
    )


def _integrations_context(integrations) -> dict:
    """The Integrations column: per channel (code, accessible label, short text), in the details
    page's order; past ICONS_MAX channels each row shows "N of M" instead of icons."""
    codes = {channel.code for channel in integrations}
    cells = {}

    def integrations_cell(check, render_cell):
        """The template's cell for the check's enabled channels, rendered once per distinct set."""
        enabled = frozenset(codes.intersection(check.channels))
        if enabled not in cells:
            cells[enabled] = render_cell(enabled)
        return cells[enabled]

    return {
        "integrations": [(c.code, f"{c.kind} “{c.name}”" if c.name else c.kind, c.kind[:2].capitalize())
                         for c in integrations],  # fmt: skip
        "integration_icons": len(integrations) <= ICONS_MAX,
        "integrations_cell": integrations_cell,
        "integrations_data": {"url": TOGGLE_URL, "codes": [c.code for c in integrations]},
    }


def _checks_data(rows) -> dict[str, dict]:
    """code -> what static/checks.js filters on and schedule.js fills its dialog with, sent as
    one JSON block (lighter than the same as data- attributes on every row)."""
    return {
        row.check.code: {
            "name": row.check.name, "slug": row.check.slug, "tags": row.check.tags, "kind": row.check.kind,
            "timeout": int(row.check.timeout), "grace": int(row.check.grace), "schedule": row.check.schedule,
            "tz": row.check.tz,
        }
        for row in rows
    }  # fmt: skip


SORT_LABELS = {
    "created": "Created", "name": "Name (A–Z)", "-name": "Name (Z–A)", "status": "Status (worst first)",
    "last_ping": "Last ping (oldest)", "-last_ping": "Last ping (newest)",
}  # fmt: skip


def _remember_choices(request: WebRequest, project: Project, role: str) -> None:
    """?sort= is saved on the user; ?urls=uuid|slug on the project (by those who may edit it)."""
    sort = request.arg("sort")
    if sort in check_summary.SORTS and sort != request.user.sort:
        request.user.update(actions=[User.sort.set(sort)])
    urls = request.arg("urls")
    if urls in ("uuid", "slug") and allows(role, "write") and (urls == "slug") != project.show_slugs:
        project.update(actions=[Project.show_slugs.set(urls == "slug")])


def _ping_url_maker(project: Project, rows):
    """row -> (URL or None, note): slug URLs when the project shows them, else uuid URLs."""
    slugs = Counter(row.check.slug for row in rows if row.check.slug)

    def ping_url(row) -> tuple[str | None, str]:
        urls = check_details.ping_urls(row.check, project)
        if not project.show_slugs:
            return urls["uuid"], ""
        if urls["slug"] is None:
            return None, "unavailable, slug not set" if project.ping_key else "unavailable, no ping key"
        return urls["slug"], "(not unique)" if slugs[row.check.slug] > 1 else ""

    return ping_url


def _filters_query(tags: list[str], search: str, statuses: list[str]) -> str:
    pairs = [("tag", t) for t in tags] + ([("search", search)] if search else []) + [("status", s) for s in statuses]
    return urlencode(pairs)
