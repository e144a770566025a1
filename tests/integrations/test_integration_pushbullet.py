"""Pushbullet: the exact note pushed, error answers, and the OAuth code exchange."""
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib import settings
from chalicelib.checks import channels
from chalicelib.integrations import oauth
from chalicelib.integrations.base import TransportError
from chalicelib.integrations.kinds import pushbullet


@pytest.fixture(autouse=True)
def client_app(monkeypatch, recorder):
    for name, value in dict(
        SITE_NAME="Mychecks", PUSHBULLET_CLIENT_ID="cid", PUSHBULLET_CLIENT_SECRET="csecret",
        PUSHBULLET_URL="https://www.pushbullet.com", PUSHBULLET_API_URL=recorder.url("").rstrip("/"),
    ).items():
        monkeypatch.setattr(settings, name, value)


@pytest.fixture
def channel(project, now):
    return channels.create_channel(project.code, "pushbullet", pushbullet.validate({"value": "o.abc123"}), now)


@pytest.mark.parametrize("status, first_line", [
    ("down", '🔴 The check "Backups" is DOWN (success signal did not arrive on time, grace time passed).'),
    ("up", '🟢 The check "Backups" is now UP. The downtime lasted 2 hours 5 minutes.'),
])
def test_alert_is_a_note_with_the_access_token(recorder, channel, alert, status, first_line):
    notice = alert(status)
    pushbullet.send(channel, notice)
    request = recorder.last
    assert (request.method, request.path, request.headers["Access-Token"]) == ("POST", "/v2/pushes", "o.abc123")
    body = json.loads(request.body)
    assert set(body) == {"type", "title", "body"} and (body["type"], body["title"]) == ("note", "Mychecks")
    assert body["body"].split("\n")[0] == first_line
    assert body["body"].endswith(f"View on Mychecks: {notice.check_url}")


@pytest.mark.parametrize("status, transient", [(400, False), (401, False), (429, True), (500, True)])
def test_error_answers_are_classified(recorder, channel, alert, status, transient):
    recorder.respond("/v2/pushes", status)
    with pytest.raises(TransportError) as caught:
        pushbullet.send(channel, alert("down"))
    assert (caught.value.message, caught.value.transient) == (f"Received status code {status}", transient)


def test_authorize_url_asks_for_a_code():
    url = pushbullet.authorize_url("st8", "https://hc.example/integrations/add_pushbullet/")
    assert url.startswith("https://www.pushbullet.com/authorize?")
    assert parse_qs(urlsplit(url).query) == {
        "client_id": ["cid"], "redirect_uri": ["https://hc.example/integrations/add_pushbullet/"],
        "response_type": ["code"], "state": ["st8"],
    }


def test_code_is_exchanged_for_the_access_token(recorder):
    recorder.respond("/oauth2/token", 200, {"Content-Type": "application/json"}, b'{"access_token": "o.new", "token_type": "Bearer"}')
    assert pushbullet.complete("the-code") == ("o.new", "")
    assert parse_qs(recorder.last.body.decode()) == {
        "client_id": ["cid"], "client_secret": ["csecret"], "code": ["the-code"], "grant_type": ["authorization_code"],
    }


def test_refused_code_is_a_flow_error(recorder):
    recorder.respond("/oauth2/token", 400, {"Content-Type": "application/json"}, b'{"error": {"message": "bad code"}}')
    with pytest.raises(oauth.FlowError):
        pushbullet.complete("stale")
