"""Teams (chalicelib/accounts/teams.py): invitations, removing and leaving, ownership transfers, check slots."""
import re
from datetime import timedelta

import pytest

from chalicelib import settings
from chalicelib.accounts import limits, login_links, projects, teams, users
from chalicelib.checks import checks
from chalicelib.store.models import Member, Project


def link_in(outbox, to):
    return re.search(r"https?://\S+/accounts/check_token/\S+", outbox.text(outbox.last(to))).group(0)


def test_invite_gives_the_role_and_emails_a_login_link_to_the_projects_checks(project, user, now, outbox):
    invitee = teams.invite(project, user, "Bob@Example.org", "r", now)
    assert invitee.email == "bob@example.org"
    assert Member.get(project.code, invitee.id).role == "r"
    link = link_in(outbox, "bob@example.org")
    assert link.endswith(f"?next=/projects/{project.code}/checks/")
    user_id, signed = re.search(r"/check_token/([^/]+)/([^/]+)/", link).groups()
    assert login_links.redeem(user_id, signed, now).id == invitee.id


def test_invite_of_an_unknown_address_makes_a_user_with_no_project_of_their_own(project, user, now, outbox):
    invitee = teams.invite(project, user, "new@example.org", "w", now)
    assert [m.project for m in Member.by_user.query(invitee.id)] == [project.code]


def test_invite_of_an_existing_user_keeps_their_account(project, user, now, outbox):
    carol = users.create_user("carol@example.org", now)
    assert teams.invite(project, user, "carol@example.org", "m", now).id == carol.id


def test_invite_of_a_member_is_refused(project, user, make_member, now, outbox):
    make_member("w", "bob@example.org")
    with pytest.raises(teams.TeamError, match="already a member"):
        teams.invite(project, user, "bob@example.org", "r", now)


@pytest.mark.parametrize("role", ["owner", "x", ""])
def test_invite_with_a_role_other_than_w_m_r_is_refused(project, user, now, outbox, role):
    with pytest.raises(teams.TeamError, match="role"):
        teams.invite(project, user, "bob@example.org", role, now)
    assert users.find_by_email("bob@example.org") is None


@pytest.mark.parametrize("email", ["", "bob", "@example.org", "a" * 250 + "@example.org"])
def test_invite_of_an_invalid_address_is_refused(project, user, now, outbox, email):
    with pytest.raises(teams.TeamError, match="valid email"):
        teams.invite(project, user, email, "w", now)


def test_an_inviter_may_send_20_invitations_a_day(project, user, now, outbox):
    for i in range(teams.INVITES_PER_DAY):
        teams.invite(project, user, f"person{i}@example.org", "w", now)
    with pytest.raises(limits.TryLater):
        teams.invite(project, user, "one-more@example.org", "w", now)
    assert users.find_by_email("one-more@example.org") is None
    teams.invite(project, user, "tomorrow@example.org", "w", now + timedelta(days=1))


def test_remove_member_deletes_the_membership(project, user, make_member):
    bob = make_member("w", "bob@example.org")
    teams.remove_member(project, user, "bob@example.org")
    assert teams._member(project.code, bob.id) is None


def test_nobody_removes_themselves(project, make_member):
    manager = make_member("m", "manager@example.org")
    with pytest.raises(teams.TeamError, match="yourself"):
        teams.remove_member(project, manager, "manager@example.org")


def test_the_owner_cannot_be_removed(project, user, make_member):
    manager = make_member("m", "manager@example.org")
    with pytest.raises(teams.TeamError, match="owner"):
        teams.remove_member(project, manager, user.email)


def test_removing_someone_outside_the_team_is_refused(project, user, now):
    users.create_user("stranger@example.org", now)
    with pytest.raises(teams.TeamError, match="not a member"):
        teams.remove_member(project, user, "stranger@example.org")


def test_a_member_leaves(project, make_member):
    bob = make_member("r")
    teams.leave(project, bob)
    assert teams._member(project.code, bob.id) is None


def test_the_owner_cannot_leave(project, user):
    with pytest.raises(teams.TeamError, match="owner"):
        teams.leave(project, user)


def test_team_lists_the_owner_first_then_by_email(project, user, make_member):
    make_member("w", "zed@example.org")
    make_member("r", "amy@example.org")
    assert [(t.user.email, t.role) for t in teams.team(project)] == [
        ("alice@example.org", "owner"), ("amy@example.org", "r"), ("zed@example.org", "w"),
    ]


def test_transfer_request_marks_the_member_and_emails_a_link_to_the_settings(project, user, make_member, now, outbox):
    bob = make_member("w", "bob@example.org")
    teams.request_transfer(project, "bob@example.org", now)
    assert teams.transfer_request(project).user == bob.id
    assert link_in(outbox, "bob@example.org").endswith(f"?next=/projects/{project.code}/settings/")


def test_a_new_transfer_request_replaces_the_old_one(project, user, make_member, now, outbox):
    make_member("w", "bob@example.org")
    carol = make_member("m", "carol@example.org")
    teams.request_transfer(project, "bob@example.org", now)
    teams.request_transfer(project, "carol@example.org", now)
    assert [m.user for m in Member.query(project.code) if m.transfer_requested] == [carol.id]


def test_accepting_makes_the_member_owner_and_the_old_owner_a_member(project, user, make_member, now, outbox):
    bob = make_member("r", "bob@example.org")
    teams.request_transfer(project, "bob@example.org", now)
    teams.accept_transfer(project, bob)
    assert Project.get(project.code).owner == bob.id
    assert Member.get(project.code, bob.id).role == "owner"
    assert Member.get(project.code, bob.id).transfer_requested is None
    assert Member.get(project.code, user.id).role == "w"


def test_accepting_needs_free_check_slots_for_the_projects_checks(project, user, make_member, make_check, now, outbox):
    bob = make_member("w", "bob@example.org")
    bob.update(actions=[bob.__class__.check_limit.set(1)])
    make_check(name="one"), make_check(name="two")
    teams.request_transfer(project, "bob@example.org", now)
    with pytest.raises(teams.TeamError, match="2 free check slots"):
        teams.accept_transfer(project, bob)
    assert Project.get(project.code).owner == user.id


def test_only_the_asked_member_can_accept(project, user, make_member, now, outbox):
    make_member("w", "bob@example.org")
    carol = make_member("w", "carol@example.org")
    teams.request_transfer(project, "bob@example.org", now)
    with pytest.raises(teams.TeamError, match="Nobody asked you"):
        teams.accept_transfer(project, carol)


def test_rejecting_clears_the_request_and_keeps_the_owner(project, user, make_member, now, outbox):
    bob = make_member("w", "bob@example.org")
    teams.request_transfer(project, "bob@example.org", now)
    teams.reject_transfer(project, bob)
    assert teams.transfer_request(project) is None
    assert Project.get(project.code).owner == user.id


def test_cancelling_clears_the_request(project, user, make_member, now, outbox):
    make_member("w", "bob@example.org")
    teams.request_transfer(project, "bob@example.org", now)
    teams.cancel_transfer(project)
    assert teams.transfer_request(project) is None


def test_free_check_slots_count_checks_in_every_owned_project_only(project, user, make_check, now):
    make_check(name="mine")
    second = projects.create_project("Second", now, owner=user.id, keys=False).project
    checks.create_check(second, now, name="also mine")
    elsewhere = projects.create_project("Elsewhere", now).project
    projects.add_member(elsewhere.code, user.id, "w", now)
    checks.create_check(elsewhere, now, name="not mine")
    assert teams.owned_check_count(user) == 2
    assert teams.free_check_slots(user) == settings.CHECK_LIMIT - 2
