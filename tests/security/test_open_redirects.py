"""?next= never sends anyone to another site: login (page, password, login link), the link's
landing page and logout all land on a path of this site."""
from datetime import datetime, timezone

import pytest

from chalicelib.accounts import login, passwords
from tests.accounts.test_accounts_login import link_in

EVIL = ["//evil.example/", "https://evil.example/", "/\\evil.example", "/\t/evil.example", "javascript:alert(1)", "http:evil.example"]


def assert_stays_here(response):
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location


@pytest.fixture(params=EVIL)
def evil(request):
    return request.param


def test_login_page_of_a_logged_in_user(web, evil):
    assert_stays_here(web.get("/accounts/login/", {"next": evil}))


def test_password_login(anonymous_web, user, evil):
    passwords.set_password(user, "correct horse battery")
    form = {"action": "login", "email": "alice@example.org", "password": "correct horse battery", "next": evil}
    assert_stays_here(anonymous_web.post("/accounts/login/", form))


def test_login_link_requested_with_next(anonymous_web, user, outbox, evil):
    anonymous_web.post("/accounts/login/", {"action": "email", "identity": "alice@example.org", "next": evil})
    assert_stays_here(anonymous_web.post(link_in(outbox.last())))


def test_login_link_landing_with_next(anonymous_web, user, outbox, evil):
    login.request_link("alice@example.org", "10.9.9.9", datetime.now(timezone.utc))
    assert_stays_here(anonymous_web.post(link_in(outbox.last()), {"next": evil}))


def test_logout(web, evil):
    assert_stays_here(web.post("/accounts/logout/?next=" + evil, {"next": evil}))
