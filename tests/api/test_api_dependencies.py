"""depends_on in API v3: the parent check's uuid, set on create and update, shown on read; v1 and v2 ignore it."""
import json

import pytest

from chalicelib.accounts import projects
from chalicelib.checks import checks
from chalicelib.checks.check_json import unique_key


def body(response):
    return json.loads(response.body)


@pytest.fixture
def router(make_check):
    return make_check(name="router")


def test_create_with_a_parent_shows_it(api, router):
    response = api("POST", "/api/v3/checks/", {"name": "web", "depends_on": router.code})
    assert response.status_code == 201
    created = body(response)
    assert created["depends_on"] == router.code
    assert checks.get(created["uuid"]).depends_on == router.code


def test_update_sets_and_clears_the_parent(api, router, make_check):
    web = make_check(name="web")
    assert body(api("POST", f"/api/v3/checks/{web.code}", {"depends_on": router.code}))["depends_on"] == router.code
    assert body(api("POST", f"/api/v3/checks/{web.code}", {"depends_on": ""}))["depends_on"] is None
    assert checks.get(web.code).depends_on is None


def test_update_without_the_field_keeps_the_parent(api, router, make_check):
    web = make_check(name="web", depends_on=router.code)
    assert body(api("POST", f"/api/v3/checks/{web.code}", {"grace": 600}))["depends_on"] == router.code


def test_check_depending_on_nothing_reads_null(api, router):
    assert body(api("GET", f"/api/v3/checks/{router.code}"))["depends_on"] is None


def test_read_only_key_sees_the_parents_unique_key(api, router, make_check):
    web = make_check(name="web", depends_on=router.code)
    assert body(api("GET", f"/api/v3/checks/{unique_key(web.code)}", key="ro"))["depends_on"] == unique_key(router.code)


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_v1_and_v2_neither_show_nor_take_the_field(api, router, make_check, version):
    web = make_check(name="web")
    response = api("POST", f"/api/{version}/checks/{web.code}", {"depends_on": "not even a uuid"})
    assert response.status_code == 200 and "depends_on" not in body(response)
    assert checks.get(web.code).depends_on is None


def test_cycle_is_a_400_naming_the_loop(api, router, make_check):
    web = make_check(name="web", depends_on=router.code)
    response = api("POST", f"/api/v3/checks/{router.code}", {"depends_on": web.code})
    assert (response.status_code, body(response)) == (400, {"error": "depends_on would make a cycle: router → web → router"})
    assert checks.get(router.code).depends_on is None


def test_itself_is_a_400(api, router):
    response = api("POST", f"/api/v3/checks/{router.code}", {"depends_on": router.code})
    assert (response.status_code, body(response)) == (400, {"error": "depends_on cannot be the check itself"})


def test_check_of_another_project_is_a_400(api, router, now):
    other = projects.create_project("Other", now).project
    stranger = checks.create_check(other, now, name="stranger")
    response = api("POST", f"/api/v3/checks/{router.code}", {"depends_on": stranger.code})
    assert (response.status_code, body(response)) == (400, {"error": "depends_on is not a check of this project"})


@pytest.mark.parametrize("value", ["router", 42, None])
def test_a_value_that_is_no_uuid_is_a_400(api, router, make_check, value):
    web = make_check(name="web")
    response = api("POST", f"/api/v3/checks/{web.code}", {"depends_on": value})
    assert response.status_code == 400
    assert body(response)["error"].startswith("json validation error: depends_on is not a")


def test_deleting_the_parent_clears_it_on_its_children(api, router, make_check):
    web = make_check(name="web", depends_on=router.code)
    assert api("DELETE", f"/api/v3/checks/{router.code}").status_code == 200
    assert body(api("GET", f"/api/v3/checks/{web.code}"))["depends_on"] is None


def test_openapi_documents_the_field_as_an_extension():
    from chalicelib.api import openapi

    schemas = openapi.document("v3")["components"]["schemas"]
    for schema in ("Check", "CheckSpec"):
        assert schemas[schema]["properties"]["depends_on"]["x-extension"] is True
