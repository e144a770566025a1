"""Teams: who is in a project and with which role; invitations, leaving, ownership transfers.

Errors a person can fix raise TeamError with a message to show them; the inviter's daily budget
raises accounts.limits.TryLater. The owner has a Member row with role "owner" (see models.Member)."""
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import settings
from chalicelib.accounts import limits, projects, signup, users
from chalicelib.store.models import Check, Member, Project, User

# The roles an invitation may give, as the settings page names them.
INVITE_ROLES = {"w": "Member", "m": "Manager", "r": "Read-only"}
INVITES_PER_DAY = 20


class TeamError(ValueError):
    """A request the rules refuse; the message says why, for the person who asked."""


@dataclass
class Teammate:
    user: User
    member: Member

    @property
    def role(self) -> str:
        return self.member.role


def team(project: Project) -> list[Teammate]:
    """Everyone in the project, the owner first, then by email (one Query, one BatchGet)."""
    rows = {m.user: m for m in Member.query(project.code)}
    people = {u.id: u for u in User.batch_get(list(rows))} if rows else {}
    mates = [Teammate(people[uid], row) for uid, row in rows.items() if uid in people]
    return sorted(mates, key=lambda t: (t.role != "owner", t.user.email))


def invite(project: Project, inviter: User, email: str, role: str, now: datetime) -> User:
    """Add the person with this email (made a user if new) and email them a login link to the project."""
    from chalicelib.accounts import login_links  # the accounts area's module; imported when used

    email = users.normalize_email(email)
    if role not in INVITE_ROLES:
        raise TeamError("Choose a role: Member, Manager or Read-only.")
    if not signup.valid_address(email):
        raise TeamError("Enter a valid email address.")
    invitee = users.find_by_email(email)
    if invitee is not None and _member(project.code, invitee.id) is not None:
        raise TeamError(f"{email} is already a member of this project.")
    _room_in_team(project, invitee)
    limits.spend(f"invite-{inviter.id}", INVITES_PER_DAY, limits.DAY, now)
    invitee = invitee or users.find_or_create(email, lambda: users.create_user(email, now))
    projects.add_member(project.code, invitee.id, role, now)
    login_links.send_login_link(invitee, now, next_url=f"/projects/{project.code}/checks/")
    return invitee


def remove_member(project: Project, actor: User, email: str) -> None:
    """Take someone out of the project (never its owner, never yourself)."""
    member = _member_by_email(project, email)
    if member.user == actor.id:
        raise TeamError("You cannot remove yourself; leave the project from your account page.")
    if member.role == "owner":
        raise TeamError("The owner cannot be removed.")
    member.delete()


def leave(project: Project, user: User) -> None:
    """A member leaves the project; its owner cannot."""
    member = _member(project.code, user.id)
    if member is None:
        raise TeamError("You are not a member of this project.")
    if member.role == "owner":
        raise TeamError("The owner cannot leave the project; transfer it or remove it.")
    member.delete()


def request_transfer(project: Project, email: str, now: datetime) -> User:
    """Ask a member to take the project over; they get a login link to its settings page."""
    from chalicelib.accounts import login_links

    member = _member_by_email(project, email)
    if member.role == "owner":
        raise TeamError("You already own this project.")
    cancel_transfer(project)
    member.update(actions=[Member.transfer_requested.set(now)])
    invitee = User.get(member.user)
    login_links.send_login_link(invitee, now, next_url=f"/projects/{project.code}/settings/")
    return invitee


def transfer_request(project: Project) -> Member | None:
    """The member asked to take the project over, if any."""
    return next((m for m in Member.query(project.code) if m.transfer_requested is not None), None)


def cancel_transfer(project: Project) -> None:
    for member in Member.query(project.code):
        if member.transfer_requested is not None:
            member.update(actions=[Member.transfer_requested.remove()])


def reject_transfer(project: Project, user: User) -> None:
    member = _requested(project, user)
    member.update(actions=[Member.transfer_requested.remove()])


def accept_transfer(project: Project, user: User) -> None:
    """The asked member becomes the owner (if their check slots allow); the old owner a member "w"."""
    member = _requested(project, user)
    needed = Check.by_project.count(project.code)
    if free_check_slots(user) < needed:
        raise TeamError(f"You need {needed} free check slots to take this project over.")
    old_owner = project.owner
    try:
        with TransactWrite(connection=Project._get_connection().connection) as transaction:
            transaction.update(
                Project(code=project.code), actions=[Project.owner.set(user.id)],
                condition=Project.owner == old_owner if old_owner else Project.owner.does_not_exist(),
            )
            transaction.update(
                Member(project=project.code, user=user.id),
                actions=[Member.role.set("owner"), Member.transfer_requested.remove()],
                condition=Member.transfer_requested.exists(),
            )
            if old_owner:
                transaction.update(
                    Member(project=project.code, user=old_owner), actions=[Member.role.set("w")],
                    condition=Member.role == "owner",
                )
    except TransactWriteError:
        raise TeamError("The project changed meanwhile; reload the page and try again.") from None
    project.owner = user.id


def team_members_of(owner: User) -> set[str]:
    """The people other than `owner` in the teams of the projects they own (one Query each)."""
    owned = [m.project for m in Member.by_user.query(owner.id) if m.role == "owner"]
    return {m.user for code in owned for m in Member.query(code)} - {owner.id}


def _room_in_team(project: Project, invitee: User | None) -> None:
    """TeamError when adding `invitee` would take the owner's teams past their team limit; a
    person already in another of the owner's projects takes no new place."""
    owner = users.get(project.owner) if project.owner else None
    if owner is None:
        people, limit = {m.user for m in Member.query(project.code)}, settings.TEAM_LIMIT
    else:
        people, limit = team_members_of(owner), users.limit(owner, "team_limit")
    if (invitee is None or invitee.id not in people) and len(people) >= limit:
        raise TeamError(f"The owner's projects already have {len(people)} team members, the most allowed ({limit}).")


def owned_check_count(user: User) -> int:
    """Checks in all the projects this user owns."""
    owned = [m.project for m in Member.by_user.query(user.id) if m.role == "owner"]
    return sum(Check.by_project.count(code) for code in owned)


def free_check_slots(user: User) -> int:
    """How many more checks the user's owned projects may hold (the limit is per owner)."""
    return users.limit(user, "check_limit") - owned_check_count(user)


@dataclass(frozen=True)
class CheckQuota:
    """Checks counted against a limit: the owner's (in all their projects), or a project's own."""
    used: int
    limit: int

    @property
    def free(self) -> int:
        return self.limit - self.used  # below zero when over the limit


def check_quota_for(project: Project, in_project: int | None = None) -> CheckQuota:
    """The limit the project's checks count against: its owner's, or (without an owner) the
    project's own; `in_project` saves a count the caller already has."""
    owner = users.get(project.owner) if project.owner else None
    if owner is not None:
        return CheckQuota(owned_check_count(owner), users.limit(owner, "check_limit"))
    count = Check.by_project.count(project.code) if in_project is None else in_project
    return CheckQuota(count, int(project.check_limit))


def free_slots_for(project: Project, in_project: int | None = None) -> int:
    """Checks the project may still gain (see check_quota_for)."""
    return check_quota_for(project, in_project).free


def _member(project_code: str, user_id: str) -> Member | None:
    try:
        return Member.get(project_code, user_id)
    except Member.DoesNotExist:
        return None


def _member_by_email(project: Project, email: str) -> Member:
    person = users.find_by_email(email) if email.strip() else None
    member = _member(project.code, person.id) if person else None
    if member is None:
        raise TeamError(f"{email.strip() or 'That person'} is not a member of this project.")
    return member


def _requested(project: Project, user: User) -> Member:
    member = _member(project.code, user.id)
    if member is None or member.transfer_requested is None:
        raise TeamError("Nobody asked you to take this project over.")
    return member
