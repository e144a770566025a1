"""Apprise (optional package) through its json:// service to the recorder; signed OAuth states."""
import json
from datetime import timedelta

import pytest

from chalicelib import settings
from chalicelib.integrations import oauth
from chalicelib.integrations.base import TransportError
from chalicelib.integrations.kinds import apprise
from chalicelib.store.models import Channel
from tests.support.chat_kinds import expected

pytest.importorskip("apprise")


def apprise_channel(url):
    return Channel(code="c0ffee", project="p", kind="apprise", value=apprise.validate({"url": url}))


@pytest.mark.parametrize("status, kind", [("down", "failure"), ("up", "success")])
def test_apprise_notifies_with_title_body_and_type(recorder, alert, status, kind):
    notice = alert(status)
    apprise.send(apprise_channel(f"json://127.0.0.1:{recorder.port}/apprise"), notice)
    request = recorder.last
    assert (request.method, request.path) == ("POST", "/apprise")
    assert request.headers == {
        "Host": f"127.0.0.1:{recorder.port}", "User-Agent": "Apprise", "Accept-Encoding": "gzip, deflate",
        "Accept": "*/*", "Connection": "keep-alive", "Content-Type": "application/json",
        "Content-Length": str(len(request.body)),
    }
    assert json.loads(request.body) == {
        "version": "1.0", "title": f"Backups is {status.upper()}", "message": expected("plain", notice),
        "attachments": [], "type": kind,
    }


def test_apprise_failure_is_reported_as_failed(recorder, alert):
    recorder.respond("/apprise", status=500)
    with pytest.raises(TransportError, match="Failed"):
        apprise.send(apprise_channel(f"json://127.0.0.1:{recorder.port}/apprise"), alert("down"))


def test_apprise_refuses_a_url_it_does_not_know(alert):
    with pytest.raises(TransportError, match="Invalid Apprise URL"):
        apprise.send(apprise_channel("nosuchservice://x"), alert("down"))


def test_apprise_is_opt_in(monkeypatch):
    monkeypatch.setattr(settings, "APPRISE_ENABLED", False)
    assert not apprise.enabled()
    monkeypatch.setattr(settings, "APPRISE_ENABLED", True)
    assert apprise.enabled()


@pytest.mark.parametrize("value", [{}, {"url": "no scheme"}, {"url": "json://" + "x" * 600}])
def test_apprise_validate_wants_an_apprise_url(value):
    with pytest.raises(ValueError, match="url"):
        apprise.validate(value)


def test_oauth_state_is_accepted_for_its_own_kind_within_the_hour(now):
    state = oauth.new_state("slack", now)
    oauth.check_state("slack", state, now + timedelta(minutes=59))


@pytest.mark.parametrize("purpose, later", [("discord", timedelta(0)), ("slack", timedelta(minutes=61))])
def test_oauth_state_for_another_kind_or_too_old_is_refused(now, purpose, later):
    state = oauth.new_state("slack", now)
    with pytest.raises(oauth.FlowError):
        oauth.check_state(purpose, state, now + later)


def test_oauth_states_are_random(now):
    assert oauth.new_state("slack", now) != oauth.new_state("slack", now)
