"""settelegramwebhook: Telegram's setWebhook, called with the bot route's URL and the webhook secret."""
import json

import pytest

from chalicelib import settings
from chalicelib.ops import cli


@pytest.fixture
def telegram_api(recorder, monkeypatch, real_aws_endpoint):
    """The bot's settings, with Telegram's API at the recorder."""
    for name, value in dict(
        TELEGRAM_TOKEN="123:bot-token", TELEGRAM_WEBHOOK_SECRET="s3cret_Token-1", TELEGRAM_API_URL=recorder.url("/tg"),
        SITE_ROOT="https://checks.example.org",
    ).items():
        monkeypatch.setattr(settings, name, value)
    recorder.respond(
        "/tg/bot123:bot-token/setWebhook", body=b'{"ok": true, "result": true, "description": "Webhook was set"}'
    )
    return recorder


def test_it_registers_the_bot_route_with_the_secret_token(telegram_api, capsys):
    assert cli.main(["settelegramwebhook"]) == 0
    [request] = telegram_api.requests
    assert (request.method, request.path) == ("POST", "/tg/bot123:bot-token/setWebhook")
    assert json.loads(request.body) == {
        "url": "https://checks.example.org/integrations/telegram/bot/",
        "allowed_updates": ["message", "channel_post"],
        "secret_token": "s3cret_Token-1",
    }
    assert json.loads(capsys.readouterr().out) == {
        "webhook": "https://checks.example.org/integrations/telegram/bot/", "telegram": "Webhook was set",
    }


def test_the_registered_url_is_the_route_that_checks_the_secret(telegram_api, client):
    cli.main(["settelegramwebhook"])
    path = json.loads(telegram_api.requests[0].body)["url"].removeprefix("https://checks.example.org")
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "s3cret_Token-1"}
    assert client.request("POST", path, body=b"{}", headers=headers).status_code == 200
    headers["X-Telegram-Bot-Api-Secret-Token"] = "wrong"
    assert client.request("POST", path, body=b"{}", headers=headers).status_code == 403


def test_telegrams_refusal_exits_with_its_description(telegram_api):
    telegram_api.respond(
        "/tg/bot123:bot-token/setWebhook", status=400,
        body=b'{"ok": false, "error_code": 400, "description": "Bad Request: bad webhook: HTTPS url must be provided for webhook"}',
    )
    with pytest.raises(SystemExit, match="Webhook not set: .*HTTPS url must be provided for webhook"):
        cli.main(["settelegramwebhook"])


@pytest.mark.parametrize("secret", ["", "has spaces", "x" * 257])
def test_without_a_usable_secret_nothing_is_registered(telegram_api, monkeypatch, secret):
    monkeypatch.setattr(settings, "TELEGRAM_WEBHOOK_SECRET", secret)
    with pytest.raises(SystemExit, match="Webhook not set: TELEGRAM_WEBHOOK_SECRET must be set"):
        cli.main(["settelegramwebhook"])
    assert telegram_api.requests == []


def test_without_the_bot_token_nothing_is_registered(telegram_api, monkeypatch):
    monkeypatch.setattr(settings, "TELEGRAM_TOKEN", "")
    with pytest.raises(SystemExit, match="Webhook not set: TELEGRAM_TOKEN is not set"):
        cli.main(["settelegramwebhook"])
    assert telegram_api.requests == []
