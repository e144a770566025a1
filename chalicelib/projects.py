"""Projects and their keys: API keys (stored hashed) and the ping key for slug URLs."""
import hashlib
import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from chalicelib.models import ApiKey, Member, Project

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


def create_project(name: str, now: datetime | None = None, owner: str | None = None) -> NewProject:
    """A project with a ping key, a read-write and a read-only API key."""
    now = now or datetime.now(timezone.utc)
    code = str(uuid.uuid4())
    project = Project(
        code=code, name=name, owner=owner, created=now, badge_key=code, ping_key=new_ping_key()
    )
    project.save()
    if owner is not None:
        add_member(code, owner, "owner", now)
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
