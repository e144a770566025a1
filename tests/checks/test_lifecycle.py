"""Data lifecycle: the ping log limit prunes pings with their S3 bodies and older notifications;
flips, notifications, token buckets and sessions carry the expiry DynamoDB TTL deletes them by."""
from datetime import timedelta

import pytest

from chalicelib import settings
from chalicelib.checks import flips
from chalicelib.lib import ratelimit
from chalicelib.pings import intake
from chalicelib.store import aws
from chalicelib.store.models import FLIP_RETENTION, Notification, Ping, Project, Session, TokenBucket

BIG = b"x" * (settings.PING_BODY_INLINE_MAX + 1)  # goes to S3


def s3_keys(code: str) -> list[str]:
    listed = aws.client("s3").list_objects_v2(Bucket=settings.S3_BUCKET, Prefix=code + "/")
    return sorted(obj["Key"] for obj in listed.get("Contents", []))


def ping_numbers(code: str) -> list[int]:
    return [int(p.n) for p in Ping.query(code)]


def notification(check, created, channel="c1") -> Notification:
    item = Notification(
        code=check.code, key=f"{created.isoformat()}#{channel}", channel=channel, check_status="down",
        created=created, expires=created + timedelta(days=93),
    )  # fmt: skip
    item.save()
    return item


@pytest.fixture
def short_log_check(project, make_check):
    """A check keeping 3 pings, 5 pings short of its 100th (the pings that prune come every 100)."""
    project.update(actions=[Project.ping_log_limit.set(3)])
    return make_check(name="Backups", n_pings=95)


def test_every_hundredth_ping_keeps_only_the_ping_log_limit(short_log_check, ping, now):
    check = short_log_check
    for minute in range(5):  # pings 96..100; the 100th prunes
        ping(check, now + timedelta(minutes=minute), method="POST", body=BIG)
    assert ping_numbers(check.code) == [98, 99, 100]


def test_pruned_pings_lose_their_s3_bodies(short_log_check, ping, now):
    check = short_log_check
    for minute in range(5):
        ping(check, now + timedelta(minutes=minute), method="POST", body=BIG)
    assert s3_keys(check.code) == sorted(f"{check.code}/{n}" for n in (98, 99, 100))


def test_prune_deletes_notifications_older_than_the_oldest_kept_ping(check, ping, now):
    for minute in range(4):
        ping(check, now + timedelta(minutes=minute))  # pings 1..4
    before = notification(check, now + timedelta(seconds=30), "early")
    after = notification(check, now + timedelta(minutes=2, seconds=30), "late")

    intake.prune(check.code, 2)  # the oldest kept is ping 3, at now + 2 min

    kept = [n.key for n in Notification.query(check.code)]
    assert kept == [after.key] and before.key not in kept


def test_prune_keeps_notifications_when_no_ping_is_left(check, ping, now):
    ping(check, now)
    kept = notification(check, now - timedelta(days=1))
    intake.prune(check.code, 1)
    assert [n.key for n in Notification.query(check.code)] == [kept.key]


def test_flips_expire_three_months_after_they_happen(check, now):
    flip = flips.write_flip(check, "up", "down", "timeout", now)
    assert flip.expires - flip.created == FLIP_RETENTION == timedelta(days=93)


def test_token_buckets_expire_a_day_after_their_last_use(aws, now):
    ratelimit.allow("auth-ip-192.0.2.1", 20, timedelta(hours=1), now)
    bucket = TokenBucket.get("auth-ip-192.0.2.1")
    assert bucket.expires == now + timedelta(days=1)


def test_sessions_expire_with_their_cookie(user, now):
    from chalicelib.web import sessions

    session, _ = sessions.create(user, now)
    assert Session.get(session.key_hash).expires == now + sessions.AGE


def test_every_model_with_an_expiry_has_ttl_on_in_its_table(aws):
    from chalicelib.store.models import ALL_MODELS

    for model in ALL_MODELS:
        ttl = model._ttl_attribute()
        if ttl is None:
            continue
        described = aws_ttl(model.Meta.table_name)
        assert (described["TimeToLiveStatus"], described["AttributeName"]) == ("ENABLED", ttl.attr_name), model


def aws_ttl(table_name: str) -> dict:
    return aws.client("dynamodb").describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
