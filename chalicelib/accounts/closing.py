"""Deleting a project with everything in it, and closing an account with the projects it owns."""
from chalicelib.accounts import users
from chalicelib.checks import checks, status_pages
from chalicelib.store.models import ApiKey, Channel, Check, Credential, Member, Project, Session, User


def delete_project(project: Project) -> None:
    """Delete the project, its checks (pings, S3 bodies, flips, notifications), channels,
    API keys and memberships. The project row goes last, so a failure can be run again."""
    for check in Check.by_project.query(project.code):
        checks.delete(check, clear_children=False)
    _delete_all(Channel, Channel.by_project.query(project.code))
    _delete_all(ApiKey, ApiKey.by_project.query(project.code))
    _delete_all(Member, Member.query(project.code))
    status_pages.delete_all(project.code)
    project.delete()


def close_account(user: User) -> None:
    """Delete the user, their sessions, security keys and memberships, and every project they own."""
    for member in Member.by_user.query(user.id):
        if member.role == "owner":
            try:
                delete_project(Project.get(member.project))
                continue
            except Project.DoesNotExist:
                pass
        member.delete()
    _delete_all(Session, Session.by_user.query(user.id))
    _delete_all(Credential, Credential.query(user.id))
    users.release_email(user)
    user.delete()


def _delete_all(model, items) -> None:
    with model.batch_write() as batch:
        for item in items:
            batch.delete(item)
