"""Finding and creating checks; the keys that put a check in its indexes."""
import uuid
import zlib
from datetime import datetime

from chalicelib import settings
from chalicelib.models import Check, Project


def due_shard(code: str) -> int:
    """The due-index partition of a check: stable, spread evenly over DUE_SHARDS."""
    return zlib.crc32(code.encode()) % settings.DUE_SHARDS


def slug_key(ping_key: str | None, slug: str) -> str | None:
    """The by_slug index key, or None (not indexed) without a ping key or slug."""
    return f"{ping_key}/{slug}" if ping_key and slug else None


def get(code: str) -> Check | None:
    try:
        return Check.get(code, consistent_read=True)
    except Check.DoesNotExist:
        return None


def find_by_slug(ping_key: str, slug: str) -> list[Check]:
    """All checks answering to this slug URL; more than one is "ambiguous"."""
    return list(Check.by_slug.query(slug_key(ping_key, slug), limit=2))


def count_in_project(project_code: str) -> int:
    return Check.by_project.count(project_code)


def create_check(project: Project, now: datetime, code: str | None = None, **fields) -> Check:
    """Create a check in the project; fails if one with this code already exists."""
    code = code or str(uuid.uuid4())
    check = Check(
        code=code,
        project=project.code,
        badge_key=str(uuid.uuid4()),
        created=now,
        due_shard=due_shard(code),
        ping_log_limit=project.ping_log_limit,
        **fields,
    )
    check.slug_key = slug_key(project.ping_key, check.slug)
    check.save(condition=Check.code.does_not_exist())
    return check
