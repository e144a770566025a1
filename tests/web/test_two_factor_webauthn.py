"""Security keys: registering (sudo), logging in with password or link then the key, removing."""
import json
import re
from datetime import timedelta

import pytest

from chalicelib import settings
from chalicelib.accounts import passwords, users
from chalicelib.store.models import Credential, Session
from chalicelib.web import sessions
from tests.accounts.test_accounts_login import link_in, logged_in_as
from tests.accounts.test_accounts_settings import code_in, in_sudo  # noqa: F401 (a fixture)
from tests.support.soft_key import SoftKey

PASSWORD = "correct horse battery"


@pytest.fixture
def rp_id(monkeypatch):
    monkeypatch.setattr(settings, "RP_ID", "localhost")
    monkeypatch.setattr(settings, "SITE_ROOT", "http://localhost:8000")


@pytest.fixture
def key():
    return SoftKey()


def options_in(response) -> dict:
    text = re.search(r'id="webauthn-options">(.*?)</script>', response.body.decode(), re.S).group(1)
    return json.loads(text)


def register(web, key, name="My YubiKey"):
    options = options_in(web.get("/accounts/two_factor/webauthn/"))
    return web.post("/accounts/two_factor/webauthn/", {"name": name, "response": json.dumps(key.create(options))})


@pytest.fixture
def with_key(rp_id, in_sudo, user, key):
    """`user` with a password and the security key `key`; returns a logged-out client."""
    assert register(in_sudo, key).status_code == 302
    passwords.set_password(user, PASSWORD)
    return in_sudo.logout()


def password_login(client):
    return client.post("/accounts/login/", {"action": "login", "email": "alice@example.org", "password": PASSWORD})


def test_registered_key_is_listed_on_the_account_page(rp_id, in_sudo, user, key):
    response = register(in_sudo, key)
    assert response.headers["Location"] == "/accounts/profile/"
    assert [c.name for c in Credential.query(user.id)] == ["My YubiKey"]
    assert "My YubiKey" in in_sudo.get("/accounts/profile/").body.decode()


def test_user_may_register_several_keys(rp_id, in_sudo, user):
    register(in_sudo, SoftKey(), "Home")
    register(in_sudo, SoftKey(), "Work")
    assert sorted(c.name for c in Credential.query(user.id)) == ["Home", "Work"]


def test_key_name_over_100_characters_is_refused(rp_id, in_sudo, user, key):
    response = register(in_sudo, key, "x" * 101)
    assert response.status_code == 400
    assert list(Credential.query(user.id)) == []


def test_registration_answering_another_challenge_is_refused(rp_id, in_sudo, user, key):
    stale = options_in(in_sudo.get("/accounts/two_factor/webauthn/"))
    in_sudo.get("/accounts/two_factor/webauthn/")  # a newer challenge replaces it
    response = in_sudo.post("/accounts/two_factor/webauthn/", {"name": "Key", "response": json.dumps(key.create(stale))})
    assert response.status_code == 400
    assert list(Credential.query(user.id)) == []


def test_registration_with_malformed_answer_is_a_400(rp_id, in_sudo, user):
    in_sudo.get("/accounts/two_factor/webauthn/")
    response = in_sudo.post("/accounts/two_factor/webauthn/", {"name": "Key", "response": "{not json"})
    assert response.status_code == 400


def test_adding_a_key_needs_sudo(rp_id, web):
    assert 'name="sudo_code"' in web.get("/accounts/two_factor/webauthn/").body.decode()


def test_key_pages_are_404_without_rp_id(in_sudo, user, now):
    Credential(user=user.id, code="c1", name="Old", created=now, data=b"x").save()
    assert in_sudo.get("/accounts/two_factor/webauthn/").status_code == 404
    assert in_sudo.get("/accounts/two_factor/c1/remove/").status_code == 404
    assert in_sudo.get("/accounts/login/two_factor/").status_code == 404


def test_password_login_with_a_key_asks_for_it_before_logging_in(with_key):
    response = password_login(with_key)
    assert response.headers["Location"] == "/accounts/login/two_factor/"
    assert logged_in_as(with_key) is None


def test_pending_login_lasts_300_seconds(with_key):
    password_login(with_key)
    (pending,) = [s for s in Session.scan() if sessions.PENDING in s.data]
    assert timedelta(seconds=299) < pending.expires - pending.created <= timedelta(seconds=300)  # TTL keeps whole seconds


def test_key_completes_the_login(with_key, key, project):
    password_login(with_key)
    options = options_in(with_key.get("/accounts/login/two_factor/"))
    response = with_key.post("/accounts/login/two_factor/", {"response": json.dumps(key.get(options))})
    assert response.headers["Location"] == f"/projects/{project.code}/checks/"
    assert logged_in_as(with_key) == "alice@example.org"


def test_login_link_with_a_key_asks_for_it(with_key, key, user, outbox, project):
    with_key.post("/accounts/login/", {"action": "link", "identity": "alice@example.org"})
    response = with_key.post(link_in(outbox.last()))
    assert response.headers["Location"] == "/accounts/login/two_factor/"
    options = options_in(with_key.get("/accounts/login/two_factor/"))
    with_key.post("/accounts/login/two_factor/", {"response": json.dumps(key.get(options))})
    assert logged_in_as(with_key) == "alice@example.org"


def test_another_key_is_refused(with_key):
    password_login(with_key)
    options = options_in(with_key.get("/accounts/login/two_factor/"))
    response = with_key.post("/accounts/login/two_factor/", {"response": json.dumps(SoftKey().get(options))})
    assert response.status_code == 400
    assert logged_in_as(with_key) is None


def test_answer_to_another_challenge_is_refused(with_key, key):
    password_login(with_key)
    options = options_in(with_key.get("/accounts/login/two_factor/"))
    answer = key.get(options, challenge="A" * 43)
    assert with_key.post("/accounts/login/two_factor/", {"response": json.dumps(answer)}).status_code == 400
    assert logged_in_as(with_key) is None


def test_an_answer_works_once(with_key, key, user):
    password_login(with_key)
    answer = json.dumps(key.get(options_in(with_key.get("/accounts/login/two_factor/"))))
    with_key.post("/accounts/login/two_factor/", {"response": answer})
    with_key.logout()
    password_login(with_key)
    assert with_key.post("/accounts/login/two_factor/", {"response": answer}).status_code == 400


def test_key_step_without_a_pending_login_goes_to_the_login_page(rp_id, anonymous_web):
    assert anonymous_web.get("/accounts/login/two_factor/").headers["Location"] == "/accounts/login/"


def test_removing_a_key(rp_id, in_sudo, user, key):
    register(in_sudo, key)
    (credential,) = Credential.query(user.id)
    path = f"/accounts/two_factor/{credential.code}/remove/"
    assert "My YubiKey" in in_sudo.get(path).body.decode()
    assert in_sudo.post(path, {"remove_credential": "1"}).status_code == 302
    assert list(Credential.query(user.id)) == []


def test_another_users_key_cannot_be_removed(rp_id, in_sudo, now):
    other = users.create_user("bob@example.org", now)
    Credential(user=other.id, code="bobs-key", name="Bob's", created=now, data=b"x").save()
    assert in_sudo.post("/accounts/two_factor/bobs-key/remove/", {"remove_credential": "1"}).status_code == 404
    assert Credential.get(other.id, "bobs-key").name == "Bob's"


def test_closing_the_account_deletes_its_keys(rp_id, in_sudo, user, key):
    from chalicelib.accounts import closing

    register(in_sudo, key)
    closing.close_account(user)
    assert list(Credential.query(user.id)) == []
