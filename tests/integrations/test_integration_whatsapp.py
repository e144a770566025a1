"""WhatsApp and phone calls through Twilio: the exact forms sent to a local recorder."""
import json
from urllib.parse import parse_qs

import pytest

from chalicelib import settings
from chalicelib.checks import channels
from chalicelib.integrations import delivery_reports
from chalicelib.integrations.kinds import call, whatsapp

ACCOUNT = "/2010-04-01/Accounts/AC123"


@pytest.fixture(autouse=True)
def twilio(monkeypatch, recorder):
    for name, value in dict(
        SITE_NAME="Mychecks", TWILIO_ACCOUNT="AC123", TWILIO_AUTH="secret", TWILIO_FROM="+15550001111",
        TWILIO_MESSAGING_SERVICE_SID="", TWILIO_USE_WHATSAPP=True, WHATSAPP_DOWN_CONTENT_SID="HXdown",
        WHATSAPP_UP_CONTENT_SID="HXup", TWILIO_API_URL=recorder.url("").rstrip("/"),
    ).items():
        monkeypatch.setattr(settings, name, value)


def form(request) -> dict:
    return {name: values[0] for name, values in parse_qs(request.body.decode()).items()}


@pytest.mark.parametrize("status, content", [("down", "HXdown"), ("up", "HXup")])
def test_whatsapp_sends_the_direction_template_with_the_name(recorder, project, now, alert, status, content):
    channel = channels.create_channel(project.code, "whatsapp", whatsapp.validate({"value": "+15551234567"}), now)
    notice = alert(status)
    whatsapp.send(channel, notice)
    assert (recorder.last.method, recorder.last.path) == ("POST", f"{ACCOUNT}/Messages.json")
    assert form(recorder.last) == {
        "To": "whatsapp:+15551234567", "From": "whatsapp:+15550001111",
        "ContentSid": content, "ContentVariables": '{"1": "Backups"}',
        "StatusCallback": delivery_reports.callback_url(notice.flip, channel.code),
    }


def test_whatsapp_is_hidden_unless_turned_on(monkeypatch):
    assert whatsapp.enabled()
    monkeypatch.setattr(settings, "TWILIO_USE_WHATSAPP", False)
    assert not whatsapp.enabled()


def test_call_says_the_check_is_down_in_twiml(recorder, project, now, make_check, notice):
    channel = channels.create_channel(project.code, "call", call.validate({"value": "+15551234567"}), now)
    down = notice("down", check=make_check(name='Backups <"db">'))
    call.send(channel, down)
    assert (recorder.last.method, recorder.last.path) == ("POST", f"{ACCOUNT}/Calls.json")
    assert form(recorder.last) == {
        "From": "+15550001111", "To": "+15551234567",
        "Twiml": '<Response><Say>Hello! A message from Mychecks: The check "Backups &lt;"db"&gt;" is down.</Say></Response>',
        "StatusCallback": delivery_reports.callback_url(down.flip, channel.code),
    }


def test_call_never_rings_for_up(project):
    channel = channels.Channel(code="c", project=project.code, kind="call", value=json.dumps({"value": "+15551234567"}))
    assert call.is_noop(channel, "up") and not call.is_noop(channel, "down")
