"""Pings, ping bodies, flips, channels and badges through the API."""
import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from chalice.local import LambdaContext, LambdaEventConverter, RouteMatcher

from chalicelib.accounts import projects
from chalicelib.checks import channels


def body(response):
    return json.loads(response.body)


def test_pings_are_listed_newest_first_with_their_details(api, check, ping, now):
    ping(check, now, "start", query={"rid": "11111111-1111-4111-8111-111111111111"})
    ping(check, now + timedelta(seconds=12.5), method="POST", body=b"ok", ua="runitor",
         query={"rid": "11111111-1111-4111-8111-111111111111"})
    [second, first] = body(api("GET", f"/api/v3/checks/{check.code}/pings/"))["pings"]
    assert first["type"] == "start" and "duration" not in first and first["body_url"] is None
    assert second == {
        "type": "success", "date": (now + timedelta(seconds=12.5)).isoformat(), "n": 2,
        "scheme": "https", "remote_addr": "10.0.0.1", "method": "POST", "ua": "runitor",
        "rid": "11111111-1111-4111-8111-111111111111", "duration": 12.5,
        "body_url": f"http://localhost:8000/api/v3/checks/{check.code}/pings/2/body",
    }


def test_pings_list_stops_at_the_ping_log_limit(api, check, ping, now):
    check.update(actions=[type(check).ping_log_limit.set(3)])
    for i in range(5):
        ping(check, now + timedelta(seconds=i))
    assert [p["n"] for p in body(api("GET", f"/api/v3/checks/{check.code}/pings/"))["pings"]] == [5, 4, 3]


@pytest.mark.parametrize("size", [10, 500])
def test_ping_body_is_returned_exactly(api, check, ping, now, size):
    ping(check, now, method="POST", body=b"a" * size)
    response = api("GET", f"/api/v3/checks/{check.code}/pings/1/body")
    assert (response.status_code, response.body) == (200, b"a" * size)
    assert response.headers["Content-Type"].startswith("text/plain")


def test_binary_ping_body_comes_back_byte_for_byte(api, check, ping, now):
    raw = bytes(range(256))
    ping(check, now, method="POST", body=raw)
    response = api("GET", f"/api/v3/checks/{check.code}/pings/1/body", headers={"Accept": "*/*"})
    assert response.body == raw


@pytest.mark.parametrize("raw", [b"backup done", bytes(range(256))], ids=["utf-8", "binary"])
def test_ping_body_is_text_plain_whatever_its_bytes(api, check, ping, now, raw):
    ping(check, now, method="POST", body=raw)
    response = api("GET", f"/api/v3/checks/{check.code}/pings/1/body", headers={"Accept": "application/json"})
    assert (response.status_code, response.headers["Content-Type"], response.body) == (200, "text/plain", raw)


def test_ping_body_leaves_the_function_base64_encoded_for_api_gateway_to_decode(check, ping, now, new_project):
    """A Lambda proxy answer carries bytes only as base64: marked so, whatever the Content-Type."""
    from app import app

    raw = bytes(range(256))
    ping(check, now, method="POST", body=raw)
    events = LambdaEventConverter(RouteMatcher(list(app.routes)), app.api.binary_types)
    event = events.create_lambda_event("GET", f"/api/v3/checks/{check.code}/pings/1/body",
                                       {"x-api-key": new_project.api_key, "accept": "text/html"}, b"")  # fmt: skip
    answer = app(event, LambdaContext("api", 128))
    assert (answer["isBase64Encoded"], answer["headers"]["Content-Type"]) == (True, "text/plain")
    assert base64.b64decode(answer["body"]) == raw


@pytest.mark.parametrize("n", ["2", "0", "x"])
def test_missing_ping_body_is_404(api, check, ping, now, n):
    ping(check, now)  # no body
    assert api("GET", f"/api/v3/checks/{check.code}/pings/1/body").status_code == 404
    assert api("GET", f"/api/v3/checks/{check.code}/pings/{n}/body").status_code == 404


def test_flips_are_listed_newest_first(api, check, ping, now):
    ping(check, now)
    ping(check, now + timedelta(minutes=1), "fail")
    flips = body(api("GET", f"/api/v3/checks/{check.code}/flips/", key="ro"))["flips"]
    assert flips == [
        {"timestamp": (now + timedelta(minutes=1)).isoformat(), "up": 0},
        {"timestamp": now.isoformat(), "up": 1},
    ]


def test_flips_filter_by_start_and_end(api, check, ping, now):
    for minutes, action in [(0, "fail"), (10, "0"), (20, "fail")]:
        ping(check, now + timedelta(minutes=minutes), action)
    start, end = int((now + timedelta(minutes=5)).timestamp()), int((now + timedelta(minutes=15)).timestamp())
    flips = body(api("GET", f"/api/v3/checks/{check.code}/flips/?start={start}&end={end}"))["flips"]
    assert flips == [{"timestamp": (now + timedelta(minutes=10)).isoformat(), "up": 1}]


def test_flips_filter_by_seconds(api, check, ping):
    wall = datetime.now(timezone.utc)  # ?seconds counts back from the server's clock
    ping(check, wall - timedelta(hours=2), "fail")
    ping(check, wall - timedelta(minutes=1))
    flips = body(api("GET", f"/api/v3/checks/{check.code}/flips/?seconds=3600"))["flips"]
    assert [f["up"] for f in flips] == [1]


@pytest.mark.parametrize("query", ["seconds=-1", "seconds=31536001", "start=abc", "end=10000000001"])
def test_bad_flip_filters_are_400(api, check, query):
    assert api("GET", f"/api/v3/checks/{check.code}/flips/?{query}").status_code == 400


def test_channels_are_listed_with_id_name_and_kind(api, project, now):
    channel = channels.create_channel(project.code, "webhook", {"url_down": "http://example.org"}, now, name="Ops")
    other = projects.create_project("Other", now).project
    channels.create_channel(other.code, "webhook", {"url_down": "http://example.org"}, now, name="Theirs")
    assert body(api("GET", "/api/v3/channels/")) == {
        "channels": [{"id": channel.code, "name": "Ops", "kind": "webhook"}]
    }


@pytest.fixture
def past_log(project, make_check, ping, now):
    """Pings 96..100 of a check pinged every minute that keeps 3: 96 and 97 have left the log but
    are still stored, bodies and all, until they expire (chalicelib/pings/retention.py)."""
    from chalicelib.store.models import Check, Ping, Project

    project.update(actions=[Project.ping_log_limit.set(3)])
    check = make_check(name="Every minute", timeout=60, n_pings=95, pace=60)
    for n in range(96, 101):
        ping(check, now + timedelta(minutes=n - 96), method="POST", body=b"body %d" % n)
    assert [int(p.n) for p in Ping.query(check.code)] == [96, 97, 98, 99, 100]
    return Check.get(check.code)


def test_pings_that_left_the_log_are_not_listed_though_still_stored(api, past_log):
    assert [p["n"] for p in body(api("GET", f"/api/v3/checks/{past_log.code}/pings/"))["pings"]] == [100, 99, 98]


def test_the_body_of_a_ping_that_left_the_log_is_not_found(api, past_log):
    assert api("GET", f"/api/v3/checks/{past_log.code}/pings/97/body").status_code == 404
    assert api("GET", f"/api/v3/checks/{past_log.code}/pings/98/body").body == b"body 98"
