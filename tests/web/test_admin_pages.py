"""The admin pages as a superuser uses them, and what a deactivated account can no longer do."""
import re
from datetime import datetime, timezone

import pytest

from chalicelib import settings
from chalicelib.accounts import admin, login_links, passwords, users
from chalicelib.store.models import User
from tests.accounts.test_accounts_login import PASSWORD, link_in, logged_in_as
from tests.accounts.test_remote_user import as_remote


@pytest.fixture
def superuser(now):
    return users.create_user("root@example.org", now, is_superuser=True)


@pytest.fixture
def admin_web(web, superuser):
    return web.login(superuser)


@pytest.fixture
def deactivated(user, superuser, now):
    passwords.set_password(user, PASSWORD)
    admin.deactivate(User.get(user.id), superuser, now)
    return user


LIMITS = {"check_limit": "", "sms_limit": "", "call_limit": "", "team_limit": ""}


# as the superuser


def test_search_lists_matching_users_with_links_to_their_pages(admin_web, user):
    body = admin_web.get("/admin/", {"kind": "users", "q": "alice"}).body.decode()
    assert f'href="/admin/users/{user.id}/">alice@example.org</a>' in body
    assert "1 item read" not in body and re.search(r"\d+ items read", body)


def test_search_offers_to_go_further_when_the_budget_is_spent(admin_web, user, monkeypatch):
    monkeypatch.setattr(admin, "SCAN_BUDGET", 1)
    body = admin_web.get("/admin/", {"kind": "users", "q": "nobody"}).body.decode()
    assert 'id="search-next"' in body and "in this part of the table" in body


def test_search_with_a_made_up_page_key_is_a_400_with_the_reason(admin_web):
    response = admin_web.get("/admin/", {"kind": "users", "q": "a", "after": "../../etc"})
    assert response.status_code == 400 and "not valid" in response.body.decode()


def test_check_search_names_the_checks_project(admin_web, check, project):
    body = admin_web.get("/admin/", {"kind": "checks", "q": "backups"}).body.decode()
    assert f'href="/checks/{check.code}/details/"' in body and project.name in body


def test_an_unknown_account_is_a_404_page(admin_web):
    assert admin_web.get("/admin/users/0b4f1a36-6c0e-4a59-9f4a-1d0f8c1b2a3e/").status_code == 404
    assert admin_web.get("/admin/users/not-an-id/").status_code == 404


def test_saving_a_limit_shows_it_and_its_audit_line(admin_web, user):
    response = admin_web.post(f"/admin/users/{user.id}/limits/", {**LIMITS, "sms_limit": "40"})
    assert response.headers["Location"] == f"/admin/users/{user.id}/"
    body = admin_web.get(f"/admin/users/{user.id}/").body.decode()
    assert re.search(r'id="effective-sms_limit">40<', body)
    assert re.search(r"<td>root@example.org</td>\s*<td>SMS and WhatsApp per month</td><td>default</td><td>40</td>", body)


def test_a_bad_limit_is_a_form_error_and_changes_nothing(admin_web, user):
    response = admin_web.post(f"/admin/users/{user.id}/limits/", {**LIMITS, "check_limit": "lots"})
    assert response.status_code == 400
    assert 'id="error-check_limit"' in response.body.decode() and 'value="lots"' in response.body.decode()
    assert User.get(user.id).check_limit is None and admin.changes_of(user) == []


def test_deactivating_oneself_is_refused_on_the_page(admin_web, superuser):
    response = admin_web.post(f"/admin/users/{superuser.id}/deactivate/")
    assert response.status_code == 409 and "your own account" in response.body.decode()


def test_the_project_settings_page_counts_against_the_owners_own_limit(web, user, project, check):
    user.update(actions=[User.check_limit.set(5)])
    assert re.search(r'id="check-usage">1 of 5<', web.get(f"/projects/{project.code}/settings/").body.decode())


# the deactivated account


def test_a_deactivated_accounts_session_is_refused(web, deactivated):
    response = web.get("/accounts/profile/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/accounts/login/")


def test_a_right_password_of_a_deactivated_account_says_so_and_logs_nobody_in(anonymous_web, deactivated):
    response = anonymous_web.post("/accounts/login/", {"action": "login", "email": "alice@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/accounts/login/?deactivated=1"
    assert "This account is deactivated." in anonymous_web.get(response.headers["Location"]).body.decode()
    assert logged_in_as(anonymous_web) is None


def test_a_wrong_password_of_a_deactivated_account_tells_nothing(anonymous_web, deactivated):
    response = anonymous_web.post("/accounts/login/", {"action": "login", "email": "alice@example.org", "password": "wrong one"})
    assert response.status_code == 400 and "Incorrect email or password." in response.body.decode()


def test_a_deactivated_account_is_mailed_no_login_link(anonymous_web, deactivated, outbox):
    anonymous_web.post("/accounts/login/", {"action": "link", "identity": "alice@example.org"})
    assert outbox.messages() == []


def test_a_login_link_mailed_before_deactivation_no_longer_logs_in(anonymous_web, user, superuser, now, outbox):
    login_links.send_login_link(user, datetime.now(timezone.utc))  # the landing page reads the real clock
    admin.deactivate(user, superuser, now)
    anonymous_web.cookies["auto-login"] = "1"
    response = anonymous_web.get(link_in(outbox.last("alice@example.org")))
    assert response.headers["Location"] == "/accounts/login/?deactivated=1"
    assert logged_in_as(anonymous_web) is None


def test_the_front_proxys_header_does_not_log_a_deactivated_account_in(anonymous_web, deactivated, monkeypatch):
    monkeypatch.setattr(settings, "REMOTE_USER_HEADER", "HTTP_AUTH_USER")
    assert logged_in_as(as_remote(anonymous_web, "alice@example.org")) is None


def test_a_deactivated_owners_project_still_answers_its_api_key_and_pings(api, deactivated, check, ping, now):
    assert api("GET", "/api/v3/checks/").status_code == 200
    assert ping(check, now).status_code == 200


def test_a_reactivated_account_logs_in_again(anonymous_web, deactivated, superuser, now):
    admin.reactivate(User.get(deactivated.id), superuser, now)
    anonymous_web.post("/accounts/login/", {"action": "login", "email": "alice@example.org", "password": PASSWORD})
    assert logged_in_as(anonymous_web) == "alice@example.org"
