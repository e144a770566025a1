"""Signal's rate-limit CAPTCHA: the superusers' page and the CLI send signal-cli's
submitRateLimitChallenge, and the integrations page says when Signal wants one solved."""
import json

import pytest

from chalicelib import settings
from chalicelib.accounts import users
from chalicelib.alerts import delivery
from chalicelib.checks import channels, flips
from chalicelib.integrations.kinds import signal
from chalicelib.ops import cli
from chalicelib.store.models import Channel

CAPTCHA = "signal-hcaptcha.5fad97ac-7d06-4e44-b18a-b950b20148ff.challenge.P1_eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9"


@pytest.fixture
def superuser(now):
    return users.create_user("root@example.org", now, is_superuser=True)


@pytest.fixture
def signal_channel(project, now):
    return channels.create_channel(project.code, "signal", signal.validate({"value": "+15551234567"}), now)


def submitted(signal_cli):
    """The one request signal-cli received, its random id left out."""
    [request] = signal_cli.requests
    return {name: value for name, value in request.items() if name != "id"}


def test_the_page_submits_the_exact_json_rpc_request(web, superuser, signal_cli):
    web.login(superuser)
    page = web.post("/signal_captcha/", {"challenge": "challenge-token", "captcha": f"signalcaptcha://{CAPTCHA}"})
    assert page.status_code == 200
    assert "signal-cli accepted the CAPTCHA" in page.body.decode()
    [request] = signal_cli.requests
    assert request == {
        "jsonrpc": "2.0", "method": "submitRateLimitChallenge",
        "params": {"challenge": "challenge-token", "captcha": CAPTCHA}, "id": request["id"],
    }


def test_the_link_fills_in_the_challenge(web, superuser, signal_cli):
    web.login(superuser)
    page = web.get("/signal_captcha/", {"challenge": "challenge-token"})
    assert page.status_code == 200
    assert 'name="challenge" value="challenge-token"' in page.body.decode()
    assert signal_cli.requests == []


def test_a_refused_captcha_shows_what_signal_cli_said(web, superuser, signal_cli):
    web.login(superuser)
    signal_cli.challenge_answer = "refused"
    page = web.post("/signal_captcha/", {"challenge": "challenge-token", "captcha": CAPTCHA})
    assert page.status_code == 502
    assert "signal-cli refused the CAPTCHA: Invalid captcha given" in page.body.decode()


@pytest.mark.parametrize("form, field", [
    ({"challenge": "challenge-token", "captcha": ""}, "captcha"),
    ({"challenge": "", "captcha": CAPTCHA}, "challenge"),
    ({"challenge": "two words", "captcha": CAPTCHA}, "challenge"),
])
def test_a_missing_or_malformed_field_is_a_form_error_and_sends_nothing(web, superuser, signal_cli, form, field):
    web.login(superuser)
    page = web.post("/signal_captcha/", form)
    assert page.status_code == 400
    assert f"{field}: " in page.body.decode()
    assert signal_cli.requests == []


def test_signal_cli_not_answering_is_a_clear_error(web, superuser, monkeypatch):
    monkeypatch.setattr(settings, "SIGNAL_CLI_SOCKET", "/nonexistent/signal-cli.sock")
    web.login(superuser)
    page = web.post("/signal_captcha/", {"challenge": "challenge-token", "captcha": CAPTCHA})
    assert page.status_code == 502 and "signal-cli call failed" in page.body.decode()


@pytest.mark.parametrize("role", ["owner", "m", "w", "r"])
def test_people_who_are_not_superusers_get_403(web, make_member, signal_cli, role):
    if role != "owner":
        web.login(make_member(role))
    assert web.get("/signal_captcha/").status_code == 403
    assert web.post("/signal_captcha/", {"challenge": "challenge-token", "captcha": CAPTCHA}).status_code == 403
    assert signal_cli.requests == []


def test_anonymous_visitors_are_sent_to_login(anonymous_web, signal_cli):
    response = anonymous_web.get("/signal_captcha/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/accounts/login/?next=")
    assert anonymous_web.post("/signal_captcha/", {"challenge": "c", "captcha": CAPTCHA}).status_code == 403


def test_the_page_is_not_found_without_signal(web, superuser, monkeypatch):
    monkeypatch.setattr(settings, "SIGNAL_CLI_SOCKET", "")
    web.login(superuser)
    assert web.get("/signal_captcha/").status_code == 404


# -- the integrations page's notice ----------------------------------------------------------------

def rate_limited_alert(check, signal_channel, signal_cli, now):
    """A down alert that signal-cli refuses with a rate-limit challenge."""
    signal_cli.answer = "rate_limit"
    delivery.deliver(flips.write_flip(check, "up", "down", "timeout", now), sleep=lambda seconds: None)


def test_a_send_refused_for_a_captcha_keeps_the_challenge_on_the_channel(check, signal_channel, signal_cli, now):
    rate_limited_alert(check, signal_channel, signal_cli, now)
    stored = Channel.get(signal_channel.code)
    assert stored.last_error == "CAPTCHA proof required (challenge challenge-token)" and not stored.disabled
    assert signal.captcha_challenge(stored) == "challenge-token"


def test_members_see_why_signal_alerts_fail(web, project, check, signal_channel, signal_cli, now):
    rate_limited_alert(check, signal_channel, signal_cli, now)
    body = web.get(f"/projects/{project.code}/integrations/").body.decode()
    assert f'id="captcha-{signal_channel.code}"' in body
    assert "Signal holds back this site's messages until its operator" in body
    assert "/signal_captcha/" not in body


def test_superusers_get_a_link_to_solve_the_captcha(web, superuser, project, check, signal_channel, signal_cli, now):
    rate_limited_alert(check, signal_channel, signal_cli, now)
    web.login(superuser)
    body = web.get(f"/projects/{project.code}/integrations/").body.decode()
    assert '<a href="/signal_captcha/?challenge=challenge-token">Solve it now</a>' in body


def test_other_failures_show_no_captcha_notice(web, project, check, signal_channel, signal_cli, now):
    signal_cli.answer = "other"
    delivery.deliver(flips.write_flip(check, "up", "down", "timeout", now), sleep=lambda seconds: None)
    assert "captcha-notice" not in web.get(f"/projects/{project.code}/integrations/").body.decode()


# -- the CLI ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["submitchallenge", "signal-captcha"])
def test_the_cli_submits_the_exact_request_and_prints_one_json_line(signal_cli, real_aws_endpoint, capsys, command):
    assert cli.main([command, "challenge-token", f"signalcaptcha://{CAPTCHA}"]) == 0
    assert submitted(signal_cli) == {
        "jsonrpc": "2.0", "method": "submitRateLimitChallenge", "params": {"challenge": "challenge-token", "captcha": CAPTCHA},
    }
    assert json.loads(capsys.readouterr().out) == {"submitted": True, "challenge": "challenge-token", "result": {}}


def test_the_cli_exits_with_signal_clis_refusal(signal_cli, real_aws_endpoint):
    signal_cli.challenge_answer = "refused"
    with pytest.raises(SystemExit, match="Not submitted: signal-cli refused the CAPTCHA: Invalid captcha given"):
        cli.main(["submitchallenge", "challenge-token", CAPTCHA])


def test_the_cli_exits_when_signal_is_not_set_up(monkeypatch, real_aws_endpoint):
    monkeypatch.setattr(settings, "SIGNAL_CLI_SOCKET", "")
    with pytest.raises(SystemExit, match="SIGNAL_CLI_SOCKET is not set"):
        cli.main(["submitchallenge", "challenge-token", CAPTCHA])
