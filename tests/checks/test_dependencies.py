"""Dependencies: a check's down alerts are held while the check it depends on (or one above) is down."""
from datetime import timedelta

import pytest

from chalicelib.alerts import delivery, notices
from chalicelib.checks import checks, dependencies
from chalicelib.integrations import markdown
from chalicelib.store.models import Check, Flip
from tests.support.streams import inserted

MINUTE = timedelta(minutes=1)


@pytest.fixture
def router(make_check, ping, now):
    router = make_check(name="router")
    ping(router, now)
    return router


@pytest.fixture
def web(make_check, router, ping, now):
    """A check that depends on the router, up since `now`."""
    web = make_check(name="web", depends_on=router.code)
    ping(web, now)
    return web


@pytest.fixture
def hooks(web, webhook):
    """A webhook channel on both checks, recording "<name> is <status>"."""
    return webhook()


def latest_flip(check) -> Flip:
    return next(iter(Flip.query(check.code, scan_index_forward=False, limit=1, consistent_read=True)))


def deliver(flip) -> int:
    return len(delivery.deliver(flip, sleep=lambda seconds: None))


def stream(*flips) -> int:
    """One stream batch of the flips' inserts, in this order."""
    records = inserted(*flips)
    return delivery.handle_stream_records(records, sleep=lambda seconds: None)


def alerts(recorder) -> list[bytes]:
    return [r.body for r in recorder.requests]


def fail(ping, check, moment) -> Flip:
    ping(check, moment, "fail")
    return latest_flip(check)


# -- held, alerted ---------------------------------------------------------------------------------


def test_child_going_down_while_its_parent_is_down_sends_no_alert(router, web, hooks, recorder, ping, now):
    deliver(fail(ping, router, now + MINUTE))
    flip = fail(ping, web, now + 3 * MINUTE)
    assert deliver(flip) == 0
    assert alerts(recorder) == [b"router is down"]


def test_held_flip_is_recorded_with_why(router, web, hooks, ping, now):
    deliver(fail(ping, router, now + MINUTE))
    deliver(fail(ping, web, now + 3 * MINUTE))
    stored = latest_flip(web)
    assert (stored.old_status, stored.new_status, stored.dependency) == ("up", "down", "covered")
    assert stored.detail == "not alerted: depends on “router”, down since 12:01 UTC"
    assert stored.covered_by == router.code


def test_child_going_down_while_its_parent_is_up_alerts(router, web, hooks, recorder, ping, now):
    assert deliver(fail(ping, web, now + MINUTE)) == 1
    assert alerts(recorder) == [b"web is down"]
    assert latest_flip(web).dependency == "alerted"


def test_check_depending_on_nothing_records_no_decision(router, hooks, recorder, ping, now):
    deliver(fail(ping, router, now + MINUTE))
    assert latest_flip(router).dependency is None and alerts(recorder) == [b"router is down"]


def test_grandchild_is_held_while_a_grandparent_is_down(make_check, router, web, ping, webhook, recorder, now):
    app = make_check(name="app", depends_on=web.code)
    ping(app, now)
    webhook()
    deliver(fail(ping, router, now + MINUTE))
    assert deliver(fail(ping, app, now + 2 * MINUTE)) == 0
    assert latest_flip(app).detail == "not alerted: depends on “router”, down since 12:01 UTC"


def test_a_held_flip_keeps_its_own_detail_before_the_note(router, web, hooks, ping, now):
    deliver(fail(ping, router, now + MINUTE))
    flip = fail(ping, web, now + 2 * MINUTE)
    flip.update(actions=[Flip.detail.set("ran 2 h 14 min, longer than 1 h")])
    deliver(flip)
    assert latest_flip(web).detail == "ran 2 h 14 min, longer than 1 h; not alerted: depends on “router”, down since 12:01 UTC"


# -- the parent's alert ----------------------------------------------------------------------------


def test_parent_down_alert_lists_the_children_it_covers(make_check, router, web, ping, now):
    make_check(name="db", depends_on=router.code)
    ping(web, now + MINUTE, "fail")
    flip = fail(ping, router, now + 2 * MINUTE)
    notice = notices.build(checks.get(router.code), flip)
    assert [c.name for c in notice.covered_children] == ["web", "db"]
    text = markdown.message(notice, markdown.Plain)
    assert "Alerts held while this check is down (these depend on it):\n\n- web (down)\n- db" in text


def test_parent_up_alert_lists_no_children(router, web, ping, now):
    fail(ping, router, now + MINUTE)
    ping(router, now + 2 * MINUTE)
    notice = notices.build(checks.get(router.code), latest_flip(router))
    assert notice.covered_children == [] and "held" not in markdown.message(notice, markdown.Plain)


def test_email_alert_lists_the_covered_children(router, web, ping, now, outbox, project):
    from chalicelib.checks import channels

    channels.create_channel(project.code, "email", {"value": "ops@example.org", "up": True, "down": True}, now, email_verified=True)
    deliver(fail(ping, router, now + MINUTE))
    assert "Alerts held while this check is down (these depend on it):\n  - web\n" in outbox.text(outbox.last("ops@example.org"))


# -- the parent comes back up ----------------------------------------------------------------------


def test_child_still_down_when_its_parent_comes_back_up_alerts_once(router, web, hooks, recorder, ping, now):
    deliver(fail(ping, router, now + MINUTE))
    deliver(fail(ping, web, now + 2 * MINUTE))
    ping(router, now + 5 * MINUTE)
    up = latest_flip(router)
    assert deliver(up) == 2
    assert deliver(up) == 0  # the stream repeats the record
    assert alerts(recorder) == [b"router is down", b"router is up", b"web is down"]


def test_released_alert_says_why_it_comes_late(router, web, hooks, ping, now):
    deliver(fail(ping, router, now + MINUTE))
    deliver(fail(ping, web, now + 2 * MINUTE))
    ping(router, now + 5 * MINUTE)
    deliver(latest_flip(router))
    stored = latest_flip(web)
    assert (stored.dependency, stored.detail) == ("released", "alerted late: still down after “router” came back up")


def test_child_up_before_its_parent_sends_neither_down_nor_up_alert(router, web, hooks, recorder, ping, now):
    deliver(fail(ping, router, now + MINUTE))
    deliver(fail(ping, web, now + 2 * MINUTE))
    ping(web, now + 3 * MINUTE)
    assert deliver(latest_flip(web)) == 0
    ping(router, now + 4 * MINUTE)
    deliver(latest_flip(router))
    assert alerts(recorder) == [b"router is down", b"router is up"]
    assert latest_flip(web).detail.startswith("not alerted: its going down was not alerted either")


def test_child_stays_held_while_another_ancestor_is_still_down(make_check, router, web, ping, webhook, recorder, now):
    app = make_check(name="app", depends_on=web.code)
    ping(app, now)
    webhook()
    deliver(fail(ping, router, now + MINUTE))
    deliver(fail(ping, web, now + 2 * MINUTE))
    deliver(fail(ping, app, now + 3 * MINUTE))
    ping(router, now + 4 * MINUTE)
    deliver(latest_flip(router))  # web alerts now; app is still explained by web
    assert alerts(recorder) == [b"router is down", b"router is up", b"web is down"]
    ping(web, now + 5 * MINUTE)
    deliver(latest_flip(web))
    assert alerts(recorder)[3:] == [b"web is up", b"app is down"]


def test_paused_parent_releases_its_held_children(router, web, hooks, recorder, ping, now):
    deliver(fail(ping, router, now + MINUTE))
    deliver(fail(ping, web, now + 2 * MINUTE))
    checks.pause(checks.get(router.code), now + 3 * MINUTE)
    deliver(latest_flip(router))
    assert alerts(recorder) == [b"router is down", b"web is down"]


def test_up_after_a_released_down_alerts(router, web, hooks, recorder, ping, now):
    deliver(fail(ping, router, now + MINUTE))
    deliver(fail(ping, web, now + 2 * MINUTE))
    ping(router, now + 3 * MINUTE)
    deliver(latest_flip(router))
    ping(web, now + 4 * MINUTE)
    deliver(latest_flip(web))
    assert alerts(recorder)[-1] == b"web is up"


# -- exactly once in a stream batch ----------------------------------------------------------------


@pytest.mark.parametrize("child_first", [True, False], ids=["child-first", "parent-first"])
def test_child_and_parent_down_in_one_batch_alert_only_the_parent(router, web, hooks, recorder, ping, now, child_first):
    parent_flip = fail(ping, router, now + MINUTE)
    child_flip = fail(ping, web, now + MINUTE)
    stream(*((child_flip, parent_flip) if child_first else (parent_flip, child_flip)))
    assert alerts(recorder) == [b"router is down"]
    assert latest_flip(web).dependency == "covered"


@pytest.mark.parametrize("child_first", [True, False], ids=["child-first", "parent-first"])
def test_child_down_and_parent_up_in_one_batch_alert_the_child_once(router, web, hooks, recorder, ping, now, child_first):
    deliver(fail(ping, router, now + MINUTE))
    child_flip = fail(ping, web, now + 2 * MINUTE)
    ping(router, now + 3 * MINUTE)
    parent_up = latest_flip(router)
    stream(*((child_flip, parent_up) if child_first else (parent_up, child_flip)))
    stream(child_flip, parent_up)  # and the whole batch again
    assert sorted(alerts(recorder)) == [b"router is down", b"router is up", b"web is down"]
    assert latest_flip(web).dependency in ("alerted", "released")


def test_repeated_record_of_a_held_flip_follows_the_first_decision(router, web, hooks, recorder, ping, now):
    deliver(fail(ping, router, now + MINUTE))
    child_flip = fail(ping, web, now + 2 * MINUTE)
    deliver(child_flip)
    # The router's own state changes without its flip being delivered yet: the repeat still holds.
    checks.get(router.code).update(actions=[Check.status.set("up")])
    assert deliver(child_flip) == 0
    assert alerts(recorder) == [b"router is down"]


# -- configuration ---------------------------------------------------------------------------------


def test_parent_must_be_in_the_project(router, web, now):
    with pytest.raises(dependencies.DependencyError, match="not a check of this project"):
        dependencies.resolve_parent(router.project, web.code, "00000000-0000-4000-8000-000000000000")


def test_check_cannot_depend_on_itself(router):
    with pytest.raises(dependencies.DependencyError, match="the check itself"):
        dependencies.resolve_parent(router.project, router.code, router.code)


def test_cycle_is_refused_with_the_loop_named(router, web):
    with pytest.raises(dependencies.DependencyError, match="cycle: router → web → router"):
        dependencies.resolve_parent(router.project, router.code, web.code)


def test_chain_longer_than_the_bound_is_refused(make_check):
    parent = make_check(name="c0")
    for n in range(1, dependencies.MAX_DEPTH):
        parent = make_check(name=f"c{n}", depends_on=parent.code)
    with pytest.raises(dependencies.DependencyError, match="longer than 10"):
        dependencies.resolve_parent(parent.project, None, parent.code)


def test_a_cycle_slipped_in_ends_the_walk(make_check, router, web, hooks, recorder, ping, now):
    checks.get(router.code).update(actions=[Check.depends_on.set(web.code)])  # two racing edits
    assert deliver(fail(ping, web, now + MINUTE)) == 1


def test_deleting_a_parent_clears_it_on_its_children(router, web):
    checks.delete(checks.get(router.code))
    assert checks.get(web.code).depends_on is None


def test_moving_a_check_to_another_project_ends_its_dependencies(router, web, now):
    from chalicelib.accounts import projects

    other = projects.create_project("Other", now).project
    checks.transfer(checks.get(router.code), other, set(), now)
    assert checks.get(web.code).depends_on is None


def test_parent_choices_leave_out_the_check_and_those_below_it(make_check, router, web):
    app = make_check(name="app", depends_on=web.code)
    choices = dependencies.parent_choices(checks.get(web.code), list(Check.by_project.query(router.project)))
    assert [c.name for c in choices] == ["router"]
    assert app.code not in {c.code for c in choices}


def test_the_event_logs_live_update_sees_a_decision_recorded_after_the_flip(router, web, hooks, ping, now):
    from chalicelib.checks import events

    deliver(fail(ping, router, now + MINUTE))
    flip = fail(ping, web, now + 2 * MINUTE)
    before = events.stamp(events.recent(checks.get(web.code), 30))
    deliver(flip)
    assert events.stamp(events.recent(checks.get(web.code), 30)) != before


def test_slack_like_alert_has_a_field_for_the_covered_children(router, web, ping, now):
    from chalicelib.integrations import slackalike

    flip = fail(ping, router, now + MINUTE)
    fields = slackalike.fields(notices.build(checks.get(router.code), flip))
    assert {"title": "Alerts held while this check is down (these depend on it):", "value": "web"} in fields
