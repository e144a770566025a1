"""An existing Healthchecks client, the `healthchecks-io` package (sync Client), against the local stack."""
import warnings

import pytest
import requests

from tests.api.test_openapi import TIMEOUT, running_stack

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # the package's pydantic v1-isms
    from healthchecks_io import CheckCreate, CheckNotFoundError, CheckUpdate, Client

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::DeprecationWarning:healthchecks_io")]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("client")) as started:
        yield started


@pytest.fixture
def client(live):
    with Client(
        api_key=live.keys["api_key"],
        ping_key=live.keys["ping_key"],
        api_url=f"{live.stack.base}/api/",
        ping_url=f"{live.stack.base}/ping/",
        api_version=3,
    ) as hc:
        yield hc


@pytest.fixture
def created(client):
    """A fresh simple check, made through the client."""
    return client.create_check(CheckCreate(name="Nightly backup", tags="prod db", timeout=3600, grace=300))


def test_create_check_returns_the_new_check(client):
    check = client.create_check(CheckCreate(name="Report", tags="prod", desc="Weekly", timeout=86400, grace=600))
    assert (check.name, check.tags, check.desc, check.timeout, check.grace) == ("Report", "prod", "Weekly", 86400, 600)
    assert (check.status, check.n_pings, check.last_ping, check.manual_resume) == ("new", 0, None, False)
    assert check.ping_url.endswith(f"/ping/{check.uuid}")


def test_get_checks_lists_the_project_checks_by_tag(client, created):
    other = client.create_check(CheckCreate(name="Other", tags="staging"))
    listed = {check.uuid: check for check in client.get_checks(tags=["prod", "db"])}
    assert created.uuid in listed
    assert other.uuid not in listed
    assert listed[created.uuid].name == "Nightly backup"


def test_get_checks_works_with_the_default_api_v1(live, created):
    """The client's default version is v1; the same project answers there."""
    with Client(api_key=live.keys["api_key"], api_url=f"{live.stack.base}/api/") as v1:
        [check] = [check for check in v1.get_checks() if check.uuid == created.uuid]
    assert check.update_url.endswith(f"/api/v1/checks/{created.uuid}")


def test_update_check_changes_only_the_given_fields(client, created):
    updated = client.update_check(created.uuid, CheckUpdate(name="Nightly DB backup", grace=900))
    assert (updated.uuid, updated.name, updated.grace) == (created.uuid, "Nightly DB backup", 900)
    assert (updated.tags, updated.timeout) == ("prod db", 3600)
    assert client.get_check(created.uuid).name == "Nightly DB backup"


def test_update_check_to_a_cron_schedule(live, client, created):
    updated = client.update_check(created.uuid, CheckUpdate(schedule="30 6 * * 1-5", tz="Europe/Riga"))
    assert updated.timeout is None  # the client's Check has no schedule or tz: read them directly
    raw = requests.get(updated.update_url, headers={"X-Api-Key": live.keys["api_key"]}, timeout=TIMEOUT).json()
    assert (raw["schedule"], raw["tz"]) == ("30 6 * * 1-5", "Europe/Riga")


def test_pause_check_returns_the_paused_check(client, created):
    paused = client.pause_check(created.uuid)
    assert (paused.uuid, paused.status) == (created.uuid, "paused")
    assert client.get_check(created.uuid).status == "paused"


def test_get_check_pings_lists_http_pings_newest_first(live, client, created):
    for suffix, body in (("/start", b""), ("", b"42 files backed up\n")):
        response = requests.post(f"{live.stack.base}/ping/{created.uuid}{suffix}", data=body, timeout=TIMEOUT)
        assert response.status_code == 200
    pings = client.get_check_pings(created.uuid)
    assert [(p.type, p.number_of_pings, p.method) for p in pings] == [("success", 2, "POST"), ("start", 1, "POST")]
    assert pings[0].duration is not None and pings[0].duration >= 0
    assert pings[0].user_agent.startswith("python-requests/")


def test_client_pings_by_uuid_and_by_slug(live, client):
    """The slug comes from the name through API v1 (v3 does not derive it)."""
    with Client(api_key=live.keys["api_key"], api_url=f"{live.stack.base}/api/", api_version=1) as v1:
        check = v1.create_check(CheckCreate(name="Slugged Job", timeout=3600))
    assert check.slug == "slugged-job"
    assert client.success_ping(uuid=check.uuid) == (True, "OK")
    assert client.fail_ping(slug="slugged-job", data="disk full") == (True, "OK")
    after = client.get_check(check.uuid)
    assert (after.n_pings, after.status) == (2, "down")


def test_delete_check_returns_it_and_it_is_gone(client, created):
    deleted = client.delete_check(created.uuid)
    assert (deleted.uuid, deleted.name) == (created.uuid, "Nightly backup")
    with pytest.raises(CheckNotFoundError):
        client.get_check(created.uuid)
