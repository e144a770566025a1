"""The /api/vN/checks endpoints: auth, every field, versions, upsert, pause/resume/delete."""
import json

import pytest

from chalicelib.accounts import projects
from chalicelib.checks import channels, checks
from chalicelib.checks.check_json import unique_key
from chalicelib.store.models import Flip, Ping

VERSIONS = ["v1", "v2", "v3"]
RW_FIELDS = {
    "name", "slug", "tags", "desc", "grace", "n_pings", "status", "started", "last_ping",
    "next_ping", "manual_resume", "methods", "subject", "subject_fail", "start_kw",
    "success_kw", "failure_kw", "filter_subject", "filter_body", "filter_http_body",
    "filter_default_fail", "badge_url", "uuid", "ping_url", "update_url", "pause_url",
    "resume_url", "channels", "timeout",
}  # fmt: skip
EXTENSION_FIELDS = {"failure_threshold", "recovery_threshold", "quiet_windows", "snoozed_until", "depends_on"}  # v3 only


def body(response):
    return json.loads(response.body)


# Authentication


def test_missing_key_is_401(api):
    response = api("GET", "/api/v3/checks/", key=None)
    assert (response.status_code, body(response)) == (401, {"error": "missing api key"})


def test_key_of_wrong_length_is_missing(api):
    assert body(api("GET", "/api/v3/checks/", key="short"))["error"] == "missing api key"


def test_unknown_key_is_401_wrong_api_key(api):
    response = api("GET", "/api/v3/checks/", key="hcw_" + "x" * 28)
    assert (response.status_code, body(response)) == (401, {"error": "wrong api key"})


def test_key_in_the_json_body_is_accepted_on_post(api, new_project):
    response = api("POST", "/api/v3/checks/", {"name": "From body", "api_key": new_project.api_key}, key=None)
    assert response.status_code == 201


def test_key_in_the_json_body_is_not_read_on_get(api, new_project):
    assert api("GET", "/api/v3/checks/", key=None).status_code == 401


def test_unparseable_body_is_400_before_auth(api):
    response = api("POST", "/api/v3/checks/", b"{not json", key=None)
    assert (response.status_code, body(response)) == (400, {"error": "could not parse request body"})


def test_json_that_is_not_an_object_is_400(api):
    response = api("POST", "/api/v3/checks/", [1, 2])
    assert body(response) == {"error": "json validation error: value is not an object"}


@pytest.mark.parametrize(
    "method, path",
    [("POST", "/api/v3/checks/"), ("POST", "/api/v3/checks/{code}"), ("DELETE", "/api/v3/checks/{code}"),
     ("POST", "/api/v3/checks/{code}/pause"), ("POST", "/api/v3/checks/{code}/resume"),
     ("GET", "/api/v3/checks/{code}/pings/"), ("GET", "/api/v3/channels/")],
)  # fmt: skip
def test_read_only_key_cannot_write_or_read_pings_and_channels(api, check, method, path):
    response = api(method, path.format(code=check.code), {} if method == "POST" else None, key="ro")
    assert response.status_code == 403
    assert checks.get(check.code).status == "new"


# Listing and reading


@pytest.mark.parametrize("version", VERSIONS)
def test_list_shows_every_field_to_a_read_write_key(api, check, version):
    [listed] = body(api("GET", f"/api/{version}/checks/"))["checks"]
    assert set(listed) == RW_FIELDS | (EXTENSION_FIELDS if version == "v3" else set())
    assert listed["uuid"] == check.code
    assert listed["update_url"].endswith(f"/api/{version}/checks/{check.code}")
    assert listed["ping_url"].endswith(f"/ping/{check.code}")


def test_read_only_key_sees_unique_key_instead_of_uuid_and_urls(api, check):
    [listed] = body(api("GET", "/api/v3/checks/", key="ro"))["checks"]
    assert listed["unique_key"] == unique_key(check.code)
    assert not {"uuid", "ping_url", "update_url", "pause_url", "resume_url", "channels"} & set(listed)


def test_list_filters_by_every_tag_given(api, make_check):
    make_check(name="a", tags="prod db")
    make_check(name="b", tags="prod web")
    names = [c["name"] for c in body(api("GET", "/api/v3/checks/?tag=prod&tag=db"))["checks"]]
    assert names == ["a"]


def test_list_filters_by_slug(api, make_check):
    make_check(name="a", slug="alpha"), make_check(name="b", slug="beta")
    assert [c["name"] for c in body(api("GET", "/api/v3/checks/?slug=beta"))["checks"]] == ["b"]


def test_list_shows_only_the_keys_project(api, check, now):
    other = projects.create_project("Other", now).project
    checks.create_check(other, now, name="theirs")
    assert [c["name"] for c in body(api("GET", "/api/v3/checks/"))["checks"]] == ["Backups"]


def test_route_works_with_and_without_trailing_slash(api, check):
    assert api("GET", "/api/v3/checks").status_code == 200
    assert api("GET", "/api/v3/checks/").status_code == 200


def test_unknown_api_version_is_404(api):
    assert api("GET", "/api/v4/checks/").status_code == 404


def test_get_one_check_by_uuid(api, check):
    assert body(api("GET", f"/api/v3/checks/{check.code}"))["name"] == "Backups"


def test_get_one_check_by_unique_key(api, check):
    response = api("GET", f"/api/v3/checks/{unique_key(check.code)}", key="ro")
    assert body(response)["unique_key"] == unique_key(check.code)


def test_unknown_check_is_404(api, aws):
    assert api("GET", "/api/v3/checks/8e3a5f12-7b7c-4a5e-9a0d-3c8b9f0e1a2b").status_code == 404


def test_other_projects_check_is_404_and_shows_nothing(api, now):
    other = projects.create_project("Other", now).project
    theirs = checks.create_check(other, now, name="secret name")
    for method, path in [("GET", ""), ("POST", ""), ("DELETE", ""), ("POST", "/pause"), ("GET", "/pings/"), ("GET", "/flips/")]:
        response = api(method, f"/api/v3/checks/{theirs.code}{path}", {} if method == "POST" else None)
        assert response.status_code == 404 and b"secret" not in response.body
    assert checks.get(theirs.code).status == "new"


def test_status_of_a_running_check_is_started_in_v1_only(api, check, ping):
    from datetime import datetime, timezone

    ping(check, datetime.now(timezone.utc), "start")  # the API judges status by the wall clock
    v1 = body(api("GET", f"/api/v1/checks/{check.code}"))
    v3 = body(api("GET", f"/api/v3/checks/{check.code}"))
    assert (v1["status"], v3["status"], v3["started"]) == ("started", "new", True)


def test_cron_check_shows_schedule_and_tz_instead_of_timeout(api, make_check):
    check = make_check(kind="cron", schedule="0 3 * * *", tz="Europe/Riga")
    shown = body(api("GET", f"/api/v3/checks/{check.code}"))
    assert (shown["schedule"], shown["tz"], "timeout" in shown) == ("0 3 * * *", "Europe/Riga", False)


def test_last_duration_appears_once_known(api, check, ping, now):
    from datetime import timedelta

    assert "last_duration" not in body(api("GET", f"/api/v3/checks/{check.code}"))
    ping(check, now, "start")
    ping(check, now + timedelta(seconds=30))
    assert body(api("GET", f"/api/v3/checks/{check.code}"))["last_duration"] == 30


# Creating and updating


def test_create_returns_201_and_the_check(api):
    response = api("POST", "/api/v3/checks/", {"name": "Nightly", "timeout": 3600, "grace": 60, "tags": "a b"})
    created = body(response)
    assert response.status_code == 201
    stored = checks.get(created["uuid"])
    assert (stored.name, stored.timeout, stored.grace, stored.tags) == ("Nightly", 3600, 60, "a b")


@pytest.mark.parametrize("version, slug", [("v1", "nightly-db-backup"), ("v2", "nightly-db-backup"), ("v3", "")])
def test_name_sets_the_slug_before_v3(api, version, slug):
    created = body(api("POST", f"/api/{version}/checks/", {"name": "Nightly DB Backup!"}))
    assert created["slug"] == slug


def test_explicit_slug_wins_over_the_name(api):
    assert body(api("POST", "/api/v1/checks/", {"name": "X Y", "slug": "mine"}))["slug"] == "mine"


def test_created_slug_answers_slug_pings(api, new_project, ping, now):
    api("POST", "/api/v3/checks/", {"name": "N", "slug": "nightly"})
    assert ping([new_project.project.ping_key, "nightly"], now).status_code == 200


def test_schedule_makes_a_cron_or_oncalendar_check(api):
    cron = body(api("POST", "/api/v3/checks/", {"schedule": "*/5 * * * *", "tz": "Europe/Kiev"}))
    oncalendar = body(api("POST", "/api/v3/checks/", {"schedule": "Mon *-*-* 12:00"}))
    assert (checks.get(cron["uuid"]).kind, cron["tz"]) == ("cron", "Europe/Kyiv")
    assert checks.get(oncalendar["uuid"]).kind == "oncalendar"


@pytest.mark.parametrize("legacy, stored", [("UCT", "Etc/UTC"), ("CET", "Europe/Brussels"), ("EET", "Europe/Athens"),
                                            ("MET", "Europe/Brussels"), ("US/Pacific", "America/Los_Angeles")])
def test_legacy_time_zone_names_are_stored_as_healthchecks_rewrites_them(api, legacy, stored):
    created = body(api("POST", "/api/v3/checks/", {"schedule": "* * * * *", "tz": legacy, "grace": 60}))
    updated = body(api("POST", f"/api/v3/checks/{created['uuid']}", {"tz": legacy}))
    assert (created["tz"], updated["tz"], checks.get(created["uuid"]).tz) == (stored, stored, stored)


def test_schedule_wins_over_timeout(api):
    created = body(api("POST", "/api/v3/checks/", {"schedule": "0 * * * *", "timeout": 600}))
    assert checks.get(created["uuid"]).kind == "cron"


def test_new_check_has_no_channels_unless_asked(api, project, now):
    channel = channels.create_channel(project.code, "webhook", {"url_down": "http://example.org"}, now, name="hook")
    assert body(api("POST", "/api/v3/checks/", {}))["channels"] == ""
    assert body(api("POST", "/api/v3/checks/", {"channels": "*"}))["channels"] == channel.code
    assert body(api("POST", "/api/v3/checks/", {"channels": "hook"}))["channels"] == channel.code


@pytest.mark.parametrize(
    "channels_value, message",
    [(",", "empty channel identifier"), ("nope", "invalid channel identifier: nope")],
)
def test_bad_channel_identifiers_are_400(api, channels_value, message):
    response = api("POST", "/api/v3/checks/", {"channels": channels_value})
    assert (response.status_code, body(response)) == (400, {"error": message})


def test_two_channels_with_one_name_are_ambiguous(api, project, now):
    for _ in range(2):
        channels.create_channel(project.code, "webhook", {"url_down": "http://example.org"}, now, name="dup")
    assert body(api("POST", "/api/v3/checks/", {"channels": "dup"}))["error"] == "non-unique channel identifier: dup"


def test_another_projects_channel_is_invalid(api, now):
    other = projects.create_project("Other", now).project
    theirs = channels.create_channel(other.code, "webhook", {"url_down": "http://example.org"}, now)
    response = api("POST", "/api/v3/checks/", {"channels": theirs.code})
    assert body(response)["error"] == f"invalid channel identifier: {theirs.code}"


def test_upsert_updates_the_matching_check_with_200(api, check):
    response = api("POST", "/api/v3/checks/", {"name": "Backups", "tags": "new", "unique": ["name"]})
    assert response.status_code == 200 and body(response)["uuid"] == check.code
    assert checks.get(check.code).tags == "new"


def test_upsert_without_a_match_creates_with_201(api, check):
    response = api("POST", "/api/v3/checks/", {"name": "Other", "unique": ["name"]})
    assert response.status_code == 201


def test_upsert_missing_a_unique_field_creates(api, check):
    response = api("POST", "/api/v3/checks/", {"tags": "x", "unique": ["name"]})
    assert response.status_code == 201


def test_create_over_the_check_limit_is_403(api, project, make_check):
    project.update(actions=[type(project).check_limit.set(1)])
    make_check(name="only")
    assert api("POST", "/api/v3/checks/", {"name": "one more"}).status_code == 403


def test_create_counts_the_owners_checks_in_all_their_projects(api, user, now):
    from chalicelib.accounts import projects
    from chalicelib.store.models import User

    user.update(actions=[User.check_limit.set(2)])
    other = projects.create_project("Other", now, owner=user.id).project
    checks.create_check(other, now, name="a")
    checks.create_check(other, now, name="b")
    assert api("POST", "/api/v3/checks/", {"name": "one more"}).status_code == 403


def test_update_changes_only_the_given_fields(api, check):
    response = api("POST", f"/api/v3/checks/{check.code}", {"desc": "new words"})
    stored = checks.get(check.code)
    assert response.status_code == 200
    assert (stored.desc, stored.name, stored.timeout) == ("new words", "Backups", 86400)


def test_update_of_the_period_moves_alert_after(api, check, ping, now):
    from datetime import timedelta

    ping(check, now)
    api("POST", f"/api/v3/checks/{check.code}", {"timeout": 600, "grace": 60})
    assert checks.get(check.code).alert_after == now + timedelta(seconds=660)


def test_deprecated_subject_sets_keywords_and_the_subject_filter(api, check):
    shown = body(api("POST", f"/api/v3/checks/{check.code}", {"subject": "SUCCESS"}))
    assert (shown["success_kw"], shown["filter_subject"], shown["subject"]) == ("SUCCESS", True, "SUCCESS")


def test_empty_update_is_200_and_changes_nothing(api, check):
    assert api("POST", f"/api/v3/checks/{check.code}", {}).status_code == 200
    assert checks.get(check.code).name == "Backups"


# Pause, resume, delete


def test_pause_pauses_and_writes_a_flip_without_alerting(api, check, ping, now):
    ping(check, now)
    response = api("POST", f"/api/v3/checks/{check.code}/pause")
    assert (response.status_code, body(response)["status"]) == (200, "paused")
    assert checks.get(check.code).alert_after is None
    assert list(Flip.query(check.code))[-1].new_status == "paused"


def test_pause_of_a_paused_check_changes_nothing(api, check):
    api("POST", f"/api/v3/checks/{check.code}/pause")
    api("POST", f"/api/v3/checks/{check.code}/pause")
    assert [f.new_status for f in Flip.query(check.code)] == ["paused"]


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize("key", ["rw", "ro"])
def test_writing_to_a_checks_unique_key_address_is_405(api, check, method, key):
    response = api(method, f"/api/v3/checks/{unique_key(check.code)}", {"name": "renamed"}, key=key)
    assert (response.status_code, response.json_body) == (405, {"error": "method not allowed"})
    assert checks.get(check.code).name == check.name


def test_pause_answers_405_to_get(api, check):
    assert api("GET", f"/api/v3/checks/{check.code}/pause").status_code == 405


def test_resume_makes_a_paused_check_new(api, check, ping, now):
    ping(check, now)
    api("POST", f"/api/v3/checks/{check.code}/pause")
    shown = body(api("POST", f"/api/v3/checks/{check.code}/resume"))
    assert (shown["status"], shown["last_ping"]) == ("new", None)


def test_resume_of_a_check_that_is_not_paused_is_409(api, check):
    response = api("POST", f"/api/v3/checks/{check.code}/resume")
    assert (response.status_code, response.body) == (409, b"check is not paused")


def test_delete_answers_with_the_check_and_removes_its_data(api, check, ping, now):
    ping(check, now, method="POST", body=b"b" * 200)
    response = api("DELETE", f"/api/v3/checks/{check.code}")
    assert (response.status_code, body(response)["name"]) == (200, "Backups")
    assert checks.get(check.code) is None
    assert list(Ping.query(check.code)) == [] and list(Flip.query(check.code)) == []
    from chalicelib.store import storage

    assert storage.get_body(check.code, 1) is None


def test_options_answers_cors_preflight(client, aws):
    response = client.request("OPTIONS", "/api/v3/checks/", headers={})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Headers"] == "X-Api-Key"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_responses_carry_cors_headers(api, check):
    assert api("GET", "/api/v3/checks/").headers["Access-Control-Allow-Origin"] == "*"


def test_status_endpoint_needs_no_key(client, aws):
    response = client.get("/api/v3/status/")
    assert (response.status_code, response.body) == (200, b"OK")
