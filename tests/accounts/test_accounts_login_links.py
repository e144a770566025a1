"""Magic login links: made, emailed, redeemed once, within the hour, only as signed."""
import hashlib
import re
from datetime import timedelta

import pytest

from chalicelib import settings
from chalicelib.accounts import login_links, users
from chalicelib.lib import signing


def link_path(message) -> str:
    text = message.get_body(("plain",)).get_content()
    url = re.search(r"https?://\S+/accounts/check_token/\S+", text).group(0)
    return url.removeprefix(settings.SITE_ROOT)


def parts(path: str) -> tuple[str, str]:
    _, _, _, user_id, signed, _ = path.split("?")[0].split("/")
    return user_id, signed


@pytest.fixture
def emailed_path(user, now, outbox):
    login_links.send_login_link(user, now)
    return link_path(outbox.last(user.email))


def test_login_link_is_emailed_to_the_user(user, now, outbox):
    login_links.send_login_link(user, now)
    message = outbox.last("alice@example.org")
    assert message["Subject"] == f"Log in to {settings.SITE_NAME}"
    assert f"/accounts/check_token/{user.id}/" in outbox.text(message)


def test_token_is_stored_only_as_a_hash(user, now, emailed_path):
    token = signing.unsign(parts(emailed_path)[1], login_links.SALT, 60, now)["k"]
    stored = users.get(user.id).login_token_hash
    assert stored == hashlib.sha256(token.encode()).hexdigest()


def test_link_logs_the_user_in(user, now, emailed_path):
    assert login_links.redeem(*parts(emailed_path), now + timedelta(minutes=59)).id == user.id


def test_link_works_only_once(user, now, emailed_path):
    login_links.redeem(*parts(emailed_path), now)
    assert login_links.redeem(*parts(emailed_path), now) is None


def test_link_expires_after_an_hour(user, now, emailed_path):
    assert login_links.redeem(*parts(emailed_path), now + timedelta(hours=1, seconds=1)) is None


def test_newer_link_replaces_the_older(user, now, outbox, emailed_path):
    login_links.send_login_link(user, now)
    assert login_links.redeem(*parts(emailed_path), now) is None


def test_forged_signature_is_refused(user, now, emailed_path):
    user_id, signed = parts(emailed_path)
    body, _, mac = signed.rpartition(".")
    assert login_links.redeem(user_id, f"{body}.{mac[:-2]}xx", now) is None


def test_token_signed_with_another_key_is_refused(user, now, emailed_path, monkeypatch):
    monkeypatch.setattr(settings, "SECRET_KEY", "another key")
    assert login_links.redeem(*parts(emailed_path), now) is None


def test_link_for_one_user_does_not_log_in_another(user, now, emailed_path):
    other = users.create_user("bob@example.org", now)
    assert login_links.redeem(other.id, parts(emailed_path)[1], now) is None


def test_garbage_token_is_refused(user, now):
    assert login_links.redeem(user.id, "not-a-token", now) is None


def test_next_path_rides_along(user, now, outbox):
    login_links.send_login_link(user, now, next_url="/projects/abc/checks/")
    assert link_path(outbox.last()).endswith("/?next=/projects/abc/checks/")
