"""The operators' admin area: finding accounts, projects and checks; what an account holds; its
limits and deactivation, each change written with its audit line in one transaction.

Searches other than an exact address or uuid read the table with a Scan, at most SCAN_BUDGET
items per request (paged on by the last key read): an operator's tool, never a user's page."""
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.accounts import preferences, signup, teams, users
from chalicelib.store.models import AdminChange, Check, Credential, Member, Project, Session, User

PAGE_SIZE = 25  # matches shown at once
SCAN_BUDGET = 500  # items one search request reads at most
CHANGES_SHOWN = 100  # audit lines on an account's page, newest first
MAX_LIMIT = 1_000_000
COMMAND_LINE = "command line"  # the actor of changes made with `python -m chalicelib.ops.cli`
LIMIT_LABELS = {
    "check_limit": "Checks (across owned projects)",
    "sms_limit": "SMS and WhatsApp per month",
    "call_limit": "Phone calls per month",
    "team_limit": "Team members (across owned projects)",
}
FIELD_LABELS = {**LIMIT_LABELS, "deactivated": "Account", "is_superuser": "Superuser"}
KINDS = {"users": User, "projects": Project, "checks": Check}
# What a Scan brings back of each item: enough for a result row (the read units are the same).
SCAN_ATTRIBUTES = {
    "users": ["id", "email", "created", "last_active", "deactivated", "is_superuser"],
    "projects": ["code", "name", "owner", "created"],
    "checks": ["code", "name", "slug", "project", "status"],
}


class AdminError(ValueError):
    """A change the rules refuse; the message is for the operator."""


@dataclass
class SearchPage:
    rows: list  # Users, Projects or Checks
    after: str | None  # the key to go on from (the next page), None at the table's end
    read: int  # items read from DynamoDB for this page
    how: str  # "index" (an exact address), "key" (a uuid) or "scan"


def search(kind: str, query: str, after: str = "") -> SearchPage:
    """A page of `kind` matching `query` (case-insensitive): users by email substring, projects
    by name, checks by name or slug; an exact address or uuid is one lookup."""
    if kind not in KINDS:
        raise AdminError("Search users, projects or checks.")
    if after and not _is_uuid(after):
        raise AdminError("That page link is not valid; search again.")
    query = query.strip().lower()
    if kind == "users" and signup.valid_address(query):
        found = users.find_by_email(query)
        return SearchPage([found] if found else [], None, 1, "index")
    if kind != "users" and _is_uuid(query):
        found = _get(KINDS[kind], query)
        return SearchPage([found] if found else [], None, 1, "key")
    return _scan(kind, query, after)


def _scan(kind: str, query: str, after: str) -> SearchPage:
    model = KINDS[kind]
    key_name = model._hash_key_attribute().attr_name
    start = {key_name: {"S": after}} if after else None
    results = model.scan(
        limit=SCAN_BUDGET, page_size=SCAN_BUDGET, last_evaluated_key=start, attributes_to_get=SCAN_ATTRIBUTES[kind],
    )
    rows, read = [], 0
    for item in results:
        read += 1
        if _matches(kind, item, query):
            rows.append(item)
            if len(rows) == PAGE_SIZE:
                return SearchPage(rows, getattr(item, key_name), read, "scan")
    last = results.last_evaluated_key
    return SearchPage(rows, last[key_name]["S"] if last else None, read, "scan")


def _matches(kind: str, item, query: str) -> bool:
    if kind == "users":
        return query in item.email
    if kind == "projects":
        return query in (item.name or "").lower()
    return query in (item.name or "").lower() or query in (item.slug or "").lower()


@dataclass
class ProjectRow:
    code: str
    name: str
    role: str  # owner | m | w | r
    checks: int


@dataclass
class Overview:
    user: User
    projects: list[ProjectRow]
    owned_checks: int
    team_members: int
    security_keys: int
    sessions: int
    changes: list[AdminChange] = field(default_factory=list)

    @property
    def password(self) -> bool:
        return self.user.password_hash is not None

    @property
    def totp(self) -> bool:
        return self.user.totp is not None

    @property
    def login_link_waiting(self) -> bool:
        """An emailed login link not used yet (every account may ask for one)."""
        return self.user.login_token_hash is not None


def find_user(user_id: str) -> User | None:
    return users.get(user_id) if _is_uuid(user_id) else None


def overview(user: User) -> Overview:
    """What the account's admin page shows: one Query per project for its check count, and one
    each for memberships, security keys, sessions, team members and audit lines."""
    rows = []
    memberships = list(Member.by_user.query(user.id))
    names = {p.code: p.name for p in Project.batch_get([m.project for m in memberships])} if memberships else {}
    for member in memberships:
        rows.append(ProjectRow(member.project, names.get(member.project, ""), member.role, Check.by_project.count(member.project)))
    rows.sort(key=lambda r: (r.role != "owner", r.name.lower()))
    return Overview(
        user=user, projects=rows, owned_checks=sum(r.checks for r in rows if r.role == "owner"),
        team_members=len(teams.team_members_of(user)), security_keys=Credential.count(user.id),
        sessions=Session.by_user.count(user.id), changes=changes_of(user),
    )


def changes_of(user: User) -> list[AdminChange]:
    """The account's audit lines, newest first."""
    return list(AdminChange.query(user.id, scan_index_forward=False, limit=CHANGES_SHOWN))


def parse_limits(form: dict[str, str]) -> tuple[dict[str, int | None], dict[str, str]]:
    """The limits a form asks for (empty: the default) and the errors, by field name."""
    values, errors = {}, {}
    for name in LIMIT_LABELS:
        text = form.get(name, "").strip()
        if not text:
            values[name] = None
        elif text.isdigit() and int(text) <= MAX_LIMIT:
            values[name] = int(text)
        else:
            errors[name] = f"Enter a whole number from 0 to {MAX_LIMIT}, or nothing for the default."
    return values, errors


def set_limits(user: User, actor: str, wanted: dict[str, int | None], now: datetime) -> list[AdminChange]:
    """Save the limits that differ from the account's, with an audit line each; AdminError if
    the account changed meanwhile (another operator's edit)."""
    changed = {name: value for name, value in wanted.items() if _stored(getattr(user, name)) != value}
    lines = [_line(user, actor, name, _shown(getattr(user, name)), _shown(value), now) for name, value in changed.items()]
    actions = [getattr(User, name).set(value) if value is not None else getattr(User, name).remove() for name, value in changed.items()]
    conditions = [_is(getattr(User, name), _stored(getattr(user, name))) for name in changed]
    if changed:
        _write(user, actions, _all(conditions), lines)
        for name, value in changed.items():
            setattr(user, name, value)
    return lines


def deactivate(user: User, actor: User, now: datetime) -> AdminChange:
    """No login and no session for the account from now on; its email reports stop. Its projects
    keep running: pings, alerts and API keys belong to the projects, which teammates may share."""
    if user.id == actor.id:
        raise AdminError("You cannot deactivate your own account.")
    if user.deactivated:
        raise AdminError("The account is already deactivated.")
    line = _line(user, actor.email, "deactivated", "active", "deactivated", now)
    actions = [User.deactivated.set(now), User.next_report_date.remove(), User.next_nag_date.remove()]
    _write(user, actions, User.deactivated.does_not_exist(), [line])
    with Session.batch_write() as batch:  # load() refuses them anyway; this frees the rows
        for session in Session.by_user.query(user.id):
            batch.delete(session)
    user.deactivated, user.next_report_date, user.next_nag_date = now, None, None
    return line


def reactivate(user: User, actor: User, now: datetime) -> AdminChange:
    """The account may log in again; its reports and reminders are scheduled afresh."""
    if not user.deactivated:
        raise AdminError("The account is active.")
    line = _line(user, actor.email, "deactivated", "deactivated", "active", now)
    next_report = preferences.next_report_date(user.reports, user.tz, now)
    next_nag = now + timedelta(seconds=int(user.nag_period)) if user.nag_period else None
    actions = [User.deactivated.remove()]
    actions += [User.next_report_date.set(next_report)] if next_report else []
    actions += [User.next_nag_date.set(next_nag)] if next_nag else []
    _write(user, actions, User.deactivated.exists(), [line])
    user.deactivated, user.next_report_date, user.next_nag_date = None, next_report, next_nag
    return line


def set_superuser(user: User, flag: bool, actor: str, now: datetime) -> AdminChange | None:
    """Grant or revoke the admin area (the CLI's `superuser`); None when it already is so."""
    if bool(user.is_superuser) == flag:
        return None
    line = _line(user, actor, "is_superuser", "yes" if user.is_superuser else "no", "yes" if flag else "no", now)
    _write(user, [User.is_superuser.set(flag)], User.is_superuser == bool(user.is_superuser), [line])
    user.is_superuser = flag
    return line


def _write(user: User, actions: list, condition, lines: list[AdminChange]) -> None:
    """The account's update and its audit lines in one transaction: no change goes unrecorded."""
    try:
        with TransactWrite(connection=User._get_connection().connection) as transaction:
            transaction.update(User(id=user.id), actions=actions, condition=condition & User.id.exists())
            for line in lines:
                transaction.save(line)
    except TransactWriteError:
        raise AdminError("The account changed meanwhile; reload the page and try again.") from None


def _line(user: User, actor: str, name: str, old: str, new: str, now: datetime) -> AdminChange:
    key = f"{now:%Y-%m-%dT%H:%M:%S.%f}#{secrets.token_hex(4)}"
    return AdminChange(user=user.id, key=key, created=now, actor=actor, field=name, old=old, new=new)


def _stored(value) -> int | None:
    return None if value is None else int(value)


def _shown(value) -> str:
    return "default" if value is None else str(int(value))


def _is(attribute, value):
    return attribute.does_not_exist() if value is None else attribute == value


def _all(conditions):
    combined = conditions[0]
    for condition in conditions[1:]:
        combined &= condition
    return combined


def _get(model, key: str):
    try:
        return model.get(key)
    except model.DoesNotExist:
        return None


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False
