"""The checks list's live update: only the checks that changed since the page's token."""
from datetime import timedelta

import pytest

from chalicelib.checks import check_changes, check_summary, checks

SECOND, HOUR, DAY = timedelta(seconds=1), timedelta(hours=1), timedelta(days=1)


@pytest.fixture
def later(now):
    """A moment well after the fixtures' checks were made (they are "recent" for a minute)."""
    return now + check_changes.OVERLAP + 10 * SECOND


def rows(project, now):
    return check_summary.rows(check_summary.project_checks(project.code), now)


def changed_codes(project, token, now):
    return [row.check.code for row in check_changes.since(rows(project, now), token, now).rows]


def test_without_a_token_every_check_is_sent(project, check, make_check, now):
    other = make_check(name="other")
    assert sorted(changed_codes(project, "", now)) == sorted([check.code, other.code])


def test_a_malformed_token_is_treated_as_none(project, check, now):
    assert changed_codes(project, "not.a-token", now) == [check.code]


def test_nothing_changed_sends_nothing(project, check, make_check, later):
    make_check(name="other")
    token = check_changes.token(rows(project, later), later)
    assert changed_codes(project, token, later + 10 * SECOND) == []


def test_a_ping_sends_only_its_check(project, check, make_check, ping, later):
    make_check(name="other")
    token = check_changes.token(rows(project, later), later)
    ping(check, later + 5 * SECOND)
    assert changed_codes(project, token, later + 6 * SECOND) == [check.code]


def test_a_start_ping_sends_its_check(project, check, ping, later):
    token = check_changes.token(rows(project, later), later)
    ping(check, later + 5 * SECOND, "start")
    (row,) = check_changes.since(rows(project, later + 6 * SECOND), token, later + 6 * SECOND).rows
    assert row.state()["started"] is True


def test_pause_sends_its_check(project, check, make_check, later):
    make_check(name="other")
    token = check_changes.token(rows(project, later), later)
    checks.pause(check, later + 5 * SECOND)
    changes = check_changes.since(rows(project, later + 6 * SECOND), token, later + 6 * SECOND)
    assert [row.state()["status"] for row in changes.rows] == ["paused"]


def test_a_check_turning_late_by_time_alone_is_sent(project, make_check, later):
    late_soon = make_check(name="late soon", status="up", last_ping=later - DAY + 30 * SECOND)
    make_check(name="fine", status="up", last_ping=later - HOUR)
    token = check_changes.token(rows(project, later), later)
    changes = check_changes.since(rows(project, later + 40 * SECOND), token, later + 40 * SECOND)
    assert [(row.check.code, row.status) for row in changes.rows] == [(late_soon.code, "grace")]


def test_a_ping_stamped_before_the_token_but_stored_after_it_is_sent(project, check, make_check, ping, later):
    make_check(name="other")
    token = check_changes.token(rows(project, later), later)
    ping(check, later - 2 * SECOND)  # its time was taken before the token's read, its write came after
    assert changed_codes(project, token, later + 3 * SECOND) == [check.code]


def test_checks_in_the_overlap_are_not_sent_again_when_unchanged(project, check, ping, later):
    ping(check, later - 2 * SECOND)
    token = check_changes.token(rows(project, later), later)
    assert changed_codes(project, token, later + 3 * SECOND) == []


def test_an_added_check_asks_for_a_reload(project, check, make_check, later):
    token = check_changes.token(rows(project, later), later)
    make_check(name="new")
    changes = check_changes.since(rows(project, later), token, later + SECOND)
    assert changes.reload is True and changes.rows == []


def test_a_deleted_check_asks_for_a_reload(project, check, make_check, later):
    other = make_check(name="other")
    token = check_changes.token(rows(project, later), later)
    checks.delete(other)
    assert check_changes.since(rows(project, later), token, later + SECOND).reload is True


# -- the endpoint ------------------------------------------------------------------------------

def status(web, project, since=""):
    response = web.get(f"/projects/{project.code}/checks/status/", {"since": since} if since else None)
    assert response.status_code == 200
    return response.json_body


def test_endpoint_sends_states_tags_and_title(web, project, make_check, now):
    down = make_check(name="db", tags="prod", status="down", last_ping=now - DAY)
    body = status(web, project)
    assert body["details"] == [{
        "code": down.code, "status": "down", "started": False, "last_ping": (now - DAY).isoformat(),
        "last_duration": None, "confirmation": False,
    }]
    assert body["tags"] == {"prod": ["down", "1 of 1 down"]}
    assert (body["title"], body["any_down"]) == ("1 down – Mychecks", True)


def test_endpoint_answers_small_when_nothing_changed(web, project, check):
    token = status(web, project)["token"]
    body = status(web, project, token)
    assert body == {"token": body["token"], "details": []}


def test_endpoint_token_is_on_the_page(web, project, check):
    body = web.get(f"/projects/{project.code}/checks/").body.decode()
    assert 'data-token="' in body and f'data-status-url="/projects/{project.code}/checks/status/"' in body
