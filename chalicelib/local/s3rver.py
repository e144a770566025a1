"""S3 for the local stack: npm's s3rver as a child process (child.py), objects on disk.

s3rver.js beside this file runs it on `<data dir>/s3/`: each object is a file,
`s3/<bucket>/<key>._S3rver_object`, written before its PUT is answered, so a kill -9 loses no
acknowledged object. Only S3 goes there (AWS_ENDPOINT_URL_S3); moto serves the rest.

Data folders from before s3rver hold the old snapshot's files, `s3/<bucket>/<key>` with each
"/"-separated part of the key percent-quoted: import_snapshot_files() moves them into s3rver.
"""
import logging
import os
import shutil
import time
from pathlib import Path
from urllib.parse import unquote

from chalicelib.local.child import ChildServer, pids_serving
from chalicelib.local.environment import LOCAL_HOST, REPO_ROOT, StackError

log = logging.getLogger(__name__)

LAUNCHER = Path(__file__).with_name("s3rver.js")
PACKAGE = REPO_ROOT / "node_modules" / "s3rver"
S3RVER_SUFFIX = "._S3rver_"  # s3rver's own files: <key>._S3rver_object, ..._metadata.json, ...
PART_MARK = "._S3rver_object.part-"  # s3rver.js writes an object there, then renames it


class S3rver(ChildServer):
    name = "s3rver"
    ready_timeout = 30.0

    def __init__(self, data_dir: Path, port: int):
        self.port = port
        self.s3_dir = data_dir / "s3"
        super().__init__(f"http://{LOCAL_HOST}:{port}", data_dir / "s3rver.log", cwd=self.s3_dir)
        self._client = None

    def command(self) -> list[str]:
        node = shutil.which("node")
        if not node:
            raise StackError("s3rver needs Node.js: install it (with npm), then run `make setup`.")
        if not (PACKAGE / "package.json").is_file():
            raise StackError(f"s3rver not found in {PACKAGE}: run `make setup` (npm ci) first.")
        return [node, str(LAUNCHER), str(self.s3_dir), LOCAL_HOST, str(self.port)]

    def answers(self) -> bool:
        if self._client is None:
            self._client = s3_client(self.url)
        self._client.list_buckets()
        return True


def s3_client(url: str):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(connect_timeout=1, read_timeout=5, retries={"max_attempts": 1}),
    )


def s3rver_pids(data_dir) -> list[int]:
    """s3rver processes serving this data folder (so only ones started on it)."""
    return pids_serving(data_dir, LAUNCHER.name.encode())


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


def import_snapshot_files(s3, bucket: str, s3_dir: Path) -> int:
    """Put each file of the old snapshot layout into the bucket, then delete it; the number put.

    A file is deleted only after its PUT was answered, so an interrupted import loses nothing
    and the next start goes on with what is left. Also removes the temporary files of PUTs that
    a kill cut short.
    """
    root = s3_dir / bucket
    if not root.is_dir():
        return 0
    started = time.monotonic()
    count = 0
    emptied = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if PART_MARK in name:  # a PUT cut short by a kill: never answered, never listed
                path.unlink(missing_ok=True)
                continue
            if S3RVER_SUFFIX in name:
                continue
            key = "/".join(unquote(part) for part in path.relative_to(root).parts)
            s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
            path.unlink()
            emptied.add(path.parent)
            count += 1
    for folder in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        while folder != root and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    shutil.rmtree(s3_dir / ".tmp", ignore_errors=True)  # the snapshot's scratch folder
    if count:
        log.info("Moved %d objects of the old S3 snapshot into s3rver in %.1f s", count, time.monotonic() - started)
    return count
