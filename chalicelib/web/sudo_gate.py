"""Sudo mode for sensitive pages: until the emailed code is entered, the page shows a form
asking for it instead of itself; once entered, the session has sudo for 30 minutes."""
from chalicelib.accounts import sudo
from chalicelib.accounts.limits import TryLater
from chalicelib.web import sessions
from chalicelib.web.http import WebRequest, WebResponse, redirect
from chalicelib.web.render import render, try_later

CODE_KEY = "sudo_code"
UNTIL_KEY = "sudo_until"


def active(request: WebRequest) -> bool:
    return request.session is not None and _stored(request, UNTIL_KEY, 0) > request.now.timestamp()


def require(request: WebRequest) -> WebResponse | None:
    """None when the session is in sudo mode; else the page to show instead (the code form)."""
    if active(request):
        return None
    state = _stored(request, CODE_KEY, None)
    error = ""
    if request.method == "POST" and "sudo_code" in request.form:
        try:
            accepted = sudo.accept_code(request.user, state, request.field("sudo_code"), request.now)
        except TryLater as e:
            return try_later(request, e.retry_after)
        if accepted:
            sessions.pop(request, CODE_KEY)
            sessions.put(request, UNTIL_KEY, sudo.granted_until(request.now))
            return redirect(request.full_path)
        error = "That code is not right, or it has expired."
    elif not sudo.code_is_fresh(state, request.now):
        sessions.put(request, CODE_KEY, sudo.send_code(request.user, request.now))
    return render(request, "accounts/sudo.html", status=400 if error else 200, section="account", error=error)


def _stored(request: WebRequest, name: str, default):
    # session.data is a pynamodb MapAttribute: `in` and [] but no .get(); nested maps come back as dicts.
    data = request.session.data
    value = data[name] if name in data else default
    return value.as_dict() if hasattr(value, "as_dict") else value
