"""Telegram: the exact sendMessage call, chat migration, retry_after, dead chats, the /start invite flow."""
import json

import pytest

from chalicelib import settings
from chalicelib.alerts import delivery
from chalicelib.checks import channels
from chalicelib.integrations.base import TransportError
from chalicelib.integrations.kinds import telegram
from chalicelib.lib import signing
from chalicelib.store.models import Channel

SEND = "/botTOKEN/sendMessage"


@pytest.fixture(autouse=True)
def bot(monkeypatch, recorder):
    for name, value in dict(
        SITE_NAME="Mychecks", TELEGRAM_TOKEN="TOKEN", TELEGRAM_BOT_NAME="MychecksBot",
        TELEGRAM_API_URL=recorder.url("").rstrip("/"),
    ).items():
        monkeypatch.setattr(settings, name, value)


@pytest.fixture
def channel(project, now):
    return channels.create_channel(project.code, "telegram", {"id": -100, "type": "group", "name": "Ops", "thread_id": None}, now)


def answer(recorder, status, body):
    recorder.respond(SEND, status, {"Content-Type": "application/json"}, json.dumps(body).encode())


def test_down_alert_is_the_exact_html_message(recorder, channel, alert):
    notice = alert("down")
    telegram.send(channel, notice)
    request = recorder.last
    assert (request.method, request.path, request.headers["Content-Type"]) == ("POST", SEND, "application/json")
    assert json.loads(request.body) == {
        "chat_id": -100,
        "message_thread_id": None,
        "parse_mode": "html",
        "text": (
            '🔴 The check "Backups" is DOWN (success signal did not arrive on time, grace time passed).\n\n'
            "<b>Description:</b> Nightly database dump\n<b>Project:</b> Test project\n<b>Tags:</b> prod nightly\n"
            "<b>Period:</b> 1 day\n<b>Total Pings:</b> 42\n<b>Last Ping:</b> Success, 2 hours ago\n\n"
            "<b>Last Ping Body:</b>\n<pre>rows: 5</pre>\n\n"
            "<b>Also down in this project:</b>\n\nReports (last ping 3 hours ago)\n\n"
            f'<a href="{notice.check_url}">View on Mychecks</a>'
        ),
    }


def test_up_alert_tells_the_downtime(recorder, channel, alert):
    telegram.send(channel, alert("up"))
    text = json.loads(recorder.last.body)["text"]
    assert text.startswith('🟢 The check "Backups" is now UP. The downtime lasted 2 hours 5 minutes.\n\n')
    assert "<b>All the other checks are up.</b>" in text


def test_message_longer_than_telegram_allows_loses_whole_parts(make_check, notice):
    text = telegram.message(notice("down", check=make_check(name="Backups", desc="x" * 5000)))
    assert len(text) <= telegram.MAX_LENGTH and text.endswith("\n\n…")


def test_migrated_chat_is_stored_and_the_message_resent(recorder, channel, alert):
    recorder.respond_in_turn(SEND, 400, 200)
    recorder.answers[SEND][0].body = json.dumps({
        "ok": False, "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": -1001234},
    }).encode()
    telegram.send(channel, alert("down"))
    assert [json.loads(r.body)["chat_id"] for r in recorder.requests] == [-100, -1001234]
    assert json.loads(Channel.get(channel.code).value)["id"] == -1001234


def test_retry_after_is_waited_for_then_retried(recorder, channel, alert):
    recorder.respond_in_turn(SEND, 429, 200)
    recorder.answers[SEND][0].body = json.dumps({"ok": False, "description": "Too Many Requests: retry after 7", "parameters": {"retry_after": 7}}).encode()
    slept = []
    assert delivery._try(telegram, channel, alert("down"), sleep=slept.append) is None
    assert slept == [7] and len(recorder.requests) == 2


def test_retry_after_longer_than_a_try_is_an_error_without_retry(recorder, channel, alert):
    answer(recorder, 429, {"ok": False, "description": "Too Many Requests: retry after 300", "parameters": {"retry_after": 300}})
    error = delivery._try(telegram, channel, alert("down"), sleep=lambda s: None)
    assert error.message == 'Received status code 429 with a message: "Too Many Requests: retry after 300"'
    assert len(recorder.requests) == 1


@pytest.mark.parametrize("description", ["Forbidden: bot was blocked by the user", "Bad Request: chat not found"])
def test_chat_that_is_gone_disables_the_channel(recorder, channel, alert, description):
    answer(recorder, 403 if description.startswith("Forbidden") else 400, {"ok": False, "description": description})
    with pytest.raises(TransportError) as caught:
        telegram.send(channel, alert("down"))
    assert caught.value.disable and not caught.value.transient


@pytest.mark.parametrize("status, transient", [(400, False), (401, False), (500, True)])
def test_other_errors_carry_telegrams_description(recorder, channel, alert, status, transient):
    answer(recorder, status, {"ok": False, "description": "Something"})
    with pytest.raises(TransportError) as caught:
        telegram.send(channel, alert("down"))
    assert caught.value.message == f'Received status code {status} with a message: "Something"'
    assert (caught.value.transient, caught.value.disable) == (transient, False)


def test_seventh_message_a_minute_to_one_chat_is_rate_limited(recorder, channel, alert, now):
    from chalicelib.integrations import limits

    notice = alert("down")
    for _ in range(6):
        limits.authorize(telegram, channel, notice, now)
    with pytest.raises(TransportError, match="Rate limit exceeded"):
        limits.authorize(telegram, channel, notice, now)


def test_start_gets_an_invite_link_that_adds_the_chat(recorder, now):
    update = {"message": {"text": "/start", "chat": {"id": 42, "type": "private", "username": "alice"}}}
    reply = telegram.answer_update(update, now)
    sent = json.loads(recorder.last.body)
    assert sent["chat_id"] == 42 and sent["text"] == reply and sent["parse_mode"] == "html"
    token = reply.split("/integrations/add_telegram/?signed=", 1)[1].split('"', 1)[0]
    assert signing.unsign(token, telegram.INVITE_SALT, 600, now) == {"id": 42, "type": "private", "name": "alice", "thread_id": None}


def test_other_messages_to_the_bot_get_no_reply(recorder, now):
    assert telegram.answer_update({"message": {"text": "hello", "chat": {"id": 42, "type": "private"}}}, now) is None
    assert recorder.requests == []


def test_validate_accepts_a_fresh_signed_invite_only(now):
    from datetime import datetime, timezone

    chat = {"id": -5, "type": "group", "name": "Ops", "thread_id": 3}
    fresh = signing.sign(chat, telegram.INVITE_SALT, datetime.now(timezone.utc))
    assert json.loads(telegram.validate({"invite": fresh})) == chat
    with pytest.raises(ValueError, match="invite"):
        telegram.validate({"invite": signing.sign(chat, telegram.INVITE_SALT, now)})  # made long ago
    with pytest.raises(ValueError, match="invite"):
        telegram.validate({"invite": fresh[:-2] + "xx"})
