"""Slack, Mattermost and Discord: the Slack-compatible payload, their error rules, the OAuth flows."""
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib import settings
from chalicelib.integrations import oauth
from chalicelib.integrations.base import TransportError
from chalicelib.integrations.kinds import discord, mattermost, slack
from chalicelib.store.models import Channel
from tests.support.chat_kinds import FACT_FIELDS, json_sent

REASON = "success signal did not arrive on time, grace time passed"


def channel(kind, value) -> Channel:
    return Channel(code="c0ffee", project="p", kind=kind, value=value)


@pytest.fixture(autouse=True)
def oauth_settings(monkeypatch, recorder):
    for name, value in dict(
        SLACK_CLIENT_ID="slack-id", SLACK_CLIENT_SECRET="slack-secret", SLACK_URL=recorder.url("/slack"),
        DISCORD_CLIENT_ID="discord-id", DISCORD_CLIENT_SECRET="discord-secret", DISCORD_URL=recorder.url("/discord"),
    ).items():
        monkeypatch.setattr(settings, name, value)


def slack_payload(notice, *extra_fields):
    down = notice.status == "down"
    return {
        "username": "Mychecks",
        "icon_url": "http://localhost:8000/static/img/logo.png",
        "attachments": [{
            "color": "danger" if down else "good",
            "fallback": f'The check "Backups" is {notice.status.upper()}.',
            "mrkdwn_in": ["fields"],
            "title": f"“Backups” is {notice.status.upper()}.",
            "title_link": notice.check_url,
            "text": f"Reason: {REASON}." if down else "The downtime lasted 2 hours 5 minutes.",
            "fields": [dict(f) for f in (*FACT_FIELDS, *extra_fields)],
        }],
    }


def slack_down(notice):
    return slack_payload(
        notice,
        {"title": "Last Ping Body", "value": "```\nrows: 5\n```"},
        {"title": "Also down in this project:", "value": "Reports (last ping 3 hours ago)"},
    )


def test_slack_down_posts_the_payload_to_the_webhook(recorder, alert):
    notice = alert("down")
    slack.send(channel("slack", slack.validate({"url": recorder.url("/hook")})), notice)
    assert json_sent(recorder, path="/hook") == slack_down(notice)


def test_slack_up_says_how_long_the_downtime_lasted(recorder, alert):
    notice = alert("up")
    slack.send(channel("slack", recorder.url("/hook")), notice)
    assert json_sent(recorder, path="/hook") == slack_payload(notice)


def test_slack_escapes_its_control_characters_in_names(recorder, alert, make_check):
    notice = alert("down")
    notice.check.desc = "a <b> & c"
    slack.send(channel("slack", recorder.url("/hook")), notice)
    assert json_sent(recorder, path="/hook")["attachments"][0]["fields"][0]["value"] == "a &lt;b&gt; &amp; c"


def test_slack_sends_to_the_webhook_stored_by_the_oauth_flow(recorder, alert):
    value = slack.validate({"incoming_webhook": {"url": recorder.url("/oauth-hook"), "channel": "#ops"}})
    slack.send(channel("slack", value), alert("down"))
    assert recorder.last.path == "/oauth-hook"


@pytest.mark.parametrize("status, body, disable", [(404, b"", True), (400, b"invalid_token", True), (400, b"other", False)])
def test_slack_disables_a_webhook_that_will_not_work_again(recorder, alert, status, body, disable):
    recorder.respond("/hook", status=status, body=body)
    with pytest.raises(TransportError) as info:
        slack.send(channel("slack", recorder.url("/hook")), alert("down"))
    assert (info.value.message, info.value.disable) == (f"Received status code {status}", disable)


@pytest.mark.parametrize("value", [{}, {"url": "ftp://example.com"}, {"url": "example.com/hook"}])
def test_slack_validate_wants_an_http_url(value):
    with pytest.raises(ValueError, match="url"):
        slack.validate(value)


def test_mattermost_posts_the_payload_in_markdown(recorder, alert):
    notice = alert("down")
    notice.check.desc = "a_b *c*"
    mattermost.send(channel("mattermost", mattermost.validate({"url": recorder.url("/mm")})), notice)
    expected = slack_down(notice)
    expected["attachments"][0]["fields"][0]["value"] = r"a\_b \*c\*"
    assert json_sent(recorder, path="/mm") == expected


def test_mattermost_up(recorder, alert):
    notice = alert("up")
    mattermost.send(channel("mattermost", recorder.url("/mm")), notice)
    assert json_sent(recorder, path="/mm") == slack_payload(notice)


def discord_channel(recorder):
    return channel("discord", discord.validate({"webhook": {"url": recorder.url("/api/webhooks/1/tok"), "id": "1"}}))


def test_discord_down_posts_to_the_webhooks_slack_endpoint(recorder, alert):
    notice = alert("down")
    discord.send(discord_channel(recorder), notice)
    assert json_sent(recorder, path="/api/webhooks/1/tok/slack") == slack_down(notice)


def test_discord_up(recorder, alert):
    notice = alert("up")
    discord.send(discord_channel(recorder), notice)
    assert json_sent(recorder, path="/api/webhooks/1/tok/slack") == slack_payload(notice)


def test_discord_disables_a_deleted_webhook(recorder, alert):
    recorder.respond("/api/webhooks/1/tok/slack", status=404)
    with pytest.raises(TransportError) as info:
        discord.send(discord_channel(recorder), alert("down"))
    assert info.value.disable and not info.value.transient


def test_slack_authorize_url_asks_for_a_webhook():
    url = slack.authorize_url("st4te", "https://hc.example.com/integrations/add_slack_btn/")
    parts = urlsplit(url)
    assert parts.path == "/slack/oauth/v2/authorize"
    assert parse_qs(parts.query) == {
        "scope": ["incoming-webhook"], "client_id": ["slack-id"], "state": ["st4te"],
        "redirect_uri": ["https://hc.example.com/integrations/add_slack_btn/"],
    }


def test_slack_complete_exchanges_the_code_and_keeps_only_the_webhook(recorder):
    recorder.respond("/slack/api/oauth.v2.access", body=json.dumps({
        "ok": True, "access_token": "xoxb-secret", "team": {"name": "Acme"},
        "incoming_webhook": {"channel": "#ops", "url": "https://hooks.slack.com/services/T/B/X"},
    }).encode())
    value, name = slack.complete("the-code", "https://hc.example.com/cb/")
    assert (recorder.last.method, recorder.last.path) == ("POST", "/slack/api/oauth.v2.access")
    assert parse_qs(recorder.last.body.decode()) == {
        "client_id": ["slack-id"], "client_secret": ["slack-secret"], "code": ["the-code"],
        "redirect_uri": ["https://hc.example.com/cb/"],
    }
    assert json.loads(value) == {
        "team": {"name": "Acme"},
        "incoming_webhook": {"channel": "#ops", "url": "https://hooks.slack.com/services/T/B/X"},
    }
    assert name == "#ops"


def test_slack_complete_reports_slacks_error(recorder):
    recorder.respond("/slack/api/oauth.v2.access", body=b'{"ok": false, "error": "invalid_code"}')
    with pytest.raises(oauth.FlowError, match="invalid_code"):
        slack.complete("bad", "https://hc.example.com/cb/")


def test_discord_authorize_url_asks_for_an_incoming_webhook():
    query = parse_qs(urlsplit(discord.authorize_url("st4te", "https://hc.example.com/cb/")).query)
    assert query == {
        "client_id": ["discord-id"], "scope": ["webhook.incoming"], "redirect_uri": ["https://hc.example.com/cb/"],
        "response_type": ["code"], "state": ["st4te"],
    }


def test_discord_complete_keeps_the_webhook(recorder):
    recorder.respond("/discord/api/oauth2/token", body=json.dumps({
        "access_token": "secret", "webhook": {"id": "42", "name": "alerts", "url": "https://discord.com/api/webhooks/42/t"},
    }).encode())
    value, name = discord.complete("the-code", "https://hc.example.com/cb/")
    assert parse_qs(recorder.last.body.decode())["grant_type"] == ["authorization_code"]
    assert json.loads(value) == {"webhook": {"url": "https://discord.com/api/webhooks/42/t", "id": "42", "name": "alerts"}}
    assert name == "alerts"


def test_discord_complete_explains_the_webhook_limit(recorder):
    recorder.respond("/discord/api/oauth2/token", status=400, body=b'{"code": 30007, "message": "Maximum"}')
    with pytest.raises(oauth.FlowError, match="most webhooks"):
        discord.complete("the-code", "https://hc.example.com/cb/")


@pytest.mark.parametrize("module, names", [
    (slack, {"SLACK_ENABLED": False}),
    (mattermost, {"MATTERMOST_ENABLED": False}),
    (discord, {"DISCORD_CLIENT_ID": ""}),
])
def test_kind_is_off_without_its_settings(monkeypatch, module, names):
    for name, value in names.items():
        monkeypatch.setattr(settings, name, value)
    assert not module.enabled()
