"""The ping routes over HTTP-shaped requests: methods, headers, bodies, addresses."""
import pytest

from chalicelib import settings
from chalicelib.checks import checks
from chalicelib.store.models import Ping


@pytest.mark.parametrize("method", ["GET", "POST", "HEAD"])
def test_each_method_records_a_ping(client, check, method):
    response = client.request(method, f"/ping/{check.code}", body=b"", headers={})
    assert response.status_code == 200
    assert next(Ping.query(check.code)).method == method


def test_ping_answers_plain_ok_with_cors_and_no_cache(client, check):
    response = client.get(f"/ping/{check.code}")
    assert response.body == b"OK"
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "no-cache" in response.headers["Cache-Control"]
    assert response.headers["Ping-Body-Limit"] == str(settings.PING_BODY_LIMIT)


def test_ping_with_trailing_slash_is_a_success(client, check):
    assert client.get(f"/ping/{check.code}/").status_code == 200
    assert checks.get(check.code).status == "up"


def test_post_body_of_any_content_type_is_stored_exactly(client, check):
    body = bytes(range(256)) * 2
    response = client.post(
        f"/ping/{check.code}/log", body=body, headers={"Content-Type": "application/octet-stream"}
    )
    assert response.status_code == 200
    from chalicelib.store import storage

    assert storage.get_body(check.code, 1) == body


def test_text_body_posted_by_curl_is_stored(client, check):
    client.post(
        f"/ping/{check.code}",
        body=b"backup finished in 3s",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert next(Ping.query(check.code)).body == b"backup finished in 3s"


def test_forwarded_headers_give_address_and_scheme(client, check):
    client.get(
        f"/ping/{check.code}",
        headers={"X-Forwarded-For": "198.51.100.4, 10.0.0.2", "X-Forwarded-Proto": "https", "User-Agent": "wget"},
    )
    p = next(Ping.query(check.code))
    assert (p.remote_addr, p.scheme, p.ua) == ("198.51.100.4", "https", "wget")


def test_exit_code_route(client, check):
    assert client.get(f"/ping/{check.code}/1").status_code == 200
    assert checks.get(check.code).status == "down"


def test_slug_route_with_create(client, project):
    response = client.get(f"/ping/{project.ping_key}/db-backup?create=1")
    assert (response.status_code, response.body) == (201, b"Created")
    assert client.get(f"/ping/{project.ping_key}/db-backup/start").status_code == 200


def test_unknown_check_over_http_is_a_plain_404(client):
    response = client.get("/ping/8e3a5f12-7b7c-4a5e-9a0d-3c8b9f0e1a2b")
    assert (response.status_code, response.body) == (404, b"not found")


def test_user_agent_is_cut_to_200_characters(client, check):
    client.get(f"/ping/{check.code}", headers={"User-Agent": "u" * 500})
    assert next(Ping.query(check.code)).ua == "u" * 200


def test_rate_limited_slug_ping_answers_429_with_retry_after(client, check, project, now, monkeypatch):
    from chalicelib.lib import clock as app_clock

    monkeypatch.setattr(settings, "PING_RATE_LIMIT", 1)
    monkeypatch.setattr(app_clock, "now", lambda: now)  # 12:00:00, a minute's window just begun
    client.get(f"/ping/{check.code}")
    response = client.get(f"/ping/{project.ping_key}/backups")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
