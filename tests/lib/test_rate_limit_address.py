"""Which address the per-IP login limit counts: API Gateway's sourceIp, which a client cannot forge,
and the first X-Forwarded-For hop only behind the local server (a loopback peer)."""
import pytest

from chalicelib.lib import addresses


@pytest.mark.parametrize(
    "forwarded, source, expected",
    [
        ("203.0.113.9", "198.51.100.7", "198.51.100.7"),  # API Gateway: the forged header is ignored
        (None, "198.51.100.7", "198.51.100.7"),
        ("203.0.113.9, 10.0.0.1", "127.0.0.1", "203.0.113.9"),  # the local server behind a proxy
        ("203.0.113.9:4567", "::1", "203.0.113.9"),
        (None, "127.0.0.1", "127.0.0.1"),
    ],
)
def test_client_address(forwarded, source, expected):
    assert addresses.client_address(forwarded, source) == expected


def attempt(anonymous_web, i, forwarded_for):
    form = {"action": "login", "email": f"person{i}@example.org", "password": "wrong"}
    return anonymous_web.post("/accounts/login/", form, headers={"X-Forwarded-For": forwarded_for})


@pytest.fixture
def api_gateway_peer(monkeypatch):
    """Requests arrive as through API Gateway: sourceIp is the client's public address."""
    from chalice.local import LambdaEventConverter

    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", "198.51.100.7")


def test_forged_forwarded_for_does_not_escape_the_per_ip_login_limit(anonymous_web, api_gateway_peer):
    for i in range(20):
        attempt(anonymous_web, i, f"203.0.113.{i}")
    assert attempt(anonymous_web, 20, "203.0.113.200").status_code == 429


def test_local_server_counts_the_forwarded_address(anonymous_web):
    for i in range(20):
        attempt(anonymous_web, i, "203.0.113.1")
    assert attempt(anonymous_web, 20, "203.0.113.1").status_code == 429
    assert attempt(anonymous_web, 21, "203.0.113.2").status_code == 400
