"""Data lifecycle: pings that leave the log expire (or, for a rarely pinged check, are pruned) and
lose their S3 bodies; notifications older than the log are hidden; flips, notifications, pings,
token buckets and sessions carry the expiry DynamoDB TTL deletes them by."""
from datetime import timedelta

import pytest

from chalicelib import settings
from chalicelib.checks import checks, events, flips
from chalicelib.lib import ratelimit
from chalicelib.pings import retention
from chalicelib.store import aws
from chalicelib.store.models import FLIP_RETENTION, Check, Notification, Ping, Project, Session, TokenBucket

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


def ping_at_pace(check, ping, now, pace, count=5, body=BIG):
    """`count` pings a minute apart, the check's pace set to `pace` seconds before each."""
    for minute in range(count):
        Check(code=check.code).update(actions=[Check.pace.set(pace)])
        ping(check, now + timedelta(minutes=minute), method="POST", body=body)


RARELY = 30 * 86400  # 20 x 3 pings of 30 days: over retention.MAX_KEEP, so no expiry
OFTEN = 60


def test_a_rarely_pinged_check_has_every_hundredth_ping_delete_what_left_the_log(short_log_check, ping, now):
    ping_at_pace(short_log_check, ping, now, RARELY)  # pings 96..100; the 100th prunes
    assert ping_numbers(short_log_check.code) == [98, 99, 100]
    assert all(p.expires is None for p in Ping.query(short_log_check.code))
    assert s3_keys(short_log_check.code) == sorted(f"{short_log_check.code}/{n}" for n in (98, 99, 100))


def test_a_check_pinged_often_keeps_pings_that_left_the_log_until_they_expire(short_log_check, ping, now):
    ping_at_pace(short_log_check, ping, now, OFTEN)
    stored = list(Ping.query(short_log_check.code))
    assert [int(p.n) for p in stored] == [96, 97, 98, 99, 100]  # 96 and 97 hidden, not deleted
    keep = timedelta(seconds=retention.KEEP_FACTOR * 3 * OFTEN)
    assert [p.expires - p.created for p in stored] == [max(keep, retention.MIN_KEEP)] * 5


def test_bodies_of_pings_that_left_the_log_are_deleted_even_when_their_items_expire(short_log_check, ping, now):
    ping_at_pace(short_log_check, ping, now, OFTEN)
    assert s3_keys(short_log_check.code) == sorted(f"{short_log_check.code}/{n}" for n in (98, 99, 100))


def test_notifications_older_than_the_oldest_visible_ping_are_not_shown(check, ping, now):
    check.update(actions=[Check.ping_log_limit.set(2)])
    for minute in range(4):
        ping(check, now + timedelta(minutes=minute))  # pings 1..4; 3 and 4 are visible
    before = notification(check, now + timedelta(minutes=1, seconds=30), "early")
    after = notification(check, now + timedelta(minutes=2, seconds=30), "late")

    shown = [e.notification.key for e in events.recent(checks.get(check.code)) if e.notification]
    assert shown == [after.key]
    assert len(list(Notification.query(check.code))) == 2  # hidden, not deleted: they expire by TTL
    assert before.expires - before.created == timedelta(days=93)


def test_notifications_are_all_shown_while_no_ping_has_left_the_log(check, ping, now):
    ping(check, now)
    kept = notification(check, now - timedelta(days=1))
    assert [e.notification.key for e in events.recent(checks.get(check.code)) if e.notification] == [kept.key]


def test_a_notification_is_hidden_also_on_a_page_of_notifications_only(check, ping, now):
    check.update(actions=[Check.ping_log_limit.set(1)])
    ping(check, now)
    ping(check, now + timedelta(minutes=2))  # ping 1 has left the log
    notification(check, now + timedelta(minutes=1), "early")
    late = notification(check, now + timedelta(minutes=3), "late")
    found = events.recent(checks.get(check.code), kinds=["notification"])
    assert [e.notification.key for e in found] == [late.key]


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
