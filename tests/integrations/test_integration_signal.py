"""Signal: the JSON-RPC request written to a local socket that answers like signal-cli."""
import json

import pytest

from chalicelib import settings
from chalicelib.checks import channels
from chalicelib.integrations.base import TransportError
from chalicelib.integrations.kinds import signal


@pytest.fixture
def channel(project, now):
    return channels.create_channel(project.code, "signal", signal.validate({"value": "+15551234567"}), now)


def test_down_alert_is_the_exact_json_rpc_send(signal_cli, channel, alert):
    notice = alert("down")
    signal.send(channel, notice)
    request, = signal_cli.requests
    assert request == {
        "jsonrpc": "2.0",
        "method": "send",
        "params": {
            "recipient": ["+15551234567"],
            "message": (
                '🔴 The check "Backups" is DOWN (success signal did not arrive on time, grace time passed).\n\n'
                "- Description: Nightly database dump\n- Project: Test project\n- Tags: prod nightly\n"
                "- Period: 1 day\n- Total Pings: 42\n- Last Ping: Success, 2 hours ago\n\n"
                "Last Ping Body:\nrows: 5\n\n"
                "Also down in this project:\n\n- Reports (last ping 3 hours ago)\n\n"
                f"View on Mychecks: {notice.check_url}"
            ),
            "textStyle": ["3:87:BOLD"],
        },
        "id": request["id"],
    }


def test_up_alert_to_a_username_is_prefixed(signal_cli, project, now, alert):
    channel = channels.create_channel(project.code, "signal", signal.validate({"value": "alice.42"}), now)
    signal.send(channel, alert("up"))
    params = signal_cli.requests[0]["params"]
    assert params["recipient"] == ["u:alice.42"]
    assert params["message"].startswith('🟢 The check "Backups" is now UP. The downtime lasted 2 hours 5 minutes.')


def test_unregistered_recipient_disables_the_channel(signal_cli, channel, alert):
    signal_cli.answer = "unregistered"
    with pytest.raises(TransportError) as caught:
        signal.send(channel, alert("down"))
    assert (caught.value.message, caught.value.disable) == ("Recipient not found", True)


def test_rate_limit_challenge_asks_for_a_captcha_and_is_not_retried(signal_cli, channel, alert):
    signal_cli.answer = "rate_limit"
    with pytest.raises(TransportError) as caught:
        signal.send(channel, alert("down"))
    error = caught.value
    assert (error.message, error.transient, error.disable) == ("CAPTCHA proof required (challenge challenge-token)", False, False)


def test_other_failure_names_the_error_code(signal_cli, channel, alert):
    signal_cli.answer = "other"
    with pytest.raises(TransportError, match=r"signal-cli call failed \(-1\)"):
        signal.send(channel, alert("down"))


def test_socket_that_is_not_there_is_a_transient_error(monkeypatch, channel, alert):
    monkeypatch.setattr(settings, "SIGNAL_CLI_SOCKET", "/nonexistent/signal-cli.sock")
    with pytest.raises(TransportError) as caught:
        signal.send(channel, alert("down"))
    assert caught.value.transient and caught.value.message.startswith("signal-cli call failed")


def test_validate_takes_numbers_and_usernames():
    assert json.loads(signal.validate({"value": "alice.42", "up": False})) == {"value": "alice.42", "up": False, "down": True}
    with pytest.raises(ValueError):
        signal.validate({"value": "alice"})


def test_test_message_is_a_plain_json_rpc_send_to_the_number(signal_cli):
    signal.send_test("+15551234567")
    [request] = signal_cli.requests
    assert request["params"] == {
        "recipient": ["+15551234567"],
        "message": "Hello from Mychecks! This is a test message: Signal alerts for your checks will come here.",
        "textStyle": [],
    }


def test_the_signal_form_sends_a_test_message_to_the_number_typed(signal_cli, web):
    answer = web.post("/integrations/signal/verify/", {"phone": "+1 555 123 4567"})
    assert (answer.status_code, answer.body.decode()) == (200, "A test message is on its way to +15551234567.")
    assert signal_cli.requests[-1]["params"]["recipient"] == ["+15551234567"]


def test_a_test_message_to_an_unregistered_number_says_why(signal_cli, web):
    signal_cli.answer = "unregistered"
    answer = web.post("/integrations/signal/verify/", {"phone": "+15551234567"})
    assert answer.body.decode() == "The test message could not be sent: Recipient not found."


def test_a_test_message_needs_a_valid_number(signal_cli, web):
    assert web.post("/integrations/signal/verify/", {"phone": "12"}).status_code == 400
    assert signal_cli.requests == []


def test_test_messages_are_limited_per_user_and_day(signal_cli, web, monkeypatch):
    from chalicelib.web.pages import integrations_pages

    monkeypatch.setattr(integrations_pages, "SIGNAL_TESTS_PER_DAY", 2)
    answers = [web.post("/integrations/signal/verify/", {"phone": "+15551234567"}).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert len(signal_cli.requests) == 2
