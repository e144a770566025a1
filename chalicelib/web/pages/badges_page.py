"""The project's badges page: pick all checks, a tag or one check, a format and 2 or 3 states;
see the badge's URL and a preview."""
import json
from urllib.parse import quote

from chalicelib import settings
from chalicelib.checks import badges, check_summary
from chalicelib.store.models import Project
from chalicelib.web import render
from chalicelib.web.access import project_for
from chalicelib.web.http import WebRequest, WebResponse
from chalicelib.web.navigation import project_nav
from chalicelib.web.routing import Pages

pages = Pages(__name__)

FORMATS = {"svg": "SVG", "json": "JSON", "shields": "Shields.io"}


@pages.route("/projects/{code}/badges", methods=["GET", "POST"])
def page(request: WebRequest, code: str) -> WebResponse:
    """GET: the form and the badge of all checks; POST: the chosen badge (a fragment for XHR)."""
    project, _ = project_for(request.user, code, "read")
    rows = check_summary.rows(check_summary.project_checks(project.code), request.now)
    source = request.form if request.method == "POST" else request.query
    choice = _choice(source, rows)
    preview = _preview(project, rows, choice, request.now)
    if request.is_xhr:
        return WebResponse(body=render.render_fragment(request, "badges/preview.html", preview=preview))
    return render.render(
        request,
        "badges/page.html",
        **project_nav(project),
        section="badges",
        rows=rows,
        tags=sorted({tag for row in rows for tag in row.tags}, key=str.lower),
        formats=FORMATS,
        choice=choice,
        preview=preview,
    )


def _choice(source: dict[str, list[str]], rows) -> dict:
    """target all|tag|check, tag, check, fmt, states: what was asked for, else the defaults."""

    def first(name, default=""):
        return (source.get(name) or [default])[0]

    codes = {row.check.code for row in rows}
    tags = {tag for row in rows for tag in row.tags}
    target = first("target", "all")
    choice = {
        "target": target if target in ("all", "tag", "check") else "all",
        "tag": first("tag") if first("tag") in tags else "",
        "check": first("check") if first("check") in codes else "",
        "fmt": first("fmt", "svg") if first("fmt", "svg") in FORMATS else "svg",
        "states": "3" if first("states") == "3" else "2",
    }
    # A tag or check that is not (or no longer) in the project falls back to all checks.
    if choice["target"] == "tag" and not choice["tag"] or choice["target"] == "check" and not choice["check"]:
        choice["target"] = "all"
    return choice


def _preview(project: Project, rows, choice: dict, now) -> dict:
    """The badge's URL (Shields: the img.shields.io one), a same-site SVG to preview, and the
    JSON body for the JSON formats, by the same code that serves the badges."""
    fmt, states = choice["fmt"], choice["states"]
    if choice["target"] == "check":
        check = next(row.check for row in rows if row.check.code == choice["check"])
        url = badges.check_badge_urls(check)[fmt + ("3" if states == "3" else "")]
        image = f"/b/{states}/{check.badge_key}.svg"
        badge = badges.check_badge(check.badge_key, states, fmt, now)
    else:
        tag = choice["tag"] if choice["target"] == "tag" else "*"
        signature = badges.signature(project.badge_key, tag) + ("" if states == "3" else "-2")
        own_url = badges.badge_url(project.badge_key, tag, fmt, states == "3")
        url = badges.SHIELDS_ENDPOINT + quote(own_url, safe="") if fmt == "shields" else own_url
        image = badges.badge_url(project.badge_key, tag, "svg", states == "3").removeprefix(settings.SITE_ROOT)
        badge = badges.project_badge(project.badge_key, signature, None if tag == "*" else quote(tag, safe=""), fmt, now)
    return {
        "fmt": fmt,
        "url": url,
        "image": image,
        "markdown": f"![status]({url})" if fmt != "json" else "",
        "body": json.dumps(json.loads(badge.body), indent=2) if badge and fmt != "svg" else "",
    }
