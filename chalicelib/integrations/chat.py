"""The common alert message for chat and push services with a length cap (Telegram, Pushover, ntfy, Signal).

Built from markdown.py's pieces, so the wording is the one every kind uses; past the cap,
whole pieces are dropped from the end, so markup is never cut in the middle.
"""
import html

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


def message(notice: Notice, style, cap: int, **parts) -> str:
    """The message within cap characters (see markdown.pieces for the parts that can be left out)."""
    return fit(markdown.pieces(notice, style, body_gap="\n", **parts), cap, style.separator)


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
