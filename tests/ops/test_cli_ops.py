"""Operations commands: createsuperuser, pruneusers, pruneobjects, exportproject/importproject and
doctor, in-process under moto, and one run of the real command line against moto's server."""
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import settings
from chalicelib.accounts import passwords, projects, users
from chalicelib.checks import channels, checks, quiet
from chalicelib.ops import OpsError, accounts, cli, doctor, objects, project_file
from chalicelib.store import aws, models
from chalicelib.store.models import Check, Member, Ping, Project, User

PASSWORD = "a long enough password"
SEVEN_MONTHS = timedelta(days=214)


def run_cli(capsys, *argv) -> dict:
    assert cli.main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


# createsuperuser


def test_createsuperuser_takes_the_password_from_the_environment(aws, real_aws_endpoint, monkeypatch, capsys):
    monkeypatch.setenv("SUPERUSER_PASSWORD", PASSWORD)
    printed = run_cli(capsys, "createsuperuser", "--email", "Root@Example.org")
    user = users.find_by_email("root@example.org")
    assert printed == {"superuser": "root@example.org", "id": user.id}
    assert user.is_superuser and passwords.matches(PASSWORD, user.password_hash)


def test_createsuperuser_owns_a_default_project(aws, now):
    user = accounts.create_superuser("root@example.org", PASSWORD, now)
    [member] = Member.by_user.query(user.id)
    assert member.role == "owner" and Project.get(member.project).owner == user.id


def test_createsuperuser_refuses_a_taken_email(user, now):
    with pytest.raises(OpsError, match="already exists"):
        accounts.create_superuser("ALICE@example.org", PASSWORD, now)
    assert not users.find_by_email("alice@example.org").is_superuser


def test_createsuperuser_refuses_a_short_password(aws, now):
    with pytest.raises(OpsError, match="at least 8 characters"):
        accounts.create_superuser("root@example.org", "short", now)
    assert users.find_by_email("root@example.org") is None


def test_createsuperuser_without_password_or_terminal_says_how(aws, real_aws_endpoint, monkeypatch):
    monkeypatch.delenv("SUPERUSER_PASSWORD", raising=False)
    monkeypatch.setattr(sys, "stdin", open(os.devnull))
    with pytest.raises(SystemExit, match="SUPERUSER_PASSWORD"):
        cli.main(["createsuperuser", "--email", "root@example.org"])



# superuser


def test_superuser_grants_the_flag_to_an_existing_account_and_audits_it(user, real_aws_endpoint, capsys):
    from chalicelib.accounts import admin

    assert run_cli(capsys, "superuser", "Alice@Example.org") == {"user": "alice@example.org", "superuser": True, "changed": True}
    assert users.find_by_email("alice@example.org").is_superuser
    [line] = admin.changes_of(user)
    assert (line.field, line.new, line.actor) == ("is_superuser", "yes", "command line")


def test_superuser_revoke_takes_the_flag_away(user, real_aws_endpoint, capsys):
    run_cli(capsys, "superuser", "alice@example.org")
    assert run_cli(capsys, "superuser", "alice@example.org", "--revoke")["changed"] is True
    assert not users.find_by_email("alice@example.org").is_superuser


def test_superuser_twice_changes_nothing_the_second_time(user, real_aws_endpoint, capsys):
    run_cli(capsys, "superuser", "alice@example.org")
    assert run_cli(capsys, "superuser", "alice@example.org")["changed"] is False


def test_superuser_of_an_unknown_address_exits_with_a_message(aws, real_aws_endpoint):
    with pytest.raises(SystemExit, match="No user with the email address nobody@example.org"):
        cli.main(["superuser", "nobody@example.org"])

# pruneusers


@pytest.fixture
def account(aws, now):
    """account(age, last_active=None, checks=0): a user owning one project with that many checks."""

    def make(age: timedelta, last_active: datetime | None = None, checks_count: int = 0, **fields) -> User:
        created = now - age
        user = users.create_user(f"u{len(list(User.scan()))}@example.org", created, last_active=last_active, **fields)
        project = projects.create_project("Theirs", created, owner=user.id, keys=False).project
        for number in range(checks_count):
            checks.create_check(project, created, name=f"check {number}")
        return user

    return make


def pruned_emails(now, dry_run=False) -> set[str]:
    return {p.email for p in accounts.prune_users(now, dry_run=dry_run)}


def test_pruneusers_closes_old_accounts_that_never_logged_in(account, now):
    old = account(SEVEN_MONTHS)
    assert pruned_emails(now) == {old.email}
    assert users.get(old.id) is None and list(Member.by_user.query(old.id)) == []


def test_pruneusers_keeps_young_accounts_that_never_logged_in(account, now):
    account(timedelta(days=30))
    assert pruned_emails(now) == set()


def test_pruneusers_closes_accounts_inactive_six_months_without_checks(account, now):
    idle = account(timedelta(days=400), last_active=now - SEVEN_MONTHS)
    assert pruned_emails(now) == {idle.email}


def test_pruneusers_keeps_inactive_accounts_that_have_checks(account, now):
    account(timedelta(days=400), last_active=now - SEVEN_MONTHS, checks_count=1)
    assert pruned_emails(now) == set()


def test_pruneusers_keeps_recently_active_accounts(account, now):
    account(timedelta(days=400), last_active=now - timedelta(days=10))
    assert pruned_emails(now) == set()


def test_pruneusers_keeps_inactive_members_of_someone_elses_project(account, project, now):
    member = account(timedelta(days=400), last_active=now - SEVEN_MONTHS)
    projects.add_member(project.code, member.id, "w", now)
    assert pruned_emails(now) == set()


def test_pruneusers_keeps_superusers(account, now):
    account(SEVEN_MONTHS, is_superuser=True)
    assert pruned_emails(now) == set()


def test_pruneusers_dry_run_deletes_nothing(account, now):
    old = account(SEVEN_MONTHS)
    assert pruned_emails(now, dry_run=True) == {old.email}
    assert users.get(old.id) is not None


def test_a_login_counts_as_activity(anonymous_web, user, now):
    passwords.set_password(user, PASSWORD)
    anonymous_web.post("/accounts/login/", {"action": "login", "email": user.email, "password": PASSWORD})
    assert users.get(user.id).last_active is not None


def test_pruneusers_command_lists_the_accounts_and_reasons(aws, real_aws_endpoint, capsys):
    real_now = datetime.now(timezone.utc)  # the command runs at the real clock
    never = users.create_user("never@example.org", real_now - SEVEN_MONTHS)
    printed = run_cli(capsys, "pruneusers", "--dry-run")
    assert printed == {"dry_run": True, "users": [{"email": never.email, "reason": "never logged in"}]}


# pruneobjects


def put_object(key: str) -> None:
    aws.client("s3").put_object(Bucket=settings.S3_BUCKET, Key=key, Body=b"x" * 200)


def bucket_keys() -> set[str]:
    listed = aws.client("s3").list_objects_v2(Bucket=settings.S3_BUCKET)
    return {obj["Key"] for obj in listed.get("Contents", [])}


@pytest.fixture
def later():
    """Two hours past the real clock, which stamps S3 objects: every object counts as settled."""
    return datetime.now(timezone.utc) + timedelta(hours=2)


@pytest.fixture
def stored(check, now):
    """A bucket with: a kept ping's body, a pruned ping's body, a deleted check's body, inbound mail."""
    Ping(code=check.code, n=7, created=now, kind="success", object_size=200).save()
    gone = "00000000-0000-4000-8000-000000000000"
    keys = {"kept": f"{check.code}/7", "pruned": f"{check.code}/3", "gone": f"{gone}/1", "mail": "inbound/abc"}
    for key in keys.values():
        put_object(key)
    return keys


def test_pruneobjects_deletes_bodies_of_deleted_checks(stored, later):
    result = objects.prune_objects(later)
    assert stored["gone"] not in bucket_keys() and result.gone_checks == 1


def test_pruneobjects_deletes_bodies_of_pings_no_longer_in_the_log(stored, later):
    objects.prune_objects(later)
    assert stored["pruned"] not in bucket_keys()


def test_pruneobjects_keeps_bodies_of_kept_pings_and_inbound_mail(stored, later):
    objects.prune_objects(later)
    assert bucket_keys() == {stored["kept"], stored["mail"]}


def test_pruneobjects_keeps_bodies_younger_than_an_hour(stored):
    objects.prune_objects(datetime.now(timezone.utc))  # a ping may be about to store its row
    assert bucket_keys() == set(stored.values())


def test_pruneobjects_dry_run_deletes_nothing(stored, later):
    result = objects.prune_objects(later, dry_run=True)
    assert sorted(result.keys) == sorted([stored["gone"], stored["pruned"]])
    assert bucket_keys() == set(stored.values())


def test_pruneobjects_command_counts_what_it_would_delete(stored, real_aws_endpoint, capsys, monkeypatch):
    monkeypatch.setattr(objects, "MIN_AGE", timedelta(0))
    printed = run_cli(capsys, "pruneobjects", "--dry-run")
    assert printed == {"dry_run": True, "gone_checks": 1, "objects": 2}


# exportproject and importproject


@pytest.fixture
def configured(project, make_check, now):
    """A project with an email channel, a simple check on it and a cron check."""
    channel = channels.create_channel(project.code, "email", {"value": "ops@example.org", "up": True, "down": True}, now)
    channel.update(actions=[models.Channel.name.set("Ops mail")])
    make_check(name="Backups", slug="backups", tags="prod", timeout=3600, grace=600, channels={channel.code})
    make_check(name="Nightly", slug="nightly", kind="cron", schedule="0 3 * * *", tz="Europe/Riga", grace=900)
    return project


def test_exportproject_gives_each_checks_api_fields(configured, now):
    exported = project_file.export_checks(configured, now)
    backups, nightly = exported["checks"]
    assert (exported["project"], exported["name"]) == (configured.code, "Test project")
    assert backups == {
        "name": "Backups", "slug": "backups", "tags": "prod", "desc": "", "timeout": 3600, "grace": 600,
        "manual_resume": False, "filter_subject": False, "filter_body": False, "filter_http_body": False,
        "filter_default_fail": False, "methods": "", "start_kw": "", "success_kw": "", "failure_kw": "",
        "failure_threshold": 1, "recovery_threshold": 1, "quiet_windows": [], "channels": "Ops mail",
    }  # fmt: skip
    assert (nightly["schedule"], nightly["tz"], "timeout" in nightly) == ("0 3 * * *", "Europe/Riga", False)


def test_importproject_recreates_the_checks_in_another_project(configured, now):
    exported = project_file.export_checks(configured, now)
    other = projects.create_project("Copy", now).project
    channels.create_channel(other.code, "email", {"value": "ops@example.org", "up": True, "down": True}, now)
    for channel in models.Channel.by_project.query(other.code):
        channel.update(actions=[models.Channel.name.set("Ops mail")])

    assert project_file.import_checks(other, exported, now) == {"created": 2, "updated": 0}
    again = project_file.export_checks(other, now)
    assert again["checks"] == exported["checks"]


def test_export_and_import_carry_thresholds_and_quiet_windows(project, make_check, now):
    window = {"schedule": "0 2 * * 6", "duration": 5400, "tz": "Europe/Riga"}
    quiet.set_project_windows(project, [window])
    make_check(name="Flaky", slug="flaky", failure_threshold=3, recovery_threshold=2, quiet_windows=quiet.stored([window]))
    exported = project_file.export_checks(project, now)
    [flaky] = exported["checks"]
    assert exported["quiet_windows"] == [window]
    assert (flaky["failure_threshold"], flaky["recovery_threshold"], flaky["quiet_windows"]) == (3, 2, [window])

    other = projects.create_project("Copy", now).project
    project_file.import_checks(other, exported, now)
    again = project_file.export_checks(other, now)
    assert (again["quiet_windows"], again["checks"]) == (exported["quiet_windows"], exported["checks"])


def test_export_and_import_carry_run_time_bounds_and_watched_runs(project, make_check, now):
    make_check(name="ETL", slug="etl", min_duration=300, max_duration=7200, track_runs=True)
    exported = project_file.export_checks(project, now)
    [etl] = exported["checks"]
    assert (etl["min_duration"], etl["max_duration"], etl["track_runs"]) == (300, 7200, True)

    other = projects.create_project("Copy", now).project
    project_file.import_checks(other, exported, now)
    [copied] = Check.by_project.query(other.code)
    assert (copied.min_duration, copied.max_duration, copied.track_runs) == (300, 7200, True)


def test_importproject_refuses_bad_project_windows_before_writing(project, now):
    data = {"quiet_windows": [{"schedule": "0 2 * * 6", "duration": 5}], "checks": [{"name": "fine"}]}
    with pytest.raises(OpsError, match="the project's quiet_windows: window 1: duration must be"):
        project_file.import_checks(project, data, now)
    assert checks.count_in_project(project.code) == 0


def test_importproject_updates_the_check_with_the_same_slug(configured, now):
    changed = {"checks": [{"name": "Backups v2", "slug": "backups", "timeout": 7200}]}
    assert project_file.import_checks(configured, changed, now) == {"created": 0, "updated": 1}
    [backups] = [c for c in Check.by_project.query(configured.code) if c.slug == "backups"]
    assert (backups.name, backups.timeout) == ("Backups v2", 7200)


def test_importproject_matches_by_name_when_there_is_no_slug(project, make_check, now):
    make_check(name="No slug", timeout=60)
    assert project_file.import_checks(project, [{"name": "No slug", "timeout": 120}], now) == {"created": 0, "updated": 1}


def test_importproject_writes_nothing_when_a_check_is_invalid(project, now):
    data = [{"name": "fine", "timeout": 60}, {"name": "bad", "timeout": 1.5}]
    with pytest.raises(OpsError, match="check 2: json validation error: timeout is not a number"):
        project_file.import_checks(project, data, now)
    assert checks.count_in_project(project.code) == 0


def test_importproject_refuses_an_unknown_channel_before_writing(project, now):
    data = [{"name": "fine"}, {"name": "alerts", "channels": "Nobody"}]
    with pytest.raises(OpsError, match="check 2: invalid channel identifier: Nobody"):
        project_file.import_checks(project, data, now)
    assert checks.count_in_project(project.code) == 0


def test_importproject_refuses_a_file_without_checks(project, now):
    with pytest.raises(OpsError, match="list of checks"):
        project_file.import_checks(project, {"name": "x"}, now)


def test_export_and_import_commands_round_trip_through_a_file(configured, real_aws_endpoint, capsys, tmp_path):
    path = str(tmp_path / "checks.json")
    assert run_cli(capsys, "exportproject", "--project", configured.code, "--file", path)["checks"] == 2
    empty = projects.create_project("Empty").project
    with open(path) as f:
        data = json.load(f)
    for item in data["checks"]:
        item.pop("channels")
    with open(path, "w") as f:
        json.dump(data, f)
    printed = run_cli(capsys, "importproject", "--project", empty.code, "--file", path)
    assert printed == {"project": empty.code, "created": 2, "updated": 0}


def test_exportproject_names_an_unknown_project(aws, real_aws_endpoint):
    with pytest.raises(SystemExit, match="No project with the code nope"):
        cli.main(["exportproject", "--project", "nope"])


def test_importproject_names_an_unreadable_file(project, real_aws_endpoint, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(SystemExit, match="Cannot read"):
        cli.main(["importproject", "--project", project.code, "--file", str(path)])
    assert checks.count_in_project(project.code) == 0


# doctor


@pytest.fixture
def healthy(aws, monkeypatch, tmp_path):
    """Local settings that pass: the file email backend into a fresh folder."""
    monkeypatch.setattr(settings, "EMAIL_BACKEND", "file")
    monkeypatch.setattr(settings, "EMAIL_OUTBOX", str(tmp_path / "outbox"))


def finding(name: str) -> doctor.Finding:
    return next(f for f in doctor.diagnose() if f.name == name)


def test_doctor_passes_on_complete_local_resources(healthy, real_aws_endpoint, capsys):
    assert cli.main(["doctor"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(line.startswith("OK  ") for line in lines)
    assert f"OK  table {models.Check.Meta.table_name}: by_badge_key, by_project, by_slug, due" in lines
    assert "OK  flips stream: NEW_IMAGE" in lines


def test_doctor_fails_and_exits_1_on_the_local_secret_in_prod(healthy, real_aws_endpoint, monkeypatch, capsys):
    monkeypatch.setattr(settings, "STAGE", "prod")
    monkeypatch.setattr(settings, "SITE_ROOT", "https://checks.example.org")
    monkeypatch.setattr(settings, "EMAIL_BACKEND", "smtp")
    monkeypatch.setattr(settings, "EMAIL_HOST", "")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["doctor"])
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "FAIL  SECRET_KEY: the local default in prod" in out
    assert "FAIL  EMAIL_BACKEND smtp: EMAIL_HOST is not set" in out


def test_doctor_fails_a_plain_http_site_root_in_prod(healthy, monkeypatch):
    monkeypatch.setattr(settings, "STAGE", "prod")
    monkeypatch.setattr(settings, "SITE_ROOT", "http://checks.example.org")
    assert not finding("SITE_ROOT").ok


def test_doctor_fails_a_missing_table(healthy, monkeypatch):
    monkeypatch.setattr(models.TokenBucket.Meta, "table_name", "hc-test-nothing-here")
    assert finding("table hc-test-nothing-here").line() == "FAIL  table hc-test-nothing-here: missing"


def test_doctor_fails_a_table_without_its_index(healthy, monkeypatch):
    name = "hc-test-checks-without-indexes"
    aws.client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "code", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "code", "AttributeType": "S"}],
    )  # fmt: skip
    monkeypatch.setattr(models.Check.Meta, "table_name", name)
    assert "missing index by_badge_key, by_project, by_slug, due" in finding(f"table {name}").line()


def test_doctor_fails_a_missing_bucket(healthy, monkeypatch):
    monkeypatch.setattr(settings, "S3_BUCKET", "hc-test-no-such-bucket")
    assert not finding("bucket hc-test-no-such-bucket").ok


def test_doctor_fails_an_unverified_ses_sender_and_passes_a_verified_one(healthy, monkeypatch):
    domain = f"{uuid.uuid4().hex}.example.org"  # other tests verify senders in the same SES
    monkeypatch.setattr(settings, "EMAIL_BACKEND", "ses")
    monkeypatch.setattr(settings, "DEFAULT_FROM_EMAIL", f"alerts@{domain}")
    assert not finding("EMAIL_BACKEND ses").ok
    aws.client("ses").verify_domain_identity(Domain=domain)
    assert finding("EMAIL_BACKEND ses").ok


def test_doctor_reaches_the_smtp_server(healthy, smtp_server):
    assert finding("EMAIL_BACKEND smtp").ok


def test_doctor_fails_a_half_configured_integration(healthy, monkeypatch):
    monkeypatch.setattr(settings, "DISCORD_CLIENT_ID", "1234")
    monkeypatch.setattr(settings, "DISCORD_CLIENT_SECRET", "")
    assert finding("Discord").line() == "FAIL  Discord: DISCORD_CLIENT_SECRET missing, so it stays off"


# The real command line


def test_commands_run_as_a_program_against_moto_server(moto_server, tmp_path):
    env = {
        **os.environ, "AWS_ENDPOINT_URL": moto_server, "STAGE": "test", "EMAIL_BACKEND": "file",
        "EMAIL_OUTBOX": str(tmp_path), "SUPERUSER_PASSWORD": PASSWORD,
    }  # fmt: skip
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

    def run(*argv):
        return subprocess.run(
            [sys.executable, "-m", "chalicelib.ops.cli", *argv], cwd=root, env=env, capture_output=True, text=True, timeout=120
        )

    made = run("createsuperuser", "--email", "root@example.org")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["superuser"] == "root@example.org"
    checked = run("doctor")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    missing = run("importproject", "--project", "x")
    assert missing.returncode == 2 and "--file" in missing.stderr


def test_exportproject_names_a_checks_parent(configured, now):
    backups = next(c for c in Check.by_project.query(configured.code) if c.name == "Backups")
    nightly = next(c for c in Check.by_project.query(configured.code) if c.name == "Nightly")
    checks.update_config(nightly, {"depends_on": backups.code}, now)
    assert project_file.export_checks(configured, now)["checks"][1]["depends_on"] == "Backups"


def test_importproject_links_a_child_to_a_parent_later_in_the_file(project, now):
    file = {"checks": [{"name": "web", "depends_on": "router"}, {"name": "router"}]}
    assert project_file.import_checks(project, file, now) == {"created": 2, "updated": 0}
    by_name = {c.name: c for c in Check.by_project.query(project.code)}
    assert by_name["web"].depends_on == by_name["router"].code


def test_importproject_refuses_a_cycle_before_writing(project, now):
    file = {"checks": [{"name": "a", "depends_on": "b"}, {"name": "b", "depends_on": "a"}]}
    with pytest.raises(OpsError, match="depends_on makes a cycle"):
        project_file.import_checks(project, file, now)
    assert list(Check.by_project.query(project.code)) == []


def test_importproject_refuses_an_unknown_parent_before_writing(project, now):
    with pytest.raises(OpsError, match="depends_on names no check of the file or the project: nowhere"):
        project_file.import_checks(project, {"checks": [{"name": "web", "depends_on": "nowhere"}]}, now)
    assert list(Check.by_project.query(project.code)) == []
