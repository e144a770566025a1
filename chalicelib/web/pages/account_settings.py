"""The account pages: profile (time zone, projects), appearance, email reports, and the
sudo-protected password, email change and account closing."""
from chalicelib.accounts import closing, email_change, passwords, preferences, signup, totp, webauthn
from chalicelib.store.models import Member, Project
from chalicelib.web import sessions, sudo_gate
from chalicelib.web.http import HttpError, WebRequest, WebResponse, redirect
from chalicelib.web.render import render
from chalicelib.web.routing import Pages

pages = Pages(__name__)

PROFILE = "/accounts/profile/"


@pages.route("/accounts/profile", methods=["GET", "POST"])
def profile(request: WebRequest) -> WebResponse:
    """GET/POST /accounts/profile/ : POST tz sets the preferred time zone."""
    error = ""
    if request.method == "POST":
        try:
            preferences.set_time_zone(request.user, request.field("tz"), request.now)
            sessions.flash(request, "Your time zone has been saved.")
            return redirect(PROFILE)
        except ValueError as e:
            error = str(e)
    owned, joined = _projects(request)
    return render(
        request, "accounts/profile.html", status=400 if error else 200, section="account", owned=owned,
        joined=joined, zones=sorted(preferences.zones()), tz_error=error, webauthn_enabled=webauthn.enabled(),
        keys=webauthn.keys_of(request.user.id) if webauthn.enabled() else [],
        recovery_codes_left=totp.recovery_codes_left(request.user),
    )


def _projects(request: WebRequest) -> tuple[list[Project], list[tuple[Project, str]]]:
    """The projects the user owns, and the others with their role there (by name)."""
    members = {m.project: m.role for m in Member.by_user.query(request.user.id)}
    found = sorted(Project.batch_get(list(members)), key=lambda p: (p.name or "").lower()) if members else []
    owned = [p for p in found if members[p.code] == "owner"]
    joined = [(p, members[p.code]) for p in found if members[p.code] != "owner"]
    return owned, joined


@pages.route("/accounts/profile/appearance", methods=["GET", "POST"])
def appearance(request: WebRequest) -> WebResponse:
    """GET/POST /accounts/profile/appearance/ : theme light, dark or as the system."""
    if request.method == "POST":
        try:
            preferences.set_theme(request.user, request.field("theme"))
        except ValueError as e:
            raise HttpError(400, str(e)) from None
        sessions.flash(request, "Your appearance settings have been saved.")
        return redirect("/accounts/profile/appearance/")
    return render(request, "accounts/appearance.html", section="account", themes=preferences.THEMES)


@pages.route("/accounts/profile/notifications", methods=["GET", "POST"])
def notifications(request: WebRequest) -> WebResponse:
    """GET/POST /accounts/profile/notifications/ : email reports and reminders."""
    if request.method == "POST":
        nag_period = request.field("nag_period", "0")
        try:
            preferences.set_email_reports(
                request.user, request.field("reports"), int(nag_period) if nag_period.isdigit() else -1, request.now
            )
        except ValueError as e:
            raise HttpError(400, str(e)) from None
        sessions.flash(request, "Your email reports settings have been saved.")
        return redirect("/accounts/profile/notifications/")
    return render(
        request, "accounts/notifications.html", section="account", reports=preferences.REPORTS,
        nag_periods=preferences.NAG_PERIODS,
    )


@pages.route("/accounts/set_password", methods=["GET", "POST"], remote_user_replaces=True)
def set_password(request: WebRequest) -> WebResponse:
    """GET/POST /accounts/set_password/ (sudo): the new password ends the user's other sessions."""
    if gate := sudo_gate.require(request):
        return gate
    error = ""
    if request.method == "POST" and "password" in request.form:
        password = request.field("password")
        error = passwords.problem(password)
        if not error:
            passwords.set_password(request.user, password)
            sessions.end_all(request.user.id, keep=request.session)
            sessions.flash(request, "Your password has been set.")
            return redirect(PROFILE)
    return render(
        request, "accounts/set_password.html", status=400 if error else 200, section="account", error=error,
        min_length=passwords.MIN_LENGTH,
    )


@pages.route("/accounts/change_email", methods=["GET", "POST"])
def change_email(request: WebRequest) -> WebResponse:
    """GET/POST /accounts/change_email/ (sudo): a confirmation link goes to the new address."""
    if gate := sudo_gate.require(request):
        return gate
    error, email = "", ""
    if request.method == "POST" and "email" in request.form:
        email = request.field("email").strip()
        if not signup.valid_address(email):
            error = "Enter a valid email address."
        elif email.lower() == request.user.email:
            error = "That is already your email address."
        else:
            try:
                email_change.send_link(request.user, email, request.now)
                return render(request, "accounts/change_email_sent.html", section="account", email=email)
            except email_change.EmailTaken as e:
                error = str(e)
    return render(
        request, "accounts/change_email.html", status=400 if error else 200, section="account", error=error,
        email=email,
    )


@pages.route("/accounts/change_email/{token}", methods=["GET", "POST"], login=False)
def change_email_confirm(request: WebRequest, token: str) -> WebResponse:
    """GET/POST /accounts/change_email/<token>/ : GET asks to confirm (mail scanners only GET)."""
    try:
        if request.method != "POST":
            user, new_email = email_change.read_link(token, request.now)
            return render(request, "accounts/change_email_confirm.html", new_email=new_email)
        user = email_change.apply_link(token, request.now)
    except ValueError as e:  # EmailTaken too
        raise HttpError(400, str(e)) from None
    response = redirect(PROFILE)
    sessions.start(user, request, response)
    sessions.flash(request, f"Your email address is now {user.email}.")
    return response


@pages.route("/accounts/close", methods=["GET", "POST"])
def close(request: WebRequest) -> WebResponse:
    """GET/POST /accounts/close/ (sudo): POST confirmation=<own email> deletes everything."""
    if gate := sudo_gate.require(request):
        return gate
    error = ""
    if request.method == "POST" and "confirmation" in request.form:
        if request.field("confirmation").strip().lower() != request.user.email:
            error = "Type your email address exactly to confirm."
        else:
            closing.close_account(request.user)
            response = redirect("/accounts/login/?account_closed=1")
            sessions.end(request, response)
            return response
    owned, _ = _projects(request)
    return render(request, "accounts/close.html", status=400 if error else 200, section="account", error=error, owned=owned)
