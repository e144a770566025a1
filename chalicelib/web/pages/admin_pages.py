"""The admin area, for superusers only (`python -m chalicelib.ops.cli superuser <email>`): search,
an account's page, its limits, deactivation. Everyone else gets what an unknown path gets."""
from chalicelib.accounts import admin, users
from chalicelib.integrations import limits
from chalicelib.store.models import Project, User
from chalicelib.web import sessions
from chalicelib.web.http import HttpError, WebRequest, WebResponse, redirect
from chalicelib.web.render import render
from chalicelib.web.routing import Pages

pages = Pages(__name__)

SEARCH_KINDS = {"users": "Users", "projects": "Projects", "checks": "Checks"}


@pages.route("/admin", methods=["GET"], superuser=True)
def search(request: WebRequest) -> WebResponse:
    """GET /admin/?kind=users|projects|checks&q=...&after=<key> : one page of matches."""
    kind, query, after = request.arg("kind", "users"), request.arg("q"), request.arg("after")
    result, error = None, ""
    if "q" in request.query:
        try:
            result = admin.search(kind, query, after)
        except admin.AdminError as e:
            error = str(e)
    rows = result.rows if result else []
    return render(
        request, "admin/search.html", status=400 if error else 200, section="admin", kinds=SEARCH_KINDS,
        kind=kind, query=query, result=result, error=error, scan_budget=admin.SCAN_BUDGET,
        owners=_owner_emails(rows) if kind == "projects" else {}, projects=_project_names(rows) if kind == "checks" else {},
    )


@pages.route("/admin/users/{user_id}", methods=["GET"], superuser=True)
def account(request: WebRequest, user_id: str) -> WebResponse:
    """GET /admin/users/<id>/ : the account's projects, sign-in methods, limits and audit lines."""
    return _account_page(request, _account(user_id))


@pages.route("/admin/users/{user_id}/limits", methods=["POST"], superuser=True)
def set_limits(request: WebRequest, user_id: str) -> WebResponse:
    """POST /admin/users/<id>/limits/ : check_limit, sms_limit, call_limit, team_limit (empty: the default)."""
    person = _account(user_id)
    values, errors = admin.parse_limits({name: request.field(name) for name in admin.LIMIT_LABELS})
    if errors:
        return _account_page(request, person, errors=errors, entered=request, status=400)
    try:
        lines = admin.set_limits(person, request.user.email, values, request.now)
    except admin.AdminError as e:
        return _account_page(request, person, error=str(e), status=409)
    sessions.flash(request, f"{len(lines)} limit{'' if len(lines) == 1 else 's'} changed." if lines else "Nothing changed.")
    return _back(person)


@pages.route("/admin/users/{user_id}/deactivate", methods=["POST"], superuser=True)
def deactivate(request: WebRequest, user_id: str) -> WebResponse:
    """POST /admin/users/<id>/deactivate/ : no more logins or sessions for the account."""
    return _change(request, _account(user_id), admin.deactivate, "The account is deactivated.")


@pages.route("/admin/users/{user_id}/reactivate", methods=["POST"], superuser=True)
def reactivate(request: WebRequest, user_id: str) -> WebResponse:
    """POST /admin/users/<id>/reactivate/ : the account may log in again."""
    return _change(request, _account(user_id), admin.reactivate, "The account is active again.")


def _change(request: WebRequest, person: User, change, done: str) -> WebResponse:
    try:
        change(person, request.user, request.now)
    except admin.AdminError as e:
        return _account_page(request, person, error=str(e), status=409)
    sessions.flash(request, done)
    return _back(person)


def _account_page(request: WebRequest, person: User, errors: dict | None = None, entered: WebRequest | None = None,
                  error: str = "", status: int = 200) -> WebResponse:
    seen = admin.overview(person)
    rows = []
    for name, label in admin.LIMIT_LABELS.items():
        override = getattr(person, name)
        rows.append({
            "name": name, "label": label, "limit": users.limit(person, name), "used": _used(seen, name, request),
            "default": users.LIMIT_DEFAULTS[name](), "overridden": override is not None,
            "value": entered.field(name) if entered else ("" if override is None else int(override)),
            "error": (errors or {}).get(name, ""),
        })  # fmt: skip
    return render(
        request, "admin/user.html", status=status, section="admin", person=person, seen=seen, limit_rows=rows,
        field_labels=admin.FIELD_LABELS, error=error, is_self=person.id == request.user.id,
    )


def _used(seen: admin.Overview, name: str, request: WebRequest) -> int:
    if name == "check_limit":
        return seen.owned_checks
    if name == "team_limit":
        return seen.team_members
    return limits.holder_used(seen.user.id, "call" if name == "call_limit" else "sms", request.now)


def _account(user_id: str) -> User:
    person = admin.find_user(user_id)
    if person is None:
        raise HttpError(404, "No such account.")
    return person


def _owner_emails(found: list) -> dict[str, str]:
    ids = list({p.owner for p in found if p.owner})
    return {u.id: u.email for u in User.batch_get(ids)} if ids else {}


def _project_names(found: list) -> dict[str, str]:
    codes = list({c.project for c in found})
    return {p.code: p.name or "(unnamed)" for p in Project.batch_get(codes)} if codes else {}


def _back(person: User) -> WebResponse:
    return redirect(f"/admin/users/{person.id}/")
