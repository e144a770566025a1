"""pruneobjects: S3 ping bodies whose check is gone, or whose ping was pruned from the log.

Lists the bucket by top-level prefix ("<check code>/"), reads each prefix's check once and its
stored ping numbers with one Query, and deletes what no ping refers to.
"""
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chalicelib import settings
from chalicelib.store import aws, storage
from chalicelib.store.models import Check, Ping

CHECK_PREFIX = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/$")
# A body is written just before its ping row; younger objects may be waiting for theirs.
MIN_AGE = timedelta(hours=1)
BATCH_GET = 100  # DynamoDB's BatchGetItem limit


@dataclass
class PruneResult:
    gone_checks: int = 0  # prefixes of checks that no longer exist
    keys: list[str] = field(default_factory=list)  # the objects deleted (or, dry, to delete)


def prune_objects(now: datetime, dry_run: bool = False) -> PruneResult:
    """Delete bodies of deleted checks and of pings no longer in the log, older than MIN_AGE."""
    result = PruneResult()
    codes = [prefix[:-1] for prefix in _top_level_prefixes() if CHECK_PREFIX.match(prefix)]
    for start in range(0, len(codes), BATCH_GET):
        batch = codes[start : start + BATCH_GET]
        existing = {c.code for c in Check.batch_get(batch, attributes_to_get=["code"])}
        for code in batch:
            if code not in existing:
                result.gone_checks += 1
            kept = _kept_ping_numbers(code) if code in existing else set()
            result.keys += _orphans(code, kept, now - MIN_AGE)
    if not dry_run:
        storage.delete_keys(result.keys)
    return result


def _top_level_prefixes():
    pages = aws.client("s3").get_paginator("list_objects_v2").paginate(Bucket=settings.S3_BUCKET, Delimiter="/")
    for page in pages:
        for prefix in page.get("CommonPrefixes", []):
            yield prefix["Prefix"]


def _kept_ping_numbers(code: str) -> set[int]:
    return {int(p.n) for p in Ping.query(code, attributes_to_get=["code", "n"])}


def _orphans(code: str, kept: set[int], written_before: datetime) -> list[str]:
    """The keys under the check's prefix that no kept ping refers to."""
    orphans = []
    pages = aws.client("s3").get_paginator("list_objects_v2").paginate(Bucket=settings.S3_BUCKET, Prefix=code + "/")
    for page in pages:
        for obj in page.get("Contents", []):
            number = obj["Key"].rpartition("/")[2]
            if number.isdigit() and int(number) in kept:
                continue
            if obj["LastModified"] < written_before:
                orphans.append(obj["Key"])
    return orphans
