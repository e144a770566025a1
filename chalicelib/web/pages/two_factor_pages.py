"""Two-factor login: the login steps after a right password or login link (security key, or
authenticator app and recovery codes), and the sudo-protected pages that add and remove them."""
import json

from chalicelib.accounts import totp, webauthn
from chalicelib.accounts.limits import TryLater
from chalicelib.store.models import User
from chalicelib.web import sessions, sudo_gate
from chalicelib.web.http import HttpError, WebRequest, WebResponse, redirect
from chalicelib.web.pages import accounts_pages
from chalicelib.web.render import render, try_later
from chalicelib.web.routing import Pages

pages = Pages(__name__)

PROFILE = "/accounts/profile/"
STATE_KEY = "webauthn_state"  # the challenge between a begin and its complete step
SECRET_KEY = "totp_secret"  # the secret shown on the TOTP page until its code is confirmed


def _finish(user: User, request: WebRequest, next_url: str) -> WebResponse:
    response = redirect(accounts_pages.landing(user, next_url))
    sessions.start(user, request, response)
    return response


@pages.route("/accounts/login/two_factor", methods=["GET", "POST"], login=False, remote_user_replaces=True)
def login_webauthn(request: WebRequest) -> WebResponse:
    """GET/POST /accounts/login/two_factor/ : POST response (the assertion as JSON)."""
    _need_webauthn()
    user, next_url = sessions.pending_login(request)
    if user is None:
        return redirect("/accounts/login/")
    error = ""
    if request.method == "POST":
        state = sessions.pop(request, STATE_KEY)
        if state and webauthn.authenticate_complete(user, state, _json_field(request, "response")):
            return _finish(user, request, next_url)
        error = "The security key was not accepted. Please try again."
    options, state = webauthn.authenticate_begin(user)
    sessions.put(request, STATE_KEY, state)
    return render(
        request, "accounts/two_factor_login.html", status=400 if error else 200, options=options, error=error,
        has_totp=bool(user.totp),
    )


@pages.route("/accounts/login/two_factor/totp", methods=["GET", "POST"], login=False, remote_user_replaces=True)
def login_totp(request: WebRequest) -> WebResponse:
    """GET/POST /accounts/login/two_factor/totp/ : POST code (six digits or a recovery code)."""
    user, next_url = sessions.pending_login(request)
    if user is None:
        return redirect("/accounts/login/")
    if not user.totp:
        raise HttpError(404, "Authenticator app codes are not set up for this account.")
    error = ""
    if request.method == "POST":
        try:
            if totp.accept_login_code(user, request.field("code"), request.now):
                return _finish(user, request, next_url)
        except TryLater as e:
            return try_later(request, e.retry_after)
        error = "That code is not right, or it was already used."
    return render(request, "accounts/two_factor_totp_login.html", status=400 if error else 200, error=error)


@pages.route("/accounts/two_factor/webauthn", methods=["GET", "POST"])
def add_webauthn(request: WebRequest) -> WebResponse:
    """GET/POST /accounts/two_factor/webauthn/ (sudo): POST name and response (JSON) adds a key."""
    if gate := sudo_gate.require(request):  # first, as every sudo page: no hint of the setting before
        return gate
    _need_webauthn()
    error, name = "", ""
    if request.method == "POST" and "response" in request.form:
        state, name = sessions.pop(request, STATE_KEY) or {}, request.field("name").strip()
        error = webauthn.name_problem(name)
        if not error:
            try:
                key = webauthn.register_complete(request.user, state, name, _json_field(request, "response"), request.now)
            except ValueError:
                error = "The security key could not be registered. Please try again."
            else:
                sessions.flash(request, f'Added security key "{key.name}".')
                return redirect(PROFILE)
    options, state = webauthn.register_begin(request.user)
    sessions.put(request, STATE_KEY, state)
    return render(
        request, "accounts/two_factor_webauthn.html", status=400 if error else 200, section="account",
        options=options, error=error, name=name, max_length=webauthn.NAME_LENGTH,
    )


@pages.route("/accounts/two_factor/{code}/remove", methods=["GET", "POST"])
def remove_key(request: WebRequest, code: str) -> WebResponse:
    """GET/POST /accounts/two_factor/<code>/remove/ (sudo): POST remove_credential deletes the key."""
    if gate := sudo_gate.require(request):  # first, as every sudo page: no hint of the setting before
        return gate
    _need_webauthn()
    key = next((k for k in webauthn.keys_of(request.user.id) if k.code == code), None)
    if key is None:
        raise HttpError(404, "No such security key.")
    if request.method == "POST" and "remove_credential" in request.form:
        webauthn.remove(request.user, code)
        sessions.flash(request, f'Removed security key "{key.name}".')
        return redirect(PROFILE)
    return render(request, "accounts/two_factor_remove.html", section="account", key=key)


@pages.route("/accounts/two_factor/totp", methods=["GET", "POST"])
def add_totp(request: WebRequest) -> WebResponse:
    """GET/POST /accounts/two_factor/totp/ (sudo): shows a secret; POST code confirms and turns it on."""
    if gate := sudo_gate.require(request):
        return gate
    if request.user.totp:
        return redirect(PROFILE)
    secret = _stored_secret(request)
    error = ""
    if request.method == "POST" and "code" in request.form:
        if totp.matches(secret, request.field("code").strip(), request.now):
            sessions.pop(request, SECRET_KEY)
            codes = totp.enable(request.user, secret, request.now)
            return render(request, "accounts/two_factor_recovery.html", section="account", codes=codes)
        error = "That code is not right. Check the time on your phone and try again."
    return render(
        request, "accounts/two_factor_totp.html", status=400 if error else 200, section="account", secret=secret,
        uri=totp.uri(secret, request.user.email), error=error,
    )


@pages.route("/accounts/two_factor/totp/remove", methods=["GET", "POST"])
def remove_totp(request: WebRequest) -> WebResponse:
    """GET/POST /accounts/two_factor/totp/remove/ (sudo): POST disable_totp turns it off."""
    if gate := sudo_gate.require(request):
        return gate
    if not request.user.totp:
        raise HttpError(404, "Authenticator app codes are not set up.")
    if request.method == "POST" and "disable_totp" in request.form:
        totp.disable(request.user)
        sessions.flash(request, "Authenticator app codes are turned off, and the recovery codes with them.")
        return redirect(PROFILE)
    return render(request, "accounts/two_factor_remove.html", section="account", key=None)


def _stored_secret(request: WebRequest) -> str:
    """The secret this setup shows: the one kept in the session, else a new one kept there."""
    data = request.session.data
    if SECRET_KEY in data:
        return data[SECRET_KEY]
    secret = totp.new_secret()
    sessions.put(request, SECRET_KEY, secret)
    return secret


def _need_webauthn() -> None:
    if not webauthn.enabled():
        raise HttpError(404, "Security keys are not enabled on this site.")


def _json_field(request: WebRequest, name: str) -> dict:
    try:
        value = json.loads(request.field(name))
    except ValueError:
        raise HttpError(400, "The security key's answer is not valid JSON.") from None
    if not isinstance(value, dict):
        raise HttpError(400, "The security key's answer is not valid JSON.")
    return value
