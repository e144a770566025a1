"""Templates: one jinja2 environment (autoescaping on), the context every page gets, static URLs."""
import hashlib
from functools import cache
from pathlib import Path

import jinja2

from chalicelib import settings
from chalicelib.web import formats, sessions
from chalicelib.web.http import WebRequest, WebResponse, text_response

TEMPLATES = Path(settings.TEMPLATES_DIR)
STATIC = Path(settings.STATIC_DIR)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(static=static_url, site_name=settings.SITE_NAME, site_root=settings.SITE_ROOT)
    env.globals.update(formats.GLOBALS)
    env.filters.update(formats.FILTERS)
    return env


def render(request: WebRequest, template: str, status: int = 200, **context) -> WebResponse:
    """A page: the template with the request, user, CSRF token and flashes in its context (a
    project's pages pass navigation.project_nav's)."""
    return WebResponse(status=status, body=render_fragment(request, template, **context))


def try_later(request: WebRequest, retry_after: int) -> WebResponse:
    """429 with Retry-After: a rate limit is spent."""
    message = "Too many attempts, please try later."
    if request.is_xhr:
        response = text_response(message, 429)
    else:
        response = render(request, "error.html", status=429, status_code=429, message=message)
    response.headers["Retry-After"] = str(retry_after)
    return response


def render_fragment(request: WebRequest, template: str, **context) -> str:
    """A template's text (a page, a fragment for XHR, an email) with the common context."""
    base = {
        "request": request,
        "user": request.user,
        "csrf_token": sessions.csrf_token(request),
        "flashes": sessions.pop_flashes(request) if request.session else [],
        "project": None,  # the project whose navigation the page shows
        "section": "",  # which navigation item is current
        "integrations_attention": "",  # why the Integrations item warns ("" for no warning)
        "support_email": settings.SUPPORT_EMAIL,
    }
    return environment().get_template(template).render({**base, **context})


@cache
def static_url(name: str) -> str:
    """/static/<name>?v=<content hash>, so browsers may cache assets for long."""
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:10]
    return f"/static/{name}?v={digest}"


CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}


def static_file(name: str) -> WebResponse:
    """A file from static/ (flat names only, nothing outside it); 404 otherwise."""
    suffix = Path(name).suffix
    path = STATIC / name
    if "/" in name or "\\" in name or name.startswith(".") or suffix not in CONTENT_TYPES or not path.is_file():
        return WebResponse(status=404, body="not found", content_type="text/plain")
    data = path.read_bytes()
    text = CONTENT_TYPES[suffix].startswith("text/") or suffix == ".svg"
    return WebResponse(
        body=data.decode() if text else data,
        content_type=CONTENT_TYPES[suffix],
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
