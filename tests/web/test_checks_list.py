"""The checks list page: each status, filters and sorts, slug URLs, the Add Check dialog, roles."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.checks import channels, checks
from chalicelib.store.models import Check, Project, User

# Page requests run at the real time, so states are made relative to it.
NOW = datetime.now(timezone.utc)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def status_of(body: str, code: str) -> str:
    """The status icon's classes in the check's row."""
    row = re.search(rf'<tr id="check-{code}".*?</tr>', body, re.S).group(0)
    return re.search(r'class="status ([a-z ]+)"', row).group(1)


def row_codes(body: str, visible_only=False) -> list[str]:
    rows = re.findall(r'<tr id="check-([0-9a-f-]+)"([^>]*)>', body)
    return [code for code, attrs in rows if not (visible_only and re.search(r"\shidden", attrs))]


@pytest.fixture
def each_status(make_check):
    """One check in each state the list shows, named after it."""
    return {
        "new": make_check(name="new one"),
        "up": make_check(name="up one", status="up", last_ping=NOW - HOUR),
        "grace": make_check(name="late one", status="up", last_ping=NOW - DAY - 10 * 60 * timedelta(seconds=1)),
        "down": make_check(name="down one", status="down", last_ping=NOW - 3 * DAY),
        "paused": make_check(name="paused one", status="paused"),
        "started": make_check(name="running one", status="up", last_ping=NOW - HOUR, last_start=NOW - 60 * timedelta(seconds=1)),
    }


def page(web, project, **query):
    response = web.get(f"/projects/{project.code}/checks/", query or None)
    assert response.status_code == 200, response.body[:300]
    return response.body.decode()


@pytest.mark.parametrize("status, classes", [
    ("new", "new"), ("up", "up"), ("grace", "grace"), ("down", "down"), ("paused", "paused"), ("started", "up started"),
])
def test_list_shows_each_status_icon(web, project, each_status, status, classes):
    assert status_of(page(web, project), each_status[status].code) == classes


def test_title_counts_down_checks(web, project, each_status):
    assert "<title>1 down – Mychecks</title>" in page(web, project)


def test_down_checks_come_first(web, project, each_status):
    assert row_codes(page(web, project))[0] == each_status["down"].code


def test_sort_by_name_is_natural_and_saved_on_the_user(web, project, user, make_check):
    for name in ("check 10", "check 9", "Alpha"):
        make_check(name=name)
    body = page(web, project, sort="name")
    names = re.findall(r'class="check-name">([^<]+)</a>', body)
    assert names == ["Alpha", "check 9", "check 10"]
    assert User.get(user.id).sort == "name"


def test_sort_by_status_puts_the_worst_first(web, project, each_status):
    order = row_codes(page(web, project, sort="status"))
    assert order[:3] == [each_status[s].code for s in ("down", "grace", "started")]


def test_sort_by_last_ping_is_oldest_first_never_pinged_last_as_healthchecks(web, project, make_check):
    old = make_check(name="old", status="up", last_ping=NOW - 5 * HOUR)
    recent = make_check(name="recent", status="up", last_ping=NOW - HOUR)
    never = make_check(name="never")
    assert row_codes(page(web, project, sort="last_ping")) == [old.code, recent.code, never.code]


def test_sort_by_minus_last_ping_is_its_reverse_never_pinged_first(web, project, make_check):
    old = make_check(name="old", status="up", last_ping=NOW - 5 * HOUR)
    recent = make_check(name="recent", status="up", last_ping=NOW - HOUR)
    never = make_check(name="never")
    assert row_codes(page(web, project, sort="-last_ping")) == [never.code, recent.code, old.code]


def test_unknown_sort_is_ignored(web, project, user, check):
    page(web, project, sort="bogus")
    assert User.get(user.id).sort == "created"


def test_tag_filter_needs_every_selected_tag(web, project, make_check):
    both = make_check(name="both", tags="prod db")
    make_check(name="prod only", tags="prod")
    assert row_codes(page(web, project, tag=["prod", "db"]), visible_only=True) == [both.code]


def test_search_matches_name_slug_or_code(web, project, make_check):
    by_slug = make_check(name="Nightly", slug="backup-db")
    make_check(name="Other")
    assert row_codes(page(web, project, search="BACKUP"), visible_only=True) == [by_slug.code]


def test_status_filter_matches_any_selected(web, project, each_status):
    shown = row_codes(page(web, project, status=["down", "started"]), visible_only=True)
    assert sorted(shown) == sorted([each_status["down"].code, each_status["started"].code])


def test_filters_are_kept_in_the_form(web, project, make_check):
    make_check(name="a", tags="prod")
    body = page(web, project, tag="prod", search="a b", status="down")
    assert 'value="prod" checked' in body and 'value="a b"' in body and 'value="down" checked' in body


def test_tag_buttons_are_coloured_by_their_worst_check(web, project, make_check):
    make_check(name="fine", tags="prod", status="up", last_ping=NOW - HOUR)
    make_check(name="broken", tags="prod", status="down", last_ping=NOW - 3 * DAY)
    make_check(name="fine too", tags="web", status="up", last_ping=NOW - HOUR)
    body = page(web, project)
    assert 'class="tag-toggle tag down" title="1 of 2 down" data-tag="prod"' in body
    assert 'class="tag-toggle tag up" title="1 up" data-tag="web"' in body


def test_row_shows_period_grace_cron_and_last_ping(web, project, make_check):
    make_check(name="simple", timeout=7200, grace=300, status="up", last_ping=NOW - 3 * HOUR, last_duration=75)
    make_check(name="cron", kind="cron", schedule="0 9 * * 1", tz="Europe/Riga")
    body = page(web, project)
    assert "2 hours" in body and "grace 5 minutes" in body and "3 hours ago" in body and "1:15" in body
    assert "<code>0 9 * * 1</code>" in body and "Europe/Riga" in body


def test_new_project_shows_the_empty_state(web, project):
    body = page(web, project)
    assert 'id="no-checks"' in body and "checks-table" not in body


def test_ping_urls_use_the_uuid_by_default(web, project, check):
    assert f"/ping/{check.code}</code>" in page(web, project)


def test_slug_urls_when_asked_and_saved_on_the_project(web, project, check, make_check):
    make_check(name="no slug")
    body = page(web, project, urls="slug")
    assert f"/ping/{project.ping_key}/backups</code>" in body
    assert "unavailable, slug not set" in body
    assert Project.get(project.code).show_slugs is True


def test_read_only_member_cannot_switch_url_style(web, project, make_member, check):
    web.login(make_member("r"))
    page(web, project, urls="slug")
    assert Project.get(project.code).show_slugs is False


def test_read_only_member_sees_no_edit_buttons(web, project, make_member, check):
    web.login(make_member("r"))
    body = page(web, project)
    assert "Add Check" not in body and "pause-form" not in body and "schedule-dialog" not in body


def test_writer_sees_add_pause_and_schedule_buttons(web, project, check):
    body = page(web, project)
    assert 'id="add-check-button" data-open-dialog' in body and "pause-form" in body and 'id="schedule-dialog"' in body


def test_add_button_disabled_when_owner_has_no_free_slots(web, project, user, check):
    user.update(actions=[User.check_limit.set(1)])
    body = page(web, project)
    assert re.search(r'<button[^>]*id="add-check-button" disabled', body)
    assert "1 in use, 0 available" in body


def test_viewing_the_list_marks_the_user_active(web, project, user):
    page(web, project)
    assert User.get(user.id).last_active is not None


# -- Add Check ---------------------------------------------------------------------------------

def add(web, project, **fields):
    form = {"name": "Nightly", "slug": "nightly", "tags": " prod   db ", "kind": "simple",
            "timeout_value": "2", "timeout_unit": "3600", "grace_value": "5", "grace_unit": "60", **fields}
    return web.post(f"/projects/{project.code}/checks/add/", form)


def only_check(project) -> Check:
    (found,) = list(Check.by_project.query(project.code))
    return checks.get(found.code)


def test_add_check_stores_it_and_links_every_channel(web, project, now):
    email = channels.create_channel(project.code, "email", {"value": "a@example.org", "up": True, "down": True}, now)
    hook = channels.create_channel(project.code, "email", {"value": "b@example.org", "up": True, "down": True}, now)
    response = add(web, project, next=f"/projects/{project.code}/checks/?tag=prod")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/projects/{project.code}/checks/?tag=prod"
    check = only_check(project)
    assert (check.name, check.slug, check.tags, check.kind, check.timeout, check.grace) == ("Nightly", "nightly", "prod db", "simple", 7200, 300)
    assert check.channels == {email.code, hook.code}
    assert check.slug_key == f"{project.ping_key}/nightly"


def test_add_cron_check_with_time_zone(web, project):
    add(web, project, kind="cron", schedule="30 2 * * *", tz="Europe/Riga")
    check = only_check(project)
    assert (check.kind, check.schedule, check.tz) == ("cron", "30 2 * * *", "Europe/Riga")


def test_add_oncalendar_check(web, project):
    add(web, project, kind="oncalendar", schedule="Mon..Fri 09:00", tz="UTC")
    assert (only_check(project).kind, only_check(project).schedule) == ("oncalendar", "Mon..Fri 09:00")


def test_add_accepts_seconds_as_the_api_does(web, project):
    add(web, project, timeout_unit="", grace_unit="", timeout="3600", grace="60")
    assert (only_check(project).timeout, only_check(project).grace) == (3600, 60)


@pytest.mark.parametrize("fields, message", [
    ({"name": "x" * 101}, "Name is too long."),
    ({"slug": "Not A Slug"}, "Slug may contain only lower-case letters, digits, - and _."),
    ({"tags": "t" * 501}, "Tags must be at most 500 characters."),
    ({"timeout_value": "30", "timeout_unit": "1"}, "Period has an unknown unit."),
    ({"timeout_value": "0"}, "Period must be at least 1 minute."),
    ({"timeout_value": "366", "timeout_unit": "86400"}, "Period must be at most 365 days."),
    ({"timeout_value": "soon"}, "Period must be a whole number."),
    ({"grace_value": "-1"}, "Grace time must be a whole number."),
    ({"kind": "weekly"}, "Choose simple, cron or OnCalendar."),
    ({"kind": "cron", "schedule": "61 * * * *", "tz": "UTC"}, "This is not a valid cron expression."),
    ({"kind": "cron", "schedule": "* * * * * *", "tz": "UTC"}, "This is not a valid cron expression."),
    ({"kind": "oncalendar", "schedule": "whenever", "tz": "UTC"}, "This is not a valid OnCalendar expression."),
    ({"kind": "cron", "schedule": "0 9 * * *", "tz": "Mars/Olympus"}, "Time zone is not a known time zone."),
], ids=lambda value: str(value)[:40])
def test_add_check_rejects_bad_fields_with_a_message(web, project, fields, message):
    response = add(web, project, **fields)
    assert response.status_code == 400
    body = response.body.decode()
    assert message in body and "data-open" in body  # the dialog opens again, with the error
    assert list(Check.by_project.query(project.code)) == []


def test_add_check_keeps_the_typed_values_after_an_error(web, project):
    body = add(web, project, name="Keep me", slug="Bad Slug").body.decode()
    assert 'value="Keep me"' in body and 'value="Bad Slug"' in body


def test_add_check_refused_without_free_slots(web, project, user, check):
    user.update(actions=[User.check_limit.set(1)])
    response = add(web, project)
    assert response.status_code == 400
    assert "no free check slots" in response.body.decode()
    assert len(list(Check.by_project.query(project.code))) == 1


def test_read_only_member_cannot_add(web, project, make_member):
    web.login(make_member("r"))
    assert add(web, project).status_code == 403
    assert list(Check.by_project.query(project.code)) == []
