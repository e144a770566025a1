"""ntfy: validation, the exact JSON published, tokens, priorities and the per-topic rate limit."""
import json

import pytest

from chalicelib import settings
from chalicelib.checks import channels
from chalicelib.integrations import limits
from chalicelib.integrations.base import TransportError
from chalicelib.integrations.kinds import ntfy


@pytest.fixture(autouse=True)
def site(monkeypatch):
    monkeypatch.setattr(settings, "SITE_NAME", "Mychecks")


def make(project, now, url, **fields):
    value = ntfy.validate({"topic": "backups", "url": url, "priority": 5, "priority_up": 2, **fields})
    return channels.create_channel(project.code, "ntfy", value, now)


def test_down_alert_is_the_exact_json(recorder, project, now, alert):
    notice = alert("down")
    ntfy.send(make(project, now, recorder.url("/"), token="tk_secret"), notice)
    request = recorder.last
    assert (request.method, request.path, request.headers["Authorization"]) == ("POST", "/", "Bearer tk_secret")
    assert json.loads(request.body) == {
        "topic": "backups",
        "priority": 5,
        "title": "Backups is DOWN",
        "message": (
            '🔴 The check "Backups" is DOWN (success signal did not arrive on time, grace time passed).\n\n'
            "- **Description:** Nightly database dump\n- **Project:** Test project\n- **Tags:** `prod` `nightly`\n"
            "- **Period:** 1 day\n- **Total Pings:** 42\n- **Last Ping:** Success, 2 hours ago\n\n"
            "**Last Ping Body:**\n```\nrows: 5\n```\n\n"
            "**Also down in this project:**\n\n- Reports (last ping 3 hours ago)"
        ),
        "markdown": True,
        "tags": ["red_circle"],
        "actions": [{"action": "view", "label": "View on Mychecks", "url": notice.check_url}],
    }


def test_up_alert_uses_the_up_priority_and_green_tag(recorder, project, now, alert):
    ntfy.send(make(project, now, recorder.url("/")), alert("up"))
    body = json.loads(recorder.last.body)
    assert (body["priority"], body["title"], body["tags"]) == (2, "Backups is UP", ["green_circle"])
    assert "Authorization" not in recorder.last.headers


def test_priority_zero_is_a_noop(project, now):
    channel = make(project, now, "https://ntfy.example", priority_up=0)
    assert ntfy.is_noop(channel, "up") and not ntfy.is_noop(channel, "down")


@pytest.mark.parametrize("value, field", [
    ({"topic": "has space"}, "topic"),
    ({"topic": "ok", "url": "ftp://x"}, "url"),
    ({"topic": "ok", "priority": 6}, "priority"),
    ({"topic": "ok", "priority": 0, "priority_up": 0}, "priority"),
])
def test_validate_names_the_bad_field(value, field):
    with pytest.raises(ValueError, match=field):
        ntfy.validate(value)


def test_ntfy_sh_without_own_token_uses_the_sites_token(monkeypatch, project, now):
    monkeypatch.setattr(settings, "NTFY_SH_TOKEN", "tk_site")
    sent = {}
    monkeypatch.setattr(ntfy.http, "request", lambda method, url, **kw: sent.update(url=url, **kw))
    ntfy.send(make(project, now, "https://ntfy.sh"), _any_notice(project, now))
    assert (sent["url"], sent["headers"]) == ("https://ntfy.sh", {"Authorization": "Bearer tk_site"})


def _any_notice(project, now):
    from chalicelib.integrations.base import Notice
    from chalicelib.store.models import Check, Flip

    check = Check(code="c1", project=project.code, badge_key="b", created=now, name="Backups", due_shard=0)
    flip = Flip(code="c1", created=now, project=project.code, old_status="up", new_status="down")
    return Notice(check=check, flip=flip, project_name="P", check_url="https://hc.example/c1")


@pytest.mark.parametrize("status, transient", [(400, False), (401, False), (429, True), (500, True)])
def test_error_answers_are_classified(recorder, project, now, alert, status, transient):
    recorder.respond("/", status)
    with pytest.raises(TransportError) as caught:
        ntfy.send(make(project, now, recorder.url("/")), alert("down"))
    assert (caught.value.message, caught.value.transient) == (f"Received status code {status}", transient)


def test_seventh_message_a_minute_to_one_topic_is_refused(project, now, alert):
    channel, notice = make(project, now, "https://ntfy.example"), alert("down")
    for _ in range(6):
        limits.authorize(ntfy, channel, notice, now)
    with pytest.raises(TransportError, match="Rate limit exceeded"):
        limits.authorize(ntfy, channel, notice, now)
