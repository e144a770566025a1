"""The one way a check page's form is saved: write access, the form parsed by the API's rules,
the change written, a flash, and back to the check's page."""
from datetime import datetime
from typing import Callable

from chalicelib.checks import checks
from chalicelib.store.models import Check, Project
from chalicelib.web import access, check_form, sessions
from chalicelib.web.http import HttpError, WebRequest, WebResponse, redirect

# From the request, the project and the check: the fields to change; FormError when invalid.
Parse = Callable[[WebRequest, Project, Check], dict]


def details_url(check: Check) -> str:
    return f"/checks/{check.code}/details/"


def save_form(
    request: WebRequest, code: str, parse: Parse, saved: str = "", then: Callable[[Check, datetime], object] | None = None
) -> WebResponse:
    """400 with the form's problem, 404 for a check removed while its form was open; `then` gets
    the check as written and the time (the page's script gets a bare 200)."""
    check, project, _ = access.check_for(request.user, code, "write")
    try:
        changes = parse(request, project, check)
    except check_form.FormError as e:
        raise HttpError(400, e.message) from None
    try:
        written = checks.update_config(check, changes, request.now)
        if then is not None:
            then(written, request.now)
    except Check.DoesNotExist:
        raise HttpError(404, "No such check.") from None
    if request.is_xhr:
        return WebResponse(status=200)
    if saved:
        sessions.flash(request, saved)
    return redirect(details_url(check))
