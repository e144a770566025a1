"""What a member who may write does to a check: filtering rules, pause, resume, copy, transfer,
remove, clear events; each validation error; read-only members refused."""
import pytest

from chalicelib.accounts import projects, users
from chalicelib.checks import channels, checks
from chalicelib.store import storage
from chalicelib.store.models import Check, Flip, Notification, Ping, User

RULES = {
    "methods": "POST", "filter_http_body": "on", "filter_subject": "on", "filter_body": "on",
    "start_kw": "begin", "success_kw": "ok, done", "failure_kw": "error", "filter_default_fail": "on",
    "manual_resume": "on",
}  # fmt: skip


def url(check, action):
    return f"/checks/{check.code}/{action}/"


def test_filtering_rules_are_saved(web, check):
    response = web.post(url(check, "filtering_rules"), RULES)
    assert (response.status_code, response.headers["Location"]) == (302, f"/checks/{check.code}/details/")
    saved = Check.get(check.code)
    assert saved.methods == "POST"
    assert (saved.filter_http_body, saved.filter_subject, saved.filter_body) == (True, True, True)
    assert (saved.start_kw, saved.success_kw, saved.failure_kw) == ("begin", "ok, done", "error")
    assert saved.filter_default_fail and saved.manual_resume


def test_unchecked_boxes_turn_rules_off(web, check):
    web.post(url(check, "filtering_rules"), RULES)
    web.post(url(check, "filtering_rules"), {"methods": ""})
    saved = Check.get(check.code)
    assert saved.methods == ""
    assert not (saved.filter_http_body or saved.filter_subject or saved.manual_resume or saved.filter_default_fail)
    assert saved.success_kw == ""


def test_saved_rules_classify_the_next_ping(web, check, ping, now):
    web.post(url(check, "filtering_rules"), {"methods": "", "filter_http_body": "on", "failure_kw": "ERROR"})
    ping(Check.get(check.code), now, method="POST", body=b"ERROR: disk full")
    assert next(Ping.query(check.code)).kind == "fail"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("success_kw", "x" * 201, "Success keywords is too long."),
        ("failure_kw", "y" * 201, "Failure keywords is too long."),
        ("methods", "GET", "Allowed methods has unexpected value."),
    ],
)
def test_bad_filtering_rules_are_refused(web, check, field, value, message):
    response = web.post(url(check, "filtering_rules"), {"methods": "", field: value})
    assert response.status_code == 400
    assert message in response.body.decode()
    assert getattr(Check.get(check.code), field) == ""


def test_pause_by_form_redirects_and_by_script_answers_200(web, check):
    response = web.post(url(check, "pause"))
    assert (response.status_code, response.headers["Location"]) == (302, f"/checks/{check.code}/details/")
    assert Check.get(check.code).status == "paused"
    assert [f.new_status for f in Flip.query(check.code)] == ["paused"]
    assert web.xhr("POST", url(check, "pause")).status_code == 200  # already paused: no change


def test_resume_makes_a_paused_check_new(web, check, ping, now):
    ping(check, now)
    web.post(url(check, "pause"))
    assert web.xhr("POST", url(check, "resume")).status_code == 200
    saved = Check.get(check.code)
    assert (saved.status, saved.last_ping) == ("new", None)


def test_resume_of_a_check_that_is_not_paused_is_a_400(web, check):
    response = web.post(url(check, "resume"))
    assert response.status_code == 400
    assert "Only a paused check can be resumed." in response.body.decode()


def test_copy_makes_a_configured_check_without_history(web, check, ping, now, project):
    channel = channels.create_channel(project.code, "email", {"value": "a@example.org"}, now)
    web.post(url(check, "filtering_rules"), {"methods": "POST", "success_kw": "ok"})
    ping(check, now)
    response = web.post(url(check, "copy"))
    assert response.status_code == 302
    code = response.headers["Location"].split("/")[2]
    assert response.headers["Location"] == f"/checks/{code}/details/?copied=1"
    copy = Check.get(code)
    assert (copy.name, copy.slug, copy.project) == ("Backups (copy)", "backups-copy", project.code)
    assert (copy.methods, copy.success_kw, copy.status, int(copy.n_pings)) == ("POST", "ok", "new", 0)
    assert copy.channels == {channel.code}
    assert copy.slug_key == f"{project.ping_key}/backups-copy"


def test_copy_of_a_long_name_is_cut(check, project, now):
    long = checks.create_check(project, now, name="n" * 100)
    assert checks.copy(long, project, now).name == "n" * 90 + "... (copy)"


def test_copy_needs_a_free_check_slot(web, check, user):
    user.update(actions=[User.check_limit.set(1)])
    response = web.post(url(check, "copy"))
    assert response.status_code == 400
    assert "no free check slots" in response.body.decode()
    assert checks.count_in_project(check.project) == 1


@pytest.fixture
def other_project(user, now):
    other = projects.create_project("Other", now, owner=user.id).project
    return other


def test_transfer_dialog_lists_the_users_projects(web, check, other_project, project):
    response = web.xhr("GET", url(check, "transfer"))
    body = response.body.decode()
    assert "<html" not in body
    assert f'value="{other_project.code}" >' in body or f'value="{other_project.code}">' in body
    assert f'value="{project.code}" disabled' in body
    assert "(current project)" in body


def test_transfer_moves_the_check_with_the_new_projects_channels(web, check, other_project, project, now):
    channels.create_channel(project.code, "email", {"value": "old@example.org"}, now)
    new_channel = channels.create_channel(other_project.code, "email", {"value": "new@example.org"}, now)
    response = web.post(url(check, "transfer"), {"project": other_project.code})
    assert (response.status_code, response.headers["Location"]) == (302, f"/checks/{check.code}/details/")
    moved = Check.get(check.code)
    assert moved.project == other_project.code
    assert moved.channels == {new_channel.code}
    assert moved.slug_key == f"{other_project.ping_key}/backups"
    assert "Check transferred successfully!" in web.get(f"/checks/{check.code}/details/").body.decode()


def test_transfer_to_a_read_only_project_is_refused(web, check, now, user):
    other = projects.create_project("Theirs", now).project
    projects.add_member(other.code, user.id, "r", now)
    assert web.post(url(check, "transfer"), {"project": other.code}).status_code == 403
    assert "(read-only)" in web.get(url(check, "transfer")).body.decode()
    assert Check.get(check.code).project == check.project


def test_transfer_to_a_project_of_someone_else_at_their_limit_is_refused(web, check, now, user):
    owner = users.create_user("bob@example.org", now, check_limit=0)
    other = projects.create_project("Bob's", now, owner=owner.id).project
    projects.add_member(other.code, user.id, "w", now)
    response = web.post(url(check, "transfer"), {"project": other.code})
    assert response.status_code == 400
    assert "(at check limit)" in response.body.decode()


def test_transfer_to_an_unknown_project_is_not_found(web, check):
    assert web.post(url(check, "transfer"), {"project": "nope"}).status_code == 404


def test_remove_deletes_the_check_its_pings_bodies_flips_and_notifications(web, check, ping, now, project):
    ping(check, now, body=b"b" * 500)
    Notification(code=check.code, key="k", channel="c", check_status="up", created=now, expires=now).save()
    response = web.post(url(check, "remove"))
    assert (response.status_code, response.headers["Location"]) == (302, f"/projects/{project.code}/checks/")
    assert checks.get(check.code) is None
    for model in (Ping, Flip, Notification):
        assert list(model.query(check.code)) == []
    assert storage.get_body(check.code, 1) is None


def test_clear_events_forgets_history_but_keeps_the_check(web, check, ping, now):
    ping(check, now, "start")
    ping(check, now, body=b"c" * 500)
    response = web.post(url(check, "clear_events"))
    assert response.status_code == 302
    saved = Check.get(check.code)
    assert (saved.status, saved.last_ping, saved.last_start, saved.alert_after) == ("new", None, None, None)
    assert int(saved.n_pings) == 2
    for model in (Ping, Flip, Notification):
        assert list(model.query(check.code)) == []
    assert storage.get_body(check.code, 2) is None


@pytest.mark.parametrize("action", ["filtering_rules", "pause", "resume", "copy", "transfer", "remove", "clear_events"])
def test_read_only_member_is_refused_and_nothing_changes(web, check, make_member, action):
    web.login(make_member("r"))
    assert web.post(url(check, action), {"methods": "POST", "project": check.project}).status_code == 403
    saved = Check.get(check.code)
    assert (saved.status, saved.methods) == ("new", "")


def test_post_without_csrf_token_is_refused(web, check):
    assert web.post(url(check, "pause"), csrf="").status_code == 403
    assert Check.get(check.code).status == "new"


def test_flash_after_clearing(web, check):
    web.post(url(check, "clear_events"))
    assert "events are cleared" in web.get(f"/checks/{check.code}/details/").body.decode()
