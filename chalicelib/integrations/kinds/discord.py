"""Discord: the Slack-compatible payload to the webhook that Discord's OAuth flow creates."""
import json

from chalicelib import settings
from chalicelib.integrations import forms, http, markdown, oauth, slackalike
from chalicelib.integrations.base import Notice, both_directions
from chalicelib.store.models import Channel

KIND = "discord"
LABEL = "Discord"
MAX_WEBHOOKS_ERROR = 30007
is_noop = both_directions


def enabled() -> bool:
    return bool(settings.DISCORD_CLIENT_ID and settings.DISCORD_CLIENT_SECRET)


def validate(value: dict) -> str:
    """The token answer's webhook ({"webhook": {"url", "id", "name"}}), as JSON."""
    hook = value.get("webhook")
    if not isinstance(hook, dict):
        raise ValueError("webhook: missing")
    return json.dumps({"webhook": {
        "url": forms.url(hook), "id": str(hook.get("id") or ""), "name": str(hook.get("name") or ""),
    }})


def send(channel: Channel, notice: Notice) -> None:
    url = forms.stored(channel)["webhook"]["url"] + "/slack"
    payload = slackalike.payload(notice, style=markdown.Markdown)
    http.request("POST", url, json=payload, explain=_explain)


def _explain(response) -> http.TransportError:
    # The webhook was deleted on Discord's side.
    return http.status_error(response.status_code, disable=response.status_code == 404)


def authorize_url(state: str, redirect_uri: str) -> str:
    return oauth.authorize_url(
        f"{settings.DISCORD_URL}/api/oauth2/authorize",
        client_id=settings.DISCORD_CLIENT_ID, scope="webhook.incoming", redirect_uri=redirect_uri,
        response_type="code", state=state,
    )


def complete(code: str, redirect_uri: str) -> tuple[str, str]:
    """Exchange the code: (the value to store, the webhook's name)."""
    _, answer = oauth.exchange(f"{settings.DISCORD_URL}/api/oauth2/token", {
        "client_id": settings.DISCORD_CLIENT_ID, "client_secret": settings.DISCORD_CLIENT_SECRET,
        "code": code, "grant_type": "authorization_code", "redirect_uri": redirect_uri,
    })
    if answer.get("code") == MAX_WEBHOOKS_ERROR:
        raise oauth.FlowError("This Discord channel has the most webhooks it can have; remove one and try again")
    try:
        value = validate(answer)
    except ValueError:
        detail = answer.get("error_description") or answer.get("message") or "no webhook"
        raise oauth.FlowError(f"Discord did not add the integration: {detail}") from None
    return value, answer["webhook"].get("name") or ""
