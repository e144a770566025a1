"""Signing up: a new account with its first project, check and email channel; no enumeration."""
import json
import re

import pytest

from chalicelib import settings
from chalicelib.accounts import signup, users
from chalicelib.store.models import Channel, Check, Member, Project, User
from tests.accounts.test_accounts_login import link_in, logged_in_as


def test_signup_creates_the_user_without_a_password(anonymous_web, aws, outbox):
    anonymous_web.post("/accounts/signup/", {"identity": "New@Example.org", "tz": "Europe/Riga"})
    user = users.find_by_email("new@example.org")
    assert (user.password_hash, user.tz) == (None, "Europe/Riga")


def test_unknown_time_zone_falls_back_to_utc(anonymous_web, aws, outbox):
    anonymous_web.post("/accounts/signup/", {"identity": "new@example.org", "tz": "Mars/Olympus"})
    assert users.find_by_email("new@example.org").tz == "UTC"


def test_signup_makes_a_default_project_owned_by_the_user(anonymous_web, aws, outbox):
    anonymous_web.post("/accounts/signup/", {"identity": "new@example.org"})
    user = users.find_by_email("new@example.org")
    [member] = Member.by_user.query(user.id)
    project = Project.get(member.project)
    assert (member.role, project.owner, project.name) == ("owner", user.id, "new@example.org")


def test_default_project_has_my_first_check_with_a_verified_email_channel(anonymous_web, aws, outbox):
    anonymous_web.post("/accounts/signup/", {"identity": "new@example.org"})
    [check] = Check.scan()
    [channel] = Channel.scan()
    assert (check.name, check.slug) == ("My First Check", "my-first-check")
    assert (channel.kind, json.loads(channel.value)["value"], channel.email_verified) == ("email", "new@example.org", True)
    assert check.channels == {channel.code}


def test_signup_emails_a_link_that_logs_in_to_the_new_project(anonymous_web, aws, outbox):
    anonymous_web.post("/accounts/signup/", {"identity": "new@example.org"})
    [project] = Project.scan()
    response = anonymous_web.get(link_in(outbox.last("new@example.org")))
    assert response.headers["Location"] == f"/projects/{project.code}/checks/"
    assert logged_in_as(anonymous_web) == "new@example.org"


def test_existing_address_only_gets_a_login_link(anonymous_web, user, outbox):
    anonymous_web.post("/accounts/signup/", {"identity": "alice@example.org"})
    assert User.count() == 1 and Project.count() == 1
    assert "/accounts/check_token/" in outbox.text(outbox.last("alice@example.org"))


def test_new_and_existing_addresses_get_the_same_answer(anonymous_web, user, outbox):
    xhr = {"X-Requested-With": "XMLHttpRequest"}
    existing = anonymous_web.post("/accounts/signup/", {"identity": "alice@example.org"}, headers=xhr)
    new = anonymous_web.post("/accounts/signup/", {"identity": "new@example.org"}, headers=xhr)
    assert (existing.status_code, existing.body) == (new.status_code, new.body)


def test_signup_without_script_goes_to_link_sent(anonymous_web, aws, outbox):
    response = anonymous_web.post("/accounts/signup/", {"identity": "new@example.org"})
    assert response.headers["Location"] == "/accounts/login_link_sent/"


@pytest.mark.parametrize("identity", ["", "not-an-email", "a@b", "two@example.org, three@example.org"])
def test_bad_address_is_a_form_error(anonymous_web, aws, outbox, identity):
    response = anonymous_web.post("/accounts/signup/", {"identity": identity}, headers={"X-Requested-With": "XMLHttpRequest"})
    assert response.status_code == 400 and "valid email" in response.body.decode()
    assert User.count() == 0 and outbox.messages() == []


def test_closed_registration_refuses_signup(anonymous_web, aws, outbox, monkeypatch):
    monkeypatch.setattr(settings, "REGISTRATION_OPEN", False)
    assert anonymous_web.post("/accounts/signup/", {"identity": "new@example.org"}).status_code == 403
    assert 'id="signup-form"' not in anonymous_web.get("/accounts/login/").body.decode()
    assert User.count() == 0


def test_signup_without_csrf_token_is_refused(anonymous_web, aws, outbox):
    assert anonymous_web.post("/accounts/signup/", {"identity": "new@example.org"}, csrf="").status_code == 403
    assert User.count() == 0


def test_signup_csrf_gives_the_token_to_anonymous_visitors(anonymous_web, aws):
    response = anonymous_web.get("/accounts/signup/csrf/")
    assert response.body.decode() == anonymous_web.cookies["csrftoken"]


def test_signup_csrf_is_refused_when_logged_in(web):
    assert web.get("/accounts/signup/csrf/").status_code == 403


def test_signups_per_mailbox_are_limited(now, aws, outbox):
    for i in range(10):
        signup.sign_up(f"new+{i}@example.org", "UTC", f"10.0.0.{i}", now)
    from chalicelib.accounts.limits import TryLater

    with pytest.raises(TryLater):
        signup.sign_up("n.ew@example.org", "UTC", "10.0.1.1", now)
    assert User.count() == 10


def test_login_page_sends_the_signup_script(anonymous_web, aws):
    body = anonymous_web.get("/accounts/login/").body.decode()
    assert re.search(r'<script src="/static/accounts\.js\?v=\w+" defer>', body)


def test_default_project_starts_without_keys(anonymous_web, aws, outbox):
    from chalicelib.store.models import ApiKey

    anonymous_web.post("/accounts/signup/", {"identity": "new@example.org"})
    [project] = Project.scan()
    assert (project.ping_key, ApiKey.count()) == (None, 0)
