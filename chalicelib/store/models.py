"""DynamoDB tables as pynamodb models: projects, keys, checks, pings, flips, channels, users, sessions.

Times are timezone-aware UTC datetimes; durations are seconds. See docs/ARCHITECTURE.md
for the keys and indexes and why they are shaped so.
"""
from datetime import timedelta

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model as PynamoDBModel

from chalicelib import settings
from chalicelib.store import aws

FLIP_RETENTION = timedelta(days=93)


class Model(PynamoDBModel):
    """pynamodb's Model, on the process's one DynamoDB client (see aws.share_client)."""

    @classmethod
    def _get_connection(cls):
        table = super()._get_connection()
        aws.share_client(table.connection)
        return table


# Connections of the one shared client (pynamodb's default is 10): room for the sweep's workers
# and the local server's threads at once, which otherwise wait and log "pool is full".
POOL_CONNECTIONS = 32


def _meta(name: str, **extra):
    """Meta for a table named with the stage prefix, billed on demand."""
    attrs = {
        "table_name": settings.TABLE_PREFIX + name,
        "billing_mode": "PAY_PER_REQUEST",
        "max_pool_connections": POOL_CONNECTIONS,
    }
    attrs.update(extra)
    return type("Meta", (), attrs)


def _index_meta(name: str, projection):
    return type("Meta", (), {"index_name": name, "projection": projection})


class ProjectByPingKey(GlobalSecondaryIndex):
    Meta = _index_meta("by_ping_key", AllProjection())
    ping_key = UnicodeAttribute(hash_key=True)


class Project(Model):
    Meta = _meta("projects")
    code = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(default="")
    owner = UnicodeAttribute(null=True)
    created = UTCDateTimeAttribute()
    badge_key = UnicodeAttribute()
    ping_key = UnicodeAttribute(null=True)
    check_limit = NumberAttribute(default=settings.CHECK_LIMIT)
    ping_log_limit = NumberAttribute(default=settings.PING_LOG_LIMIT)
    show_slugs = BooleanAttribute(default=False)  # the dashboard shows slug ping URLs
    # Recurring quiet windows of every check in the project, as JSON (chalicelib/checks/quiet.py);
    # None for none. On the project, not copied to its checks: alert delivery reads it.
    quiet_windows = UnicodeAttribute(null=True)
    by_ping_key = ProjectByPingKey()


class ApiKeyByProject(GlobalSecondaryIndex):
    Meta = _index_meta("by_project", AllProjection())
    project = UnicodeAttribute(hash_key=True)


class ApiKey(Model):
    """An API key, found by the SHA-256 of the key; the key itself is never stored."""

    Meta = _meta("api_keys")
    key_hash = UnicodeAttribute(hash_key=True)
    project = UnicodeAttribute()
    readonly = BooleanAttribute(default=False)
    # The first characters, so people can tell their keys apart.
    hint = UnicodeAttribute(default="")
    created = UTCDateTimeAttribute()
    by_project = ApiKeyByProject()


class CheckByProject(GlobalSecondaryIndex):
    Meta = _index_meta("by_project", AllProjection())
    project = UnicodeAttribute(hash_key=True)


# The slug and badge lookups hold keys only: no ping changes a key, so no ping writes to them
# (an ALL projection would copy every ping's changes, one write unit per index per ping).
class CheckBySlug(GlobalSecondaryIndex):
    Meta = _index_meta("by_slug", KeysOnlyProjection())
    slug_key = UnicodeAttribute(hash_key=True)


class CheckByBadgeKey(GlobalSecondaryIndex):
    Meta = _index_meta("by_badge_key", KeysOnlyProjection())
    badge_key = UnicodeAttribute(hash_key=True)


class CheckDue(GlobalSecondaryIndex):
    """Sparse: holds only checks with an alert_after, i.e. that can still go down.

    Projects every attribute, so the sweep decides from the index rows alone; its
    conditional write on the check catches a row that is already out of date.
    """

    Meta = _index_meta("due", AllProjection())
    due_shard = NumberAttribute(hash_key=True)
    alert_after = UTCDateTimeAttribute(range_key=True)


class Check(Model):
    Meta = _meta("checks")
    code = UnicodeAttribute(hash_key=True)
    project = UnicodeAttribute()
    badge_key = UnicodeAttribute()
    created = UTCDateTimeAttribute()
    name = UnicodeAttribute(default="")
    slug = UnicodeAttribute(default="")
    tags = UnicodeAttribute(default="")
    desc = UnicodeAttribute(default="")

    kind = UnicodeAttribute(default="simple")  # simple | cron | oncalendar
    timeout = NumberAttribute(default=86400)
    grace = NumberAttribute(default=3600)
    schedule = UnicodeAttribute(default="* * * * *")
    tz = UnicodeAttribute(default="UTC")

    methods = UnicodeAttribute(default="")  # "" = any method, "POST" = POST only
    manual_resume = BooleanAttribute(default=False)
    filter_subject = BooleanAttribute(default=False)
    filter_body = BooleanAttribute(default=False)
    filter_http_body = BooleanAttribute(default=False)
    filter_default_fail = BooleanAttribute(default=False)
    start_kw = UnicodeAttribute(default="")
    success_kw = UnicodeAttribute(default="")
    failure_kw = UnicodeAttribute(default="")
    channels = UnicodeSetAttribute(default=set)
    # Run-time bounds, seconds (chalicelib/checks/run_bounds.py): a success whose run was shorter
    # or longer is a failure; a run open past max_duration goes down. None: no bound, as Healthchecks.
    min_duration = NumberAttribute(null=True)
    max_duration = NumberAttribute(null=True)
    # Each open run (by run id) has its own deadline; None or False: only the latest start is
    # watched, as Healthchecks (max_duration implies it).
    track_runs = BooleanAttribute(null=True)
    ping_log_limit = NumberAttribute(default=settings.PING_LOG_LIMIT)
    # Failures in a row that send the check down, successes in a row that bring it back up
    # (chalicelib/checks/thresholds.py); None is 1, Healthchecks' behaviour.
    failure_threshold = NumberAttribute(null=True)
    recovery_threshold = NumberAttribute(null=True)
    # The check's own recurring quiet windows, as JSON (chalicelib/checks/quiet.py); None for none.
    quiet_windows = UnicodeAttribute(null=True)

    # State, changed by pings, the sweep and pause/resume.
    status = UnicodeAttribute(default="new")  # new | up | down | paused
    n_pings = NumberAttribute(default=0)
    last_ping = UTCDateTimeAttribute(null=True)
    last_start = UTCDateTimeAttribute(null=True)
    last_start_rid = UnicodeAttribute(null=True)
    last_duration = NumberAttribute(null=True)
    # Open runs by run id ("-" for pings without one) -> start time, for per-ping durations.
    runs = MapAttribute(default=dict)
    has_confirmation_link = BooleanAttribute(default=False)
    alert_after = UTCDateTimeAttribute(null=True)
    # When a person or the API last changed the state without a ping (pause, resume, schedule),
    # so the checks list's live update can tell which checks changed (pings stamp last_ping).
    changed = UTCDateTimeAttribute(null=True)
    # Fixed-window ping rate limit: the current minute and the pings accepted in it.
    rate_window = NumberAttribute(null=True)
    rate_count = NumberAttribute(null=True)
    # The ping log's upkeep (chalicelib/pings/retention.py), written by the ping's own update:
    # seconds between success/failure pings (a moving mean), which sets how long a ping is
    # kept; and the serial of the newest ping that left work for the prune (no expiry, or a
    # body in S3), so the pings of a check that needs none skip the prune altogether.
    pace = NumberAttribute(null=True)
    prune_n = NumberAttribute(null=True)
    # The check this one depends on (its parent: a router, a database host), in the same
    # project; while the parent or one of its ancestors is down, this check's down alerts are
    # held (chalicelib/checks/dependencies.py). None for the many checks that depend on nothing.
    depends_on = UnicodeAttribute(null=True)
    # Failures in a row while not down, successes in a row while down, counted by the ping's own
    # write only when a threshold is over 1; None when nothing is being counted.
    fail_streak = NumberAttribute(null=True)
    ok_streak = NumberAttribute(null=True)
    # Alerts silenced until then by a snooze (/ping/<uuid>/snooze/<minutes>, the dashboard, the API).
    snoozed_until = UTCDateTimeAttribute(null=True)
    # A down alert held back by a quiet window or a snooze: it goes out then if the check is still
    # down (the sweep finds it by alert_after, which a held down check keeps); None when none is held.
    alert_held_until = UTCDateTimeAttribute(null=True)
    # When its team was last mailed that the check is flapping (chalicelib/alerts/flapping.py):
    # the claim that makes that notice once a day. None for checks never noticed, nearly all.
    flap_noticed = UTCDateTimeAttribute(null=True)

    # Index keys: "<ping key>/<slug>" (set only with both) and the due index's shard.
    slug_key = UnicodeAttribute(null=True)
    due_shard = NumberAttribute()

    by_project = CheckByProject()
    by_slug = CheckBySlug()
    by_badge_key = CheckByBadgeKey()
    due = CheckDue()


class Ping(Model):
    Meta = _meta("pings")
    code = UnicodeAttribute(hash_key=True)
    n = NumberAttribute(range_key=True)
    created = UTCDateTimeAttribute()
    kind = UnicodeAttribute()  # success | start | fail | log | ign
    scheme = UnicodeAttribute(default="http")
    method = UnicodeAttribute(default="")
    remote_addr = UnicodeAttribute(null=True)
    ua = UnicodeAttribute(default="")
    exitstatus = NumberAttribute(null=True)
    rid = UnicodeAttribute(null=True)
    duration = NumberAttribute(null=True)
    # A body of up to PING_BODY_INLINE_MAX bytes is kept here; a longer one is in S3.
    body = BinaryAttribute(null=True, legacy_encoding=False)
    object_size = NumberAttribute(null=True)
    body_truncated = BooleanAttribute(default=False)
    # When DynamoDB may delete the item (TTL): long after the ping has left the visible log,
    # at the check's pace; None for the pings the prune deletes (chalicelib/pings/retention.py).
    expires = TTLAttribute(null=True)


class FlipByProject(GlobalSecondaryIndex):
    """A project's flips in time order, with what a status page reads of them: one Query per view."""

    Meta = _index_meta("by_project", IncludeProjection(["old_status", "new_status", "note"]))
    project = UnicodeAttribute(hash_key=True)
    created = UTCDateTimeAttribute(range_key=True)


class Flip(Model):
    """A change of a check's status; the stream on this table drives alert delivery."""

    Meta = _meta("flips", stream_view_type="NEW_IMAGE")
    code = UnicodeAttribute(hash_key=True)
    created = UTCDateTimeAttribute(range_key=True)
    project = UnicodeAttribute()
    old_status = UnicodeAttribute()
    new_status = UnicodeAttribute()
    reason = UnicodeAttribute(default="")  # "" | "timeout" | "fail" | "schedule" (silent)
    # Why, in words, when the reason has figures of its own ("ran 2 h 14 min, longer than 1 h"):
    # alerts and the event log show it in place of the reason's stock words.
    detail = UnicodeAttribute(null=True)
    # For the flips of a check that depends on another: what delivery decided, once ("alerted",
    # "covered": held while an ancestor was down, "released": alerted when it came back up), and
    # the ancestor that covered it. None for every other flip.
    dependency = UnicodeAttribute(null=True)
    covered_by = UnicodeAttribute(null=True)
    # A down alert held back by a quiet time until then (set by delivery), and when the sweep let it
    # go because the check was still down: the stream's MODIFY then delivers it (chalicelib/checks/quiet.py).
    held_until = UTCDateTimeAttribute(null=True)
    released = UTCDateTimeAttribute(null=True)
    # The team's note on the incident this down flip starts, shown on the project's public status
    # pages (chalicelib/checks/status_pages.py); kept on the flip so that the flips a page reads
    # anyway carry it. None on almost every flip.
    note = UnicodeAttribute(null=True)
    expires = TTLAttribute()
    by_project = FlipByProject()


class ChannelByProject(GlobalSecondaryIndex):
    Meta = _index_meta("by_project", AllProjection())
    project = UnicodeAttribute(hash_key=True)


class Channel(Model):
    """An integration: where a project's alerts go. Checks list their channels' codes."""

    Meta = _meta("channels")
    code = UnicodeAttribute(hash_key=True)
    project = UnicodeAttribute()
    kind = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    value = UnicodeAttribute(default="")  # per kind: a plain string or JSON
    created = UTCDateTimeAttribute()
    email_verified = BooleanAttribute(default=False)
    disabled = BooleanAttribute(default=False)
    last_notify = UTCDateTimeAttribute(null=True)
    last_notify_duration = NumberAttribute(null=True)
    last_error = UnicodeAttribute(default="")
    by_project = ChannelByProject()


class Notification(Model):
    """One alert attempt on one channel; its key makes a flip notify each channel once."""

    Meta = _meta("notifications")
    code = UnicodeAttribute(hash_key=True)  # the check's code
    key = UnicodeAttribute(range_key=True)  # "<flip time ISO>#<channel code>"
    channel = UnicodeAttribute()
    check_status = UnicodeAttribute()
    created = UTCDateTimeAttribute()
    error = UnicodeAttribute(default="Sending")
    expires = TTLAttribute()


class UserByEmail(GlobalSecondaryIndex):
    Meta = _index_meta("by_email", AllProjection())
    email = UnicodeAttribute(hash_key=True)


class UserReportDue(GlobalSecondaryIndex):
    """Sparse: only users with a next_report_date, so the report run reads just the due ones."""

    Meta = _index_meta("report_due", AllProjection())
    due_shard = NumberAttribute(hash_key=True)
    next_report_date = UTCDateTimeAttribute(range_key=True)


class UserNagDue(GlobalSecondaryIndex):
    """Sparse: only users with a next_nag_date (reminders on)."""

    Meta = _index_meta("nag_due", AllProjection())
    due_shard = NumberAttribute(hash_key=True)
    next_nag_date = UTCDateTimeAttribute(range_key=True)


class User(Model):
    """A person who logs in to the dashboard; found by id, or by (lower-case) email."""

    Meta = _meta("users")
    id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()
    created = UTCDateTimeAttribute()
    password_hash = UnicodeAttribute(null=True)  # None: magic links only
    # The hash of the one magic-link token that is valid now; cleared when used.
    login_token_hash = UnicodeAttribute(null=True)
    is_superuser = BooleanAttribute(default=False)
    tz = UnicodeAttribute(default="UTC")
    theme = UnicodeAttribute(default="")  # "" (light) | dark | system
    sort = UnicodeAttribute(default="created")  # the checks list's sort
    # Operator overrides of the global limits for this account (the admin area); None means the
    # environment's default. check_limit counts checks across the projects the user owns; accounts
    # made before the admin area stored CHECK_LIMIT here, which reads as an override of that value.
    check_limit = NumberAttribute(null=True)
    sms_limit = NumberAttribute(null=True)  # SMS and WhatsApp per month (SMS_LIMIT)
    call_limit = NumberAttribute(null=True)  # phone calls per month (CALL_LIMIT)
    team_limit = NumberAttribute(null=True)  # people in the owned projects' teams (TEAM_LIMIT)
    # Set by an operator: no login and no session from then on (its projects keep running).
    deactivated = UTCDateTimeAttribute(null=True)
    last_active = UTCDateTimeAttribute(null=True)
    reports = UnicodeAttribute(default="monthly")  # off | daily | weekly | monthly
    nag_period = NumberAttribute(default=0)  # seconds; 0 = no reminders
    next_report_date = UTCDateTimeAttribute(null=True)
    next_nag_date = UTCDateTimeAttribute(null=True)
    # Until when a report (reminder) run holds this user's due mail; a run that died is retried after it.
    report_claim = UTCDateTimeAttribute(null=True)
    nag_claim = UTCDateTimeAttribute(null=True)
    totp = UnicodeAttribute(null=True)  # the authenticator app's base32 secret; None: no TOTP
    totp_created = UTCDateTimeAttribute(null=True)
    recovery_codes = UnicodeSetAttribute(null=True)  # keyed hashes of the unused TOTP recovery codes
    # One fixed shard: the report_due and nag_due indexes' hash key (users are few next to checks).
    due_shard = NumberAttribute(default=0)
    by_email = UserByEmail()
    report_due = UserReportDue()
    nag_due = UserNagDue()


class EmailClaim(Model):
    """An address taken by a user: written with the user (or the change of address) in one
    transaction, conditioned on its absence, so two signups cannot make two accounts."""

    Meta = _meta("emails")
    email = UnicodeAttribute(hash_key=True)
    user = UnicodeAttribute()


class MemberByUser(GlobalSecondaryIndex):
    Meta = _index_meta("by_user", AllProjection())
    user = UnicodeAttribute(hash_key=True)
    project = UnicodeAttribute(range_key=True)


class Member(Model):
    """A user's place in a project. The owner has a row too (role "owner"), so that one
    Query by user lists every project a person can see."""

    Meta = _meta("members")
    project = UnicodeAttribute(hash_key=True)
    user = UnicodeAttribute(range_key=True)
    role = UnicodeAttribute(default="w")  # owner | m (manager) | w (member) | r (read-only)
    created = UTCDateTimeAttribute()
    transfer_requested = UTCDateTimeAttribute(null=True)
    by_user = MemberByUser()


class SessionByUser(GlobalSecondaryIndex):
    Meta = _index_meta("by_user", KeysOnlyProjection())
    user = UnicodeAttribute(hash_key=True)


class Session(Model):
    """A dashboard login, found by the SHA-256 of the cookie's value; expires by TTL."""

    Meta = _meta("sessions")
    key_hash = UnicodeAttribute(hash_key=True)
    user = UnicodeAttribute()
    created = UTCDateTimeAttribute()
    data = MapAttribute(default=dict)  # small per-session state: flashes, sudo, last project
    expires = TTLAttribute()
    by_user = SessionByUser()


class Credential(Model):
    """A user's WebAuthn security key: fido2's AttestedCredentialData bytes, with a name."""

    Meta = _meta("credentials")
    user = UnicodeAttribute(hash_key=True)
    code = UnicodeAttribute(range_key=True)  # a uuid4, in the remove URL
    name = UnicodeAttribute(default="")
    created = UTCDateTimeAttribute()
    data = BinaryAttribute(legacy_encoding=False)


class TokenBucket(Model):
    """A rate limit's state: tokens left (at most 1.0) at `updated`; pruned by TTL."""

    Meta = _meta("token_buckets")
    key = UnicodeAttribute(hash_key=True)
    tokens = NumberAttribute()
    updated = NumberAttribute()  # unix seconds
    expires = TTLAttribute()


class MonthlyUsage(Model):
    """Sends counted against a monthly quota (SMS, phone calls), key "<quota>-<holder>-<YYYY-MM>"; pruned by TTL."""

    Meta = _meta("monthly_usage")
    key = UnicodeAttribute(hash_key=True)
    used = NumberAttribute(default=0)
    expires = TTLAttribute()


class StatusPageByProject(GlobalSecondaryIndex):
    Meta = _index_meta("by_project", AllProjection())
    project = UnicodeAttribute(hash_key=True)


class StatusPage(Model):
    """A project's public status page (chalicelib/checks/status_pages.py), found by its slug: the
    table's key, so a slug is unique across the site by a conditional put, and a view is one GetItem."""

    Meta = _meta("status_pages")
    slug = UnicodeAttribute(hash_key=True)
    project = UnicodeAttribute()
    created = UTCDateTimeAttribute()
    title = UnicodeAttribute(default="")
    logo_url = UnicodeAttribute(null=True)  # https only
    message = UnicodeAttribute(null=True)
    published = BooleanAttribute(default=False)  # unpublished pages answer 404
    # What the page shows, in order, as JSON: [{"check": code, "name": public name} or {"tag": tag, "name": ...}].
    items = UnicodeAttribute(default="[]")
    by_project = StatusPageByProject()


class AdminChange(Model):
    """One change an operator made to an account (a limit, deactivation, the superuser flag):
    kept apart from the users table, which pruneusers scans, and never expired."""

    Meta = _meta("admin_changes")
    user = UnicodeAttribute(hash_key=True)  # the account changed
    key = UnicodeAttribute(range_key=True)  # "<time ISO>#<random>": newest last, unique within a second
    created = UTCDateTimeAttribute()
    actor = UnicodeAttribute()  # the superuser's email, or "command line"
    field = UnicodeAttribute()  # check_limit | sms_limit | call_limit | team_limit | deactivated | is_superuser
    old = UnicodeAttribute(default="")  # as shown: "" for the default, "10000", "yes"
    new = UnicodeAttribute(default="")


ALL_MODELS = [
    Project, ApiKey, Check, Ping, Flip, Channel, Notification, User, EmailClaim, Member, Session, TokenBucket, MonthlyUsage,
    Credential, StatusPage, AdminChange,
]  # fmt: skip


def create_tables() -> None:
    """Create every missing table, and every missing index of an existing one (a local data
    folder from an older version); on AWS, infra/ declares them."""
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True)
        else:
            _add_missing_indexes(model)
            _turn_on_missing_ttl(model)


def _turn_on_missing_ttl(model) -> None:
    """TTL on an existing table whose model has gained an expiry (pings, in a local data folder)."""
    ttl = model._ttl_attribute()
    if ttl is None:
        return
    client = aws.client("dynamodb")
    described = client.describe_time_to_live(TableName=model.Meta.table_name)["TimeToLiveDescription"]
    if described.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        return
    client.update_time_to_live(
        TableName=model.Meta.table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl.attr_name}
    )


def _add_missing_indexes(model) -> None:
    from chalicelib.store import aws

    client = aws.client("dynamodb")
    table = client.describe_table(TableName=model.Meta.table_name)["Table"]
    existing = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
    schema = model._get_schema()
    for index in schema["global_secondary_indexes"]:
        if index["index_name"] in existing:
            continue
        client.update_table(
            TableName=model.Meta.table_name,
            AttributeDefinitions=index["attribute_definitions"],
            GlobalSecondaryIndexUpdates=[
                {"Create": {"IndexName": index["index_name"], "KeySchema": index["key_schema"], "Projection": index["projection"]}}
            ],
        )
