"""Status badges for a project, a tag or one check: signed URLs and SVG/JSON/Shields bodies.

Reference §4. The signature scheme is Healthchecks' own, so its badge URLs keep working here.
"""
import base64
import hashlib
import hmac
import html
import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, unquote

from chalicelib import settings
from chalicelib.checks import checks, schedules
from chalicelib.store.models import Check, Project

FORMATS = ("svg", "json", "shields")
SHIELDS_ENDPOINT = "https://img.shields.io/endpoint?url="  # shields.io draws a badge from our JSON
COLORS = {"up": "#4c1", "late": "#fe7d37", "down": "#e05d44"}
SHIELDS_COLORS = {"up": "success", "late": "important", "down": "critical"}
LABEL_COLOR = "#555"

# Badges are public and must show the current state, so nothing may cache them.
BADGE_HEADERS = {
    "Cache-Control": "max-age=0, no-cache, no-store, must-revalidate, private",
    "Expires": "Thu, 01 Jan 1970 00:00:00 GMT",
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "X-Api-Key",
    "Access-Control-Allow-Methods": "GET, OPTIONS",
    "Access-Control-Max-Age": "600",
}

# Approximate advance widths (px) of 11 px Verdana; other characters count as 7.
_CHAR_WIDTHS = {
    char: width
    for chars, width in (
        ("il.,:;|!'`", 3),
        ("fjrtI ()[]{}/\\-\"", 5),
        ("ckszvxyJ*^?", 6),
        ("ABCDEKPRSTUVXYZ#$+<=>_~", 8),
        ("GHNOQ&", 9),
        ("mMw%", 11),
        ("W@", 12),
    )
    for char in chars
}


@dataclass
class Badge:
    content_type: str
    body: str


@dataclass
class _Tally:
    status: str
    total: int
    grace: int
    down: int


def signature(badge_key: str, tag: str) -> str:
    """The 8-character badge signature: Django's base64_hmac(badge_key, tag, SECRET_KEY), cut."""
    key = hashlib.sha1((badge_key + settings.SECRET_KEY).encode()).digest()
    digest = hmac.new(key, tag.encode(), hashlib.sha1).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()[:8]


def badge_url(badge_key: str, tag: str, fmt: str, with_late: bool) -> str:
    """An absolute URL of a project ("*") or tag badge."""
    sig = signature(badge_key, tag) + ("" if with_late else "-2")
    base = f"{settings.SITE_ROOT}/badge/{badge_key}/{sig}"
    return f"{base}.{fmt}" if tag == "*" else f"{base}/{quote(tag, safe='')}.{fmt}"


def project_badge_urls(project: Project, tags: list[str]) -> dict:
    """The body of GET /api/vN/badges/: every tag and "*", in 2- and 3-state variants."""
    badges = {}
    for tag in [*tags, "*"]:
        # Keys in the reference's order: svg, svg3, json, json3, shields, shields3.
        badges[tag] = {
            name + suffix: badge_url(project.badge_key, tag, name, with_late)
            for name in FORMATS
            for suffix, with_late in (("", False), ("3", True))
        }
    return {"badges": badges}


def check_badge_urls(check: Check) -> dict[str, str]:
    """One check's badge URLs, keyed as project_badge_urls' (svg, svg3, json, json3, shields, shields3)."""
    urls = {}
    for name in FORMATS:
        for suffix, states in (("", 2), ("3", 3)):
            url = f"{settings.SITE_ROOT}/b/{states}/{check.badge_key}.{name}"
            urls[name + suffix] = SHIELDS_ENDPOINT + quote(url, safe="") if name == "shields" else url
    return urls


def project_badge(
    badge_key: str, signature_segment: str, tag: str | None, fmt: str, now: datetime
) -> Badge | None:
    """A project (tag None) or tag badge, or None for a bad key, signature or format."""
    if fmt not in FORMATS:
        return None
    with_late = not (len(signature_segment) == 10 and signature_segment.endswith("-2"))
    tag = _verified_tag(badge_key, signature_segment[:8], tag)
    if tag is None:
        return None
    project = _project(badge_key)
    if project is None:
        return None

    shown = Check.by_project.query(project.code)
    if tag != "*":
        shown = (check for check in shown if tag in check.tags.split())
    tally = _tally([schedules.status(check, now) for check in shown], with_late)
    label = settings.MASTER_BADGE_LABEL if tag == "*" else tag
    return render(label, tally, fmt)


def check_badge(badge_key: str, states: str, fmt: str, now: datetime) -> Badge | None:
    """A badge of one check, found by its badge key; states "3" adds "late"."""
    # Healthchecks routes states as <int:...>, so anything but digits is a 404 there too.
    states = str(states)
    if fmt not in FORMATS or not (states.isascii() and states.isdigit()):
        return None
    check = checks.find_by_badge_key(badge_key)
    if check is None:
        return None
    tally = _tally([schedules.status(check, now)], with_late=int(states) == 3)
    return render(check.name or check.code, tally, fmt)


def _verified_tag(badge_key: str, sig8: str, quoted_tag: str | None) -> str | None:
    """The tag whose signature is sig8, or None.

    Our URLs quote the tag once, Healthchecks' twice, and the router may have decoded it
    once already: so try it as is, unquoted once and twice, and take only the signed one.
    """
    if quoted_tag is None:
        candidates = ["*"]
    else:
        once = unquote(quoted_tag)
        candidates = dict.fromkeys([once, unquote(once), quoted_tag])
    for tag in candidates:
        if hmac.compare_digest(sig8.encode(), signature(badge_key, tag).encode()):
            return tag
    return None


def _project(badge_key: str) -> Project | None:
    # New projects' badge key is their code (reference §4.1), so no index is needed.
    try:
        project = Project.get(badge_key)
    except Project.DoesNotExist:
        return None
    return project if project.badge_key == badge_key else None


def _tally(statuses: list[str], with_late: bool) -> _Tally:
    """Badge status and counts: any down is down; any grace is late on 3-state badges."""
    grace = statuses.count("grace")
    down = statuses.count("down")
    status = "down" if down else "late" if grace and with_late else "up"
    return _Tally(status, len(statuses), grace, down)


def render(label: str, tally: _Tally, fmt: str) -> Badge:
    """The badge in one of FORMATS."""
    if fmt == "svg":
        return Badge("image/svg+xml", svg(label, tally.status))
    if fmt == "json":
        body = {"status": tally.status, "total": tally.total, "grace": tally.grace, "down": tally.down}
    else:
        body = {
            "schemaVersion": 1, "label": label, "message": tally.status,
            "color": SHIELDS_COLORS[tally.status],
        }
    return Badge("application/json", json.dumps(body))


def text_width(text: str) -> int:
    return sum(_CHAR_WIDTHS.get(char, 7) for char in text)


def svg(label: str, status: str) -> str:
    """A flat 20 px badge: the label on grey, the status on its colour."""
    left, right = text_width(label) + 10, text_width(status) + 10
    width = left + right
    text = html.escape(label)
    title = f"{text}: {status}"
    # Each text is drawn twice: a faint dark copy 1 px lower reads as a shadow.
    words = "".join(
        f'<text x="{x}" y="15" fill="#010101" fill-opacity=".3">{word}</text>'
        f'<text x="{x}" y="14">{word}</text>'
        for x, word in ((left / 2, text), (left + right / 2, status))
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" '
        f'role="img" aria-label="{title}"><title>{title}</title>'
        '<linearGradient id="shine" x2="0" y2="100%">'
        '<stop offset="0" stop-color="#fff" stop-opacity=".15"/>'
        '<stop offset="1" stop-opacity=".15"/></linearGradient>'
        f'<clipPath id="round"><rect width="{width}" height="20" rx="3"/></clipPath>'
        '<g clip-path="url(#round)">'
        f'<rect width="{left}" height="20" fill="{LABEL_COLOR}"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{COLORS[status]}"/>'
        f'<rect width="{width}" height="20" fill="url(#shine)"/></g>'
        '<g fill="#fff" text-anchor="middle" '
        'font-family="Verdana,DejaVu Sans,Geneva,sans-serif" font-size="11">'
        f"{words}</g></svg>"
    )
