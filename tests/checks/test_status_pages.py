"""Status pages' rules in the domain: what a page stores and refuses, and what a view computes
from the flips: states, daily uptime, incidents, notes."""
from datetime import timedelta

import pytest

from chalicelib.checks import check_summary, checks, flips, status_pages
from chalicelib.store.models import Flip, StatusPage


@pytest.fixture
def old_check(make_check, now):
    """A check created 100 days ago (older than the bars), pinged up."""
    check = make_check(name="Secret DB backup", tags="prod db")
    check.update(actions=[check.__class__.created.set(now - timedelta(days=100)), check.__class__.status.set("up"),
                          check.__class__.last_ping.set(now - timedelta(minutes=5))])  # fmt: skip
    return check


def page_showing(project, now, *items, published=True) -> StatusPage:
    page = status_pages.create(project.code, "Acme", now)
    listed = check_summary.project_checks(project.code)
    return status_pages.update(page, {"title": "Acme", "published": published, "items": list(items)}, listed)


def outage(check, start, minutes):
    flips.write_flip(check, "up", "down", "timeout", start)
    flips.write_flip(check, "down", "up", "", start + timedelta(minutes=minutes))


def test_a_new_page_is_unpublished_at_an_unguessable_slug(project, now):
    page = status_pages.create(project.code, "Acme", now)
    assert not page.published
    assert len(page.slug) == 24 and int(page.slug, 16) >= 0  # 96 random bits, hex
    assert status_pages.create(project.code, "Acme", now).slug != page.slug


@pytest.mark.parametrize("slug", ["ab", "-acme", "acme-", "Acme", "ac me", "a/b", "x" * 61, "acme.status"])
def test_a_chosen_slug_of_the_wrong_shape_is_refused(project, now, slug):
    page = status_pages.create(project.code, "Acme", now)
    with pytest.raises(status_pages.PageError, match="address"):
        status_pages.update(page, {"title": "Acme", "slug": slug}, [])


def test_a_slug_taken_by_another_projects_page_is_refused_and_nothing_moves(project, new_project, now):
    from chalicelib.accounts import projects

    theirs = status_pages.create(projects.create_project("Theirs", now).project.code, "Theirs", now)
    status_pages.update(theirs, {"title": "Theirs", "slug": "status"}, [])
    ours = status_pages.create(project.code, "Acme", now)
    with pytest.raises(status_pages.PageError, match="taken"):
        status_pages.update(ours, {"title": "Acme", "slug": "status"}, [])
    assert status_pages.get("status").title == "Theirs"
    assert status_pages.get(ours.slug) is not None


def test_a_new_slug_replaces_the_old_one(project, now):
    page = status_pages.create(project.code, "Acme", now)
    moved = status_pages.update(page, {"title": "Acme", "slug": "acme-status"}, [])
    assert moved.slug == "acme-status"
    assert status_pages.get(page.slug) is None


@pytest.mark.parametrize("url", ["http://example.com/logo.png", "javascript:alert(1)", "https://", "//example.com/l.png",
                                 'https://example.com/"onerror=x', "https://example.com/" + "x" * 500])  # fmt: skip
def test_a_logo_url_that_is_not_https_is_refused(project, now, url):
    page = status_pages.create(project.code, "Acme", now)
    with pytest.raises(status_pages.PageError, match="https"):
        status_pages.update(page, {"title": "Acme", "logo_url": url}, [])


def test_an_empty_title_is_refused(project, now):
    with pytest.raises(status_pages.PageError, match="title"):
        status_pages.create(project.code, "  ", now)


def test_a_shown_check_needs_a_public_name(project, old_check, now):
    page = status_pages.create(project.code, "Acme", now)
    with pytest.raises(status_pages.PageError, match="public name"):
        status_pages.update(page, {"title": "Acme", "items": [("check", old_check.code, " ")]},
                            check_summary.project_checks(project.code))  # fmt: skip


def test_a_check_of_another_project_cannot_be_shown(project, now):
    from chalicelib.accounts import projects

    theirs = checks.create_check(projects.create_project("Theirs", now).project, now, name="Theirs")
    page = status_pages.create(project.code, "Acme", now)
    with pytest.raises(status_pages.PageError, match="not in this project"):
        status_pages.update(page, {"title": "Acme", "items": [("check", theirs.code, "Their API")]},
                            check_summary.project_checks(project.code))  # fmt: skip


def test_an_item_shows_its_public_name_and_state(project, old_check, now):
    view = status_pages.view(page_showing(project, now, ("check", old_check.code, "Backups")), now)
    assert [(item.name, item.state) for item in view.items] == [("Backups", "up")]


@pytest.mark.parametrize("status, last_start, state", [
    ("up", None, "up"), ("down", None, "down"), ("paused", None, "paused"), ("new", None, "new"),
    ("up", timedelta(seconds=-30), "running"),
])  # fmt: skip
def test_the_state_follows_the_check(project, old_check, now, status, last_start, state):
    actions = [old_check.__class__.status.set(status)]
    if last_start is not None:
        actions.append(old_check.__class__.last_start.set(now + last_start))
    old_check.update(actions=actions)
    view = status_pages.view(page_showing(project, now, ("check", old_check.code, "Backups")), now)
    assert view.items[0].state == state


def test_a_check_past_its_grace_is_late(project, old_check, now):
    old_check.update(actions=[old_check.__class__.last_ping.set(now - timedelta(days=1, minutes=30))])  # timeout 1 day, grace 1 h
    view = status_pages.view(page_showing(project, now, ("check", old_check.code, "Backups")), now)
    assert view.items[0].state == "late"
    assert view.state == "late"


def test_ninety_daily_bars_show_each_days_downtime(project, old_check, now):
    outage(old_check, now - timedelta(days=2, hours=3), 90)  # 13 Jan 09:00-10:30
    item = status_pages.view(page_showing(project, now, ("check", old_check.code, "Backups")), now).items[0]
    assert len(item.days) == status_pages.DAYS
    assert item.days[-1].day == now.date()
    day = item.days[-3]
    assert (day.down, day.level) == (timedelta(minutes=90), "major")
    assert status_pages.day_text(day) == "13 Jan: 93.75% up, down 1 h 30 min"
    assert status_pages.day_text(item.days[-2]) == "14 Jan: up"


def test_a_downtime_over_midnight_counts_in_both_days(project, old_check, now):
    outage(old_check, now.replace(hour=0) - timedelta(days=1, minutes=20), 50)  # 23:40 to 00:30
    days = status_pages.view(page_showing(project, now, ("check", old_check.code, "Backups")), now).items[0].days
    assert (days[-3].down, days[-2].down) == (timedelta(minutes=20), timedelta(minutes=30))
    assert days[-3].level == "minor"


def test_days_before_the_check_existed_have_no_data(project, make_check, now):
    young = make_check(name="Young")
    young.update(actions=[young.__class__.created.set(now - timedelta(days=1, hours=12))])
    item = status_pages.view(page_showing(project, now, ("check", young.code, "New thing")), now).items[0]
    assert [day.level for day in item.days[-3:]] == ["none", "full", "full"]
    assert status_pages.day_text(item.days[-3]) == "13 Jan: no data"


def test_incidents_list_each_down_period_with_start_end_and_duration_newest_first(project, old_check, now):
    outage(old_check, now - timedelta(days=10), 42)
    outage(old_check, now - timedelta(days=3), 5)
    outage(old_check, now - timedelta(days=40), 5)  # older than the incidents' weeks: a bar only
    incidents = status_pages.view(page_showing(project, now, ("check", old_check.code, "Backups")), now).incidents
    assert [(name, i.start, i.end, i.duration(now)) for name, i in incidents] == [
        ("Backups", now - timedelta(days=3), now - timedelta(days=3, minutes=-5), timedelta(minutes=5)),
        ("Backups", now - timedelta(days=10), now - timedelta(days=10, minutes=-42), timedelta(minutes=42)),
    ]


def test_an_ongoing_incident_has_no_end(project, old_check, now):
    flips.write_flip(old_check, "up", "down", "timeout", now - timedelta(hours=2))
    old_check.update(actions=[old_check.__class__.status.set("down")])
    view = status_pages.view(page_showing(project, now, ("check", old_check.code, "Backups")), now)
    (name, incident), = view.incidents
    assert (incident.end, incident.duration(now), view.state) == (None, timedelta(hours=2), "down")


def test_a_tag_is_down_while_any_of_its_checks_is(project, make_check, old_check, now):
    other = make_check(name="Other", tags="db")
    other.update(actions=[other.__class__.created.set(now - timedelta(days=100)), other.__class__.status.set("up"),
                          other.__class__.last_ping.set(now - timedelta(minutes=1))])  # fmt: skip
    outage(old_check, now - timedelta(days=2), 60)
    outage(other, now - timedelta(days=2, minutes=-30), 60)  # overlaps by 30 min: one 90-minute incident
    view = status_pages.view(page_showing(project, now, ("tag", "db", "Databases")), now)
    (name, incident), = view.incidents
    assert (name, incident.duration(now)) == ("Databases", timedelta(minutes=90))
    assert len(view.check_incidents) == 2  # the dashboard's note forms: each check's own


@pytest.fixture
def dynamodb_calls():
    """(operation, table, index) of each DynamoDB call from here on."""
    calls = []

    def record(params, model, **kwargs):
        calls.append((model.name, params.get("TableName", "").rsplit("-", 1)[-1], params.get("IndexName")))

    client = Flip._get_connection().connection.client
    client.meta.events.register("provide-client-params.dynamodb", record)
    yield calls
    client.meta.events.unregister("provide-client-params.dynamodb", record)


def test_a_view_reads_the_checks_and_the_projects_flips_once_however_many_checks_it_shows(project, make_check, now, dynamodb_calls):
    shown = [make_check(name=f"Job {n}") for n in range(5)]
    for check in shown:
        outage(check, now - timedelta(days=3), 20)
    page = page_showing(project, now, *[("check", check.code, f"Job {n}") for n, check in enumerate(shown)])
    dynamodb_calls.clear()
    view = status_pages.view(page, now)
    assert sorted(name for name, _ in view.incidents) == [f"Job {n}" for n in range(5)]
    assert dynamodb_calls == [("Query", "checks", "by_project"), ("Query", "flips", "by_project")]


def test_a_view_reads_the_flips_from_the_oldest_bars_day_on(project, old_check, now, monkeypatch):
    asked = []
    query = Flip.by_project.query

    def recording(project_code, range_key_condition, **kwargs):
        asked.append((project_code, str(range_key_condition)))
        return query(project_code, range_key_condition, **kwargs)

    monkeypatch.setattr(Flip.by_project, "query", recording)
    status_pages.view(page_showing(project, now, ("check", old_check.code, "Backups")), now)
    assert asked == [(project.code, "created >= {'S': '2025-10-18T00:00:00.000000+0000'}")]  # 89 days before now's day


def test_a_member_writes_a_note_on_an_incident_and_the_page_shows_it(project, old_check, now):
    outage(old_check, now - timedelta(days=1), 30)
    status_pages.save_note(old_check, now - timedelta(days=1), "The disk filled up; cleaned.", may_replace=False)
    (name, incident), = status_pages.view(page_showing(project, now, ("check", old_check.code, "Backups")), now).incidents
    assert incident.notes == ["The disk filled up; cleaned."]


def test_a_member_cannot_change_a_written_note(project, old_check, now):
    outage(old_check, now - timedelta(days=1), 30)
    status_pages.save_note(old_check, now - timedelta(days=1), "First.", may_replace=False)
    with pytest.raises(LookupError):
        status_pages.save_note(old_check, now - timedelta(days=1), "Second.", may_replace=False)
    assert Flip.get(old_check.code, now - timedelta(days=1)).note == "First."


def test_a_manager_changes_and_clears_a_note(project, old_check, now):
    outage(old_check, now - timedelta(days=1), 30)
    status_pages.save_note(old_check, now - timedelta(days=1), "First.", may_replace=False)
    status_pages.save_note(old_check, now - timedelta(days=1), "Second.", may_replace=True)
    assert Flip.get(old_check.code, now - timedelta(days=1)).note == "Second."
    status_pages.save_note(old_check, now - timedelta(days=1), "", may_replace=True)
    assert Flip.get(old_check.code, now - timedelta(days=1)).note is None


def test_a_note_goes_only_on_a_down_flip_that_exists(project, old_check, now):
    outage(old_check, now - timedelta(days=1), 30)
    for at in (now - timedelta(days=1, minutes=-30), now - timedelta(hours=5)):  # the up flip; no flip
        with pytest.raises(LookupError):
            status_pages.save_note(old_check, at, "Nope.", may_replace=True)
    assert not list(Flip.query(old_check.code, Flip.created == now - timedelta(hours=5)))


def test_deleting_the_project_deletes_its_pages(project, now):
    from chalicelib.accounts import closing

    page = status_pages.create(project.code, "Acme", now)
    closing.delete_project(project)
    assert status_pages.get(page.slug) is None
