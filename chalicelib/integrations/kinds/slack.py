"""Slack: a Slack-compatible payload to an incoming webhook, set up by hand or by "Add to Slack"."""
import json

from chalicelib import settings
from chalicelib.integrations import forms, http, oauth, slackalike
from chalicelib.integrations.base import Notice, both_directions
from chalicelib.store.models import Channel

KIND = "slack"
LABEL = "Slack"
is_noop = both_directions


def enabled() -> bool:
    return settings.SLACK_ENABLED


def validate(value: dict) -> str:
    """A webhook URL ({"url": ...}) stored as is, or the "Add to Slack" answer as JSON."""
    if "incoming_webhook" not in value:
        return forms.url(value)
    hook = value.get("incoming_webhook") or {}
    team = value.get("team") or {}
    return json.dumps({
        "team": {"name": str(team.get("name") or "")},
        "incoming_webhook": {"channel": str(hook.get("channel") or ""), "url": forms.url(hook)},
    })


def webhook_url(channel: Channel) -> str:
    stored = forms.stored(channel)
    return stored["incoming_webhook"]["url"] if stored else channel.value


def send(channel: Channel, notice: Notice) -> None:
    http.request("POST", webhook_url(channel), json=slackalike.payload(notice), explain=_explain)


def _explain(response) -> http.TransportError:
    # 404, or 400 "invalid_token" (a deactivated user's webhook): this webhook will not work again.
    gone = response.status_code == 404 or (response.status_code == 400 and response.content == b"invalid_token")
    return http.status_error(response.status_code, disable=gone)


def oauth_enabled() -> bool:
    return bool(settings.SLACK_CLIENT_ID and settings.SLACK_CLIENT_SECRET)


def authorize_url(state: str, redirect_uri: str) -> str:
    return oauth.authorize_url(
        f"{settings.SLACK_URL}/oauth/v2/authorize",
        scope="incoming-webhook", client_id=settings.SLACK_CLIENT_ID, state=state, redirect_uri=redirect_uri,
    )


def complete(code: str, redirect_uri: str) -> tuple[str, str]:
    """Exchange the code: (the value to store, the channel's name, e.g. "#alerts")."""
    _, answer = oauth.exchange(f"{settings.SLACK_URL}/api/oauth.v2.access", {
        "client_id": settings.SLACK_CLIENT_ID, "client_secret": settings.SLACK_CLIENT_SECRET,
        "code": code, "redirect_uri": redirect_uri,
    })
    if not answer.get("ok") or not isinstance(answer.get("incoming_webhook"), dict):
        raise oauth.FlowError(f"Slack did not add the integration: {answer.get('error') or 'no webhook'}")
    try:
        value = validate(answer)
    except ValueError:
        raise oauth.FlowError("Slack returned an unusable webhook URL") from None
    return value, answer["incoming_webhook"].get("channel") or ""
