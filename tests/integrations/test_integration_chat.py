"""Rocket.Chat, Microsoft Teams, Google Chat, Gotify, Matrix and Zulip: exact requests to a real local server."""
import base64
import hashlib
from urllib.parse import parse_qs

import pytest

from chalicelib import settings
from chalicelib.integrations import oauth
from chalicelib.integrations.base import TransportError
from chalicelib.integrations.kinds import googlechat, gotify, matrix, msteamsw, rocketchat, zulip
from chalicelib.store.models import Channel
from tests.support.chat_kinds import FACT_FIELDS, expected, json_sent

FACTS = [
    ("Description", "Nightly database dump"), ("Project", "Test project"), ("Tags", "prod nightly"),
    ("Period", "1 day"), ("Total Pings", "42"), ("Last Ping", "Success, 2 hours ago"),
]


def channel(kind, value) -> Channel:
    return Channel(code="c0ffee", project="p", kind=kind, value=value)


def rocketchat_fields(extra):
    return [*FACT_FIELDS, *extra]


def test_rocketchat_down_links_the_body_instead_of_showing_it(recorder, alert):
    notice = alert("down")
    rocketchat.send(channel("rocketchat", rocketchat.validate({"url": recorder.url("/hooks/abc")})), notice)
    url = notice.check_url
    assert json_sent(recorder, path="/hooks/abc") == {
        "alias": "Mychecks",
        "avatar": "http://localhost:8000/static/img/logo.png",
        "text": f"[Backups]({url}) is DOWN.",
        "attachments": [{"color": "#d9534f", "fields": rocketchat_fields([
            {"title": "Last Ping Body", "value": f"8 bytes, [show body]({url}#ping-42)", "short": True},
            {"title": "Also down in this project:", "value": "Reports (last ping 3 hours ago)"},
        ])}],
    }


def test_rocketchat_up(recorder, alert):
    notice = alert("up")
    rocketchat.send(channel("rocketchat", recorder.url("/hooks/abc")), notice)
    assert json_sent(recorder, path="/hooks/abc") == {
        "alias": "Mychecks",
        "avatar": "http://localhost:8000/static/img/logo.png",
        "text": f"[Backups]({notice.check_url}) is UP.",
        "attachments": [{"color": "#5cb85c", "fields": rocketchat_fields([])}],
    }


def teams_card(body, url, fallback):
    return {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive",
        "content": {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.2",
            "fallbackText": fallback,
            "body": body,
            "actions": [{"type": "Action.OpenUrl", "title": "View in Mychecks", "url": url}],
        },
    }]}


TEAMS_FACTS = {"type": "FactSet", "facts": [{"title": label, "value": value} for label, value in FACTS]}


def test_msteamsw_down_posts_an_adaptive_card(recorder, alert):
    notice = alert("down")
    msteamsw.send(channel("msteamsw", msteamsw.validate({"url": recorder.url("/workflows/run")})), notice)
    assert json_sent(recorder, path="/workflows/run") == teams_card([
        {"type": "TextBlock", "text": "🔴 “Backups” is DOWN (success signal did not arrive on time, grace time passed).",
         "weight": "Bolder", "size": "Medium", "wrap": True},
        TEAMS_FACTS,
        {"type": "TextBlock", "text": "Last Ping Body", "weight": "Bolder"},
        {"type": "CodeBlock", "codeSnippet": "rows: 5", "language": "PlainText"},
        {"type": "TextBlock", "text": "Also down in this project:\n\n- Reports (last ping 3 hours ago)", "wrap": True},
    ], notice.check_url, "“Backups” is DOWN.")


def test_msteamsw_up(recorder, alert):
    notice = alert("up")
    msteamsw.send(channel("msteamsw", recorder.url("/workflows/run")), notice)
    assert json_sent(recorder, path="/workflows/run") == teams_card([
        {"type": "TextBlock", "text": "🟢 “Backups” is now UP.", "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": "The downtime lasted 2 hours 5 minutes.", "wrap": True},
        TEAMS_FACTS,
        {"type": "TextBlock", "text": "All the other checks are up.", "wrap": True},
    ], notice.check_url, "“Backups” is UP.")


def chat_card(first, others, url):
    facts = [{"decoratedText": {"topLabel": label, "text": value}} for label, value in FACTS]
    button = {"text": "View in Mychecks", "onClick": {"openLink": {"url": url}}}
    sections = [{"widgets": [{"textParagraph": {"text": first}}]}, {"widgets": facts}, others,
                {"widgets": [{"buttonList": {"buttons": [button]}}]}]
    return {"cardsV2": [{"cardId": "alert", "card": {"sections": sections}}]}


def test_googlechat_down_posts_a_card(recorder, alert):
    notice = alert("down")
    googlechat.send(channel("googlechat", googlechat.validate({"url": recorder.url("/v1/spaces/x/messages?key=k")})), notice)
    assert json_sent(recorder, path="/v1/spaces/x/messages?key=k") == chat_card(
        '🔴 The check "Backups" is DOWN (success signal did not arrive on time, grace time passed).',
        {"header": "Also down in this project:", "widgets": [{"textParagraph": {"text": "Reports (last ping 3 hours ago)"}}]},
        notice.check_url,
    )


def test_googlechat_up(recorder, alert):
    notice = alert("up")
    googlechat.send(channel("googlechat", recorder.url("/v1/spaces/x/messages")), notice)
    assert json_sent(recorder, path="/v1/spaces/x/messages") == chat_card(
        '🟢 The check "Backups" is now UP. The downtime lasted 2 hours 5 minutes.',
        {"widgets": [{"textParagraph": {"text": "All the other checks are up."}}]},
        notice.check_url,
    )


def test_googlechat_escapes_html_in_names(recorder, alert):
    notice = alert("up")
    notice.check.name = "<b>x</b> & y"
    googlechat.send(channel("googlechat", recorder.url("/")), notice)
    first = json_sent(recorder)["cardsV2"][0]["card"]["sections"][0]["widgets"][0]["textParagraph"]["text"]
    assert first == '🟢 The check "&lt;b&gt;x&lt;/b&gt; &amp; y" is now UP. The downtime lasted 2 hours 5 minutes.'


def gotify_channel(recorder, **fields):
    value = {"url": recorder.url("/gotify/"), "token": "A/tok en", "priority": 5, "priority_up": 2, **fields}
    return channel("gotify", gotify.validate(value))


@pytest.mark.parametrize("status, priority", [("down", 5), ("up", 2)])
def test_gotify_posts_markdown_with_the_directions_priority(recorder, alert, status, priority):
    notice = alert(status)
    gotify.send(gotify_channel(recorder), notice)
    assert json_sent(recorder, path="/gotify/message?token=A%2Ftok%20en") == {
        "title": f"Backups is {status.upper()}",
        "message": expected("markdown", notice),
        "extras": {"client::display": {"contentType": "text/markdown"}},
        "priority": priority,
    }


def test_gotify_priority_zero_turns_a_direction_off(recorder):
    gotify_off = gotify_channel(recorder, priority_up=0)
    assert gotify.is_noop(gotify_off, "up") and not gotify.is_noop(gotify_off, "down")


@pytest.mark.parametrize("value, field", [
    ({"url": "nope", "token": "t"}, "url"), ({"url": "https://g.example"}, "token"),
    ({"url": "https://g.example", "token": "t", "priority": 7}, "priority"),
])
def test_gotify_validate_names_the_bad_field(value, field):
    with pytest.raises(ValueError, match=field):
        gotify.validate(value)


@pytest.fixture
def homeserver(recorder, monkeypatch):
    monkeypatch.setattr(settings, "MATRIX_HOMESERVER", recorder.url("/hs"))
    monkeypatch.setattr(settings, "MATRIX_ACCESS_TOKEN", "syt_secret")
    monkeypatch.setattr(settings, "MATRIX_USER_ID", "@bot:example.org")


@pytest.mark.parametrize("status", ["down", "up"])
def test_matrix_puts_a_plain_and_html_message_in_the_room(recorder, alert, homeserver, status):
    notice = alert(status)
    room = channel("matrix", matrix.validate({"room_id": "!abc:example.org"}))
    matrix.send(room, notice)
    txn = hashlib.sha1(f"c0ffee|{notice.check.code}|2026-01-15T12:00:00+00:00|{status}".encode()).hexdigest()
    body = json_sent(
        recorder, method="PUT", path=f"/hs/_matrix/client/v3/rooms/%21abc%3Aexample.org/send/m.room.message/{txn}",
        Authorization="Bearer syt_secret",
    )
    assert body == {
        "msgtype": "m.text",
        "body": expected("plain", notice),
        "format": "org.matrix.custom.html",
        "formatted_body": expected("html", notice),
    }


def test_matrix_retry_of_one_alert_reuses_its_transaction_id(recorder, alert, homeserver):
    notice, room = alert("down"), channel("matrix", "!abc:example.org")
    matrix.send(room, notice)
    matrix.send(room, notice)
    assert recorder.requests[0].path == recorder.requests[1].path


def test_matrix_join_returns_the_room_id(recorder, homeserver):
    recorder.respond("/hs/_matrix/client/v3/join/%23ops%3Aexample.org", body=b'{"room_id": "!abc:example.org"}')
    assert matrix.join("#ops:example.org") == "!abc:example.org"
    assert recorder.last.method == "POST"
    assert recorder.last.headers["Authorization"] == "Bearer syt_secret"


def test_matrix_join_refused_asks_whether_the_bot_was_invited(recorder, homeserver):
    recorder.respond("/hs/_matrix/client/v3/join/%23ops%3Aexample.org", status=403, body=b'{"errcode": "M_FORBIDDEN"}')
    with pytest.raises(oauth.FlowError, match="Did you invite @bot:example.org"):
        matrix.join("#ops:example.org")


def test_matrix_is_off_without_a_token(monkeypatch):
    monkeypatch.setattr(settings, "MATRIX_ACCESS_TOKEN", "")
    assert not matrix.enabled()


def zulip_channel(recorder, **fields):
    value = {"bot_email": "bot@zulip.example", "api_key": "k3y", "site": recorder.url("/zulip"),
             "mtype": "stream", "to": "ops", "topic": "", **fields}
    return channel("zulip", zulip.validate(value))


@pytest.mark.parametrize("status", ["down", "up"])
def test_zulip_posts_the_markdown_message_as_the_bot(recorder, alert, status):
    notice = alert(status)
    zulip.send(zulip_channel(recorder), notice)
    request = recorder.last
    assert (request.method, request.path) == ("POST", "/zulip/api/v1/messages")
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"bot@zulip.example:k3y").decode()
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body.decode()) == {
        "type": ["stream"], "to": ["ops"], "topic": [f"Backups is {status.upper()}"],
        "content": [expected("markdown", notice)],
    }


def test_zulip_private_message_to_a_user_id_and_own_topic(recorder, alert):
    zulip.send(zulip_channel(recorder, mtype="private", to="17", topic="cron"), alert("down"))
    form = parse_qs(recorder.last.body.decode())
    assert (form["type"], form["to"], form["topic"]) == (["private"], ["[17]"], ["cron"])


def test_zulip_error_carries_zulips_message(recorder, alert):
    recorder.respond("/zulip/api/v1/messages", status=400, body=b'{"result": "error", "msg": "Stream does not exist"}')
    with pytest.raises(TransportError) as info:
        zulip.send(zulip_channel(recorder), alert("down"))
    assert info.value.message == 'Received status code 400 with a message: "Stream does not exist"'


def test_zulip_validate_wants_a_bot_email():
    with pytest.raises(ValueError, match="bot_email"):
        zulip.validate({"bot_email": "bot", "api_key": "k", "site": "https://z.example", "to": "ops"})
