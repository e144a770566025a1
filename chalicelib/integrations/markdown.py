"""The common alert message (text.py's wording) for chat services: as Markdown, HTML or plain text.

One layout, three renderings: Markdown for Gotify, Zulip, GitHub and Trello, HTML for Matrix's
formatted body, plain text where the service shows text as it is.
"""
import html
import re

from chalicelib import settings
from chalicelib.integrations import text
from chalicelib.integrations.base import Notice

MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#~|])")


def escape(value: str) -> str:
    """Value shown literally in Markdown: its markup characters backslash-escaped."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", value)


def code(value: str) -> str:
    """An inline code span, fenced with more backticks than any run inside the value."""
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


class Markdown:
    separator = "\n\n"
    text = staticmethod(escape)
    code = staticmethod(code)

    @staticmethod
    def bold(value: str) -> str:
        return f"**{value}**"

    @staticmethod
    def link(label: str, url: str) -> str:
        return f"[{label}]({url})"

    @staticmethod
    def paragraph(value: str) -> str:
        return value

    @staticmethod
    def items(values: list[str]) -> str:
        return "\n".join(f"- {value}" for value in values)

    @staticmethod
    def block(value: str) -> str:
        return f"```\n{value}\n```"


class Html(Markdown):
    separator = "\n"
    text = staticmethod(html.escape)

    @staticmethod
    def code(value: str) -> str:
        return f"<code>{html.escape(value)}</code>"

    @staticmethod
    def bold(value: str) -> str:
        return f"<b>{value}</b>"

    @staticmethod
    def link(label: str, url: str) -> str:
        return f'<a href="{html.escape(url)}">{label}</a>'

    @staticmethod
    def paragraph(value: str) -> str:
        return f"<p>{value}</p>"

    @staticmethod
    def items(values: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{value}</li>" for value in values) + "</ul>"

    @staticmethod
    def block(value: str) -> str:
        return f"<pre>{html.escape(value)}</pre>"


class Plain(Markdown):
    @staticmethod
    def text(value: str) -> str:
        return value

    code = bold = text

    @staticmethod
    def link(label: str, url: str) -> str:
        return f"{label}: {url}"

    @staticmethod
    def block(value: str) -> str:
        return value


def facts(notice: Notice, style=Markdown, description: bool = True) -> list[tuple[str, str]]:
    """The labelled facts, values rendered in the style: tags and schedules as code."""
    result = []
    if description and notice.check.desc:
        result.append(("Description", style.text(notice.check.desc)))
    for label, value in text.details(notice):
        if label == "Tags":
            value = " ".join(style.code(tag) for tag in value.split())
        elif label == "Schedule":
            value = style.code(value)
        else:
            value = style.text(value)
        result.append((label, value))
    return result


def sentence(notice: Notice, style=Markdown) -> str:
    """🔴/🟢, what happened and, for an up alert, how long the downtime lasted."""
    words = [text.emoji(notice), text.status_sentence(notice, quote=style.text)]
    if text.downtime_sentence(notice):
        words.append(text.downtime_sentence(notice))
    return " ".join(words)


def others(notice: Notice, style=Markdown) -> str:
    """The other down checks (or that all are up), "" when the project has no other checks."""
    heading = text.others_heading(notice)
    if not heading:
        return ""
    parts = [style.paragraph(style.bold(style.text(heading)))]
    lines = text.other_down_items(notice, quote=style.text)
    if lines:
        parts.append(style.items(lines))
    return style.separator.join(parts)


def covered(notice: Notice, style=Markdown) -> str:
    """The checks whose down alerts this one holds while it is down, "" when none."""
    heading = text.covered_heading(notice)
    if not heading:
        return ""
    return style.separator.join([style.paragraph(style.bold(style.text(heading))), style.items(text.covered_items(notice, quote=style.text))])


def pieces(
    notice: Notice, style=Markdown, body: bool = True, description: bool = True, link: bool = True, body_gap=None
) -> list[str]:
    """The message's paragraphs in order: sentence, facts, last ping body, other down checks, the
    checks it holds alerts for, link.
    body_gap goes between the body's heading and the body (the style's separator by default)."""
    facts_list = facts(notice, style, description=description)
    result = [
        style.paragraph(sentence(notice, style)),
        style.items([f"{style.bold(label + ':')} {value}" for label, value in facts_list]),
    ]
    ping_body = text.chat_body(notice) if body else None
    if ping_body is not None:
        gap = style.separator if body_gap is None else body_gap
        result.append(style.paragraph(style.bold("Last Ping Body:")) + gap + style.block(ping_body))
    if others_down := others(notice, style):
        result.append(others_down)
    if held := covered(notice, style):
        result.append(held)
    if link:
        result.append(style.paragraph(style.link(f"View on {style.text(settings.SITE_NAME)}", notice.check_url)))
    return result


def message(notice: Notice, style=Markdown, **parts) -> str:
    """The whole alert as one text (see `pieces` for the parts that can be left out)."""
    return style.separator.join(pieces(notice, style, **parts))
