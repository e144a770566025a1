"""Configuration read from the environment, once per process."""
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


STAGE = os.environ.get("STAGE", "dev")
# Every table name starts with this prefix, so stages can share an AWS account.
TABLE_PREFIX = os.environ.get("TABLE_PREFIX", f"hc-{STAGE}-")
S3_BUCKET = os.environ.get("S3_BUCKET", f"hc-{STAGE}-bodies")

SITE_ROOT = os.environ.get("SITE_ROOT", "http://localhost:8000").rstrip("/")
SITE_NAME = os.environ.get("SITE_NAME", "Mychecks")
PING_ENDPOINT = os.environ.get("PING_ENDPOINT", SITE_ROOT + "/ping/")

# Bytes of a ping body that are kept; the rest is cut and the ping flagged.
PING_BODY_LIMIT = _int("PING_BODY_LIMIT", 100_000)
# Bodies longer than this go to S3; shorter ones stay in the ping item.
PING_BODY_INLINE_MAX = 100
# Pings kept per check (Healthchecks' "ping log limit").
PING_LOG_LIMIT = _int("PING_LOG_LIMIT", 100)
# Accepted pings per check per minute; 0 turns the limit off (as open-source Healthchecks).
PING_RATE_LIMIT = _int("PING_RATE_LIMIT", 0)
# Checks a project may hold; ?create=1 refuses at twice this (as Healthchecks).
CHECK_LIMIT = _int("CHECK_LIMIT", 10_000)
# Partitions of the sparse "due" index; the sweep queries each one.
DUE_SHARDS = _int("DUE_SHARDS", 8)

# Where `make run` serves DynamoDB Local and moto; the CLI talks to these unless
# AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_DYNAMODB) is set.
LOCAL_DYNAMODB_PORT = _int("LOCAL_DYNAMODB_PORT", 8001)
LOCAL_MOTO_PORT = _int("LOCAL_MOTO_PORT", 5055)
