"""Flapping notices: the flip that makes FLAP_THRESHOLD in 24 hours mails the check's team, once a day."""
import threading
from datetime import timedelta

import pytest

from chalicelib import settings
from chalicelib.accounts import projects, users
from chalicelib.alerts import delivery, flapping
from chalicelib.checks import checks, flips
from chalicelib.store.models import Check, Flip

EVERY = timedelta(minutes=30)


@pytest.fixture
def team(user, make_member):
    """The project's owner (alice@example.org) and a read-only member."""
    return [user, make_member("r", "bob@example.org")]


def flip_in_turn(check, start, count, every=EVERY):
    """`count` flips of the check, down and up in turn from `start`, `every` apart (written, not delivered)."""
    made = []
    for i in range(count):
        down = i % 2 == 0
        made.append(flips.write_flip(
            check, "up" if down else "down", "down" if down else "up", "timeout" if down else "", start + i * every,
        ))
    return made


def deliver_each(made):
    for flip in made:
        delivery.deliver(flip, sleep=lambda seconds: None)


def test_the_threshold_is_ten_flips_by_default():
    assert settings.FLAP_THRESHOLD == 10


def test_the_tenth_flip_in_24_hours_mails_each_team_member_once(check, team, now, outbox):
    made = flip_in_turn(check, now, 10)
    deliver_each(made[:9])
    assert outbox.messages() == []
    delivery.deliver(made[9], sleep=lambda seconds: None)
    assert sorted(m["To"] for m in outbox.messages()) == ["alice@example.org", "bob@example.org"]


def test_the_flip_after_the_notice_mails_nobody(check, team, now, outbox):
    made = flip_in_turn(check, now, 11)
    deliver_each(made[:10])
    delivery.deliver(made[10], sleep=lambda seconds: None)
    assert len(outbox.messages()) == 2


def test_the_next_day_the_team_is_mailed_again(check, team, now, outbox):
    deliver_each(flip_in_turn(check, now, 11))
    next_day = now + timedelta(hours=30)  # the first day's flips all older than 24 h by then
    deliver_each(flip_in_turn(check, next_day, 10))
    assert len(outbox.messages()) == 4
    assert checks.get(check.code).flap_noticed == next_day + 9 * EVERY


def test_flips_older_than_24_hours_do_not_count(check, team, now, outbox):
    made = flip_in_turn(check, now, 10, every=timedelta(hours=3))  # 27 hours from the first to the tenth
    deliver_each(made)
    assert outbox.messages() == []


def test_the_notice_names_the_check_its_flips_and_links_to_its_page(check, project, team, now, outbox, monkeypatch):
    monkeypatch.setattr(settings, "SITE_ROOT", "https://checks.example.org")
    monkeypatch.setattr(settings, "SUPPORT_EMAIL", "help@example.org")
    flip_in_turn(check, now - 6 * EVERY, 6)  # older flips of the day count too: 12 in all
    delivery.deliver(flip_in_turn(check, now, 6)[-1], sleep=lambda seconds: None)
    message = outbox.last("alice@example.org")
    assert message["Subject"] == '"Backups" is flapping: 12 status changes in 24 hours'
    assert outbox.text(message) == (
        "Hello,\n\n"
        'The check "Backups" in the project "Test project" changed status 12 times in the last 24 hours, between up and down.\n\n'
        "A check that goes down and comes back this often is usually a job that keeps failing and recovering, or a "
        "schedule or grace time that is too tight for when the job really runs. Its event log shows which:\n\n"
        f"https://checks.example.org/checks/{check.code}/details/\n\n"
        "Questions? Write to help@example.org.\n\n"
        "--\n"
        'You get this because you are in the project "Test project" on Mychecks. At most one such notice is sent per check a day.\n'
    )
    html = message.get_body(("html",)).get_content()
    assert f'href="https://checks.example.org/checks/{check.code}/details/"' in html and "12 times" in html


def test_a_stream_record_delivered_twice_mails_once(check, team, now, outbox):
    made = flip_in_turn(check, now, 10)
    deliver_each(made[:9])
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": made[9].serialize()}}
    delivery.handle_stream_records([record], sleep=lambda seconds: None)
    delivery.handle_stream_records([record], sleep=lambda seconds: None)
    assert len(outbox.messages()) == 2


def test_zero_turns_the_notices_off(check, team, now, outbox, monkeypatch):
    monkeypatch.setattr(settings, "FLAP_THRESHOLD", 0)
    deliver_each(flip_in_turn(check, now, 12))
    assert outbox.messages() == []


def test_a_check_noticed_within_24_hours_costs_no_query(check, team, now, outbox, monkeypatch):
    deliver_each(flip_in_turn(check, now, 10))
    monkeypatch.setattr(flapping, "flips_between", lambda *a, **k: pytest.fail("counted the flips again"))
    deliver_each(flip_in_turn(check, now + 10 * EVERY, 4))


def test_silent_flips_are_not_looked_at(check, team, now, outbox, monkeypatch):
    monkeypatch.setattr(flapping, "flips_between", lambda *a, **k: pytest.fail("counted the flips of a silent flip"))
    delivery.deliver(flips.write_flip(check, "new", "up", "", now), sleep=lambda seconds: None)


def test_a_failing_notice_does_not_stop_the_alerts(check, team, now, webhook, recorder, monkeypatch):
    webhook()
    monkeypatch.setattr(flapping, "flips_between", lambda *a, **k: 1 / 0)
    [flip] = flip_in_turn(check, now, 1)
    assert len(delivery.deliver(flip, sleep=lambda seconds: None)) == 1


def test_the_claim_never_recreates_a_deleted_check(check, now):
    stale = checks.get(check.code)
    check.delete()
    assert flapping._claim(stale, now - timedelta(hours=24), now) is False
    assert checks.get(check.code) is None


@pytest.mark.slow
def test_deliveries_racing_over_the_tenth_flip_mail_once(dynamodb_local, wall_now, outbox):
    now = wall_now - timedelta(hours=6)
    project = projects.create_project("Race", now).project
    owner = users.create_user("owner@example.org", now)
    projects.add_member(project.code, owner.id, "owner", now)
    racer = checks.create_check(project, now, name="Racer")
    made = flip_in_turn(racer, now, 10)
    tenth = made[-1]
    threads = [threading.Thread(target=delivery.deliver, args=(tenth,), kwargs={"sleep": lambda s: None}) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [m["To"] for m in outbox.messages()] == ["owner@example.org"]
    assert Check.get(racer.code).flap_noticed == tenth.created
    assert Flip.count(racer.code) == 10
