"""Operator account commands: make a superuser, prune accounts nobody uses (the seed's rules)."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.accounts import admin, closing, passwords, projects, signup, users
from chalicelib.ops import OpsError
from chalicelib.store.models import Check, Member, User

# Accounts untouched this long are pruned (Healthchecks' pruneusers: six months).
INACTIVE_AFTER = timedelta(days=183)


def create_superuser(email: str, password: str, now: datetime) -> User:
    """A superuser with this password and a default project of their own."""
    email = users.normalize_email(email)
    if not signup.valid_address(email):
        raise OpsError(f"Not a valid email address: {email}")
    problem = passwords.problem(password)
    if problem:
        raise OpsError(problem)
    try:
        if users.find_by_email(email) is not None:
            raise users.EmailTaken()
        user = users.create_user(email, now, password_hash=passwords.make_hash(password), is_superuser=True)
    except users.EmailTaken:
        raise OpsError(f"A user with the email address {email} already exists") from None
    projects.create_project(email[:200], now, owner=user.id, keys=False)
    return user


def set_superuser(email: str, flag: bool, now: datetime) -> bool:
    """Grant (or revoke) an existing account the admin area, audited as the command line's
    change; False when it already was so."""
    user = users.find_by_email(email)
    if user is None:
        raise OpsError(f"No user with the email address {users.normalize_email(email)}")
    try:
        return admin.set_superuser(user, flag, admin.COMMAND_LINE, now) is not None
    except admin.AdminError as e:
        raise OpsError(str(e)) from None


@dataclass
class Pruned:
    email: str
    reason: str


def prune_users(now: datetime, dry_run: bool = False) -> list[Pruned]:
    """Close accounts created over six months ago and never used, and accounts unused for six
    months that hold no checks and belong to no one else's project. Superusers are kept."""
    cutoff = now - INACTIVE_AFTER
    pruned = []
    for user in User.scan():  # an occasional operator command: one pass over the users table
        reason = _prune_reason(user, cutoff)
        if reason:
            pruned.append(Pruned(user.email, reason))
            if not dry_run:
                closing.close_account(user)
    return pruned


def _prune_reason(user: User, cutoff: datetime) -> str:
    """Why this account goes, or "" when it stays. last_active is stamped at each login and visit."""
    if user.is_superuser or user.created >= cutoff:
        return ""
    if user.last_active is None:
        return "never logged in"
    if user.last_active < cutoff and not _has_checks_or_teams(user):
        return "inactive, no checks"
    return ""


def _has_checks_or_teams(user: User) -> bool:
    for member in Member.by_user.query(user.id):
        if member.role != "owner":
            return True  # someone else's project: keep the account they were invited to
        if Check.by_project.count(member.project, limit=1):
            return True
    return False
