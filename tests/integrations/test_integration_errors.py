"""Every HTTP kind, through delivery: error answers and timeouts give the right tries and error record."""
import hashlib

import pytest

from chalicelib import settings
from chalicelib.alerts import delivery
from chalicelib.checks import channels, flips
from chalicelib.integrations import registry
from chalicelib.store.models import Channel, Flip, Notification
from tests.support.chat_kinds import channel_values

KINDS = sorted(channel_values(lambda path: path))

# What the service answers, how many tries delivery makes, the error it records.
ANSWERS = [
    (400, 1, "Received status code 400"),
    (401, 1, "Received status code 401"),
    (429, 3, "Received status code 429"),
    (500, 3, "Received status code 500"),
    ("timeout", 3, "Connection timed out"),
]


@pytest.fixture
def down_flip(check, now):
    return flips.write_flip(check, "up", "down", "timeout", now)


def alert_path(kind: str, path: str | None, channel: Channel, flip: Flip) -> str:
    if kind != "matrix":
        return path
    txn = hashlib.sha1(f"{channel.code}|{flip.code}|{flip.created.isoformat()}|down".encode()).hexdigest()
    return f"/matrix/_matrix/client/v3/rooms/%21abc%3Aexample.org/send/m.room.message/{txn}"


@pytest.mark.parametrize("answer, tries, error", ANSWERS, ids=[str(a[0]) for a in ANSWERS])
@pytest.mark.parametrize("kind", KINDS)
def test_error_answer_is_retried_when_transient_and_recorded(
    kind, answer, tries, error, recorder, kind_settings, project, check, down_flip, now, monkeypatch
):
    value, path = channel_values(recorder.url)[kind]
    channel = channels.create_channel(project.code, kind, registry.transport(kind).validate(value), now)
    path = alert_path(kind, path, channel, down_flip)
    if answer == "timeout":
        monkeypatch.setattr(settings, "NOTIFY_TIMEOUT", 0.1)
        recorder.respond(path, delay=0.5)
    else:
        recorder.respond(path, status=answer)
    pauses = []
    [notification] = delivery.deliver(down_flip, sleep=pauses.append)
    recorder.wait_for(path, tries)
    assert [r.path.split("?")[0] for r in recorder.requests if r.path.split("?")[0] == path] == [path] * tries
    assert pauses == [1, 2][: tries - 1]
    assert Notification.get(notification.code, notification.key).error == error
    assert (Channel.get(channel.code).last_error, Channel.get(channel.code).disabled) == (error, False)


@pytest.mark.parametrize("kind", KINDS)
def test_kind_turned_off_records_that_it_is_not_enabled(kind, recorder, kind_settings, project, check, down_flip, now, monkeypatch):
    value, _ = channel_values(recorder.url)[kind]
    transport = registry.transport(kind)
    channel = channels.create_channel(project.code, kind, transport.validate(value), now)
    monkeypatch.setattr(transport, "enabled", lambda: False)
    delivery.deliver(down_flip, sleep=lambda seconds: None)
    assert Channel.get(channel.code).last_error == f"{transport.LABEL} notifications are not enabled."
    assert recorder.requests == []
