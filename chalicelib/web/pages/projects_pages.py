"""My Projects, adding a project, a project's settings page, leaving and removing a project."""
from chalicelib import settings
from chalicelib.accounts import project_overview, projects, teams, users
from chalicelib.accounts.limits import TryLater
from chalicelib.checks import quiet
from chalicelib.store.models import Check, Project, User
from chalicelib.web import access, sessions
from chalicelib.web.http import HttpError, WebRequest, WebResponse, json_response, redirect
from chalicelib.web.navigation import project_nav
from chalicelib.web.render import render, render_fragment, try_later
from chalicelib.web.routing import Pages

pages = Pages(__name__)

KEY_LABELS = {"api_key": "API key", "api_key_readonly": "API key (read-only)", "ping_key": "Ping key"}


@pages.route("/", methods=["GET"])
def index(request: WebRequest, add_error: str = "", status: int = 200) -> WebResponse:
    """GET / : the user's projects with their status; ?refresh=1 is the page's live-update JSON."""
    if request.arg("refresh"):
        return json_response(project_overview.statuses(request.user, request.now))
    rows = project_overview.summaries(request.user, request.now)
    data = request.session.data if request.session else {}
    last = data["last_project_id"] if "last_project_id" in data else None
    return render(
        request, "projects/index.html", status=status, section="projects", rows=rows, last_project=last,
        add_error=add_error, name_max=projects.NAME_MAX,
    )


@pages.route("/projects/menu", methods=["GET"])
def menu(request: WebRequest) -> WebResponse:
    """GET /projects/menu/ : the navigation's project switcher, an HTML fragment loaded when opened."""
    rows = project_overview.summaries(request.user, request.now)
    return WebResponse(body=render_fragment(request, "projects/_menu.html", rows=rows))


@pages.route("/projects/add", methods=["POST"])
def add(request: WebRequest) -> WebResponse:
    """POST /projects/add/ : a new project owned by the user, without keys; on to its checks."""
    name = request.field("name").strip()
    if not name or len(name) > projects.NAME_MAX:
        return index(request, add_error=f"Enter a name of 1 to {projects.NAME_MAX} characters.", status=400)
    project = projects.create_project(name, request.now, owner=request.user.id, keys=False).project
    return redirect(f"/projects/{project.code}/checks/")


@pages.route("/projects/{code}/settings", methods=["GET", "POST"])
def settings_page(request: WebRequest, code: str) -> WebResponse:
    """GET/POST /projects/<code>/settings/ : name, keys, team, transfer, removal."""
    project, role = access.project_for(request.user, code, "read")
    if request.method != "POST":
        return _settings(request, project, role)
    action = next((name for name in ACTIONS if name in request.form), None)
    if action is None:
        raise HttpError(400, "Unknown action.")
    need, handler = ACTIONS[action]
    if not access.allows(role, need):
        raise HttpError(403, "Your role in this project does not allow this.")
    try:
        return handler(request, project, role)
    except ValueError as e:  # teams.TeamError and bad names: shown on the page
        return _settings(request, project, role, error=str(e), status=400)
    except TryLater as e:
        return try_later(request, e.retry_after)


def _settings(request: WebRequest, project: Project, role: str, error: str = "", status: int = 200, new_key: tuple | None = None) -> WebResponse:
    owner = _owner(project)
    keys = {kind: None for kind in projects.KEY_KINDS}
    for key in projects.api_keys(project.code):
        keys["api_key_readonly" if key.readonly else "api_key"] = key.hint + "…"
    keys["ping_key"] = project.ping_key
    transfer = teams.transfer_request(project)
    return render(
        request, "projects/settings.html", status=status, **project_nav(project), section="settings", role=role,
        role_names=access.ROLE_NAMES, invite_roles=teams.INVITE_ROLES, can_write=access.allows(role, "write"),
        can_manage=access.allows(role, "manage"), is_owner=access.allows(role, "owner"), error=error,
        team=teams.team(project), keys=keys, key_labels=KEY_LABELS, new_key=new_key, transfer=transfer,
        transfer_email=_email_of(transfer.user) if transfer else "", asked_me=bool(transfer and transfer.user == request.user.id),
        owner=owner, owner_checks=teams.owned_check_count(owner) if owner else 0,
        owner_limit=users.limit(owner, "check_limit") if owner else 0,
        project_checks=Check.by_project.count(project.code), metrics_url=_metrics_url(project),
        name_max=projects.NAME_MAX, quiet_window_lines=quiet.lines(quiet.loaded(project.quiet_windows)),
    )


def _rename(request, project, role):
    projects.rename(project, request.field("name"))
    sessions.flash(request, "Project name updated.")
    return _back(project)


def _create_key(request, project, role):
    kind = _key_kind(request.field("create_key"))
    key = projects.replace_key(project, kind, request.now)
    if kind == "ping_key":
        project.ping_key = key
    return _settings(request, project, role, new_key=(KEY_LABELS[kind], key))


def _revoke_key(request, project, role):
    kind = _key_kind(request.field("revoke_key"))
    projects.revoke_key(project, kind)
    sessions.flash(request, f"The {KEY_LABELS[kind]} is revoked.")
    return _back(project)


def _invite(request, project, role):
    invitee = teams.invite(project, request.user, request.field("email"), request.field("role"), request.now)
    sessions.flash(request, f"Invitation sent to {invitee.email}.")
    return _back(project)


def _remove_member(request, project, role):
    teams.remove_member(project, request.user, request.field("email"))
    sessions.flash(request, f"{request.field('email').strip()} was removed from the team.")
    return _back(project)


def _transfer(request, project, role):
    invitee = teams.request_transfer(project, request.field("email"), request.now)
    sessions.flash(request, f"We asked {invitee.email} to accept the project.")
    return _back(project)


def _cancel_transfer(request, project, role):
    teams.cancel_transfer(project)
    sessions.flash(request, "The transfer request is cancelled.")
    return _back(project)


def _accept_transfer(request, project, role):
    teams.accept_transfer(project, request.user)
    sessions.flash(request, "You are now the owner of this project.")
    return _back(project)


def _reject_transfer(request, project, role):
    teams.reject_transfer(project, request.user)
    sessions.flash(request, "You declined to take the project over.", "info")
    return _back(project)


def _set_quiet_windows(request, project, role):
    quiet.set_project_windows(project, quiet.parse_lines(request.field("quiet_windows")))  # ValueError: shown on the page
    sessions.flash(request, "The project's quiet windows are saved.")
    return _back(project)


# The settings page's POST actions, by the name of the button: (the role they need, the handler).
# Accepting or rejecting a transfer needs only membership: the handler checks who was asked.
ACTIONS = {
    "set_project_name": ("write", _rename),
    "set_quiet_windows": ("write", _set_quiet_windows),
    "create_key": ("write", _create_key),
    "revoke_key": ("write", _revoke_key),
    "invite_team_member": ("manage", _invite),
    "remove_team_member": ("manage", _remove_member),
    "transfer_project": ("owner", _transfer),
    "cancel_transfer": ("owner", _cancel_transfer),
    "accept_transfer": ("read", _accept_transfer),
    "reject_transfer": ("read", _reject_transfer),
}


@pages.route("/projects/{code}/leave", methods=["POST"])
def leave(request: WebRequest, code: str) -> WebResponse:
    """POST /projects/<code>/leave/ : a member (not the owner) leaves; back to My Projects."""
    project, _ = access.project_for(request.user, code, "read")
    try:
        teams.leave(project, request.user)
    except teams.TeamError as e:
        # Only a hand-made request gets here: the owner is never shown a Leave button.
        sessions.flash(request, str(e), "error")
        return _back(project)
    sessions.flash(request, f"You have left {project.name or 'the project'}.")
    return redirect("/")


@pages.route("/projects/{code}/remove", methods=["POST"])
def remove(request: WebRequest, code: str) -> WebResponse:
    """POST /projects/<code>/remove/ : the owner deletes the project and all it holds."""
    from chalicelib.accounts import closing

    project, _ = access.project_for(request.user, code, "owner")
    closing.delete_project(project)
    sessions.flash(request, f"The project {project.name} is removed." if project.name else "The project is removed.")
    return redirect("/")


def _back(project: Project) -> WebResponse:
    return redirect(f"/projects/{project.code}/settings/")


def _key_kind(kind: str) -> str:
    if kind not in projects.KEY_KINDS:
        raise HttpError(400, "Unknown kind of key.")
    return kind


def _owner(project: Project) -> User | None:
    try:
        return User.get(project.owner) if project.owner else None
    except User.DoesNotExist:
        return None


def _email_of(user_id: str) -> str:
    try:
        return User.get(user_id).email
    except User.DoesNotExist:
        return ""


def _metrics_url(project: Project) -> str:
    """Where Prometheus scrapes the project (app.py's metrics routes, with the read-only key)."""
    return f"{settings.SITE_ROOT}/projects/{project.code}/metrics/" if settings.PROMETHEUS_ENABLED else ""
