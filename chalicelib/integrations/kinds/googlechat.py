"""Google Chat: a card (cardsV2) posted to a space's incoming webhook."""
import html

from chalicelib import settings
from chalicelib.integrations import forms, http, markdown, text
from chalicelib.integrations.base import Notice, both_directions
from chalicelib.store.models import Channel

KIND = "googlechat"
LABEL = "Google Chat"
validate = forms.url
is_noop = both_directions


class ChatHtml(markdown.Html):
    """The few tags Google Chat cards show: no <code>, lines broken with <br>."""

    code = staticmethod(html.escape)

    @staticmethod
    def items(values: list[str]) -> str:
        return "<br>".join(values)


def enabled() -> bool:
    return True


def send(channel: Channel, notice: Notice) -> None:
    http.request("POST", channel.value, json=payload(notice))


def payload(notice: Notice) -> dict:
    sections = [
        {"widgets": [_paragraph(markdown.sentence(notice, ChatHtml))]},
        {"widgets": [
            {"decoratedText": {"topLabel": label, "text": value}}
            for label, value in markdown.facts(notice, ChatHtml)
        ]},
    ]
    heading = text.others_heading(notice)
    lines = text.other_down_items(notice, quote=html.escape)
    if lines:
        sections.append({"header": heading, "widgets": [_paragraph("<br>".join(lines))]})
    elif heading:
        sections.append({"widgets": [_paragraph(heading)]})
    button = {"text": f"View in {settings.SITE_NAME}", "onClick": {"openLink": {"url": notice.check_url}}}
    sections.append({"widgets": [{"buttonList": {"buttons": [button]}}]})
    return {"cardsV2": [{"cardId": "alert", "card": {"sections": sections}}]}


def _paragraph(value: str) -> dict:
    return {"textParagraph": {"text": value}}
