"""What members who may write do to a check: filtering rules, run-time rules, pause and
resume, copy, transfer to another project, remove, clear events."""
from types import SimpleNamespace

from chalicelib.accounts import teams
from chalicelib.checks import channels, checks, run_bounds
from chalicelib.store.models import Check, Project
from chalicelib.web import access, check_form, check_saving, render, sessions
from chalicelib.web.http import HttpError, WebRequest, WebResponse, json_response, redirect
from chalicelib.web.navigation import project_nav
from chalicelib.web.routing import Pages

pages = Pages(__name__)

FILTER_FLAGS = ("filter_subject", "filter_body", "filter_http_body", "filter_default_fail", "manual_resume")
KEYWORDS = ("start_kw", "success_kw", "failure_kw")


def _done(request: WebRequest, check: Check) -> WebResponse:
    """200 for the page's script, a redirect back to the details page for a plain form."""
    return WebResponse(status=200) if request.is_xhr else redirect(check_saving.details_url(check))


@pages.route("/checks/{code}/filtering_rules", methods=["POST"])
def filtering_rules(request: WebRequest, code: str) -> WebResponse:
    """Which pings count: POST-only, keyword filters on subject and bodies, manual resume."""
    return check_saving.save_form(request, code, _filtering_fields, "The filtering rules are saved.")


def _filtering_fields(request: WebRequest, project: Project, check: Check) -> dict:
    fields = {name: request.field(name).strip() for name in KEYWORDS}
    fields["methods"] = request.field("methods")
    fields.update({flag: request.field(flag) in ("on", "1", "true") for flag in FILTER_FLAGS})
    return check_form.validated(fields)


@pages.route("/checks/{code}/run_time", methods=["POST"])
def run_time(request: WebRequest, code: str) -> WebResponse:
    """Run-time bounds and per-run watching (chalicelib/checks/run_bounds.py)."""
    return check_saving.save_form(request, code, _run_time_fields, "The run-time rules are saved.")


def _run_time_fields(request: WebRequest, project: Project, check: Check) -> dict:
    return check_form.run_time_fields(request.form)


@pages.route("/checks/{code}/run_time_preview", methods=["POST"])
def run_time_preview(request: WebRequest, code: str) -> WebResponse:
    """{"valid", "text"}: what the form's values would alert on, or why they are invalid."""
    check, _, _ = access.check_for(request.user, code, "read")
    try:
        fields = check_form.run_time_fields(request.form)
    except check_form.FormError as e:
        return json_response({"valid": False, "text": e.message})
    return json_response({"valid": True, "text": run_bounds.describe(SimpleNamespace(grace=check.grace, **fields))})


@pages.route("/checks/{code}/pause", methods=["POST"])
def pause(request: WebRequest, code: str) -> WebResponse:
    check, _, _ = access.check_for(request.user, code, "write")
    checks.pause(check, request.now)
    return _done(request, check)


@pages.route("/checks/{code}/resume", methods=["POST"])
def resume(request: WebRequest, code: str) -> WebResponse:
    check, _, _ = access.check_for(request.user, code, "write")
    if check.status != "paused":
        raise HttpError(400, "Only a paused check can be resumed.")
    checks.resume(check, request.now)
    return _done(request, check)


@pages.route("/checks/{code}/copy", methods=["POST"])
def copy(request: WebRequest, code: str) -> WebResponse:
    """A copy in the same project, if the owner has a free check slot."""
    check, project, _ = access.check_for(request.user, code, "write")
    if teams.free_slots_for(project) <= 0:
        raise HttpError(400, "The project's owner has no free check slots for a copy.")
    new = checks.copy(check, project, request.now)
    return redirect(check_saving.details_url(new) + "?copied=1")


@pages.route("/checks/{code}/transfer", methods=["GET", "POST"])
def transfer(request: WebRequest, code: str) -> WebResponse:
    """GET: the projects the check may move to. POST project=<code>: move it there."""
    check, project, _ = access.check_for(request.user, code, "write")
    if request.method == "POST":
        return _transfer_to(request, check, project)
    context = {"check": check, "choices": transfer_choices(request, check, project), "full_page": not request.is_xhr}
    return render.render(request, "checks/transfer.html", **project_nav(project), section="checks", **context)


def transfer_choices(request: WebRequest, check: Check, current: Project) -> list[dict]:
    """Every project of the user, each with why the check cannot move there (or "")."""
    choices = []
    for member in access.memberships(request.user):
        try:
            target = Project.get(member.project)
        except Project.DoesNotExist:
            continue
        choices.append({"project": target, "problem": _transfer_problem(member.role, target, current)})
    return sorted(choices, key=lambda c: (c["project"].name.lower(), c["project"].code))


def _transfer_problem(role: str, target: Project, current: Project) -> str:
    if target.code == current.code:
        return "(current project)"
    if not access.allows(role, "write"):
        return "(read-only)"
    if target.owner != current.owner and teams.free_slots_for(target) <= 0:
        return "(at check limit)"
    return ""


def _transfer_to(request: WebRequest, check: Check, current: Project) -> WebResponse:
    target, role = access.project_for(request.user, request.field("project"), "write")
    problem = _transfer_problem(role, target, current)
    if problem:
        raise HttpError(400, f"The check cannot move to that project {problem}.")
    checks.transfer(check, target, channels.codes_in_project(target.code), request.now)
    sessions.flash(request, "Check transferred successfully!")
    return redirect(check_saving.details_url(check))


@pages.route("/checks/{code}/remove", methods=["POST"])
def remove(request: WebRequest, code: str) -> WebResponse:
    """Delete the check with its pings, bodies, flips and notifications."""
    check, project, _ = access.check_for(request.user, code, "write")
    checks.delete(check)
    sessions.flash(request, f"Removed the check “{check.name or check.code}”.")
    return redirect(f"/projects/{project.code}/checks/")


@pages.route("/checks/{code}/clear_events", methods=["POST"])
def clear_events(request: WebRequest, code: str) -> WebResponse:
    check, _, _ = access.check_for(request.user, code, "write")
    checks.clear_events(check)
    sessions.flash(request, "The check's events are cleared.")
    return redirect(check_saving.details_url(check))
