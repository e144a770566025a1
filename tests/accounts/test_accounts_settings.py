"""The account pages: profile, time zone, theme, email reports, and the sudo-protected
password, email change and account closing."""
import re
import zoneinfo
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import settings
from chalicelib.accounts import passwords, projects, sudo, users
from chalicelib.store import aws
from chalicelib.store.models import Check, Member, Ping, Project, Session, User
from chalicelib.web import sessions
from tests.accounts.test_accounts_login import logged_in_as


def code_in(message) -> str:
    return re.search(r"\b(\d{6})\b", message.get_body(("plain",)).get_content()).group(1)


@pytest.fixture
def in_sudo(web, user, outbox):
    """The `web` client after entering the emailed sudo code."""
    web.get("/accounts/set_password/")
    response = web.post("/accounts/set_password/", {"sudo_code": code_in(outbox.last(user.email))})
    assert response.status_code == 302
    return web


# -- profile, appearance, email reports ---------------------------------------------------------

def test_profile_lists_owned_projects_with_settings_and_others_with_leave(web, user, project, now):
    other_owner = users.create_user("bob@example.org", now)
    theirs = projects.create_project("Bob's", now, owner=other_owner.id).project
    projects.add_member(theirs.code, user.id, "r", now)
    body = web.get("/accounts/profile/").body.decode()
    assert f"/projects/{project.code}/settings/" in body
    assert f'action="/projects/{theirs.code}/leave/"' in body
    assert f"/projects/{theirs.code}/settings/" not in body


def test_time_zone_is_saved(web, user):
    assert web.post("/accounts/profile/", {"tz": "America/New_York"}).status_code == 302
    assert users.get(user.id).tz == "America/New_York"


def test_a_new_time_zone_moves_the_next_report_to_its_report_hour(web, user, monkeypatch):
    monkeypatch.setattr(settings, "REPORT_HOUR", 9)
    web.post("/accounts/profile/", {"tz": "Asia/Tokyo"})
    next_report = users.get(user.id).next_report_date.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert (next_report.day, next_report.hour, next_report.minute) == (1, 9, 0)


def test_unknown_time_zone_is_refused(web, user):
    response = web.post("/accounts/profile/", {"tz": "Nowhere/Special"})
    assert response.status_code == 400 and "Unknown time zone" in response.body.decode()
    assert users.get(user.id).tz == "UTC"


def test_theme_is_saved_and_shown(web, user):
    web.post("/accounts/profile/appearance/", {"theme": "dark"})
    assert users.get(user.id).theme == "dark"
    assert '<body class="dark">' in web.get("/accounts/profile/").body.decode()


def test_unknown_theme_is_refused(web, user):
    assert web.post("/accounts/profile/appearance/", {"theme": "neon"}).status_code == 400
    assert users.get(user.id).theme == ""


def test_report_and_reminder_periods_are_saved(web, user):
    web.post("/accounts/profile/notifications/", {"reports": "weekly", "nag_period": "3600"})
    saved = users.get(user.id)
    assert (saved.reports, saved.nag_period) == ("weekly", 3600)
    assert saved.next_report_date.weekday() == 0 and saved.next_nag_date is not None
    assert 'id="next-report"' in web.get("/accounts/profile/notifications/").body.decode()


def test_reports_off_clears_the_next_report_date(web, user):
    web.post("/accounts/profile/notifications/", {"reports": "off", "nag_period": "0"})
    saved = users.get(user.id)
    assert (saved.next_report_date, saved.next_nag_date) == (None, None)


@pytest.mark.parametrize("form", [{"reports": "hourly", "nag_period": "0"}, {"reports": "daily", "nag_period": "60"}, {"reports": "daily", "nag_period": "x"}])
def test_unknown_report_settings_are_refused(web, user, form):
    assert web.post("/accounts/profile/notifications/", form).status_code == 400
    assert users.get(user.id).reports == "monthly"


@pytest.mark.parametrize("path, form", [
    ("/accounts/profile/", {"tz": "Europe/Riga"}),
    ("/accounts/profile/appearance/", {"theme": "dark"}),
    ("/accounts/profile/notifications/", {"reports": "off", "nag_period": "0"}),
    ("/accounts/set_password/", {"password": "a new password"}),
    ("/accounts/change_email/", {"email": "new@example.org"}),
    ("/accounts/close/", {"confirmation": "alice@example.org"}),
])
def test_account_forms_without_csrf_token_are_refused(in_sudo, user, path, form):
    assert in_sudo.post(path, form, csrf="").status_code == 403
    assert users.get(user.id).email == "alice@example.org" and users.get(user.id).password_hash is None


# -- sudo mode ----------------------------------------------------------------------------------

def test_sensitive_page_asks_for_an_emailed_code_first(web, user, outbox):
    page = web.get("/accounts/close/")
    assert 'name="sudo_code"' in page.body.decode()
    assert re.fullmatch(r"\d{6}", code_in(outbox.last("alice@example.org")))


def test_right_code_opens_the_page(web, user, outbox):
    web.get("/accounts/close/")
    response = web.post("/accounts/close/", {"sudo_code": code_in(outbox.last())})
    assert response.headers["Location"] == "/accounts/close/"
    assert 'name="confirmation"' in web.get("/accounts/close/").body.decode()


def test_wrong_code_is_refused(web, user, outbox):
    web.get("/accounts/close/")
    right = code_in(outbox.last())
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    response = web.post("/accounts/close/", {"sudo_code": wrong})
    assert response.status_code == 400 and "not right" in response.body.decode()
    assert User.count() == 1


def test_code_is_not_sent_again_while_fresh(web, user, outbox):
    web.get("/accounts/close/")
    web.get("/accounts/set_password/")
    assert len(outbox.messages()) == 1


def test_code_expires_after_15_minutes(user, now, outbox):
    state = sudo.send_code(user, now)
    code = code_in(outbox.last())
    assert not sudo.accept_code(user, state, code, now + timedelta(minutes=15, seconds=1))
    assert sudo.accept_code(user, state, code, now + timedelta(minutes=14))


def test_ten_codes_a_day_then_try_later(user, now, outbox):
    from chalicelib.accounts.limits import TryLater

    state = sudo.send_code(user, now)
    for _ in range(10):
        sudo.accept_code(user, state, "wrong", now)
    with pytest.raises(TryLater):
        sudo.accept_code(user, state, code_in(outbox.last()), now)


def test_sudo_lasts_30_minutes(in_sudo, user):
    session = next(iter(Session.by_user.query(user.id)))
    until = Session.get(session.key_hash).data["sudo_until"]
    started = datetime.now(timezone.utc)
    assert timedelta(minutes=29) < datetime.fromtimestamp(until, timezone.utc) - started <= timedelta(minutes=30)


def test_expired_sudo_asks_again(in_sudo, user, outbox):
    key_hash = next(iter(Session.by_user.query(user.id))).key_hash
    past = int((datetime.now(timezone.utc) - timedelta(seconds=1)).timestamp())
    Session(key_hash=key_hash).update(actions=[Session.data["sudo_until"].set(past)])
    assert 'name="sudo_code"' in in_sudo.get("/accounts/close/").body.decode()


# -- password ------------------------------------------------------------------------------------

def test_password_is_set_and_works(in_sudo, user):
    response = in_sudo.post("/accounts/set_password/", {"password": "a new password"})
    assert response.headers["Location"] == "/accounts/profile/"
    assert passwords.matches("a new password", users.get(user.id).password_hash)


def test_short_password_is_refused(in_sudo, user):
    response = in_sudo.post("/accounts/set_password/", {"password": "7 chars"})
    assert response.status_code == 400 and "at least 8" in response.body.decode()
    assert users.get(user.id).password_hash is None


def test_new_password_ends_the_other_sessions_only(in_sudo, user):
    other_session, _ = sessions.create(user, datetime.now(timezone.utc))
    in_sudo.post("/accounts/set_password/", {"password": "a new password"})
    assert [s.key_hash for s in Session.by_user.query(user.id)] != []
    assert other_session.key_hash not in [s.key_hash for s in Session.by_user.query(user.id)]
    assert logged_in_as(in_sudo) == "alice@example.org"


def test_password_hash_holds_salt_and_parameters():
    stored = passwords.make_hash("secret words")
    assert stored.startswith("scrypt$16384$8$1$") and stored != passwords.make_hash("secret words")
    assert passwords.matches("secret words", stored) and not passwords.matches("secret word", stored)


@pytest.mark.parametrize("stored", [None, "", "plain", "scrypt$x$8$1$AA==$AA==", "pbkdf2$1$2$3$4$5"])
def test_malformed_hash_never_matches(stored):
    assert not passwords.matches("anything", stored)


# -- email change --------------------------------------------------------------------------------

def confirm_link(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/accounts/change_email/\S+/", text).group(0).removeprefix(settings.SITE_ROOT)


def test_change_email_sends_a_link_to_the_new_address(in_sudo, user, outbox):
    response = in_sudo.post("/accounts/change_email/", {"email": "New@Example.org"})
    assert "new@example.org" in response.body.decode().lower()
    assert confirm_link(outbox.last("new@example.org"))
    assert users.get(user.id).email == "alice@example.org"


def test_following_the_link_changes_the_email(in_sudo, user, outbox, anonymous_web):
    in_sudo.post("/accounts/change_email/", {"email": "new@example.org"})
    link = confirm_link(outbox.last("new@example.org"))
    assert 'id="confirm-email"' in anonymous_web.get(link).body.decode()  # looking changes nothing
    assert users.get(user.id).email == "alice@example.org"
    assert anonymous_web.post(link).headers["Location"] == "/accounts/profile/"
    assert users.get(user.id).email == "new@example.org"
    assert logged_in_as(anonymous_web) == "new@example.org"


def test_change_link_works_once(in_sudo, user, outbox, anonymous_web):
    in_sudo.post("/accounts/change_email/", {"email": "new@example.org"})
    link = confirm_link(outbox.last("new@example.org"))
    anonymous_web.post(link)
    assert anonymous_web.post(link).status_code == 400


def test_change_link_expires_after_15_minutes(user, now, outbox):
    from chalicelib.accounts import email_change

    email_change.send_link(user, "new@example.org", now)
    token = confirm_link(outbox.last()).split("/")[3]
    with pytest.raises(ValueError):
        email_change.apply_link(token, now + timedelta(minutes=15, seconds=1))
    assert email_change.apply_link(token, now + timedelta(minutes=14)).email == "new@example.org"


def test_forged_change_link_is_refused(in_sudo, user, outbox, anonymous_web):
    in_sudo.post("/accounts/change_email/", {"email": "new@example.org"})
    link = confirm_link(outbox.last("new@example.org"))
    assert anonymous_web.post(link.replace(".", ".x", 1)).status_code == 400
    assert users.get(user.id).email == "alice@example.org"


def test_address_of_another_account_is_refused(in_sudo, user, outbox, now):
    users.create_user("bob@example.org", now)
    response = in_sudo.post("/accounts/change_email/", {"email": "bob@example.org"})
    assert response.status_code == 400 and "already used" in response.body.decode()
    assert [m["To"] for m in outbox.messages()] == ["alice@example.org"]  # only the sudo code


def test_address_taken_before_the_link_is_followed_is_refused(in_sudo, user, outbox, now, anonymous_web):
    in_sudo.post("/accounts/change_email/", {"email": "new@example.org"})
    users.create_user("new@example.org", now)
    assert anonymous_web.post(confirm_link(outbox.last("new@example.org"))).status_code == 400
    assert users.get(user.id).email == "alice@example.org"


# -- closing the account ---------------------------------------------------------------------------

def test_close_needs_the_own_email_typed(in_sudo, user):
    response = in_sudo.post("/accounts/close/", {"confirmation": "someone@example.org"})
    assert response.status_code == 400 and User.count() == 1


def test_close_deletes_everything_owned_and_logs_out(in_sudo, user, project, check, ping, now):
    ping(check, now, body=b"y" * 1000)
    response = in_sudo.post("/accounts/close/", {"confirmation": "Alice@example.org"})
    assert response.headers["Location"] == "/accounts/login/?account_closed=1"
    assert [m.count() for m in (User, Project, Check, Ping, Member, Session)] == [0] * 6
    assert aws.client("s3").list_objects_v2(Bucket=settings.S3_BUCKET).get("KeyCount") == 0
    assert "account has been closed" in in_sudo.get(response.headers["Location"]).body.decode()


@pytest.mark.parametrize("path", ["/accounts/set_password/", "/accounts/change_email/", "/accounts/close/"])
def test_sudo_pages_send_anonymous_visitors_to_login(anonymous_web, aws, outbox, path):
    response = anonymous_web.get(path)
    assert response.headers["Location"] == "/accounts/login/?next=" + path
    assert anonymous_web.post(path, {"password": "a new password"}).status_code == 403
    assert outbox.messages() == []
