"""My Projects, adding a project, the settings page's actions, leaving and removing a project."""
import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import settings
from chalicelib.accounts import projects, users
from chalicelib.checks import channels, checks
from chalicelib.store import storage
from chalicelib.store.models import ApiKey, Channel, Check, Member, Ping, Project


def page(response) -> str:
    return response.body.decode()


def settings_url(project):
    return f"/projects/{project.code}/settings/"


def clock():
    """Pages run at the real clock (app.py stamps each request), so their checks are set by it."""
    return datetime.now(timezone.utc)


def late(make_check, **fields):
    """A check last pinged 1 day and 90 minutes ago: down under the default period and grace."""
    return make_check(status="up", last_ping=clock() - timedelta(days=1, minutes=90), **fields)


# -- My Projects -------------------------------------------------------------------------------

def test_anonymous_visitors_of_my_projects_go_to_the_login_page(anonymous_web):
    response = anonymous_web.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")


def test_my_projects_lists_each_project_with_counts_owner_and_links(web, project, user, make_check, now):
    make_check(name="a"), make_check(name="b")
    channels.create_channel(project.code, "email", {"value": "ops@example.org"}, now)
    other = projects.create_project("Shared with me", now, owner=users.create_user("owner@example.org", now).id).project
    projects.add_member(other.code, user.id, "r", now)
    body = page(web.get("/"))
    mine = body[body.index(f'data-project="{project.code}"'):]
    assert re.search(r"Checks</dt><dd>2<", mine) and re.search(r"Integrations</dt><dd>1<", mine)
    shared = body[body.index(f'data-project="{other.code}"'):]
    assert "owner@example.org" in shared
    assert f'href="/projects/{other.code}/checks/"' in shared


def test_down_projects_come_first_then_by_name(web, project, user, make_check, now):
    project.update(actions=[Project.name.set("Zeta")])
    late(make_check)
    for name in ("beta", "Alpha"):
        projects.create_project(name, now, owner=user.id, keys=False)
    body = page(web.get("/"))
    order = [body.index(f">{name}</span>") for name in ("Zeta", "Alpha", "beta")]
    assert order == sorted(order)
    assert re.search(r'class="status down"', body)
    assert "<title>1 down – " in body


def test_refresh_returns_each_projects_status_and_started(web, project, user, make_check, now):
    late(make_check)
    quiet = projects.create_project("Quiet", now, owner=user.id, keys=False).project
    checks.create_check(quiet, now, status="up", last_ping=clock(), last_start=clock())
    response = web.get("/", {"refresh": "1"})
    assert response.headers["Content-Type"] == "application/json"
    statuses = json.loads(response.body)
    assert statuses[project.code]["status"] == "down"
    assert statuses[quiet.code] == {"status": "up", "started": True}


def test_a_late_check_makes_its_project_late(web, project, make_check, now):
    make_check(status="up", last_ping=clock() - timedelta(days=1, minutes=30))
    assert json.loads(web.get("/", {"refresh": "1"}).body)[project.code]["status"] == "grace"


def test_add_project_makes_an_owned_project_without_keys_and_opens_its_checks(web, user):
    response = web.post("/projects/add/", {"name": "Backups"})
    [created] = [p for p in Project.scan() if p.name == "Backups"]
    assert (response.status_code, response.headers["Location"]) == (302, f"/projects/{created.code}/checks/")
    assert created.owner == user.id and Member.get(created.code, user.id).role == "owner"
    assert projects.api_keys(created.code) == [] and created.ping_key is None


@pytest.mark.parametrize("name", ["", "   ", "x" * 61])
def test_add_project_with_a_bad_name_says_why_and_makes_nothing(web, user, name):
    response = web.post("/projects/add/", {"name": name})
    assert response.status_code == 400
    assert "Enter a name of 1 to 60 characters." in page(response)
    assert len(list(Member.by_user.query(user.id))) == 1


# -- settings: name and keys -------------------------------------------------------------------

def test_rename_from_the_settings_page(web, project):
    response = web.post(settings_url(project), {"set_project_name": "1", "name": "Nightly"})
    assert response.status_code == 302
    assert Project.get(project.code).name == "Nightly"
    assert "Project name updated." in page(web.get(settings_url(project)))


def test_a_too_long_name_is_a_400_with_the_message_on_the_page(web, project):
    response = web.post(settings_url(project), {"set_project_name": "1", "name": "n" * 61})
    assert response.status_code == 400
    assert "at most 60 characters" in page(response)
    assert Project.get(project.code).name == "Test project"


def test_a_created_key_is_shown_once_and_only_its_hash_is_stored(web, project):
    response = web.post(settings_url(project), {"create_key": "api_key"})
    assert response.status_code == 200
    key = re.search(r'<code id="new-key">(hcw_\w{28})</code>', page(response)).group(1)
    assert ApiKey.get(projects.hash_key(key)).project == project.code
    later = page(web.get(settings_url(project)))
    assert key not in later and key[:8] + "…" in later


def test_revoking_a_key_from_the_settings_page(web, new_project):
    project = new_project.project
    web.post(settings_url(project), {"revoke_key": "api_key_readonly"})
    assert [k.readonly for k in projects.api_keys(project.code)] == [False]


def test_an_unknown_key_kind_is_a_400(web, project):
    assert web.post(settings_url(project), {"create_key": "master_key"}).status_code == 400


def test_a_post_without_a_known_action_is_a_400(web, project):
    assert web.post(settings_url(project), {"name": "x"}).status_code == 400


def test_read_only_members_see_no_keys_and_no_forms_to_change_things(web, project, make_member):
    web.login(make_member("r"))
    body = page(web.get(settings_url(project)))
    assert "API access" not in body and project.ping_key not in body
    assert 'name="set_project_name"' not in body and 'name="invite_team_member"' not in body
    assert 'action="/projects/%s/leave/"' % project.code in body


@pytest.mark.parametrize("form", [{"set_project_name": "1", "name": "x"}, {"create_key": "api_key"}, {"revoke_key": "ping_key"}])
def test_read_only_members_posting_changes_get_403(web, project, make_member, form):
    web.login(make_member("r"))
    assert web.post(settings_url(project), form).status_code == 403
    assert Project.get(project.code).ping_key == project.ping_key


def test_the_page_shows_the_check_usage_of_the_owner(web, project, make_check):
    make_check(), make_check()
    body = page(web.get(settings_url(project)))
    assert '<strong id="project-checks">2</strong>' in body
    assert "2 of 10000" in body


# -- settings: team --------------------------------------------------------------------------

def test_a_manager_invites_by_email_and_the_invitee_gets_a_login_link(web, project, make_member, outbox):
    web.login(make_member("m"))
    response = web.post(settings_url(project), {"invite_team_member": "1", "email": "bob@example.org", "role": "w"})
    assert response.status_code == 302
    bob = users.find_by_email("bob@example.org")
    assert Member.get(project.code, bob.id).role == "w"
    assert f"next=/projects/{project.code}/checks/" in outbox.text(outbox.last("bob@example.org"))


def test_an_invitation_error_is_a_400_on_the_page(web, project, outbox):
    response = web.post(settings_url(project), {"invite_team_member": "1", "email": "alice@example.org", "role": "w"})
    assert response.status_code == 400
    assert "already a member" in page(response)


def test_the_21st_invitation_of_the_day_is_a_429(web, project, user, now, outbox):
    from chalicelib.lib import ratelimit

    for _ in range(20):
        ratelimit.allow(f"invite-{user.id}", 20, timedelta(days=1), clock())
    response = web.post(settings_url(project), {"invite_team_member": "1", "email": "bob@example.org", "role": "w"})
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 86400
    assert users.find_by_email("bob@example.org") is None


def test_members_without_the_manager_role_cannot_invite(web, project, make_member):
    web.login(make_member("w"))
    response = web.post(settings_url(project), {"invite_team_member": "1", "email": "bob@example.org", "role": "w"})
    assert response.status_code == 403


def test_a_manager_removes_a_member(web, project, make_member):
    bob = make_member("w", "bob@example.org")
    web.post(settings_url(project), {"remove_team_member": "1", "email": "bob@example.org"})
    with pytest.raises(Member.DoesNotExist):
        Member.get(project.code, bob.id)


def test_removing_yourself_is_a_400_with_the_reason(web, project, make_member):
    manager = make_member("m")
    web.login(manager)
    response = web.post(settings_url(project), {"remove_team_member": "1", "email": manager.email})
    assert response.status_code == 400
    assert "cannot remove yourself" in page(response)


def test_transfer_asked_by_the_owner_and_accepted_by_the_member(web, project, user, make_member, outbox):
    bob = make_member("w", "bob@example.org")
    assert web.post(settings_url(project), {"transfer_project": "1", "email": "bob@example.org"}).status_code == 302
    assert "Waiting for bob@example.org" in page(web.get(settings_url(project)))
    web.login(bob)
    assert 'name="accept_transfer"' in page(web.get(settings_url(project)))
    assert web.post(settings_url(project), {"accept_transfer": "1"}).status_code == 302
    assert Project.get(project.code).owner == bob.id
    assert Member.get(project.code, user.id).role == "w"


def test_transfer_rejected_by_the_member(web, project, user, make_member, outbox):
    bob = make_member("w", "bob@example.org")
    web.post(settings_url(project), {"transfer_project": "1", "email": "bob@example.org"})
    web.login(bob)
    web.post(settings_url(project), {"reject_transfer": "1"})
    assert Project.get(project.code).owner == user.id
    assert Member.get(project.code, bob.id).transfer_requested is None


def test_a_member_who_was_not_asked_cannot_accept(web, project, make_member):
    web.login(make_member("m"))
    response = web.post(settings_url(project), {"accept_transfer": "1"})
    assert response.status_code == 400
    assert "Nobody asked you" in page(response)


def test_managers_cannot_transfer_the_project(web, project, make_member):
    make_member("w", "bob@example.org")
    web.login(make_member("m"))
    assert web.post(settings_url(project), {"transfer_project": "1", "email": "bob@example.org"}).status_code == 403


# -- leaving and removing ----------------------------------------------------------------------

def test_a_member_leaves_and_goes_back_to_my_projects(web, project, make_member):
    bob = make_member("r")
    web.login(bob)
    response = web.post(f"/projects/{project.code}/leave/")
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    with pytest.raises(Member.DoesNotExist):
        Member.get(project.code, bob.id)
    assert web.get(settings_url(project)).status_code == 404


def test_the_owner_cannot_leave_and_is_told_why(web, project, user):
    response = web.post(f"/projects/{project.code}/leave/")
    assert response.headers["Location"] == settings_url(project)
    assert "The owner cannot leave" in page(web.get(settings_url(project)))
    assert Member.get(project.code, user.id).role == "owner"


def test_removing_a_project_deletes_everything_in_it(web, new_project, user, check, ping, now, make_member):
    project = new_project.project
    make_member("w")
    channel = channels.create_channel(project.code, "email", {"value": "ops@example.org"}, now)
    ping(check, now, body=b"x" * 500)  # a body big enough for S3
    assert storage.get_body(check.code, 1) is not None
    response = web.post(f"/projects/{project.code}/remove/")
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    assert not Project.exists() or Project.count(project.code) == 0
    assert Check.count(check.code) == 0 and Ping.count(check.code) == 0
    assert Channel.count(channel.code) == 0 and Member.count(project.code) == 0
    assert projects.api_keys(project.code) == []
    assert storage.get_body(check.code, 1) is None


def test_only_the_owner_removes_a_project(web, project, make_member):
    web.login(make_member("m"))
    assert web.post(f"/projects/{project.code}/remove/").status_code == 403
    assert Project.count(project.code) == 1


def test_the_prometheus_url_is_shown_when_metrics_are_on(web, project, monkeypatch):
    url = f"{settings.SITE_ROOT}/projects/{project.code}/metrics/"
    assert url in page(web.get(settings_url(project)))
    monkeypatch.setattr(settings, "PROMETHEUS_ENABLED", False)
    assert url not in page(web.get(settings_url(project)))


def test_the_project_switcher_lists_the_users_projects_with_their_status(web, user, project, now):
    from chalicelib.accounts import projects
    from chalicelib.checks import checks

    mine = projects.create_project("Second", now, owner=user.id).project
    down = checks.create_check(mine, now, name="x")
    checks.Check.get(down.code).update(actions=[checks.Check.status.set("down")])
    projects.create_project("Someone else's", now)
    menu = web.get("/projects/menu/").body.decode()
    assert f'href="/projects/{project.code}/checks/"' in menu and f'href="/projects/{mine.code}/checks/"' in menu
    assert "Someone else" not in menu
    assert menu.index("Second") < menu.index(project.name)  # down projects first
    assert "(Down)" in menu


def test_project_pages_offer_the_switcher(web, project):
    assert 'data-menu-url="/projects/menu/"' in web.get(f"/projects/{project.code}/checks/").body.decode()
