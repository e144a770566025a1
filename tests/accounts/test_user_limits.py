"""Per-account limits an operator sets override the global ones, up and down, where those are enforced:
checks (the owner's check quota), monthly SMS and calls (delivery's quota), team size (invitations)."""
import pytest

from chalicelib import settings
from chalicelib.accounts import teams, users
from chalicelib.integrations import limits
from chalicelib.store.models import User


def _override(person, name, value):
    person.update(actions=[getattr(User, name).set(value)])


def test_a_new_account_stores_no_limit_and_follows_the_global_one(user, monkeypatch):
    assert User.get(user.id).check_limit is None
    monkeypatch.setattr(settings, "CHECK_LIMIT", 7)
    assert users.limit(user, "check_limit") == 7


def test_a_check_limit_override_raises_the_owners_quota(project, user, make_check, monkeypatch):
    monkeypatch.setattr(settings, "CHECK_LIMIT", 1)
    make_check(name="one")
    assert teams.free_slots_for(project) == 0
    _override(user, "check_limit", 3)
    assert teams.free_slots_for(project) == 2


def test_a_check_limit_override_lowers_the_owners_quota(project, user, make_check, monkeypatch):
    monkeypatch.setattr(settings, "CHECK_LIMIT", 10)
    make_check(name="one")
    _override(user, "check_limit", 1)
    assert teams.free_slots_for(project) == 0


def test_the_api_refuses_a_check_over_a_lowered_limit(api, user, check):
    _override(user, "check_limit", 1)
    response = api("POST", "/api/v3/checks/", {"name": "second"})
    assert response.status_code == 403


@pytest.mark.parametrize("quota, global_name, override_name", [("sms", "SMS_LIMIT", "sms_limit"), ("call", "CALL_LIMIT", "call_limit")])
def test_a_monthly_quota_override_raises_the_owners_quota(project, user, now, monkeypatch, quota, global_name, override_name):
    monkeypatch.setattr(settings, global_name, 1)
    _override(user, override_name, 2)
    assert [limits.spend(project, quota, now) for _ in range(3)] == [True, True, False]


@pytest.mark.parametrize("quota, global_name, override_name", [("sms", "SMS_LIMIT", "sms_limit"), ("call", "CALL_LIMIT", "call_limit")])
def test_a_monthly_quota_override_lowers_the_owners_quota(project, user, now, monkeypatch, quota, global_name, override_name):
    monkeypatch.setattr(settings, global_name, 5)
    _override(user, override_name, 1)
    assert [limits.spend(project, quota, now) for _ in range(2)] == [True, False]
    assert limits.quota_limit(project, quota) == 1


def test_a_project_without_owner_has_the_global_quota(project, now, monkeypatch):
    monkeypatch.setattr(settings, "SMS_LIMIT", 1)
    assert [limits.spend(project, "sms", now) for _ in range(2)] == [True, False]


def test_invitations_stop_at_the_global_team_limit(project, user, now, outbox, monkeypatch):
    monkeypatch.setattr(settings, "TEAM_LIMIT", 1)
    teams.invite(project, user, "one@example.org", "w", now)
    with pytest.raises(teams.TeamError, match=r"most allowed \(1\)"):
        teams.invite(project, user, "two@example.org", "w", now)


def test_a_team_limit_override_raises_the_owners_team_size(project, user, now, outbox, monkeypatch):
    monkeypatch.setattr(settings, "TEAM_LIMIT", 1)
    _override(user, "team_limit", 2)
    teams.invite(project, user, "one@example.org", "w", now)
    teams.invite(project, user, "two@example.org", "w", now)
    assert len(teams.team_members_of(user)) == 2


def test_a_team_limit_override_lowers_the_owners_team_size(project, user, now, outbox, monkeypatch):
    monkeypatch.setattr(settings, "TEAM_LIMIT", 5)
    _override(user, "team_limit", 1)
    teams.invite(project, user, "one@example.org", "w", now)
    with pytest.raises(teams.TeamError):
        teams.invite(project, user, "two@example.org", "w", now)


def test_someone_in_another_of_the_owners_projects_takes_no_new_place(project, user, now, outbox):
    from chalicelib.accounts import projects

    _override(user, "team_limit", 1)
    other = projects.create_project("Other", now, owner=user.id, keys=False).project
    teams.invite(project, user, "one@example.org", "w", now)
    teams.invite(other, user, "one@example.org", "r", now)
    assert teams.team_members_of(user) == {users.find_by_email("one@example.org").id}
