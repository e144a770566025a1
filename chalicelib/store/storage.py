"""Ping bodies in S3: key "<check code>/<n>"."""
import logging

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import settings
from chalicelib.store import aws

log = logging.getLogger(__name__)


def body_key(code: str, n: int) -> str:
    return f"{code}/{n}"


def put_body(code: str, n: int, body: bytes) -> bool:
    """Store a body; False when S3 is unavailable (the caller keeps it in the item)."""
    try:
        aws.client("s3").put_object(Bucket=settings.S3_BUCKET, Key=body_key(code, n), Body=body)
        return True
    except (BotoCoreError, ClientError):
        log.exception("S3 put failed for %s/%s", code, n)
        return False


def get_body(code: str, n: int) -> bytes | None:
    try:
        obj = aws.client("s3").get_object(Bucket=settings.S3_BUCKET, Key=body_key(code, n))
    except aws.client("s3").exceptions.NoSuchKey:
        return None
    return obj["Body"].read()


def ping_body(ping) -> bytes | None:
    """A ping's body, kept inline or in S3; None when it has none (or S3 lost it)."""
    if ping.object_size:
        return get_body(ping.code, int(ping.n))
    return bytes(ping.body) if ping.body else None


def delete_bodies(code: str, numbers: list[int]) -> None:
    """Delete the bodies of these pings."""
    delete_keys([body_key(code, n) for n in numbers])


def delete_keys(keys: list[str]) -> None:
    """Delete these objects, 1000 keys per request (S3's limit)."""
    for start in range(0, len(keys), 1000):
        objects = [{"Key": key} for key in keys[start : start + 1000]]
        aws.client("s3").delete_objects(Bucket=settings.S3_BUCKET, Delete={"Objects": objects, "Quiet": True})


def create_bucket() -> None:
    """Create the bucket when missing (local stack and tests; AWS uses infra/)."""
    s3 = aws.client("s3")
    try:
        s3.head_bucket(Bucket=settings.S3_BUCKET)
    except ClientError:
        s3.create_bucket(Bucket=settings.S3_BUCKET)
