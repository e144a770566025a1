"""Authenticator-app codes: RFC 6238, setup (sudo) with recovery codes, the login step, reuse,
the daily limit, and turning it off."""
import base64
import re
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.accounts import passwords, totp, users
from chalicelib.accounts.limits import TryLater
from tests.accounts.test_accounts_login import logged_in_as
from tests.accounts.test_accounts_settings import in_sudo  # noqa: F401 (a fixture)

PASSWORD = "correct horse battery"
SECRET = base64.b32encode(b"12345678901234567890").decode()  # RFC 6238's SHA-1 test key


def real_now() -> datetime:
    return datetime.now(timezone.utc)  # what the web pages use


@pytest.fixture
def with_totp(user, now):
    """`user` with a password and TOTP on; returns the recovery codes."""
    passwords.set_password(user, PASSWORD)
    return totp.enable(user, SECRET, now)


def password_login(client):
    return client.post("/accounts/login/", {"action": "login", "email": "alice@example.org", "password": PASSWORD})


def test_codes_match_rfc_6238():
    assert totp.code_at(SECRET, datetime.fromtimestamp(59, timezone.utc)) == "287082"
    assert totp.code_at(SECRET, datetime.fromtimestamp(1111111109, timezone.utc)) == "081804"


def test_the_step_before_and_after_are_accepted_but_not_two_away(now):
    assert totp.matches(SECRET, totp.code_at(SECRET, now - timedelta(seconds=30)), now)
    assert totp.matches(SECRET, totp.code_at(SECRET, now + timedelta(seconds=30)), now)
    assert not totp.matches(SECRET, totp.code_at(SECRET, now - timedelta(seconds=60)), now)


def test_setup_shows_the_secret_and_its_uri(in_sudo):
    body = in_sudo.get("/accounts/two_factor/totp/").body.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', body).group(1)
    assert f"otpauth://totp/Mychecks:alice%40example.org?secret={secret}&amp;issuer=Mychecks" in body


def test_right_code_turns_it_on_and_shows_ten_recovery_codes(in_sudo, user):
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', in_sudo.get("/accounts/two_factor/totp/").body.decode()).group(1)
    body = in_sudo.post("/accounts/two_factor/totp/", {"code": totp.code_at(secret, real_now())}).body.decode()
    assert len(re.findall(r"<li>[a-z2-7]{5}-[a-z2-7]{5}</li>", body)) == 10
    stored = users.get(user.id)
    assert stored.totp == secret and len(stored.recovery_codes) == 10


def test_wrong_setup_code_leaves_it_off(in_sudo, user):
    in_sudo.get("/accounts/two_factor/totp/")
    assert in_sudo.post("/accounts/two_factor/totp/", {"code": "000000x"}).status_code == 400
    assert users.get(user.id).totp is None


def test_setup_needs_sudo(web):
    assert 'name="sudo_code"' in web.get("/accounts/two_factor/totp/").body.decode()


def test_password_login_asks_for_the_code_before_logging_in(anonymous_web, with_totp):
    assert password_login(anonymous_web).headers["Location"] == "/accounts/login/two_factor/totp/"
    assert logged_in_as(anonymous_web) is None


def test_right_code_completes_the_login(anonymous_web, with_totp, project):
    password_login(anonymous_web)
    response = anonymous_web.post("/accounts/login/two_factor/totp/", {"code": totp.code_at(SECRET, real_now())})
    assert response.headers["Location"] == f"/projects/{project.code}/checks/"
    assert logged_in_as(anonymous_web) == "alice@example.org"


def test_wrong_code_is_refused(anonymous_web, with_totp):
    password_login(anonymous_web)
    wrong = f"{(int(totp.code_at(SECRET, real_now())) + 1) % 10**6:06d}"
    assert anonymous_web.post("/accounts/login/two_factor/totp/", {"code": wrong}).status_code == 400
    assert logged_in_as(anonymous_web) is None


def test_code_step_without_a_pending_login_goes_to_the_login_page(anonymous_web, with_totp):
    assert anonymous_web.get("/accounts/login/two_factor/totp/").headers["Location"] == "/accounts/login/"


def test_a_code_works_once_within_90_seconds(user, with_totp, now):
    code = totp.code_at(SECRET, now)
    assert totp.accept_login_code(users.get(user.id), code, now)
    assert not totp.accept_login_code(users.get(user.id), code, now + timedelta(seconds=20))


def test_96_tries_a_day_then_try_later(user, with_totp, now):
    user = users.get(user.id)
    for _ in range(96):
        assert not totp.accept_login_code(user, "000000", now)
    with pytest.raises(TryLater):
        totp.accept_login_code(user, totp.code_at(SECRET, now), now)


def test_spent_tries_answer_429_with_retry_after(anonymous_web, user, with_totp):
    for _ in range(96):
        totp.accept_login_code(users.get(user.id), "000000", real_now())
    password_login(anonymous_web)
    response = anonymous_web.post("/accounts/login/two_factor/totp/", {"code": totp.code_at(SECRET, real_now())})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0


def test_a_recovery_code_works_once(user, with_totp, now):
    code = with_totp[0]
    assert totp.accept_login_code(users.get(user.id), code.upper(), now)
    assert not totp.accept_login_code(users.get(user.id), code, now)
    assert totp.recovery_codes_left(users.get(user.id)) == 9


def test_recovery_code_logs_in(anonymous_web, with_totp):
    password_login(anonymous_web)
    anonymous_web.post("/accounts/login/two_factor/totp/", {"code": with_totp[3]})
    assert logged_in_as(anonymous_web) == "alice@example.org"


def test_turning_it_off_logs_in_without_a_code(in_sudo, user, now):
    passwords.set_password(user, PASSWORD)
    totp.enable(user, SECRET, now)
    assert in_sudo.post("/accounts/two_factor/totp/remove/", {"disable_totp": "1"}).status_code == 302
    stored = users.get(user.id)
    assert stored.totp is None and not stored.recovery_codes
    in_sudo.logout()
    assert password_login(in_sudo).headers["Location"] != "/accounts/login/two_factor/totp/"
