"""SMS through Twilio: validation, the exact form sent to a local recorder, error answers, the monthly quota."""
import base64
import json
from urllib.parse import parse_qs

import pytest

from chalicelib import settings
from chalicelib.alerts import delivery
from chalicelib.checks import channels
from chalicelib.integrations import delivery_reports
from chalicelib.integrations.base import TransportError
from chalicelib.integrations.kinds import sms
from chalicelib.store.models import Channel

MESSAGES = "/2010-04-01/Accounts/AC123/Messages.json"


@pytest.fixture(autouse=True)
def twilio(monkeypatch, recorder):
    for name, value in dict(
        SITE_NAME="Mychecks", TWILIO_ACCOUNT="AC123", TWILIO_AUTH="secret", TWILIO_FROM="+15550001111",
        TWILIO_MESSAGING_SERVICE_SID="", TWILIO_API_URL=recorder.url("").rstrip("/"),
    ).items():
        monkeypatch.setattr(settings, name, value)


@pytest.fixture
def channel(project, now):
    return channels.create_channel(project.code, "sms", sms.validate({"value": "+1 555-123 4567", "up": True}), now)


def form(request) -> dict:
    return {name: values[0] for name, values in parse_qs(request.body.decode()).items()}


def test_validate_normalizes_the_number_and_sends_down_only_by_default():
    assert json.loads(sms.validate({"value": " +44 (20) 7946-0958 "})) == {"value": "+442079460958", "up": False, "down": True}


@pytest.mark.parametrize("number", ["", "5551234567", "+12", "+1555123456789012", "+1555abc4567"])
def test_validate_rejects_numbers_not_in_international_format(number):
    with pytest.raises(ValueError, match="value"):
        sms.validate({"value": number})


def test_enabled_needs_account_auth_and_a_sender(monkeypatch):
    assert sms.enabled()
    monkeypatch.setattr(settings, "TWILIO_FROM", "")
    assert not sms.enabled()
    monkeypatch.setattr(settings, "TWILIO_MESSAGING_SERVICE_SID", "MG1")
    assert sms.enabled()


def test_down_sms_is_the_exact_form_with_basic_auth(recorder, channel, alert):
    notice = alert("down")
    sms.send(channel, notice)
    request = recorder.last
    assert (request.method, request.path) == ("POST", MESSAGES)
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"AC123:secret").decode()
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form(request) == {
        "To": "+15551234567",
        "Body": 'Mychecks: The check "Backups" is DOWN (success signal did not arrive on time, grace time passed).',
        "RiskCheck": "disable",
        "From": "+15550001111",
        "StatusCallback": delivery_reports.callback_url(notice.flip, channel.code),
    }


def test_up_sms_goes_through_the_messaging_service_when_set(recorder, channel, alert, monkeypatch):
    monkeypatch.setattr(settings, "TWILIO_MESSAGING_SERVICE_SID", "MG42")
    notice = alert("up")
    sms.send(channel, notice)
    assert form(recorder.last) == {
        "To": "+15551234567", "Body": 'Mychecks: The check "Backups" is now UP.', "RiskCheck": "disable",
        "MessagingServiceSid": "MG42", "StatusCallback": delivery_reports.callback_url(notice.flip, channel.code),
    }


def test_up_is_a_noop_unless_chosen(project, now):
    channel = Channel(code="c", project=project.code, kind="sms", value=sms.validate({"value": "+15551234567"}))
    assert sms.is_noop(channel, "up") and not sms.is_noop(channel, "down")


def test_invalid_number_answer_disables_the_channel(recorder, channel, alert):
    recorder.respond(MESSAGES, 400, {"Content-Type": "application/json"}, b'{"code": 21211, "message": "Invalid To"}')
    with pytest.raises(TransportError) as caught:
        sms.send(channel, alert("down"))
    assert (caught.value.message, caught.value.disable, caught.value.transient) == ("Invalid phone number", True, False)


@pytest.mark.parametrize("status, transient", [(400, False), (401, False), (429, True), (500, True)])
def test_error_answers_are_classified(recorder, channel, alert, status, transient):
    recorder.respond(MESSAGES, status, body=b'{"code": 20003}')
    with pytest.raises(TransportError) as caught:
        sms.send(channel, alert("down"))
    assert (caught.value.message, caught.value.transient, caught.value.disable) == (
        f"Received status code {status}", transient, False
    )


def test_timeout_is_transient(recorder, channel, alert, monkeypatch):
    monkeypatch.setattr(settings, "NOTIFY_TIMEOUT", 0.2)
    recorder.respond(MESSAGES, delay=0.5)
    with pytest.raises(TransportError) as caught:
        sms.send(channel, alert("down"))
    assert (caught.value.message, caught.value.transient) == ("Connection timed out", True)


def test_monthly_limit_refuses_without_retrying_and_mails_the_notice(recorder, channel, alert, monkeypatch, now):
    from chalicelib.integrations import limits

    monkeypatch.setattr(settings, "SMS_LIMIT", 1)
    sent = []
    monkeypatch.setattr(limits, "team_emails", lambda project: ["owner@example.com"])
    monkeypatch.setattr(limits.emails, "send", lambda *args: sent.append(args))
    notice = alert("down")
    assert delivery._try(sms, channel, notice, sleep=lambda s: None) is None
    error = delivery._try(sms, channel, notice, sleep=lambda s: None)
    assert error.message == "Monthly SMS limit exceeded" and not error.transient
    assert len(recorder.requests) == 1
    (to, subject, body), = sent
    assert (to, subject) == ("owner@example.com", "Monthly SMS limit reached")
    assert 'Mychecks: The check "Backups" is DOWN' in body
