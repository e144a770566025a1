"""The Slack-compatible incoming-webhook payload that Slack, Mattermost and Discord accept."""
from chalicelib import settings
from chalicelib.integrations import markdown, text
from chalicelib.integrations.base import Notice


class SlackText(markdown.Markdown):
    """Slack's mrkdwn: no backslash escapes, only &, < and > as entities."""

    @staticmethod
    def text(value: str) -> str:
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def field(title: str, value: str, short: bool = True) -> dict:
    result = {"title": title, "value": value}
    if short:
        result["short"] = True
    return result


def fields(notice: Notice, style=SlackText, body_field: dict | None = None) -> list[dict]:
    """Description (long), the facts, the last ping's body, the other down checks, the held ones.

    The body is a code block unless the kind passes its own `body_field`.
    """
    result = [field(label, value, short=label != "Description") for label, value in markdown.facts(notice, style)]
    ping_body = text.chat_body(notice)
    if body_field is not None:
        result.append(body_field)
    elif ping_body is not None:
        result.append(field("Last Ping Body", style.block(ping_body), short=False))
    if notice.other_down_count:
        lines = text.other_down_items(notice, quote=style.text)
        result.append(field(text.others_heading(notice), "\n".join(lines), short=False))
    if text.covered_heading(notice):
        lines = text.covered_items(notice, quote=style.text)
        result.append(field(text.covered_heading(notice), "\n".join(lines), short=False))
    return result


def payload(notice: Notice, style=SlackText) -> dict:
    name = text.name_then_code(notice.check)
    if notice.status == "down":
        summary = f"Reason: {notice.reason}." if notice.reason else None
    else:
        summary = text.downtime_sentence(notice) or None
    return {
        "username": settings.SITE_NAME,
        "icon_url": settings.SITE_LOGO_URL,
        "attachments": [{
            "color": "danger" if notice.status == "down" else "good",
            "fallback": f'The check "{name}" is {notice.status.upper()}.',
            "mrkdwn_in": ["fields"],
            "title": text.headline(notice),
            "title_link": notice.check_url,
            "text": summary,
            "fields": fields(notice, style),
        }],
    }
