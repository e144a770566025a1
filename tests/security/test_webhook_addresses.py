"""Webhooks never reach private addresses (by IP, by a name resolving to one, or by a redirect)
unless INTEGRATIONS_ALLOW_PRIVATE_IPS says so."""
import pytest

from chalicelib import settings
from chalicelib.integrations import http
from chalicelib.integrations.base import TransportError
from chalicelib.integrations.kinds import webhook
from chalicelib.store.models import Channel


def hook(url: str) -> Channel:
    return Channel(code="c0ffee", project="p", kind="webhook", value=webhook.validate({"method_down": "POST", "url_down": url, "body_down": "$NAME"}))


@pytest.fixture
def private_refused(monkeypatch, recorder):
    """The recorder up on 127.0.0.1, and the default rule: private addresses refused."""
    monkeypatch.setattr(settings, "INTEGRATIONS_ALLOW_PRIVATE_IPS", False)
    return recorder


@pytest.mark.parametrize("host", ["127.0.0.1", "10.0.0.1", "169.254.169.254", "[::1]", "localhost"])
def test_webhook_to_a_private_address_is_refused(private_refused, notice, host):
    with pytest.raises(TransportError, match=http.PRIVATE):
        webhook.send(hook(f"http://{host}:{private_refused.port}/hook"), notice("down"))
    assert private_refused.requests == []


def test_webhook_redirected_to_a_private_address_is_refused(private_refused, notice, monkeypatch):
    # The recorder stands in for a public server; only where it redirects to is private.
    public = http.is_public_address
    monkeypatch.setattr(http, "is_public_address", lambda a: a == "127.0.0.1" or public(a))
    private_refused.respond("/hook", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    with pytest.raises(TransportError, match=http.PRIVATE):
        webhook.send(hook(private_refused.url("/hook")), notice("down"))
    assert [r.path for r in private_refused.requests] == ["/hook"]


def test_allow_private_ips_lets_a_webhook_reach_localhost(recorder, notice):
    webhook.send(hook(f"http://localhost:{recorder.port}/hook"), notice("down"))
    assert recorder.last.path == "/hook"
