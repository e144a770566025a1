"""Runs a page: loads the session, demands a login and a CSRF token where needed, turns
HttpError into an error page, and sets the cookies the request made."""
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from chalicelib import settings
from chalicelib.accounts import remote_user
from chalicelib.web import render, sessions
from chalicelib.web.http import HttpError, WebRequest, WebResponse, redirect, text_response

# The details page's "Ping now!" posts to the ping URL, which may be on its own domain.
PING_ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(settings.PING_ENDPOINT))
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        f"default-src 'self'; connect-src 'self' {PING_ORIGIN}; img-src 'self' data:; "
        "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}


def run(view: Callable[..., WebResponse], request: WebRequest, login: bool = True, csrf: bool = True,
        remote_user_replaces: bool = False, superusers_only: tuple[str, ...] | None = None, **params) -> WebResponse:
    """Run a page's view; a way to log in that REMOTE_USER_HEADER replaces answers 404 while it is set.
    `superusers_only` (the view's methods) hides the page from everyone but superusers."""
    if remote_user_replaces and remote_user.enabled():
        return handle(_not_found, request, login=False, csrf=False)
    return handle(view, request, login=login, csrf=csrf, superusers_only=superusers_only, **params)


def handle(view: Callable[..., WebResponse], request: WebRequest, login: bool = True, csrf: bool = True,
           superusers_only: tuple[str, ...] | None = None, **params) -> WebResponse:
    """The response of `view(request, **params)`, with the checks every page shares."""
    request.session, request.user = sessions.load(request)
    login_cookies = _follow_remote_user(request) if remote_user.enabled() else []
    if superusers_only is not None and not (request.user and request.user.is_superuser):
        return unknown_path()
    try:
        if superusers_only is not None and request.method not in superusers_only:
            raise HttpError(405, "This page does not take that method.")
        if login and request.user is None:
            response = _login_required(request)
        elif request.method == "POST" and csrf and not sessions.csrf_ok(request):
            raise HttpError(403, "The form has expired or did not come from this site. Reload the page and try again.")
        else:
            response = view(request, **params)
    except HttpError as e:
        response = _error(request, e)
    response.cookies = [*login_cookies, *response.cookies]
    sessions.csrf_cookie_if_new(request, response)
    response.headers = {**SECURITY_HEADERS, "Cache-Control": "no-store", **response.headers}
    return response


def _follow_remote_user(request: WebRequest) -> list[str]:
    """REMOTE_USER_HEADER mode: the proxy's header says who this is, and the session follows it
    (a new one when the header names someone else, none without the header). The cookies to set."""
    user = remote_user.user_for(request.headers.get(remote_user.header_name(), ""), request.now)
    if user is not None and request.user is not None and request.user.id == user.id:
        return []
    scratch = WebResponse()
    if user is None:
        sessions.end(request, scratch)
    else:
        sessions.start(user, request, scratch)
    return scratch.cookies


def unknown_path() -> WebResponse:
    """Exactly what a path no route matches answers (infra/build.py, the local server): no page, no cookie."""
    from chalicelib.api.core import UNKNOWN_PATH_BODY

    return WebResponse(status=404, body=UNKNOWN_PATH_BODY, content_type="application/json")


def _not_found(request: WebRequest) -> WebResponse:
    raise HttpError(404, "This site logs you in through its front proxy.")


def _login_required(request: WebRequest) -> WebResponse:
    if request.method != "GET" or request.is_xhr:
        return text_response("Log in first.", 403)
    return redirect("/accounts/login/?next=" + quote(request.full_path, safe="/"))


def _error(request: WebRequest, error: HttpError) -> WebResponse:
    if request.is_xhr or request.headers.get("accept", "").startswith("application/json"):
        return text_response(error.message, error.status)
    return render.render(request, "error.html", status=error.status, status_code=error.status, message=error.message)
