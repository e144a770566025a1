"""Microsoft Teams: an Adaptive Card posted to a Power Automate workflow URL."""
from chalicelib import settings
from chalicelib.integrations import forms, http, markdown, text
from chalicelib.integrations.base import Notice, both_directions
from chalicelib.store.models import Channel

KIND = "msteamsw"
LABEL = "Microsoft Teams"
validate = forms.url
is_noop = both_directions


def enabled() -> bool:
    return settings.MSTEAMS_ENABLED


def send(channel: Channel, notice: Notice) -> None:
    http.request("POST", channel.value, json=payload(notice))


def heading(notice: Notice) -> str:
    name = text.name_then_code(notice.check)
    if notice.status == "up":
        return f"{text.emoji(notice)} “{name}” is now UP."
    reason = f" ({notice.reason})" if notice.reason else ""
    return f"{text.emoji(notice)} “{name}” is DOWN{reason}."


def payload(notice: Notice) -> dict:
    facts = [{"title": label, "value": value} for label, value in markdown.facts(notice, markdown.Plain)]
    body = [
        {"type": "TextBlock", "text": heading(notice), "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "FactSet", "facts": facts},
    ]
    if text.downtime_sentence(notice):
        body.insert(1, {"type": "TextBlock", "text": text.downtime_sentence(notice), "wrap": True})
    ping_body = text.chat_body(notice)
    if ping_body is not None:
        body.append({"type": "TextBlock", "text": "Last Ping Body", "weight": "Bolder"})
        body.append({"type": "CodeBlock", "codeSnippet": ping_body, "language": "PlainText"})
    others = markdown.others(notice, markdown.Plain)
    if others:
        body.append({"type": "TextBlock", "text": others, "wrap": True})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.2",
        "fallbackText": text.headline(notice),
        "body": body,
        "actions": [{"type": "Action.OpenUrl", "title": f"View in {settings.SITE_NAME}", "url": notice.check_url}],
    }
    return {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    }
