"""What each ping form does to a check, and what it answers (reference §1)."""
from datetime import timedelta

import pytest

from chalicelib import settings
from chalicelib.checks import checks, events
from chalicelib.lib import addresses
from chalicelib.store import storage
from chalicelib.store.models import Flip, Ping

RID_A = "11111111-1111-4111-8111-111111111111"
RID_B = "22222222-2222-4222-8222-222222222222"


def stored(check):
    return checks.get(check.code)


def ping_items(check):
    return list(Ping.query(check.code))


def flips(check):
    return [(f.old_status, f.new_status, f.reason) for f in Flip.query(check.code)]


def test_success_ping_answers_ok_and_marks_the_check_up(check, ping, now):
    response = ping(check, now)
    assert (response.status_code, response.text) == (200, "OK")
    c = stored(check)
    assert (c.status, c.n_pings, c.last_ping) == ("up", 1, now)


def test_first_success_sets_alert_after_to_period_plus_grace(check, ping, now):
    ping(check, now)
    assert stored(check).alert_after == now + timedelta(seconds=86400 + 3600)


def test_success_ping_is_stored_with_its_request_details(check, ping, now):
    ping(check, now, method="POST", body=b"done", ua="curl/8", addr="192.0.2.7")
    [p] = ping_items(check)
    assert (p.n, p.kind, p.scheme, p.method, p.remote_addr, p.ua, p.body) == (
        1, "success", "https", "POST", "192.0.2.7", "curl/8", b"done",
    )


def test_start_ping_sets_last_start_and_keeps_the_status(check, ping, now):
    ping(check, now, "start")
    c = stored(check)
    assert (c.status, c.last_start, c.last_ping) == ("new", now, None)
    assert c.alert_after == now + timedelta(seconds=3600)


def test_fail_ping_sends_the_check_down_with_a_flip(check, ping, now):
    ping(check, now)
    ping(check, now + timedelta(minutes=1), "fail")
    assert stored(check).status == "down"
    assert stored(check).alert_after is None
    assert flips(check) == [("new", "up", ""), ("up", "down", "fail")]


def test_success_ping_brings_a_down_check_up_with_a_flip(check, ping, now):
    ping(check, now, "fail")
    ping(check, now + timedelta(minutes=1))
    assert stored(check).status == "up"
    assert flips(check)[-1] == ("down", "up", "")


def test_log_ping_changes_nothing_but_the_count(check, ping, now):
    ping(check, now)
    ping(check, now + timedelta(minutes=5), "log")
    c = stored(check)
    assert (c.n_pings, c.last_ping, c.status) == (2, now, "up")
    assert ping_items(check)[-1].kind == "log"


def test_exit_code_zero_is_a_success_and_is_stored(check, ping, now):
    ping(check, now, "0")
    assert stored(check).status == "up"
    assert ping_items(check)[0].exitstatus == 0


def test_nonzero_exit_code_is_a_failure(check, ping, now):
    ping(check, now, "3")
    [p] = ping_items(check)
    assert (p.kind, p.exitstatus, stored(check).status) == ("fail", 3, "down")


def test_exit_code_over_255_is_an_invalid_url(check, ping, now):
    response = ping(check, now, "256")
    assert (response.status_code, response.text) == (400, "invalid url format")
    assert stored(check).n_pings == 0


def test_unknown_uuid_is_not_found(aws, ping, now):
    response = ping(["8e3a5f12-7b7c-4a5e-9a0d-3c8b9f0e1a2b"], now)
    assert (response.status_code, response.text) == (404, "not found")


@pytest.mark.parametrize("path", [["NOT-A-UUID"], ["8E3A5F12-7B7C-4A5E-9A0D-3C8B9F0E1A2B"], ["a", "b", "c", "d"]])
def test_malformed_ping_url_is_not_found(aws, ping, now, path):
    assert ping(path, now).status_code == 404


def test_slug_ping_finds_the_check_by_ping_key_and_slug(check, project, ping, now):
    response = ping([project.ping_key, "backups"], now)
    assert response.status_code == 200
    assert stored(check).status == "up"


def test_slug_ping_takes_an_action(check, project, ping, now):
    ping([project.ping_key, "backups", "fail"], now)
    assert stored(check).status == "down"


def test_unknown_slug_is_not_found(check, project, ping, now):
    assert ping([project.ping_key, "nightly"], now).status_code == 404


def test_uppercase_slug_is_an_invalid_url(check, project, ping, now):
    response = ping([project.ping_key, "Backups"], now)
    assert (response.status_code, response.text) == (400, "invalid url format")


def test_two_checks_with_one_slug_are_ambiguous(check, make_check, project, ping, now):
    make_check(name="Backups again", slug="backups")
    response = ping([project.ping_key, "backups"], now)
    assert (response.status_code, response.text) == (409, "ambiguous slug")


def test_create_1_provisions_a_check_named_after_the_slug(project, ping, now):
    response = ping([project.ping_key, "nightly-import"], now, query={"create": "1"})
    assert (response.status_code, response.text) == (201, "Created")
    [c] = checks.find_by_slug(project.ping_key, "nightly-import")
    assert (c.name, c.status, c.n_pings) == ("nightly-import", "up", 1)


def test_create_1_on_an_existing_slug_just_pings(check, project, ping, now):
    response = ping([project.ping_key, "backups"], now, query={"create": "1"})
    assert response.status_code == 200
    assert checks.count_in_project(project.code) == 1


def test_create_with_another_value_is_not_found(project, ping, now):
    assert ping([project.ping_key, "x"], now, query={"create": "yes"}).status_code == 404


def test_create_1_refuses_at_twice_the_check_limit(project, make_check, ping, now):
    project.update(actions=[type(project).check_limit.set(1)])
    make_check(name="one")
    make_check(name="two")
    response = ping([project.ping_key, "third"], now, query={"create": "1"})
    assert response.status_code == 404


def test_create_1_with_an_unknown_ping_key_is_not_found(aws, ping, now):
    assert ping(["nosuchkey", "backups"], now, query={"create": "1"}).status_code == 404


def test_malformed_run_id_is_refused(check, ping, now):
    response = ping(check, now, query={"rid": "not-a-uuid"})
    assert (response.status_code, response.text) == (400, "invalid uuid format")


def test_start_then_success_records_the_duration(check, ping, now):
    ping(check, now, "start")
    ping(check, now + timedelta(seconds=42))
    c = stored(check)
    assert (c.last_duration, c.last_start) == (42, None)
    assert ping_items(check)[-1].duration == 42


def test_run_ids_pair_each_finish_with_its_own_start(check, ping, now):
    ping(check, now, "start", query={"rid": RID_A})
    ping(check, now + timedelta(seconds=10), "start", query={"rid": RID_B})
    ping(check, now + timedelta(seconds=30), query={"rid": RID_A})
    c = stored(check)
    # Run B is still going: the check keeps its start; run A's ping has its own duration.
    assert (c.last_start, c.last_start_rid) == (now + timedelta(seconds=10), RID_B)
    assert ping_items(check)[-1].duration == 30
    ping(check, now + timedelta(seconds=70), query={"rid": RID_B})
    assert stored(check).last_duration == 60
    assert ping_items(check)[-1].duration == 60


def test_fail_with_another_run_id_clears_the_running_start(check, ping, now):
    ping(check, now, "start", query={"rid": RID_A})
    ping(check, now + timedelta(seconds=5), "fail", query={"rid": RID_B})
    c = stored(check)
    assert (c.last_start, c.last_duration) == (None, None)


def test_paused_check_is_resumed_by_a_ping(check, ping, now):
    check.update(actions=[type(check).status.set("paused")])
    ping(check, now)
    assert stored(check).status == "up"
    assert flips(check) == [("paused", "up", "")]


def test_paused_check_with_manual_resume_ignores_pings(check, ping, now):
    check.update(actions=[type(check).status.set("paused"), type(check).manual_resume.set(True)])
    assert ping(check, now).status_code == 200
    c = stored(check)
    assert (c.status, c.n_pings, ping_items(check)[0].kind) == ("paused", 1, "ign")


def test_post_only_check_ignores_a_get(make_check, ping, now):
    check = make_check(methods="POST")
    ping(check, now, method="GET")
    assert (stored(check).status, ping_items(check)[0].kind) == ("new", "ign")
    ping(check, now, method="POST")
    assert stored(check).status == "up"


@pytest.mark.parametrize(
    "body, default_fail, kind",
    [
        (b"backup FAILED, ok otherwise", False, "fail"),
        (b"all OK", False, "success"),
        (b"begin run", False, "start"),
        (b"nothing known", False, "ign"),
        (b"nothing known", True, "fail"),
        (b"failed in lowercase", False, "ign"),
    ],
)
def test_body_keywords_decide_the_kind(make_check, ping, now, body, default_fail, kind):
    check = make_check(
        filter_http_body=True, filter_default_fail=default_fail,
        failure_kw="FAILED, ERROR", success_kw="OK", start_kw="begin",
    )
    ping(check, now, method="POST", body=body)
    assert ping_items(check)[0].kind == kind


def test_keyword_filter_survives_a_non_utf8_body(make_check, ping, now):
    check = make_check(filter_http_body=True, success_kw="OK")
    assert ping(check, now, method="POST", body=b"\xff\xfe OK").status_code == 200
    assert ping_items(check)[0].kind == "success"


@pytest.mark.parametrize("size, in_s3", [(99, False), (100, False), (101, True)])
def test_bodies_over_100_bytes_go_to_s3(check, ping, now, size, in_s3):
    body = b"x" * size
    ping(check, now, method="POST", body=body)
    [p] = ping_items(check)
    assert (p.object_size is not None) == in_s3
    assert (storage.get_body(check.code, 1) if in_s3 else p.body) == body


def test_body_at_the_limit_is_kept_whole(check, ping, now):
    body = b"y" * settings.PING_BODY_LIMIT
    ping(check, now, method="POST", body=body)
    [p] = ping_items(check)
    assert (p.object_size, p.body_truncated) == (settings.PING_BODY_LIMIT, False)


def test_body_over_the_limit_is_cut_and_flagged(check, ping, now):
    ping(check, now, method="POST", body=b"z" * (settings.PING_BODY_LIMIT + 5000))
    [p] = ping_items(check)
    assert (p.object_size, p.body_truncated) == (settings.PING_BODY_LIMIT, True)
    assert len(storage.get_body(check.code, 1)) == settings.PING_BODY_LIMIT


def test_body_stays_in_the_item_when_s3_is_down(check, ping, now, monkeypatch):
    monkeypatch.setattr(settings, "S3_BUCKET", "no-such-bucket")
    ping(check, now, method="POST", body=b"q" * 500)
    [p] = ping_items(check)
    assert (p.object_size, p.body) == (None, b"q" * 500)


def test_only_the_last_ping_log_limit_pings_are_visible(check, ping, now):
    for i in range(200):
        ping(check, now + timedelta(seconds=i), method="POST", body=b"b" * 150)
    check = stored(check)
    visible = [int(e.ping.n) for e in events.recent(check, limit=500, kinds=events.PING_KINDS)]
    assert visible == list(range(200, 100, -1))
    # Every ping above the floor is stored; below it, pings stay until they expire (or are pruned).
    assert [int(p.n) for p in ping_items(check) if p.n > 100] == list(range(101, 201))
    assert storage.get_body(check.code, 100) is None
    assert storage.get_body(check.code, 101) == b"b" * 150


def test_word_confirm_in_body_flags_a_confirmation_link(check, ping, now):
    ping(check, now, method="POST", body=b"Please Confirm your subscription")
    assert stored(check).has_confirmation_link is True


def test_rate_limit_drops_uuid_pings_with_ok(check, ping, now, monkeypatch):
    monkeypatch.setattr(settings, "PING_RATE_LIMIT", 2)
    assert [ping(check, now).text for _ in range(3)] == ["OK", "OK", "OK (rate limited)"]
    assert stored(check).n_pings == 2


def test_rate_limit_answers_429_to_slug_pings(check, project, ping, now, monkeypatch):
    monkeypatch.setattr(settings, "PING_RATE_LIMIT", 1)
    ping(check, now)
    assert ping([project.ping_key, "backups"], now).status_code == 429


def test_rate_limited_slug_ping_says_when_the_next_minute_starts(check, project, ping, now, monkeypatch):
    monkeypatch.setattr(settings, "PING_RATE_LIMIT", 1)
    ping(check, now + timedelta(seconds=15))
    response = ping([project.ping_key, "backups"], now + timedelta(seconds=15))
    assert response.headers["Retry-After"] == "45"


def test_rate_limit_starts_afresh_each_minute(check, ping, now, monkeypatch):
    monkeypatch.setattr(settings, "PING_RATE_LIMIT", 1)
    ping(check, now)
    assert ping(check, now + timedelta(minutes=1)).text == "OK"
    assert stored(check).n_pings == 2


@pytest.mark.parametrize(
    "forwarded, source, expected",
    [
        (None, "10.1.1.1", "10.1.1.1"),
        ("203.0.113.9, 10.0.0.1", "10.1.1.1", "203.0.113.9"),
        ("203.0.113.9:4567", "10.1.1.1", "203.0.113.9"),
        ("2001:db8::1", "10.1.1.1", "2001:db8::1"),
    ],
)
def test_remote_address_prefers_the_first_forwarded_for(forwarded, source, expected):
    assert addresses.remote_addr(forwarded, source) == expected
