"""Status pages: the project's list and editor (managers publish, members write incident notes),
and the public, read-only pages and their Atom, RSS and JSON feeds at /status/<slug>/."""
import email.utils
import functools
import json
import uuid
from datetime import datetime
from typing import Callable

from chalicelib import settings
from chalicelib.checks import check_summary, checks, status_pages
from chalicelib.store.models import Flip, Project, StatusPage
from chalicelib.web import access, dispatch, render, sessions
from chalicelib.web.http import HttpError, WebRequest, WebResponse, redirect
from chalicelib.web.navigation import project_nav
from chalicelib.web.routing import Pages

pages = Pages(__name__)

REFRESH_SECONDS = 60  # the public page's meta refresh
# Public and the same for everyone: caches may keep it a few seconds, so a burst of visitors
# costs one view. Images may come from any https address (the logo); the page runs no script.
PUBLIC_HEADERS = {
    **dispatch.SECURITY_HEADERS,
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' https: data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "public, max-age=5",
}
ERROR_STATUS = 422  # a form value the page cannot take


# The dashboard.


@pages.route("/projects/{code}/status_pages", methods=["GET", "POST"])
def index(request: WebRequest, code: str) -> WebResponse:
    """GET: the project's status pages; POST (managers): a new one, unpublished, then its editor."""
    project, role = access.project_for(request.user, code, "read")
    error = ""
    if request.method == "POST":
        if not access.allows(role, "manage"):
            raise HttpError(403, "Only the project's managers may publish status pages.")
        try:
            page = status_pages.create(project.code, request.field("title"), request.now)
            return redirect(_edit_url(page))
        except status_pages.PageError as e:
            error = str(e)
    return render.render(
        request, "status_pages/index.html", status=ERROR_STATUS if error else 200, **project_nav(project),
        section="status_pages", pages=status_pages.in_project(project.code), can_manage=access.allows(role, "manage"),
        error=error, title_max=status_pages.TITLE_MAX,
    )  # fmt: skip


@pages.route("/projects/{code}/status_pages/{slug}", methods=["GET", "POST"])
def edit(request: WebRequest, code: str, slug: str) -> WebResponse:
    """GET: a page's settings (managers may change them) and its incidents with their notes.
    POST: save_page or remove_page (managers), save_note (members; changing a note: managers)."""
    project, role = access.project_for(request.user, code, "read")
    page = status_pages.get(slug)
    if page is None or page.project != project.code:
        raise HttpError(404, "No such status page.")
    listed = check_summary.project_checks(project.code)
    if request.method != "POST":
        return _editor(request, project, role, page, listed)
    action = next((name for name in ("save_page", "remove_page", "save_note") if name in request.form), None)
    if action is None:
        raise HttpError(400, "Unknown action.")
    if not access.allows(role, "write" if action == "save_note" else "manage"):
        raise HttpError(403, "Your role in this project does not allow this.")
    try:
        if action == "save_page":
            page = status_pages.update(page, _page_form(request), listed)
            sessions.flash(request, "Status page saved.")
        elif action == "remove_page":
            status_pages.delete(page)
            sessions.flash(request, "Status page removed.")
            return redirect(f"/projects/{project.code}/status_pages/")
        else:
            _save_note(request, project, role)
            sessions.flash(request, "Note saved.")
    except status_pages.PageError as e:
        form = request.form if action == "save_page" else None
        return _editor(request, project, role, page, listed, error=str(e), form=form, status=ERROR_STATUS)
    return redirect(_edit_url(page))


def _page_form(request: WebRequest) -> dict:
    """The editor's fields, as status_pages.update takes them."""
    return {
        "title": request.field("title"), "slug": request.field("slug"), "logo_url": request.field("logo_url"),
        "message": request.field("message"), "published": request.field("published") == "on",
        "items": _shown_items(request.form),
    }  # fmt: skip


def _shown_items(form: dict[str, list[str]]) -> list[tuple[str, str, str]]:
    """Each shown item is a `show` value "check:<code>" or "tag:<tag>", with its public name in the
    field "name:<that value>", in the order the form lists them: (kind, key, public name)."""
    items = []
    for shown in form.get("show", []):
        kind, _, key = shown.partition(":")
        items.append((kind, key, (form.get("name:" + shown) or [""])[0]))
    return items


def _save_note(request: WebRequest, project: Project, role: str) -> None:
    code = request.field("check")
    check = checks.get(code) if _is_uuid(code) else None
    if check is None or check.project != project.code:
        raise HttpError(404, "No such check.")
    try:
        at = datetime.fromisoformat(request.field("at"))
    except ValueError:
        raise HttpError(400, "The incident's time is not a date and time.") from None
    if at.tzinfo is None:
        raise HttpError(400, "The incident's time needs its time zone.")
    may_replace = access.allows(role, "manage")
    try:
        status_pages.save_note(check, at, request.field("note"), may_replace)
    except LookupError:
        flip = next(iter(Flip.query(check.code, Flip.created == at)), None)
        if flip is None or flip.new_status != "down":
            raise HttpError(404, "No such incident.") from None
        raise HttpError(403, "Only the project's managers may change a note once written.") from None


def _editor(request, project, role, page: StatusPage, listed, error="", form=None, status=200) -> WebResponse:
    view = status_pages.view(page, request.now)
    names = {check.code: check.name or check.code for check in listed}
    return render.render(
        request, "status_pages/edit.html", status=status, **project_nav(project), section="status_pages",
        page=page, choices=_choices(page, listed, form), error=error,
        notes=_note_rows(view, names), can_manage=access.allows(role, "manage"), can_write=access.allows(role, "write"),
        public_url=f"{settings.SITE_ROOT}/status/{page.slug}/", limits=status_pages,
    )  # fmt: skip


def _choices(page: StatusPage, listed, form) -> list[dict]:
    """The editor's rows: what the page shows first (in its order), then every other check and tag."""
    shown = [(("check", i["check"]) if "check" in i else ("tag", i["tag"]), i["name"]) for i in status_pages.items_of(page)]
    if form is not None:  # a refused save shows what was sent
        shown = [((kind, key), name) for kind, key, name in _shown_items(form)]
    rows, seen = [], set()
    labels = {("check", c.code): c.name or c.code for c in listed}
    labels.update({("tag", tag): f"Tag: {tag}" for c in listed for tag in c.tags.split()})
    for key, name in shown:
        if key in labels and key not in seen:
            rows.append({"value": f"{key[0]}:{key[1]}", "label": labels[key], "name": name, "shown": True})
            seen.add(key)
    for key in sorted(labels, key=lambda k: (k[0] == "tag", labels[k].lower())):
        if key not in seen:
            rows.append({"value": f"{key[0]}:{key[1]}", "label": labels[key], "name": "", "shown": False})
    return rows


def _note_rows(view: status_pages.PageView, names: dict[str, str]) -> list[dict]:
    """Each shown check's own incidents, with the check's name: the dashboard's note forms."""
    return [{"check": names.get(incident.check, ""), "incident": incident} for incident in view.check_incidents]


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _edit_url(page: StatusPage) -> str:
    return f"/projects/{page.project}/status_pages/{page.slug}/"


# The public pages: no session, no cookies, the same bytes for every visitor.


def _published_view(show: Callable[[StatusPage, status_pages.PageView], WebResponse]):
    """A public route's shared start: the published page and its view, else the 404 page
    (an unknown and an unpublished slug look the same)."""

    @functools.wraps(show)
    def route(request: WebRequest, slug: str) -> WebResponse:
        page = status_pages.get(slug)
        if page is None or not page.published:
            return _missing()
        return show(page, status_pages.view(page, request.now))

    return route


def _public(body: str, content_type: str, status: int = 200) -> WebResponse:
    return WebResponse(status=status, body=body, content_type=content_type, headers=dict(PUBLIC_HEADERS))


def _missing() -> WebResponse:
    body = render.environment().get_template("status_pages/missing.html").render()
    return _public(body, "text/html; charset=utf-8", 404)


@pages.plain("/status/{slug}", methods=["GET"])
@_published_view
def public_page(page: StatusPage, view: status_pages.PageView) -> WebResponse:
    """The status page."""
    body = render.environment().get_template("status_pages/public.html").render(
        view=view, page=page, now=view.now, refresh=REFRESH_SECONDS, states=status_pages.STATES,
        days=status_pages.DAYS, incident_days=status_pages.INCIDENT_DAYS, day_text=status_pages.day_text,
        uptime_text=status_pages.uptime_text, duration_text=status_pages.duration_text, base=_base(page), words=_words,
        words_day=lambda day: f"{day.day} {day:%b %Y}",
    )  # fmt: skip
    return _public(body, "text/html; charset=utf-8")


@pages.plain("/status/{slug}/feed.atom", methods=["GET"])
@_published_view
def atom_feed(page: StatusPage, view: status_pages.PageView) -> WebResponse:
    """The incidents of the last weeks as an Atom feed."""
    body = render.environment().get_template("status_pages/feed.atom").render(
        page=page, entries=_entries(view), base=_base(page), updated=_last_change(view).isoformat(),
    )
    return _public(body, "application/atom+xml; charset=utf-8")


@pages.plain("/status/{slug}/feed.rss", methods=["GET"])
@_published_view
def rss_feed(page: StatusPage, view: status_pages.PageView) -> WebResponse:
    """The incidents of the last weeks as an RSS 2.0 feed, for readers that take no Atom."""
    body = render.environment().get_template("status_pages/feed.rss").render(
        page=page, entries=_entries(view), base=_base(page), incident_days=status_pages.INCIDENT_DAYS,
        updated=email.utils.format_datetime(_last_change(view)),
    )
    return _public(body, "application/rss+xml; charset=utf-8")


@pages.plain("/status/{slug}/feed.json", methods=["GET"])
@_published_view
def json_feed(page: StatusPage, view: status_pages.PageView) -> WebResponse:
    """The incidents of the last weeks as a JSON Feed (version 1.1), each with an `_incident` object."""
    base = _base(page)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": page.title,
        "home_page_url": base,
        "feed_url": base + "feed.json",
        "items": [
            {
                "id": entry["id"], "url": base, "title": entry["title"], "content_text": entry["text"],
                "date_published": entry["published"], "date_modified": entry["updated"],
                "_incident": {
                    "name": entry["name"], "start": entry["published"], "end": entry["end"],
                    "duration_seconds": entry["seconds"], "ongoing": entry["end"] is None, "notes": entry["notes"],
                },
            }
            for entry in _entries(view)
        ],
    }  # fmt: skip
    return _public(json.dumps(feed), "application/feed+json")


def _base(page: StatusPage) -> str:
    return f"{settings.SITE_ROOT}/status/{page.slug}/"


def _entries(view: status_pages.PageView) -> list[dict]:
    """Each incident as a feed entry; its id is derived from the page, the public name and the
    start, never from the check."""
    entries = []
    for name, incident in view.incidents:
        span = status_pages.duration_text(incident.duration(view.now))
        title = f"{name} is down" if incident.end is None else f"{name} was down for {span}"
        text = f"{name}: down from {_words(incident.start)}" + (
            " and still down" if incident.end is None else f" to {_words(incident.end)} ({span})")  # fmt: skip
        text = "\n\n".join([text + ".", *incident.notes])
        key = f"{view.page.slug}/{name}/{incident.start.isoformat()}"
        entries.append({
            "id": uuid.uuid5(uuid.NAMESPACE_URL, key).urn, "name": name, "title": title, "text": text,
            "published": incident.start.isoformat(), "end": incident.end.isoformat() if incident.end else None,
            "updated": (incident.end or incident.start).isoformat(), "notes": incident.notes,
            "seconds": int(incident.duration(view.now).total_seconds()),
            "rss_date": email.utils.format_datetime(incident.start),
        })  # fmt: skip
    return entries


def _last_change(view: status_pages.PageView) -> datetime:
    """When the feeds last changed: the newest incident's start or end, else the page's creation."""
    moments = [incident.end or incident.start for _, incident in view.incidents]
    return max(moments, default=view.page.created)


def _words(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y %H:%M} UTC"
