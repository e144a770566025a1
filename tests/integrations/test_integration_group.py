"""Groups: an alert goes on to each member channel of the project, once, each recording its own result."""
import json
import uuid

import pytest

from chalicelib.alerts import delivery
from chalicelib.checks import channels, flips
from chalicelib.integrations.kinds import group
from chalicelib.store.models import Channel, Check


@pytest.fixture
def member(project, recorder, now):
    """member(path, **fields): a webhook channel of the project that no check uses directly."""

    def make(path, project_code=None, **fields):
        value = {"method_down": "POST", "url_down": recorder.url(path), "body_down": "$NAME is $STATUS",
                 "method_up": "POST", "url_up": recorder.url(path), "body_up": "$NAME is $STATUS"}
        channel = Channel(code=str(uuid.uuid4()), project=project_code or project.code, kind="webhook",
                          value=json.dumps(value), created=now, **fields)
        channel.save()
        return channel

    return make


@pytest.fixture
def make_group(project, now):
    def make(*members):
        value = group.validate({"project": project.code, "channels": [m.code for m in members]})
        return channels.create_channel(project.code, "group", value, now, name="On call")

    return make


@pytest.mark.parametrize("status", ["down", "up"])
def test_group_sends_to_each_member(check, member, make_group, recorder, now, status):
    first, second = member("/a"), member("/b")
    make_group(first, second)
    flip = flips.write_flip(check, "up" if status == "down" else "down", status, "", now)
    delivery.deliver(flip, sleep=lambda s: None)
    assert sorted((r.method, r.path, r.body) for r in recorder.requests) == [
        ("POST", "/a", f"Backups is {status}".encode()), ("POST", "/b", f"Backups is {status}".encode()),
    ]
    assert all(Channel.get(c.code).last_notify is not None for c in (first, second))


def test_failed_members_are_counted_on_the_group(check, member, make_group, recorder, now):
    recorder.respond("/broken", status=400)
    broken = member("/broken")
    grp = make_group(member("/ok"), broken)
    delivery.deliver(flips.write_flip(check, "up", "down", "timeout", now), sleep=lambda s: None)
    assert Channel.get(grp.code).last_error == "1 out of 2 notifications failed"
    assert Channel.get(broken.code).last_error == "Received status code 400"


def test_member_also_on_the_check_gets_one_alert(check, member, make_group, recorder, now):
    shared = member("/shared")
    check.update(actions=[Check.channels.add({shared.code})])
    make_group(shared)
    delivery.deliver(flips.write_flip(check, "up", "down", "timeout", now), sleep=lambda s: None)
    assert [r.path for r in recorder.requests] == ["/shared"]


def test_disabled_members_are_skipped(check, member, make_group, recorder, now):
    make_group(member("/on"), member("/off", disabled=True))
    delivery.deliver(flips.write_flip(check, "up", "down", "timeout", now), sleep=lambda s: None)
    assert [r.path for r in recorder.requests] == ["/on"]


def test_validate_refuses_a_channel_of_another_project(project, member):
    with pytest.raises(ValueError, match="not an integration of this project"):
        group.validate({"project": project.code, "channels": [member("/x", project_code="other").code]})


def test_validate_refuses_a_group_inside_a_group(project, member, make_group):
    inner = make_group(member("/x"))
    with pytest.raises(ValueError, match="cannot contain another group"):
        group.validate({"project": project.code, "channels": [inner.code]})


@pytest.mark.parametrize("codes", [[], ["not-a-uuid"], [str(uuid.uuid4())]])
def test_validate_wants_existing_channels(project, codes):
    with pytest.raises(ValueError, match="channels"):
        group.validate({"project": project.code, "channels": codes})


def test_validate_stores_comma_separated_codes(project, member):
    a, b = member("/a"), member("/b")
    assert group.validate({"project": project.code, "channels": f"{a.code}, {b.code}"}) == f"{a.code},{b.code}"
