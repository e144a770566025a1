"""/ping/<uuid>/snooze/<minutes> and /ping/<ping key>/<slug>/snooze/<minutes>: a script silences its check."""
from datetime import timedelta

from chalicelib.checks import checks
from chalicelib.store.models import Ping


def test_a_snooze_by_uuid_silences_the_check_for_that_long(check, ping, now):
    response = ping(check, now, "snooze", "30")
    assert (response.status_code, response.text) == (200, "OK")
    assert checks.get(check.code).snoozed_until == now + timedelta(minutes=30)


def test_a_snooze_by_slug(project, check, ping, now):
    assert ping([project.ping_key, check.slug, "snooze", "90"], now).text == "OK"
    assert checks.get(check.code).snoozed_until == now + timedelta(minutes=90)


def test_snooze_0_ends_the_snooze(check, ping, now):
    ping(check, now, "snooze", "30")
    ping(check, now + timedelta(minutes=5), "snooze", "0")
    assert checks.get(check.code).snoozed_until is None


def test_a_snooze_is_not_a_ping(check, ping, now):
    ping(check, now, "snooze", "30")
    stored = checks.get(check.code)
    assert (stored.status, stored.n_pings, list(Ping.query(check.code))) == ("new", 0, [])


def test_a_snooze_of_an_unknown_check_is_not_found(ping, now):
    assert ping(["6f1c7e0a-3f52-4c1e-9a53-0b7d8f0d2e11", "snooze", "5"], now).status_code == 404


def test_a_snooze_with_bad_minutes_is_an_invalid_url(check, ping, now):
    for minutes in ("-5", "ten", "525601"):
        assert (ping(check, now, "snooze", minutes).status_code, ping(check, now, "snooze", minutes).text) == (400, "invalid url format")


def test_a_check_whose_slug_is_snooze_still_takes_actions(project, make_check, ping, now):
    check = make_check(name="snooze", slug="snooze")
    assert ping([project.ping_key, "snooze", "fail"], now).text == "OK"
    assert checks.get(check.code).status == "down"


def test_the_snooze_url_over_http_answers_ok(client, project, check):
    for path in (f"/ping/{check.code}/snooze/15", f"/ping/{project.ping_key}/{check.slug}/snooze/15"):
        response = client.get(path)
        assert (response.status_code, response.body) == (200, b"OK")
    assert checks.get(check.code).snoozed_until is not None
