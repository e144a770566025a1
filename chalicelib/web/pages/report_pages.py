"""The email reports' own pages: the one-click unsubscribe link (no login) and "send me a report now"."""
from chalicelib.alerts import reports
from chalicelib.web import sessions
from chalicelib.web.http import HttpError, WebRequest, WebResponse, redirect
from chalicelib.web.render import render
from chalicelib.web.routing import Pages

pages = Pages(__name__)


# The reports' one-click unsubscribe: the signed link is the credential, and mail clients POST it
# (List-Unsubscribe-Post) without a CSRF token.
@pages.route("/accounts/unsubscribe_reports/{token}", methods=["GET", "POST"], login=False, csrf=False)
def unsubscribe(request: WebRequest, token: str) -> WebResponse:
    """GET/POST /accounts/unsubscribe_reports/<signed>/ : GET asks (mail scanners only GET); POST,
    from the page or a mail client's one-click List-Unsubscribe-Post, turns reports and reminders off."""
    try:
        if request.method != "POST":
            user = reports.unsubscribing_user(token, request.now)
            return render(request, "accounts/unsubscribe_reports.html", email=user.email, done=False)
        user = reports.unsubscribe(token, request.now)
    except ValueError as e:
        raise HttpError(400, str(e)) from None
    return render(request, "accounts/unsubscribe_reports.html", email=user.email, done=True)


@pages.route("/accounts/profile/notifications/send_report", methods=["POST"])
def send_now(request: WebRequest) -> WebResponse:
    """POST /accounts/profile/notifications/send_report/ : mail my report now; the schedule stays."""
    reports.send_report(request.user, request.now, force=True)
    sessions.flash(request, f"Your report has been sent to {request.user.email}.")
    return redirect(reports.SETTINGS_PATH)
