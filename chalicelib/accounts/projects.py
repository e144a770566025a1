"""Projects and their keys: API keys (stored hashed) and the ping key for slug URLs."""
import hashlib
import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from chalicelib.checks import checks
from chalicelib.store.models import ApiKey, Check, Member, Project

_KEY_ALPHABET = string.ascii_letters + string.digits
_PING_KEY_ALPHABET = string.ascii_lowercase + string.digits


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_ping_key() -> str:
    """22 characters of [a-z0-9], the shape Healthchecks' clients expect."""
    return _random(_PING_KEY_ALPHABET, 22)


def create_api_key(project_code: str, readonly: bool, now: datetime) -> str:
    """Store a new key's hash and return the key in clear (the only time it is seen)."""
    # 32 characters as Healthchecks' keys: "hcw_" (read-write) or "hcr_" (read-only) + 28.
    key = ("hcr_" if readonly else "hcw_") + _random(_KEY_ALPHABET, 28)
    ApiKey(
        key_hash=hash_key(key), project=project_code, readonly=readonly, hint=key[:8], created=now
    ).save()
    return key


@dataclass
class NewProject:
    project: Project
    api_key: str
    api_key_readonly: str


def create_project(name: str, now: datetime | None = None, owner: str | None = None, keys: bool = True) -> NewProject:
    """A project; with keys, also a ping key, a read-write and a read-only API key.

    The dashboard makes projects without keys (as Healthchecks does): its settings page makes them."""
    now = now or datetime.now(timezone.utc)
    code = str(uuid.uuid4())
    project = Project(
        code=code, name=name, owner=owner, created=now, badge_key=code, ping_key=new_ping_key() if keys else None
    )
    project.save()
    if owner is not None:
        add_member(code, owner, "owner", now)
    if not keys:
        return NewProject(project=project, api_key="", api_key_readonly="")
    return NewProject(
        project=project,
        api_key=create_api_key(code, readonly=False, now=now),
        api_key_readonly=create_api_key(code, readonly=True, now=now),
    )


def add_member(project_code: str, user_id: str, role: str, now: datetime) -> Member:
    """Give a user a role in a project: owner, m (manager), w (member) or r (read-only)."""
    member = Member(project=project_code, user=user_id, role=role, created=now)
    member.save()
    return member


def find_by_ping_key(ping_key: str) -> Project | None:
    return next(iter(Project.by_ping_key.query(ping_key, limit=1)), None)


# The keys a project's settings page makes and revokes, by the name its buttons send.
KEY_KINDS = ("api_key", "api_key_readonly", "ping_key")
NAME_MAX = 60  # as Healthchecks' project form


def rename(project: Project, name: str) -> None:
    """Set the project's name; ValueError when it is too long."""
    name = name.strip()
    if len(name) > NAME_MAX:
        raise ValueError(f"The name may have at most {NAME_MAX} characters.")
    project.update(actions=[Project.name.set(name)])


def api_keys(project_code: str) -> list[ApiKey]:
    return list(ApiKey.by_project.query(project_code))


def replace_key(project: Project, kind: str, now: datetime) -> str:
    """A new key of this kind (one of KEY_KINDS) in place of the old one; returned in clear, once."""
    if kind == "ping_key":
        key = new_ping_key()
        _set_ping_key(project, key)
        return key
    revoke_key(project, kind)
    return create_api_key(project.code, readonly=kind == "api_key_readonly", now=now)


def revoke_key(project: Project, kind: str) -> None:
    """Delete the project's keys of this kind; a revoked ping key turns slug URLs off."""
    if kind == "ping_key":
        _set_ping_key(project, None)
        return
    readonly = kind == "api_key_readonly"
    with ApiKey.batch_write() as batch:
        for key in api_keys(project.code):
            if key.readonly == readonly:
                batch.delete(key)


def _set_ping_key(project: Project, ping_key: str | None) -> None:
    """Change the ping key and re-key every check's slug URL (the by_slug index holds the key)."""
    project.update(actions=[Project.ping_key.set(ping_key) if ping_key else Project.ping_key.remove()])
    for check in Check.by_project.query(project.code):
        slug_key = checks.slug_key(ping_key, check.slug)
        if slug_key == check.slug_key:
            continue
        check.update(actions=[Check.slug_key.set(slug_key) if slug_key else Check.slug_key.remove()])
