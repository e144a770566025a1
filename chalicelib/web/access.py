"""Who may see and change what: a user's role in a project, checked on every page.

A project the user is not in answers 404 (never 403, never its data); a role too weak for the
action answers 403. Superusers act as owners everywhere."""
from chalicelib.checks import checks
from chalicelib.store.models import Check, Member, Project, User
from chalicelib.web.http import HttpError

# What each role may do, weakest first (see the reference's capability table).
RANK = {"r": 1, "w": 2, "m": 3, "owner": 4}
NEEDS = {"read": 1, "write": 2, "manage": 3, "owner": 4}
ROLE_NAMES = {"owner": "Owner", "m": "Manager", "w": "Member", "r": "Read-only"}


def role_in(user: User, project_code: str) -> str | None:
    """The user's role in the project, or None if they are not in it."""
    if user.is_superuser:
        return "owner"
    try:
        return Member.get(project_code, user.id).role
    except Member.DoesNotExist:
        return None


def allows(role: str | None, need: str) -> bool:
    return role is not None and RANK[role] >= NEEDS[need]


def project_for(user: User, project_code: str, need: str = "read") -> tuple[Project, str]:
    """The project and the user's role in it, if the role allows `need`."""
    role = role_in(user, project_code)
    if role is None:
        raise HttpError(404, "No such project.")
    try:
        project = Project.get(project_code)
    except Project.DoesNotExist:
        raise HttpError(404, "No such project.") from None
    if not allows(role, need):
        raise HttpError(403, "Your role in this project does not allow this.")
    return project, role


def check_for(user: User, code: str, need: str = "read") -> tuple[Check, Project, str]:
    """The check, its project and the user's role there, if the role allows `need`."""
    check = checks.get(code) if _is_uuid(code) else None
    if check is None:
        raise HttpError(404, "No such check.")
    role = role_in(user, check.project)
    if role is None:
        raise HttpError(404, "No such check.")
    if not allows(role, need):
        raise HttpError(403, "Your role in this project does not allow this.")
    return check, Project.get(check.project), role


def memberships(user: User) -> list[Member]:
    """Every project the user can see, as Member rows (one Query)."""
    return list(Member.by_user.query(user.id))


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False
