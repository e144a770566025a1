"""The shared HTTP helper against a real local server: statuses, redirects, timeouts, address rules."""
import socket

import pytest

from chalicelib import settings
from chalicelib.integrations import http
from chalicelib.integrations.base import TransportError
from tests.support.recorder import closed_port

PRIVATE = "Connections to private IP addresses are not allowed"


def test_success_returns_the_response_with_its_body(recorder):
    recorder.respond("/hook", body=b'{"ok": true}')
    response = http.request("GET", recorder.url("/hook"))
    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_user_agent_is_the_site_name(recorder, monkeypatch):
    monkeypatch.setattr(settings, "SITE_NAME", "Acme Checks")
    http.request("GET", recorder.url("/"))
    assert recorder.last.headers["User-Agent"] == "Acme Checks"


def test_json_is_sent_with_its_content_type(recorder):
    http.request("POST", recorder.url("/"), json={"a": 1})
    assert recorder.last.body == b'{"a": 1}'
    assert recorder.last.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("code, transient", [(500, True), (503, True), (429, True), (404, False), (400, False)])
def test_unexpected_status_is_an_error_transient_for_5xx_and_429(recorder, code, transient):
    recorder.respond("/", status=code)
    with pytest.raises(TransportError) as info:
        http.request("GET", recorder.url("/"))
    assert info.value.message == f"Received status code {code}"
    assert info.value.transient is transient


def test_ok_statuses_can_be_widened_by_the_caller(recorder):
    recorder.respond("/", status=404, body=b"gone")
    assert http.request("GET", recorder.url("/"), ok=range(200, 600)).text == "gone"


def test_slow_server_times_out_as_transient(recorder, monkeypatch):
    monkeypatch.setattr(settings, "NOTIFY_TIMEOUT", 0.2)
    recorder.respond("/slow", delay=1)
    with pytest.raises(TransportError) as info:
        http.request("GET", recorder.url("/slow"))
    assert (info.value.message, info.value.transient) == ("Connection timed out", True)


def test_connection_refused_is_transient(monkeypatch):
    monkeypatch.setattr(settings, "INTEGRATIONS_ALLOW_PRIVATE_IPS", True)
    with pytest.raises(TransportError) as info:
        http.request("GET", f"http://127.0.0.1:{closed_port()}/")
    assert (info.value.message, info.value.transient) == ("Connection failed", True)


def test_unresolvable_host_is_transient(monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(TransportError) as info:
        http.request("GET", "https://hooks.example.com/")
    assert (info.value.message, info.value.transient) == ("Could not resolve host", True)


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "example.com/hook"])
def test_only_http_and_https_urls(url):
    with pytest.raises(TransportError, match="Only http and https URLs are allowed"):
        http.request("GET", url)


@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "[::1]", "169.254.169.254", "[::ffff:127.0.0.1]"])
def test_private_addresses_are_refused_by_default(host, recorder, monkeypatch):
    monkeypatch.setattr(settings, "INTEGRATIONS_ALLOW_PRIVATE_IPS", False)
    with pytest.raises(TransportError) as info:
        http.request("GET", f"http://{host}:{recorder.port}/")
    assert (info.value.message, info.value.transient) == (PRIVATE, False)
    assert recorder.requests == []


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.5", "192.168.1.1", "172.16.0.1", "::1", "fe80::1%eth0",
                                     "224.0.0.1", "0.0.0.0", "100.64.0.1", "240.0.0.1", "fc00::1"])
def test_non_public_addresses_are_recognised(address):
    assert not http.is_public_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111"])
def test_public_addresses_are_recognised(address):
    assert http.is_public_address(address)


def test_hop_check_refuses_a_private_redirect_target(monkeypatch):
    monkeypatch.setattr(settings, "INTEGRATIONS_ALLOW_PRIVATE_IPS", False)
    with pytest.raises(TransportError, match=PRIVATE):
        http.check_url("http://127.0.0.1:8080/admin")


def test_redirect_to_a_private_address_is_not_followed(recorder, monkeypatch):
    # The recorder itself counts as public here, so only the redirect's target is private.
    monkeypatch.setattr(settings, "INTEGRATIONS_ALLOW_PRIVATE_IPS", False)
    public = http.is_public_address
    monkeypatch.setattr(http, "is_public_address", lambda a: a == "127.0.0.1" or public(a))
    recorder.respond("/start", status=302, headers={"Location": "http://10.0.0.1/secret"})
    with pytest.raises(TransportError, match=PRIVATE):
        http.request("GET", recorder.url("/start"))
    assert [r.path for r in recorder.requests] == ["/start"]


def test_address_is_checked_again_when_connecting(recorder, monkeypatch):
    # DNS says public when the URL is checked, but the connection lands on 127.0.0.1.
    monkeypatch.setattr(settings, "INTEGRATIONS_ALLOW_PRIVATE_IPS", False)
    monkeypatch.setattr(http, "check_url", lambda url: None)
    with pytest.raises(TransportError, match=PRIVATE):
        http.request("GET", recorder.url("/"))
    assert recorder.requests == []


def test_follows_up_to_three_redirects(recorder):
    recorder.respond("/a", status=301, headers={"Location": "/b"})
    recorder.respond("/b", status=302, headers={"Location": recorder.url("/c")})
    recorder.respond("/c", status=307, headers={"Location": "/d?x=1"})
    assert http.request("GET", recorder.url("/a")).status_code == 200
    assert [r.path for r in recorder.requests] == ["/a", "/b", "/c", "/d?x=1"]


def test_a_fourth_redirect_is_too_many(recorder):
    recorder.respond("/loop", status=302, headers={"Location": "/loop"})
    with pytest.raises(TransportError) as info:
        http.request("GET", recorder.url("/loop"))
    assert (info.value.message, info.value.transient) == ("Too many redirects", False)
    assert len(recorder.requests) == 4


def test_303_redirect_continues_as_get_without_body(recorder):
    recorder.respond("/post", status=303, headers={"Location": "/result"})
    http.request("POST", recorder.url("/post"), data=b"payload", headers={"Content-Type": "text/plain"})
    assert (recorder.last.method, recorder.last.body) == ("GET", b"")
    assert "Content-Type" not in recorder.last.headers


def test_307_redirect_keeps_method_and_body(recorder):
    recorder.respond("/put", status=307, headers={"Location": "/moved"})
    http.request("PUT", recorder.url("/put"), data=b"payload")
    assert (recorder.last.path, recorder.last.method, recorder.last.body) == ("/moved", "PUT", b"payload")


def test_authorization_is_dropped_on_redirect_to_another_host(recorder):
    recorder.respond("/start", status=302, headers={"Location": recorder.url("/other", host="localhost")})
    http.request("GET", recorder.url("/start"), headers={"Authorization": "Bearer s3cret", "X-Keep": "1"})
    assert recorder.requests[0].headers["Authorization"] == "Bearer s3cret"
    assert "Authorization" not in recorder.last.headers
    assert recorder.last.headers["X-Keep"] == "1"
