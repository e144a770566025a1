"""The check details page: what it shows for each status and role, its live status JSON,
editing the name, slug, tags and description, and per-check integration toggles."""
import json
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import settings
from chalicelib.accounts import projects
from chalicelib.checks import channels, checks, flips, snippets
from chalicelib.store.models import Check


def real_now():
    """Pages run at the real clock; a check's state is set relative to it, at the test's own time."""
    return datetime.now(timezone.utc)


def details(web, check):
    response = web.get(f"/checks/{check.code}/details/")
    assert response.status_code == 200, response.body[:500]
    return response.body.decode()


def set_state(check, **fields):
    check.update(actions=[getattr(Check, name).set(value) for name, value in fields.items()])


@pytest.mark.parametrize(
    "state, last_ping_ago, word, sentence",
    [
        ({}, None, "New", "has not received a ping yet"),
        ({"status": "up"}, timedelta(minutes=5), "Up", "The last ping arrived 5 minutes ago."),
        ({"status": "up"}, timedelta(days=1, minutes=5), "Late", "the check goes down when its grace time ends"),
        ({"status": "down"}, timedelta(days=3), "Down", "The check is down: the last ping arrived 3 days ago."),
        ({"status": "paused"}, None, "Paused", "the next ping resumes it"),
        ({"status": "paused", "manual_resume": True}, None, "Paused", "until someone resumes it"),
    ],
)
def test_page_shows_each_status(web, check, state, last_ping_ago, word, sentence):
    if last_ping_ago:
        state = {**state, "last_ping": real_now() - last_ping_ago}
    set_state(check, **state) if state else None
    page = details(web, check)
    assert f'<strong id="status-word">{word}</strong>' in page
    assert sentence in page


def test_running_check_shows_the_started_indicator(web, check):
    now = real_now()
    set_state(check, status="up", last_ping=now, last_start=now - timedelta(minutes=2))
    page = details(web, check)
    assert 'class="status up started"' in page
    assert "A run started 2 minutes ago and has not finished yet." in page


def test_down_check_title_says_so(web, check):
    set_state(check, status="down")
    assert f"<title>DOWN – Backups – {settings.SITE_NAME}</title>" in details(web, check)


def test_page_shows_name_tags_description_and_both_ping_urls(web, check, project):
    set_state(check, tags="prod db", desc="Nightly dump")
    page = details(web, check)
    assert '<h1 id="check-name">Backups</h1>' in page
    assert '<span class="tag">prod</span><span class="tag">db</span>' in page
    assert "Nightly dump" in page
    assert f">{settings.PING_ENDPOINT}{check.code}</code>" in page
    assert f">{settings.PING_ENDPOINT}{project.ping_key}/backups</code>" in page


def test_slug_url_is_unavailable_without_a_slug(web, make_check):
    check = make_check(name="No slug")
    assert "Unavailable: the check has no slug." in details(web, check)


def test_examples_fill_in_the_ping_url_and_schedule(web, make_check):
    check = make_check(name="hourly", timeout=3600)
    page = details(web, check)
    for label in ("Crontab", "curl", "wget", "Python", "Python (requests)", "Node.js", "Ruby", "Go", "PHP", "C#", "PowerShell"):
        assert f"<summary>{label}</summary>" in page
    assert f"0 * * * * /your/command.sh &amp;&amp; curl -fsS -m 10 --retry 5 -o /dev/null {settings.PING_ENDPOINT}{check.code}" in page
    assert "<summary>Email</summary>" not in page


def test_every_example_pings_the_checks_url(check):
    url = f"{settings.PING_ENDPOINT}{check.code}"
    for example in snippets.examples(check, url, None):
        assert "PING_URL" not in example.text and url in example.text, example.name


def test_email_example_appears_when_email_pings_are_on(web, check, email_domain):
    page = details(web, check)
    assert "<summary>Email</summary>" in page
    assert f"{check.code}@{email_domain}" in page


@pytest.mark.parametrize(
    "kind, timeout, schedule, expected",
    [
        ("simple", 60, "", "* * * * *"),
        ("simple", 900, "", "*/15 * * * *"),
        ("simple", 6 * 3600, "", "0 */6 * * *"),
        ("simple", 86400, "", "0 0 * * *"),
        ("simple", 7 * 3600, "", snippets.FIXME),
        ("cron", 0, "30 2 * * 1", "30 2 * * 1"),
    ],
)
def test_crontab_line_matches_the_schedule(kind, timeout, schedule, expected):
    assert snippets.crontab_schedule(Check(kind=kind, timeout=timeout, schedule=schedule)) == expected


def test_page_lists_recent_events(web, check, ping, now):
    ping(check, now, "fail", body=b"disk full", ua="backup.sh")
    page = details(web, check)
    assert '<span class="kind kind-fail">Failure</span>' in page
    assert "HTTPS GET from 10.0.0.1 - disk full - backup.sh" in page
    assert "Status: new ➔ down" in page


def test_downtimes_table_shows_three_months(web, check):
    page = details(web, check)
    month = real_now().strftime("%B %Y")
    assert f'<th scope="row">{month}</th>' in page
    assert page.count('<th scope="row">') == 3


def test_badge_links_are_the_checks_own(web, check):
    page = details(web, check)
    assert f"{settings.SITE_ROOT}/b/2/{check.badge_key}.svg" in page
    assert f"{settings.SITE_ROOT}/b/3/{check.badge_key}.json" in page
    assert "https://img.shields.io/endpoint?url=" in page


def test_read_only_member_sees_no_buttons(web, check, make_member):
    web.login(make_member("r"))
    page = details(web, check)
    for marker in ('action="/checks/', "Danger zone", "Filtering rules", "Change schedule", "Edit name"):
        assert marker not in page
    assert '<strong id="status-word">New</strong>' in page


def test_writer_sees_the_buttons(web, check, make_member):
    web.login(make_member("w"))
    page = details(web, check)
    for marker in ("Danger zone", "Filtering rules…", "Change schedule…", 'id="pause-button"', 'id="remove-button"'):
        assert marker in page


def test_writer_gets_a_ping_now_button_posting_to_the_checks_ping_url(web, check, make_member):
    web.login(make_member("w"))
    assert f'id="ping-now" data-ping-url="{settings.PING_ENDPOINT}{check.code}"' in details(web, check)


def test_read_only_member_gets_no_ping_now_button(web, check, make_member):
    web.login(make_member("r"))
    assert 'id="ping-now"' not in details(web, check)


def test_copied_banner_after_a_copy(web, check):
    assert "This is a new copy" in web.get(f"/checks/{check.code}/details/", {"copied": "1"}).body.decode()


def test_unknown_check_is_not_found(web):
    assert web.get("/checks/7c9a4b1e-0000-4000-8000-000000000000/details/").status_code == 404
    assert web.get("/checks/not-a-uuid/details/").status_code == 404


# -- live status -------------------------------------------------------------------------------


def status(web, check, updated=None):
    response = web.xhr("GET", f"/checks/{check.code}/status/" + (f"?u={updated}" if updated else ""))
    assert response.status_code == 200
    return json.loads(response.body)


def test_status_json_has_events_when_the_client_is_behind(web, check, ping, now):
    ping(check, now)
    result = status(web, check)
    assert result["status"] in ("up", "down")
    assert result["started"] is False
    assert 'id="event-ping-1"' in result["events"]
    assert "<table" in result["downtimes"]


def test_status_json_leaves_out_events_when_nothing_is_newer(web, check, ping, now):
    ping(check, now)
    updated = status(web, check)["updated"]
    result = status(web, check, updated)
    assert "events" not in result and "downtimes" not in result
    ping(check, now + timedelta(seconds=1))
    assert 'id="event-ping-2"' in status(web, check, updated)["events"]


def test_status_json_title_and_text_follow_the_status(web, check):
    set_state(check, status="down")
    result = status(web, check)
    assert result["title"] == f"DOWN – Backups – {settings.SITE_NAME}"
    assert "Down" in result["status_text"]


# -- name, slug, tags, description --------------------------------------------------------------


def test_edit_name_slug_tags_and_description(web, check, project):
    response = web.post(f"/checks/{check.code}/name/", {"name": "DB", "slug": "db", "tags": " a  b ", "desc": "x"})
    assert (response.status_code, response.headers["Location"]) == (302, f"/checks/{check.code}/details/")
    saved = Check.get(check.code)
    assert (saved.name, saved.slug, saved.tags, saved.desc) == ("DB", "db", "a b", "x")
    assert saved.slug_key == f"{project.ping_key}/db"


@pytest.mark.parametrize(
    "form, message",
    [
        ({"name": "x" * 101}, "Name is too long."),
        ({"slug": "Not A Slug"}, "Slug may contain only lower-case letters, digits, - and _."),
        ({"slug": "s" * 101}, "Slug is too long."),
    ],
)
def test_bad_name_form_is_refused_and_changes_nothing(web, check, form, message):
    response = web.post(f"/checks/{check.code}/name/", form)
    assert response.status_code == 400
    assert message in response.body.decode()
    saved = Check.get(check.code)
    assert (saved.name, saved.slug) == ("Backups", "backups")


def test_edit_returns_to_a_safe_next_page(web, check, project):
    target = f"/projects/{project.code}/checks/?tag=prod"
    response = web.post(f"/checks/{check.code}/name/", {"name": "DB", "next": target})
    assert response.headers["Location"] == target
    response = web.post(f"/checks/{check.code}/name/", {"name": "DB", "next": "//evil.example/"})
    assert response.headers["Location"] == f"/checks/{check.code}/details/"


def test_read_only_member_cannot_edit(web, check, make_member):
    web.login(make_member("r"))
    assert web.post(f"/checks/{check.code}/name/", {"name": "DB"}).status_code == 403
    assert Check.get(check.code).name == "Backups"


# -- integration toggles ---------------------------------------------------------------------


@pytest.fixture
def channel(project, now):
    return channels.create_channel(project.code, "email", {"value": "ops@example.org"}, now, name="ops")


def test_channel_toggles_off_and_on(web, check, channel):
    assert channel.code in Check.get(check.code).channels
    url = f"/checks/{check.code}/channels/{channel.code}/enabled"
    assert web.xhr("POST", url, {"state": "off"}).status_code == 200
    assert channel.code not in (Check.get(check.code).channels or set())
    assert web.post(url, {"state": "on"}).status_code == 302
    assert channel.code in Check.get(check.code).channels


def test_page_shows_each_channel_with_its_state(web, check, channel):
    page = details(web, check)
    assert f'action="/checks/{check.code}/channels/{channel.code}/enabled"' in page
    assert 'aria-pressed="true"' in page


def test_channel_of_another_project_is_refused(web, check, now):
    other = projects.create_project("Other", now).project
    foreign = channels.create_channel(other.code, "email", {"value": "x@example.org"}, now)
    response = web.post(f"/checks/{check.code}/channels/{foreign.code}/enabled", {"state": "on"})
    assert response.status_code == 404
    assert foreign.code not in (Check.get(check.code).channels or set())


def test_unknown_channel_and_bad_state_are_refused(web, check, channel):
    url = f"/checks/{check.code}/channels/{channel.code}/enabled"
    assert web.post(url, {"state": "maybe"}).status_code == 400
    assert web.post(f"/checks/{check.code}/channels/nope/enabled", {"state": "on"}).status_code == 404


def test_flip_rows_use_arrows(web, check, now):
    flips.write_flip(check, "up", "down", "timeout", now)
    assert "Status: up ➔ down" in details(web, check)


def test_a_flip_with_a_detail_says_why_in_its_row(web, check, now):
    flips.write_flip(check, "up", "down", "fail", now, detail="ran 2 h 14 min, longer than 1 h")
    assert "Status: up ➔ down (ran 2 h 14 min, longer than 1 h)" in details(web, check)


def test_page_for_cron_check_offers_the_checks_time_zone(web, project, now, user):
    check = checks.create_check(project, now, name="cron", kind="cron", schedule="0 3 * * *", tz="Europe/Riga")
    page = details(web, check)
    assert '<option value="Europe/Riga"' in page
    assert "<code>0 3 * * *</code>" in page


def test_visiting_the_page_marks_the_user_active_once_a_day(web, check, user):
    from chalicelib.store.models import User

    details(web, check)
    first = User.get(user.id).last_active
    assert first is not None and real_now() - first < timedelta(minutes=1)
    details(web, check)
    assert User.get(user.id).last_active == first


def test_addresses_in_the_description_are_links(web, check):
    set_state(check, desc="Runbook: https://wiki.example.org/backups?a=1&b=2.\nCall Ann.")
    assert (
        '<a href="https://wiki.example.org/backups?a=1&amp;b=2" rel="nofollow noopener noreferrer">'
        "https://wiki.example.org/backups?a=1&amp;b=2</a>.\nCall Ann." in details(web, check)
    )


def test_a_description_link_cannot_carry_markup(web, check):
    set_state(check, desc='http://x.org/"onmouseover="alert(1) <b>bold</b>')
    page = details(web, check)
    assert '<a href="http://x.org/" rel="nofollow noopener noreferrer">http://x.org/</a>&#34;onmouseover=&#34;alert(1)' in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
