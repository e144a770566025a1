"""Getting in and out: the login page (password and login link), signup, the login link's
landing page, and logout."""
from datetime import timedelta

from chalicelib import settings
from chalicelib.accounts import login, login_links, signup, webauthn
from chalicelib.accounts.limits import TryLater
from chalicelib.store.models import User
from chalicelib.web import access, sessions
from chalicelib.web.http import HttpError, WebRequest, WebResponse, is_safe_next, redirect, text_response
from chalicelib.web.render import render, render_fragment, try_later
from chalicelib.web.routing import Pages

pages = Pages(__name__)

AUTO_LOGIN_COOKIE = "auto-login"
AUTO_LOGIN_AGE = timedelta(minutes=5)
NOTICES = {
    "bad_link": ("error", "The login link has expired or was already used. Ask for a new one below."),
    "account_closed": ("info", "Your account has been closed and its data deleted."),
    "logged_out": ("info", "You have logged out."),
    "deactivated": ("error", sessions.DEACTIVATED + " Ask the site's operators to reactivate it."),
}


@pages.route("/accounts/login", methods=["GET", "POST"], login=False, remote_user_replaces=True)
def login_page(request: WebRequest) -> WebResponse:
    """GET/POST /accounts/login/ : action=login (email, password) or action=link (identity)."""
    next_url = _next(request)
    if request.method == "POST" and request.field("action") == "login":
        return _password_login(request, next_url)
    if request.method == "POST":
        return _link_request(request, next_url)
    if request.user is not None:
        return redirect(landing(request.user, next_url))
    return _page(request, next_url)


def _password_login(request: WebRequest, next_url: str) -> WebResponse:
    email, password = request.field("email").strip(), request.field("password")
    if not email or not password:
        return _page(request, next_url, email=email, password_error="Enter your email address and password.", status=400)
    try:
        user = login.with_password(email, password, request.remote_addr, request.now)
    except TryLater as e:
        return try_later(request, e.retry_after)
    if user is None:
        return _page(request, next_url, email=email, password_error="Incorrect email or password.", status=400)
    return log_in(user, request, next_url)


def _link_request(request: WebRequest, next_url: str) -> WebResponse:
    identity = request.field("identity").strip()
    if not signup.valid_address(identity):
        return _page(request, next_url, identity=identity, link_error="Enter a valid email address.", status=400)
    try:
        login.request_link(identity, request.remote_addr, request.now, next_url)
    except TryLater as e:
        return try_later(request, e.retry_after)
    return _link_sent_redirect()


def _page(request: WebRequest, next_url: str, status: int = 200, **form) -> WebResponse:
    values = {"email": "", "identity": "", "password_error": "", "link_error": "", "signup_error": "", **form}
    notices = [NOTICES[name] for name in NOTICES if request.arg(name)]
    return render(
        request, "accounts/login.html", status=status, next_url=next_url, notices=notices,
        registration_open=settings.REGISTRATION_OPEN, **values,
    )


@pages.route("/accounts/login_link_sent", methods=["GET"], login=False, remote_user_replaces=True)
def link_sent(request: WebRequest) -> WebResponse:
    """GET /accounts/login_link_sent/ : "check your email"."""
    return render(request, "accounts/link_sent.html")


@pages.route("/accounts/check_token/{user_id}/{token}", methods=["GET", "POST"], login=False, remote_user_replaces=True)
def check_token(request: WebRequest, user_id: str, token: str) -> WebResponse:
    """GET/POST /accounts/check_token/<user id>/<token>/ : the login link's landing page.

    A GET from a browser that did not just ask for a link (a mail scanner, another device)
    only shows a button, so that merely fetching the link does not use it up."""
    if request.method == "GET" and not request.cookies.get(AUTO_LOGIN_COOKIE):
        return render(request, "accounts/check_token.html", action=request.full_path)
    user = login_links.redeem(user_id, token, request.now)
    if user is None:
        response = redirect("/accounts/login/?bad_link=1")
        sessions.end(request, response)
    else:
        response = log_in(user, request, _next(request))
    sessions.set_cookie(response, AUTO_LOGIN_COOKIE, "", timedelta(0))
    return response


@pages.route("/accounts/signup", methods=["POST"], login=False, remote_user_replaces=True)
def signup_page(request: WebRequest) -> WebResponse:
    """POST /accounts/signup/ : identity (email), tz; a fragment for the page's script."""
    if not settings.REGISTRATION_OPEN:
        raise HttpError(403, "Registration is closed.")
    identity = request.field("identity").strip()
    if not signup.valid_address(identity):
        return _signup_answer(request, "Enter a valid email address.")
    try:
        signup.sign_up(identity, request.field("tz"), request.remote_addr, request.now)
    except TryLater as e:
        return try_later(request, e.retry_after)
    if not request.is_xhr:
        return _link_sent_redirect()
    response = WebResponse(body=render_fragment(request, "accounts/signup_result.html", error=""))
    sessions.set_cookie(response, AUTO_LOGIN_COOKIE, "1", AUTO_LOGIN_AGE)
    return response


def _signup_answer(request: WebRequest, error: str) -> WebResponse:
    if request.is_xhr:
        return WebResponse(status=400, body=render_fragment(request, "accounts/signup_result.html", error=error))
    return _page(request, "", signup_error=error, status=400)


@pages.route("/accounts/signup/csrf", methods=["GET"], login=False, remote_user_replaces=True)
def signup_csrf(request: WebRequest) -> WebResponse:
    """GET /accounts/signup/csrf/ : a CSRF token for a signup form opened from a cached page."""
    if request.user is not None or not settings.REGISTRATION_OPEN:
        raise HttpError(403, "Signup is not available.")
    return text_response(sessions.csrf_token(request))


@pages.route("/accounts/logout", methods=["POST"], login=False)
def logout(request: WebRequest) -> WebResponse:
    """POST /accounts/logout/ : end the session, back to the login page."""
    response = redirect("/accounts/login/?logged_out=1")
    sessions.end(request, response)
    return response


def log_in(user: User, request: WebRequest, next_url: str) -> WebResponse:
    """After a right password or login link: logged in, or on to the second factor's step
    (chalicelib/web/pages/two_factor_pages.py) with the login pending; a deactivated account
    is told so, after its right password or link only."""
    if user.deactivated:
        response = redirect("/accounts/login/?deactivated=1")
        sessions.end(request, response)
        return response
    step = _second_step(user)
    if step is None:
        response = redirect(landing(user, next_url))
        sessions.start(user, request, response)
    else:
        response = redirect(step)
        sessions.start_pending(user, request, response, next_url)
    return response


def _second_step(user: User) -> str | None:
    if webauthn.enabled() and webauthn.keys_of(user.id):
        return "/accounts/login/two_factor/"
    return "/accounts/login/two_factor/totp/" if user.totp else None


def landing(user: User, next_url: str = "") -> str:
    """Where a login ends: a safe ?next=, the only project's checks, or My Projects."""
    if next_url and is_safe_next(next_url):
        return next_url
    projects = access.memberships(user)
    return f"/projects/{projects[0].project}/checks/" if len(projects) == 1 else "/"


def _next(request: WebRequest) -> str:
    """The ?next= (or form field next) when it is a path on this site, else ""."""
    value = request.field("next") if request.method == "POST" and request.field("next") else request.arg("next")
    return value if value and is_safe_next(value) else ""


def _link_sent_redirect() -> WebResponse:
    """On to "check your email", marking this browser as the one that asked (auto-login)."""
    response = redirect("/accounts/login_link_sent/")
    sessions.set_cookie(response, AUTO_LOGIN_COOKIE, "1", AUTO_LOGIN_AGE)
    return response
