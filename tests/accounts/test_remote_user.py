"""REMOTE_USER_HEADER: a trusted proxy's header logs people in (creating them), replacing the
login pages; with the setting off the header means nothing."""
import pytest

from chalicelib import settings
from chalicelib.accounts import remote_user, users
from chalicelib.store.models import Check, Member
from tests.accounts.test_accounts_login import logged_in_as


@pytest.fixture
def header_on(monkeypatch):
    monkeypatch.setattr(settings, "REMOTE_USER_HEADER", "HTTP_AUTH_USER")


def as_remote(client, email: str):
    client.http_headers = {"Auth-User": email}
    original = client.request

    def request(method, path, body="", headers=None):
        return original(method, path, body=body, headers={**client.http_headers, **(headers or {})})

    client.request = request
    return client


def test_header_name_accepts_the_django_form(monkeypatch):
    monkeypatch.setattr(settings, "REMOTE_USER_HEADER", "HTTP_AUTH_USER")
    assert remote_user.header_name() == "auth-user"
    monkeypatch.setattr(settings, "REMOTE_USER_HEADER", "X-Remote-User")
    assert remote_user.header_name() == "x-remote-user"


def test_header_is_ignored_when_the_setting_is_off(anonymous_web, user):
    as_remote(anonymous_web, "alice@example.org")
    assert anonymous_web.get("/accounts/profile/").status_code == 302
    assert logged_in_as(anonymous_web) is None
    assert anonymous_web.get("/accounts/login/").status_code == 200


def test_header_logs_an_existing_user_in(header_on, anonymous_web, user):
    as_remote(anonymous_web, "Alice@Example.org")
    assert logged_in_as(anonymous_web) == "alice@example.org"


def test_new_address_gets_an_account_with_a_default_project(header_on, anonymous_web, aws):
    as_remote(anonymous_web, "carol@example.org")
    assert logged_in_as(anonymous_web) == "carol@example.org"
    carol = users.find_by_email("carol@example.org")
    (member,) = Member.by_user.query(carol.id)
    assert member.role == "owner"
    assert [c.name for c in Check.by_project.query(member.project)] == ["My First Check"]


def test_another_address_in_the_header_switches_the_user(header_on, anonymous_web, user, now):
    users.create_user("bob@example.org", now)
    as_remote(anonymous_web, "alice@example.org")
    assert logged_in_as(anonymous_web) == "alice@example.org"
    anonymous_web.http_headers = {"Auth-User": "bob@example.org"}
    assert logged_in_as(anonymous_web) == "bob@example.org"


def test_without_the_header_nobody_is_logged_in(header_on, anonymous_web, user):
    as_remote(anonymous_web, "alice@example.org")
    logged_in_as(anonymous_web)
    anonymous_web.http_headers = {}
    assert logged_in_as(anonymous_web) is None


def test_invalid_address_logs_nobody_in(header_on, anonymous_web, aws):
    as_remote(anonymous_web, "not an address")
    assert logged_in_as(anonymous_web) is None
    assert users.find_by_email("not an address") is None


@pytest.mark.parametrize("method, path", [
    ("GET", "/accounts/login/"),
    ("POST", "/accounts/signup/"),
    ("GET", "/accounts/signup/csrf/"),
    ("GET", "/accounts/login_link_sent/"),
    ("GET", "/accounts/check_token/someone/token/"),
    ("GET", "/accounts/set_password/"),
    ("GET", "/accounts/login/two_factor/totp/"),
])
def test_other_login_methods_are_off(header_on, anonymous_web, user, method, path):
    as_remote(anonymous_web, "alice@example.org")
    response = anonymous_web.get(path) if method == "GET" else anonymous_web.post(path, {"identity": "a@example.org"})
    assert response.status_code == 404
