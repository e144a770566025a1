"""The project's check rows: one projected Query read into light ListedCheck rows, no Check objects."""
from datetime import timedelta

from pynamodb.attributes import MapAttribute

from chalicelib.checks import check_summary
from chalicelib.store import raw_items
from chalicelib.store.models import Check


def test_listed_checks_hold_the_same_values_as_the_stored_checks(make_check, project, now):
    made = make_check(name="Backups", slug="backups", tags="prod db", kind="cron", schedule="0 9 * * 1",
                      tz="Europe/Riga", grace=300)  # fmt: skip
    made.update(actions=[Check.status.set("up"), Check.last_ping.set(now - timedelta(minutes=5)),
                         Check.last_duration.set(75), Check.has_confirmation_link.set(True)])  # fmt: skip
    stored = Check.get(made.code)
    (listed,) = check_summary.project_checks(project.code)
    assert isinstance(listed, check_summary.ListedCheck)
    assert {name: getattr(listed, name) for name in check_summary.LIST_ATTRIBUTES} == {
        name: _plain(getattr(stored, name)) for name in check_summary.LIST_ATTRIBUTES
    }


def _plain(value):
    """A model's map attribute as the plain dict a listed check holds."""
    return value.as_dict() if isinstance(value, MapAttribute) else value


def test_unset_attributes_take_the_models_defaults(check, project):
    (listed,) = check_summary.project_checks(project.code)
    assert (listed.last_ping, listed.last_duration, listed.changed, listed.kind, listed.timeout) == (
        None, None, None, "simple", 86400
    )  # fmt: skip


def test_every_page_of_the_query_is_read(make_check, project):
    codes = {make_check(name=f"job {i}").code for i in range(5)}
    items = raw_items.query(Check._get_connection(), project.code, index_name="by_project", limit=2)
    assert {item["code"]["S"] for item in items} == codes


def test_raw_items_are_dynamodb_json(check, project):
    (item,) = raw_items.query(Check._get_connection(), project.code, index_name="by_project",
                              attributes_to_get=["code", "timeout"])  # fmt: skip
    assert item == {"code": {"S": check.code}, "timeout": {"N": "86400"}}


def test_other_queries_on_the_same_client_are_parsed_as_before(check, project):
    raw_items.query(Check._get_connection(), project.code, index_name="by_project")
    (found,) = Check.by_project.query(project.code)
    assert found.code == check.code and found.timeout == 86400


def test_listed_checks_carry_their_channel_codes(make_check, project):
    make_check(name="Backups", channels={"chan-1", "chan-2"})
    (listed,) = check_summary.project_checks(project.code)
    assert listed.channels == {"chan-1", "chan-2"}


def test_a_check_without_channels_lists_an_empty_set(check, project):
    (listed,) = check_summary.project_checks(project.code)
    assert listed.channels == set()
