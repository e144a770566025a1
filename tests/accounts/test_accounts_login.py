"""The login page: password and login-link forms, the link's landing page, ?next=, rate limits, logout."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import settings
from chalicelib.accounts import limits, login, passwords, projects
from chalicelib.store.models import Session

PASSWORD = "correct horse battery"


@pytest.fixture
def with_password(user):
    passwords.set_password(user, PASSWORD)
    return user


def link_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/accounts/check_token/\S+", text).group(0).removeprefix(settings.SITE_ROOT)


def logged_in_as(client) -> str | None:
    response = client.get("/accounts/profile/")
    return re.search(r'id="account-email">([^<]+)<', response.body.decode()).group(1) if response.status_code == 200 else None


def test_login_page_shows_both_forms(anonymous_web, aws):
    body = anonymous_web.get("/accounts/login/").body.decode()
    assert 'id="password-form"' in body and 'id="link-form"' in body


def test_password_login_goes_to_the_only_project(anonymous_web, with_password, project):
    response = anonymous_web.post("/accounts/login/", {"action": "login", "email": "Alice@Example.org", "password": PASSWORD})
    assert response.headers["Location"] == f"/projects/{project.code}/checks/"
    assert logged_in_as(anonymous_web) == "alice@example.org"


def test_login_with_several_projects_goes_to_my_projects(anonymous_web, with_password, now):
    projects.create_project("Second", now, owner=with_password.id)
    response = anonymous_web.post("/accounts/login/", {"action": "login", "email": "alice@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("email, password", [("alice@example.org", "wrong password"), ("nobody@example.org", PASSWORD)])
def test_wrong_email_or_password_is_one_form_error(anonymous_web, with_password, email, password):
    response = anonymous_web.post("/accounts/login/", {"action": "login", "email": email, "password": password})
    assert response.status_code == 400
    assert "Incorrect email or password." in response.body.decode()
    assert logged_in_as(anonymous_web) is None


def test_user_without_password_cannot_log_in_with_an_empty_one(anonymous_web, user):
    response = anonymous_web.post("/accounts/login/", {"action": "login", "email": "alice@example.org", "password": ""})
    assert response.status_code == 400 and logged_in_as(anonymous_web) is None


def test_login_honours_a_local_next(anonymous_web, with_password):
    form = {"action": "login", "email": "alice@example.org", "password": PASSWORD, "next": "/accounts/profile/?x=1"}
    assert anonymous_web.post("/accounts/login/", form).headers["Location"] == "/accounts/profile/?x=1"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "/\t/evil.example", "javascript:alert(1)"])
def test_login_ignores_a_next_to_another_site(anonymous_web, with_password, project, target):
    form = {"action": "login", "email": "alice@example.org", "password": PASSWORD}
    response = anonymous_web.request("POST", "/accounts/login/?" + _query(next=target), body=_form(anonymous_web, form),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.headers["Location"] == f"/projects/{project.code}/checks/"


def _query(**fields) -> str:
    from urllib.parse import urlencode

    return urlencode(fields)


def _form(client, fields) -> str:
    return _query(**fields, csrf_token=client.cookies["csrftoken"])


def test_logged_in_visitor_of_login_page_goes_on(web, project):
    assert web.get("/accounts/login/").headers["Location"] == f"/projects/{project.code}/checks/"


# -- login links ----------------------------------------------------------------------------------

def test_link_request_for_unknown_address_looks_the_same(anonymous_web, user, outbox):
    known = anonymous_web.post("/accounts/login/", {"action": "link", "identity": "alice@example.org"})
    unknown = anonymous_web.post("/accounts/login/", {"action": "link", "identity": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/accounts/login_link_sent/"
    assert [m["To"] for m in outbox.messages()] == ["alice@example.org"]


def test_link_sent_page_says_check_your_email(anonymous_web, aws):
    assert "Check your email" in anonymous_web.get("/accounts/login_link_sent/").body.decode()


def test_emailed_link_logs_in_the_browser_that_asked(anonymous_web, user, project, outbox):
    anonymous_web.post("/accounts/login/", {"action": "link", "identity": "alice@example.org"})
    assert anonymous_web.cookies["auto-login"] == "1"
    response = anonymous_web.get(link_in(outbox.last("alice@example.org")))
    assert response.headers["Location"] == f"/projects/{project.code}/checks/"
    assert logged_in_as(anonymous_web) == "alice@example.org"
    assert "auto-login" not in anonymous_web.cookies


def test_link_opened_elsewhere_asks_for_a_click(client, user, now, outbox):
    from tests.support.web_client import WebClient

    login.request_link("alice@example.org", "10.9.9.9", datetime.now(timezone.utc))
    other_browser = WebClient(client)
    path = link_in(outbox.last())
    page = other_browser.get(path)
    assert page.status_code == 200 and 'id="login-with-link"' in page.body.decode()
    assert logged_in_as(other_browser) is None  # looking did not use the link
    other_browser.post(path)
    assert logged_in_as(other_browser) == "alice@example.org"


def test_used_link_sends_back_to_login_with_a_notice(anonymous_web, user, outbox):
    anonymous_web.post("/accounts/login/", {"action": "link", "identity": "alice@example.org"})
    path = link_in(outbox.last())
    anonymous_web.post(path)
    anonymous_web.logout()
    response = anonymous_web.post(path)
    assert response.headers["Location"] == "/accounts/login/?bad_link=1"
    assert "expired or was already used" in anonymous_web.get(response.headers["Location"]).body.decode()


def test_forged_link_is_refused(anonymous_web, user, outbox):
    anonymous_web.post("/accounts/login/", {"action": "link", "identity": "alice@example.org"})
    path = link_in(outbox.last())
    forged = re.sub(r"\.([\w-]+)/$", ".AAAA\\1/", path)
    assert anonymous_web.post(forged).headers["Location"] == "/accounts/login/?bad_link=1"
    assert logged_in_as(anonymous_web) is None


def test_link_keeps_the_next_it_was_asked_with(anonymous_web, user, outbox):
    anonymous_web.post("/accounts/login/", {"action": "link", "identity": "alice@example.org", "next": "/accounts/profile/"})
    assert anonymous_web.post(link_in(outbox.last())).headers["Location"] == "/accounts/profile/"


def test_login_page_without_csrf_token_is_refused(anonymous_web, with_password):
    form = {"action": "login", "email": "alice@example.org", "password": PASSWORD}
    assert anonymous_web.post("/accounts/login/", form, csrf="").status_code == 403


def test_link_landing_without_csrf_token_is_refused(anonymous_web, user, outbox):
    login.request_link("alice@example.org", "10.9.9.9", datetime.now(timezone.utc))
    assert anonymous_web.post(link_in(outbox.last()), csrf="").status_code == 403


# -- rate limits (the buckets are spent at the request's real time) --------------------------------

def real_now():
    return datetime.now(timezone.utc)


def test_password_attempts_per_address_are_limited(now, with_password):
    for _ in range(20):
        login.with_password("alice@example.org", "wrong", f"10.0.0.{_}", now)
    with pytest.raises(limits.TryLater):
        login.with_password("alice@example.org", PASSWORD, "10.0.1.1", now)


def test_password_attempts_refill_after_a_day(now, with_password):
    for _ in range(20):
        login.with_password("alice@example.org", "wrong", f"10.0.0.{_}", now)
    assert login.with_password("alice@example.org", PASSWORD, "10.0.1.1", now + timedelta(days=1)).id == with_password.id


def test_login_links_per_mailbox_are_limited_whatever_the_dots_and_alias(now, user, outbox):
    for i in range(10):
        login.request_link(f"al.ice+{i}@example.org", f"10.0.0.{i}", now)
    with pytest.raises(limits.TryLater):
        login.request_link("alice@example.org", "10.0.1.1", now)


def test_attempts_per_ip_are_limited(now, aws):
    for i in range(20):
        login.request_link(f"person{i}@example.org", "10.0.0.1", now)
    with pytest.raises(limits.TryLater):
        login.with_password("other@example.org", "whatever", "10.0.0.1", now)


def test_over_the_limit_the_page_says_try_later_with_retry_after(anonymous_web, user):
    for _ in range(20):
        limits.password_attempt_for("alice@example.org", real_now())
    response = anonymous_web.post("/accounts/login/", {"action": "login", "email": "alice@example.org", "password": "x"})
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 86400
    assert "Too many attempts" in response.body.decode()


# -- logout ------------------------------------------------------------------------------------------

def test_logout_ends_the_session(web, user):
    response = web.post("/accounts/logout/")
    assert response.headers["Location"].startswith("/accounts/login/")
    assert logged_in_as(web) is None
    assert list(Session.by_user.query(user.id)) == []


def test_logout_without_csrf_token_is_refused(web):
    assert web.post("/accounts/logout/", csrf="").status_code == 403
    assert logged_in_as(web) == "alice@example.org"


def test_unknown_address_costs_a_password_hash_too(now, aws, monkeypatch):
    checked = []
    login._stand_in_hash()  # made once per process, before counting
    monkeypatch.setattr(passwords, "_derive", lambda *args: checked.append(args) or b"")
    assert login.with_password("nobody@example.org", PASSWORD, "10.0.0.1", now) is None
    assert len(checked) == 1  # the same scrypt work as for a real account, so timing tells nothing
