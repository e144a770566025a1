"""Deleting a project and closing an account remove everything they hold, S3 bodies included."""
import pytest

from chalicelib import settings
from chalicelib.accounts import closing, projects, users
from chalicelib.checks import channels
from chalicelib.store import aws
from chalicelib.store.models import ApiKey, Channel, Check, Flip, Member, Notification, Ping, Project, Session, User
from chalicelib.web import sessions


def s3_keys() -> list[str]:
    listing = aws.client("s3").list_objects_v2(Bucket=settings.S3_BUCKET)
    return [obj["Key"] for obj in listing.get("Contents", [])]


@pytest.fixture
def full_project(project, check, now, ping):
    """The project with a big ping body in S3, a flip, a notification, a channel and a member."""
    ping(check, now, body=b"x" * 500)
    ping(check, now, "fail")
    channel = channels.create_channel(project.code, "email", {"value": "ops@example.org"}, now)
    Notification(code=check.code, key=f"{now.isoformat()}#{channel.code}", channel=channel.code, check_status="down", created=now, expires=now).save()
    return project


def test_delete_project_removes_checks_pings_and_bodies(full_project, check):
    assert s3_keys()
    closing.delete_project(full_project)
    assert Check.count() == 0 and Ping.count() == 0 and s3_keys() == []


def test_delete_project_removes_flips_notifications_channels_keys_and_members(full_project, user, check):
    closing.delete_project(full_project)
    assert [m.count() for m in (Flip, Notification, Channel, ApiKey, Member, Project)] == [0] * 6


def test_delete_project_leaves_other_projects_alone(full_project, now):
    other = projects.create_project("Other", now).project
    closing.delete_project(full_project)
    assert Project.get(other.code).name == "Other"
    assert ApiKey.count() == 2


def test_close_account_deletes_owned_projects_with_their_data(full_project, user):
    closing.close_account(user)
    assert Project.count() == 0 and Check.count() == 0 and s3_keys() == []


def test_close_account_deletes_the_user_and_their_sessions(full_project, user, now):
    sessions.create(user, now)
    closing.close_account(user)
    assert users.get(user.id) is None
    assert Session.count() == 0


def test_close_account_only_leaves_projects_of_others(user, now):
    other_owner = users.create_user("owner@example.org", now)
    theirs = projects.create_project("Theirs", now, owner=other_owner.id).project
    projects.add_member(theirs.code, user.id, "w", now)
    closing.close_account(user)
    assert Project.get(theirs.code)
    assert [m.user for m in Member.query(theirs.code)] == [other_owner.id]
    assert User.count() == 1
