"""Keep moto's in-memory S3 bucket on disk: restore it on start, snapshot it on a timer.

Layout: one file per object at `<data dir>/s3/<bucket>/<key>`, each "/"-separated part of
the key percent-quoted, so ping bodies sit at `.../<check code>/<n>` and can be read directly.
Only the bytes are kept (no content type or metadata): ping bodies need nothing else.

A snapshot writes new and changed objects (by ETag) and removes the files of objects that
were deleted from the bucket. It only ever removes files that it restored or wrote itself,
so a restore that failed halfway never leads to deleting data.
"""
import logging
import os
import threading
import time
from pathlib import Path
from urllib.parse import quote, unquote

log = logging.getLogger(__name__)


def key_to_relpath(key: str) -> Path | None:
    """The file path of a key below the bucket folder; None for keys that can't be files."""
    if key.startswith("/") or key.endswith("/"):
        return None
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    return Path(*(quote(part, safe="") for part in parts))


def relpath_to_key(relpath: Path) -> str:
    return "/".join(unquote(part) for part in relpath.parts)


def ensure_bucket(s3, bucket: str) -> None:
    """Create the bucket when missing (outside us-east-1, S3 wants a LocationConstraint)."""
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        region = s3.meta.region_name
        extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=bucket, **extra)
        log.info("Created bucket %s", bucket)


class S3Snapshot:
    def __init__(self, s3_client, bucket: str, s3_dir: Path):
        self.s3 = s3_client
        self.bucket = bucket
        self.root = s3_dir / bucket
        self.tmp = s3_dir / ".tmp"  # bucket names can't start with ".": no clash
        # key -> ETag of the object as it is on disk.
        self.on_disk: dict[str, str] = {}
        self._lock = threading.Lock()

    def restore(self) -> int:
        """Upload every file below the bucket folder; returns the number of objects."""
        started = time.monotonic()
        self.root.mkdir(parents=True, exist_ok=True)
        count = 0
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath) / name
                key = relpath_to_key(path.relative_to(self.root))
                try:
                    body = path.read_bytes()
                except OSError as exc:
                    log.warning("S3 restore: can't read %s: %s", path, exc)
                    continue
                response = self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
                self.on_disk[key] = response["ETag"]
                count += 1
        if count:
            log.info("Restored %d S3 objects from %s in %.1f s", count, self.root, time.monotonic() - started)
        return count

    def snapshot(self) -> tuple[int, int]:
        """Write new/changed objects, remove deleted ones; returns (written, removed)."""
        with self._lock:
            return self._snapshot()

    def _snapshot(self) -> tuple[int, int]:
        in_bucket: dict[str, str] = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for obj in page.get("Contents", []):
                in_bucket[obj["Key"]] = obj["ETag"]
        written = removed = 0
        for key, etag in in_bucket.items():
            if self.on_disk.get(key) != etag and self._write(key):
                written += 1
        for key in [k for k in self.on_disk if k not in in_bucket]:
            self._remove(key)
            removed += 1
        if written or removed:
            log.info("S3 snapshot: %d written, %d removed, in %s", written, removed, self.root)
        return written, removed

    def _write(self, key: str) -> bool:
        relpath = key_to_relpath(key)
        if relpath is None:
            log.warning("S3 snapshot: key %r can't be a file name; not kept on disk", key)
            return False
        s3 = self.s3
        try:
            obj = s3.get_object(Bucket=self.bucket, Key=key)
        except s3.exceptions.NoSuchKey:  # deleted since the listing
            return False
        body = obj["Body"].read()
        path = self.root / relpath
        self.tmp.mkdir(parents=True, exist_ok=True)
        tmp_path = self.tmp / f"{os.getpid()}-{threading.get_ident()}"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp_path.write_bytes(body)
            os.replace(tmp_path, path)
        except OSError as exc:  # e.g. both "a" and "a/b" exist as keys
            log.warning("S3 snapshot: can't write %s: %s", path, exc)
            tmp_path.unlink(missing_ok=True)
            return False
        self.on_disk[key] = obj["ETag"]
        return True

    def _remove(self, key: str) -> None:
        self.on_disk.pop(key, None)
        path = self.root / key_to_relpath(key)
        path.unlink(missing_ok=True)
        parent = path.parent
        while parent != self.root:
            try:
                parent.rmdir()  # only when empty
            except OSError:
                break
            parent = parent.parent
