"""Webhooks: validation, no-op directions and the exact requests sent to a real local server."""
import json
from datetime import timedelta

import pytest

from chalicelib import settings
from chalicelib.checks.check_json import to_dict
from chalicelib.integrations.base import TransportError
from chalicelib.integrations.kinds import webhook
from chalicelib.store.models import Channel, Ping

ALL_PLACEHOLDERS = (
    "code=$CODE status=$STATUS now=$NOW name=$NAME name_json=$NAME_JSON slug=$SLUG tags=$TAGS "
    "tag1=$TAG1 tag2=$TAG2 tag3=$TAG3 body=$BODY body_json=$BODY_JSON exit=$EXITSTATUS"
)


def make_channel(**value) -> Channel:
    return Channel(code="c0ffee", project="p", kind="webhook", value=webhook.validate(value))


@pytest.fixture
def pinged_check(make_check, now):
    return make_check(name="Backups & DB", slug="backups-db", tags="prod nightly", n_pings=7,
                      last_ping=now - timedelta(hours=2), status="up")


@pytest.fixture
def last_ping(pinged_check, now):
    return Ping(code=pinged_check.code, n=7, created=now - timedelta(hours=2), kind="fail", exitstatus=3)


@pytest.fixture(autouse=True)
def site_name(monkeypatch):
    monkeypatch.setattr(settings, "SITE_NAME", "Mychecks")


def test_validate_stores_every_field_as_json():
    stored = webhook.validate({
        "name": "Deploy hook", "method_down": "post", "url_down": "https://example.com/down",
        "body_down": "$NAME", "headers_down": {"X-Token": "abc"}, "url_up": "http://intranet/up",
    })
    assert json.loads(stored) == {
        "name": "Deploy hook",
        "method_down": "POST", "url_down": "https://example.com/down", "body_down": "$NAME",
        "headers_down": {"X-Token": "abc"},
        "method_up": "GET", "url_up": "http://intranet/up", "body_up": "", "headers_up": {},
    }


def test_validate_requires_at_least_one_url():
    with pytest.raises(ValueError, match="url_down or url_up"):
        webhook.validate({"method_down": "POST", "body_down": "x"})


@pytest.mark.parametrize("value, field", [
    ({"url_down": "https://a.example", "method_down": "DELETE"}, "method_down"),
    ({"url_down": "ftp://a.example/file"}, "url_down"),
    ({"url_up": "https://a.example/" + "x" * 1000}, "url_up"),
    ({"url_down": "https://a.example", "body_down": "x" * 1001}, "body_down"),
    ({"url_down": "https://a.example", "headers_down": {"X-Naïve✓": "1"}}, "headers_down"),
    ({"url_down": "https://a.example", "headers_down": {"Bad Name": "1"}}, "headers_down"),
    ({"url_up": "https://a.example", "headers_up": {"X-Long": "v" * 1001}}, "headers_up"),
    ({"url_up": "https://a.example", "headers_up": {"X-Split": "a\r\nX-Injected: 1"}}, "headers_up"),
])
def test_validate_rejects_invalid_input_naming_the_field(value, field):
    with pytest.raises(ValueError, match=field):
        webhook.validate(value)


def test_is_noop_when_the_direction_has_no_url():
    channel = make_channel(url_down="https://example.com/down")
    assert not webhook.is_noop(channel, "down")
    assert webhook.is_noop(channel, "up")


def test_enabled_follows_the_setting(monkeypatch):
    monkeypatch.setattr(settings, "WEBHOOKS_ENABLED", False)
    assert not webhook.enabled()


def test_down_request_has_exact_url_method_headers_and_body(recorder, notice, pinged_check, last_ping):
    channel = make_channel(
        method_down="POST",
        url_down=recorder.url("/down?code=$CODE&status=$STATUS&now=$NOW&name=$NAME&tags=$TAGS&t2=$TAG2&exit=$EXITSTATUS"),
        body_down=ALL_PLACEHOLDERS,
        headers_down={"Content-Type": "text/plain", "X-Check": "$NAME is $STATUS"},
    )
    webhook.send(channel, notice("down", check=pinged_check, last_ping=last_ping, last_ping_body=b"rows: 5\n"))

    code = pinged_check.code
    body = (
        f'code={code} status=down now=2026-01-15T12:00:00+00:00 name=Backups & DB '
        f'name_json="Backups & DB" slug=backups-db tags=prod nightly tag1=prod tag2=nightly tag3=$TAG3 '
        f'body=rows: 5\n body_json="rows: 5\\n" exit=3'
    ).encode()
    request = recorder.last
    assert request.method == "POST"
    assert request.path == (
        f"/down?code={code}&status=down&now=2026-01-15T12%3A00%3A00%2B00%3A00&name=Backups%20%26%20DB"
        "&tags=prod%20nightly&t2=nightly&exit=3"
    )
    assert request.headers == {
        "Host": f"127.0.0.1:{recorder.port}",
        "User-Agent": "Mychecks",
        "Accept": "*/*",
        "Accept-Encoding": "identity",
        "Content-Type": "text/plain",
        "X-Check": "Backups & DB is down",
        "Content-Length": str(len(body)),
    }
    assert request.body == body


def test_up_request_uses_the_up_settings(recorder, notice, pinged_check):
    channel = make_channel(
        url_down=recorder.url("/down"),
        method_up="PUT", url_up=recorder.url("/up/$SLUG/$STATUS"),
        body_up='{"check": $NAME_JSON, "status": "$STATUS"}', headers_up={"X-Up": "yes"},
    )
    webhook.send(channel, notice("up", check=pinged_check))
    request = recorder.last
    assert (request.method, request.path) == ("PUT", "/up/backups-db/up")
    assert request.body == b'{"check": "Backups & DB", "status": "up"}'
    assert request.headers["X-Up"] == "yes"


def test_get_sends_no_body(recorder, notice):
    channel = make_channel(method_down="GET", url_down=recorder.url("/get"), body_down="ignored $NAME")
    webhook.send(channel, notice("down"))
    assert (recorder.last.method, recorder.last.body) == ("GET", b"")
    assert "Content-Length" not in recorder.last.headers


def test_no_content_type_is_added(recorder, notice):
    webhook.send(make_channel(method_down="POST", url_down=recorder.url("/"), body_down="$NAME"), notice("down"))
    assert "Content-Type" not in recorder.last.headers


def test_url_placeholders_are_encoded_and_body_placeholders_raw(recorder, notice, make_check):
    check = make_check(name="a/b c?d=e&f#g")
    channel = make_channel(method_down="POST", url_down=recorder.url("/hook?name=$NAME"), body_down="$NAME")
    webhook.send(channel, notice("down", check=check))
    assert recorder.last.path == "/hook?name=a%2Fb%20c%3Fd%3De%26f%23g"
    assert recorder.last.body == b"a/b c?d=e&f#g"


def test_body_is_sent_as_utf8(recorder, notice, make_check):
    channel = make_channel(method_down="POST", url_down=recorder.url("/"), body_down="$NAME ✓")
    webhook.send(channel, notice("down", check=make_check(name="Sauvegarde été")))
    assert recorder.last.body == "Sauvegarde été ✓".encode()


def test_values_are_not_expanded_again(recorder, notice, make_check):
    check = make_check(name="$CODE $STATUS", tags="$NAME")
    channel = make_channel(method_down="POST", url_down=recorder.url("/"), body_down="$NAME|$TAGS")
    webhook.send(channel, notice("down", check=check))
    assert recorder.last.body == b"$CODE $STATUS|$NAME"


def test_longer_placeholder_names_win(recorder, notice, make_check):
    tags = " ".join(f"t{i}" for i in range(1, 12))
    check = make_check(name="N", tags=tags)
    channel = make_channel(method_down="POST", url_down=recorder.url("/"), body_down="$NAME_JSON $NAME $TAG10 $TAG1 $TAGS")
    webhook.send(channel, notice("down", check=check, last_ping_body=b"B"))
    assert recorder.last.body == f'"N" N t10 t1 {tags}'.encode()


def test_json_placeholder_is_the_api_v3_check(recorder, notice, pinged_check, now):
    channel = make_channel(method_down="POST", url_down=recorder.url("/"), body_down="$JSON")
    webhook.send(channel, notice("down", check=pinged_check))
    assert json.loads(recorder.last.body) == to_dict(pinged_check, now)


def test_body_and_exit_status_without_a_ping(recorder, notice):
    channel = make_channel(method_down="POST", url_down=recorder.url("/"), body_down="[$BODY][$BODY_JSON][$EXITSTATUS]")
    webhook.send(channel, notice("down"))
    assert recorder.last.body == b'[][""][-1]'


def test_header_values_outside_latin1_become_character_references(recorder, notice, make_check):
    channel = make_channel(url_down=recorder.url("/"), headers_down={"X-Name": "$NAME"})
    webhook.send(channel, notice("down", check=make_check(name="Café ✓")))
    raw = recorder.last.headers["X-Name"].encode("latin-1")  # http.server decodes headers as latin-1
    assert raw == "Café &#10003;".encode("latin-1")


def test_line_breaks_in_header_values_are_flattened(recorder, notice, make_check):
    channel = make_channel(url_down=recorder.url("/"), headers_down={"X-Name": "$NAME"})
    webhook.send(channel, notice("down", check=make_check(name="one\r\nX-Injected: 1")))
    assert recorder.last.headers["X-Name"] == "one X-Injected: 1"
    assert "X-Injected" not in recorder.last.headers


def test_server_error_is_a_transient_failure(recorder, notice):
    recorder.respond("/", status=502)
    with pytest.raises(TransportError) as info:
        webhook.send(make_channel(url_down=recorder.url("/")), notice("down"))
    assert (info.value.message, info.value.transient) == ("Received status code 502", True)
