"""min_duration, max_duration and track_runs through API v3 (this project's fields); v1 and v2
neither show nor take them."""
import json
from datetime import timedelta

import pytest

from chalicelib.checks import checks, sweep
from chalicelib.ops import OpsError, project_file
from chalicelib.store.models import Flip


def body(response):
    return json.loads(response.body)


def test_v3_creates_a_check_with_run_time_bounds(api):
    created = body(api("POST", "/api/v3/checks/", {"name": "etl", "min_duration": 60, "max_duration": 3600, "track_runs": True}))
    assert (created["min_duration"], created["max_duration"], created["track_runs"]) == (60, 3600, True)
    check = checks.get(created["uuid"])
    assert (check.min_duration, check.max_duration, check.track_runs) == (60, 3600, True)


def test_v3_shows_the_fields_only_when_set(api, check):
    shown = body(api("GET", f"/api/v3/checks/{check.code}"))
    assert not {"min_duration", "max_duration", "track_runs"} & set(shown)


def test_v3_updates_and_null_turns_a_bound_off(api, check):
    api("POST", f"/api/v3/checks/{check.code}", {"max_duration": 7200})
    updated = body(api("POST", f"/api/v3/checks/{check.code}", {"min_duration": 30}))
    assert (updated["min_duration"], updated["max_duration"]) == (30, 7200)
    cleared = body(api("POST", f"/api/v3/checks/{check.code}", {"max_duration": None}))
    assert "max_duration" not in cleared and checks.get(check.code).max_duration is None


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_v1_and_v2_ignore_the_fields(api, version):
    created = body(api("POST", f"/api/{version}/checks/", {"name": "etl", "max_duration": "bad", "track_runs": True}))
    assert "max_duration" not in created and "track_runs" not in created
    check = checks.get(created["uuid"])
    assert (check.max_duration, check.track_runs) == (None, None)


def test_v1_does_not_show_bounds_set_through_v3(api, check):
    api("POST", f"/api/v3/checks/{check.code}", {"max_duration": 7200})
    assert "max_duration" not in body(api("GET", f"/api/v1/checks/{check.code}"))


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"max_duration": 30}, "max_duration is too small"),
        ({"max_duration": 259201}, "max_duration is too large"),
        ({"min_duration": 0}, "min_duration is too small"),
        ({"min_duration": 1.5}, "min_duration is not a number"),
        ({"track_runs": "yes"}, "track_runs is not a boolean"),
        ({"min_duration": 600, "max_duration": 600}, "min_duration is not less than max_duration"),
    ],
)  # fmt: skip
def test_v3_refuses_bad_bounds_with_400(api, fields, error):
    response = api("POST", "/api/v3/checks/", {"name": "etl", **fields})
    assert (response.status_code, body(response)) == (400, {"error": f"json validation error: {error}"})


def test_an_update_is_checked_against_the_bound_already_set(api, check):
    api("POST", f"/api/v3/checks/{check.code}", {"max_duration": 600})
    response = api("POST", f"/api/v3/checks/{check.code}", {"min_duration": 900})
    assert response.status_code == 400
    assert checks.get(check.code).min_duration is None


def test_a_check_set_up_through_the_api_fails_a_too_short_run(api, ping, now):
    code = body(api("POST", "/api/v3/checks/", {"name": "etl", "min_duration": 60}))["uuid"]
    check = checks.get(code)
    ping(check, now, "start")
    ping(check, now + timedelta(seconds=12))
    assert body(api("GET", f"/api/v3/checks/{code}"))["status"] == "down"
    [*_, flip] = Flip.query(code)
    assert flip.detail == "ran 12 s, shorter than 1 min"


def test_a_check_set_up_through_the_api_alerts_a_stuck_run(api, ping, now):
    code = body(api("POST", "/api/v3/checks/", {"name": "etl", "grace": 600, "track_runs": True}))["uuid"]
    check = checks.get(code)
    ping(check, now, "start", query={"rid": "cccccccc-3333-4333-8333-333333333333"})
    ping(check, now + timedelta(minutes=1), "start", query={"rid": "dddddddd-4444-4444-8444-444444444444"})
    ping(check, now + timedelta(minutes=2), query={"rid": "dddddddd-4444-4444-8444-444444444444"})
    assert sweep.sweep_once(now + timedelta(minutes=10)) == 1
    assert body(api("GET", f"/api/v3/checks/{code}"))["status"] == "down"
    [*_, flip] = Flip.query(code)
    assert flip.detail == "run cccccccc started 10 min ago never finished"


def test_export_and_import_carry_the_fields(project, make_check, now):
    make_check(name="etl", slug="etl", min_duration=60, max_duration=3600, track_runs=True)
    exported = project_file.export_checks(project, now)
    assert {k: exported["checks"][0][k] for k in ("min_duration", "max_duration", "track_runs")} == {
        "min_duration": 60, "max_duration": 3600, "track_runs": True,
    }  # fmt: skip
    from chalicelib.accounts import projects

    other = projects.create_project("Copy", now).project
    project_file.import_checks(other, exported, now)
    assert project_file.export_checks(other, now)["checks"] == exported["checks"]


def test_import_refuses_bounds_out_of_order_before_writing(project, now):
    data = [{"name": "fine"}, {"name": "etl", "min_duration": 600, "max_duration": 60}]
    with pytest.raises(OpsError, match="check 2: json validation error: min_duration is not less than max_duration"):
        project_file.import_checks(project, data, now)
    assert checks.count_in_project(project.code) == 0


def test_openapi_documents_the_fields_as_extensions():
    from chalicelib.api import openapi

    schemas = openapi.document("v3")["components"]["schemas"]
    for schema in ("Check", "CheckSpec"):
        for name in ("min_duration", "max_duration", "track_runs"):
            assert schemas[schema]["properties"][name]["x-extension"] is True, (schema, name)
