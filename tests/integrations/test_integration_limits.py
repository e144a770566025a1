"""Delivery rules: monthly quotas per owner and month, checked once per notification; team notice."""
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import settings
from chalicelib.accounts.projects import add_member
from chalicelib.integrations import limits
from chalicelib.store.models import User


def test_quota_counts_to_its_limit_then_refuses(project, now, monkeypatch):
    monkeypatch.setattr(settings, "CALL_LIMIT", 2)
    assert [limits.spend(project, "call", now) for _ in range(3)] == [True, True, False]
    assert limits.used(project, "call", now) == 2


def test_quota_starts_again_next_month(project, monkeypatch):
    monkeypatch.setattr(settings, "SMS_LIMIT", 1)
    january = datetime(2026, 1, 31, 23, 59, tzinfo=timezone.utc)
    assert limits.spend(project, "sms", january) and not limits.spend(project, "sms", january)
    assert limits.spend(project, "sms", january + timedelta(minutes=2))


def test_sms_and_calls_are_counted_apart(project, now, monkeypatch):
    monkeypatch.setattr(settings, "SMS_LIMIT", 1)
    assert limits.spend(project, "sms", now) and limits.spend(project, "call", now)
    assert not limits.spend(project, "sms", now)


def test_rate_limit_refills_after_a_minute(project, now):
    rule = limits.recipient_key("tg", "42")

    class Kind:
        @staticmethod
        def limit(channel, notice):
            return rule

    for _ in range(6):
        limits.authorize(Kind, None, None, now)
    with pytest.raises(limits.TransportError):
        limits.authorize(Kind, None, None, now)
    limits.authorize(Kind, None, None, now + timedelta(seconds=61))


def test_limit_notice_goes_to_every_member(project, now, smtp_server):
    for user_id, email in (("u1", "owner@example.com"), ("u2", "member@example.com")):
        User(id=user_id, email=email, created=now).save()
        add_member(project.code, user_id, "owner" if user_id == "u1" else "w", now)
    limits.send_limit_notice(project, limits.Monthly("sms", "SMS", 'Mychecks: The check "Backups" is DOWN.'), now)
    assert sorted(to for _, (to,), _ in smtp_server.messages) == ["member@example.com", "owner@example.com"]
    message = smtp_server.messages[0][2]
    assert message["Subject"] == "Monthly SMS limit reached"
    assert 'Mychecks: The check "Backups" is DOWN.' in message.get_content()
