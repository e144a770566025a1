"""The check links in alerts: /cloaked/<unique key>/, which name no check code (a forwarded alert
does not tell which check, or which project, it is about)."""
from chalicelib.checks.check_json import unique_key
from chalicelib.store.models import Check, Member
from chalicelib.web import check_saving
from chalicelib.web.http import HttpError, WebRequest, WebResponse, redirect
from chalicelib.web.routing import Pages

pages = Pages(__name__)


@pages.route("/cloaked/{key}", methods=["GET"])
def check_page(request: WebRequest, key: str) -> WebResponse:
    """GET /cloaked/<key>/ : the details of the check with this unique key among the user's
    projects; 404 when none has it (as Healthchecks)."""
    for member in Member.by_user.query(request.user.id):
        for check in Check.by_project.query(member.project, attributes_to_get=["code"]):
            if unique_key(check.code) == key:
                return redirect(check_saving.details_url(check))
    raise HttpError(404, "No such check.")
