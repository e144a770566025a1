"""The common alert message for chat and push services with a length cap (Telegram, Pushover, ntfy, Signal).

Built from markdown.py's pieces, so the wording is the one every kind uses; past the cap,
whole pieces are dropped from the end, so markup is never cut in the middle.
"""
import html

from chalicelib import settings
from chalicelib.integrations import markdown, text
from chalicelib.integrations.base import Notice

ELLIPSIS = "…"


class ChatHtml(markdown.Html):
    """The HTML subset Telegram and Pushover render: inline tags only, newlines for breaks."""

    separator = "\n\n"

    @staticmethod
    def text(value: str) -> str:
        return html.escape(value, quote=False)

    @staticmethod
    def code(value: str) -> str:
        return html.escape(value, quote=False)  # Pushover has no <code>; plain reads well in both

    @staticmethod
    def paragraph(value: str) -> str:
        return value

    @staticmethod
    def items(values: list[str]) -> str:
        return "\n".join(values)


def pieces(notice: Notice, style, body: bool = True, description: bool = True, link: bool = True) -> list[str]:
    """The message's paragraphs in order: sentence, facts, last ping body, other down checks, link."""
    result = [style.paragraph(markdown.sentence(notice, style))]
    facts = markdown.facts(notice, style, description=description)
    result.append(style.items([f"{style.bold(label + ':')} {value}" for label, value in facts]))
    chat_body = text.chat_body(notice) if body else None
    if chat_body is not None:
        result.append(style.paragraph(style.bold("Last Ping Body:")) + "\n" + style.block(chat_body.rstrip("\n")))
    if others := markdown.others(notice, style):
        result.append(others)
    if link:
        result.append(style.paragraph(style.link(f"View on {style.text(settings.SITE_NAME)}", notice.check_url)))
    return result


def message(notice: Notice, style, cap: int, **parts) -> str:
    """The message within cap characters (see `pieces` for the parts that can be left out)."""
    return fit(pieces(notice, style, **parts), cap, style.separator)


def fit(parts: list[str], cap: int, separator: str) -> str:
    """Join the parts; past the cap, drop whole parts from the end and end with "…"."""
    whole = separator.join(parts)
    if len(whole) <= cap:
        return whole
    kept = list(parts)
    while kept and len(separator.join([*kept, ELLIPSIS])) > cap:
        kept.pop()
    if not kept:  # even the first part is too long: cut it as text
        return text.clip(parts[0], cap)
    return separator.join([*kept, ELLIPSIS])
