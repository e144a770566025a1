"""The documentation area (/docs/): Markdown pages from docs/site/, the reader's own ping URL and
keys filled into their examples, the search index over them, and the cron cheat sheet.

A page's Markdown may hold four generated parts, expanded when it is rendered so they cannot
drift from what they describe: [[api-reference]] (every operation of openapi.json),
[[readme:<section>]] (a section of README.md, e.g. the configuration variables),
[[deploy-guide]] (docs/DEPLOY.md's steps) and [[cron-cheatsheet]] (common cron expressions with
their next run times, by cronsim).
Placeholders such as %PING_URL% are filled after rendering, with escaped values.
"""
import html
import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import markdown
from cronsim import CronSim

from chalicelib import settings
from chalicelib.checks import check_summary, schedules
from chalicelib.store.models import Project, User
from chalicelib.web import access, docs_api

DOCS = Path(settings.DOCS_DIR)

# The table of contents, in reading order: (section, slugs); a slug names docs/site/<slug>.md.
CONTENTS = [
    ("Getting started", ["introduction", "configuring-checks", "cron"]),
    ("Pinging", ["pinging-api", "email-pings", "measuring-run-time", "signaling-failures", "attaching-logs", "cron-jobs",
                 "schedulers"]),
    ("Languages", ["bash", "python", "nodejs", "ruby", "go", "php", "csharp", "powershell"]),
    ("Alerts and teams", ["integrations", "projects-and-teams", "badges", "status-pages", "prometheus"]),
    ("Reference", ["api", "reliability-tips", "beyond-healthchecks"]),
    ("Self-hosting", ["self-hosting", "configuration"]),
]
SLUGS = [slug for _, slugs in CONTENTS for slug in slugs]
# The search index as the package build writes it beside the pages (infra/build.py), so that a
# Lambda reads one file instead of rendering every page; a checkout has none and builds it.
SEARCH_INDEX_FILE = "search-index.json"
HOME = "introduction"  # what /docs/ shows

# What an anonymous reader's examples show in place of their own values.
PLACEHOLDER_UUID = "your-uuid-here"
PLACEHOLDER_PING_KEY = "your-ping-key"

CHEATSHEET = [
    "* * * * *", "*/5 * * * *", "*/15 * * * *", "0 * * * *", "30 */2 * * *", "0 */6 * * *",
    "0 0 * * *", "15 4 * * *", "30 6 * * 1-5", "0 9-17 * * 1-5", "0 0 * * 0", "0 3 * * 6,0",
    "0 0 1 * *", "0 12 L * *", "0 9 * * 1#1", "0 0 1 1 *", "0 0 1 */3 *",
]  # fmt: skip
CHEATSHEET_RUNS = 3

_GENERATED = re.compile(r"^\[\[(api-reference|cron-cheatsheet|deploy-guide|readme:[^\]]+)\]\]$", re.MULTILINE)
# Notes for tests/web/test_docs_on_the_stack.py (what an example does when run); not shown.
_EXAMPLE_NOTE = re.compile(r"^<!-- example:.*?-->\n", re.MULTILINE)
_HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)</h\1>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    section: str
    body: str  # HTML with %PLACEHOLDERS% still in it
    toc: list[tuple[int, str, str]]  # (level, anchor, text) of its h2 and h3 headings

    @property
    def url(self) -> str:
        return "/docs/" if self.slug == HOME else f"/docs/{self.slug}/"


def page(slug: str, now: datetime) -> Page | None:
    """The page, rendered (the cheat sheet's run times are as of `now`); None for an unknown slug."""
    if slug not in SLUGS:
        return None
    return _render(slug, now) if slug == "cron" else _static_page(slug)


@cache
def _static_page(slug: str) -> Page:
    return _render(slug, None)


def _render(slug: str, now: datetime | None) -> Page:
    source = _EXAMPLE_NOTE.sub("", source_text(slug))
    source = _GENERATED.sub(lambda m: _generated(m.group(1), now), source)
    converter = markdown.Markdown(
        extensions=["toc", "tables", "fenced_code", "attr_list", "sane_lists"],
        extension_configs={"toc": {"toc_depth": "2-3"}},
    )
    body = converter.convert(source)
    title_match = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.DOTALL)
    title = _text(title_match.group(1)) if title_match else slug
    section = next(name for name, slugs in CONTENTS if slug in slugs)
    toc = [(int(level), anchor, _text(inner)) for level, anchor, inner in _HEADING.findall(body)]
    return Page(slug, title, section, body, toc)


def source_text(slug: str) -> str:
    """The page's Markdown as written (with its example notes and generated-part markers)."""
    return (DOCS / f"{slug}.md").read_text(encoding="utf-8")


@cache
def titles() -> dict[str, str]:
    """Every page's title (its h1) by slug, for the navigation."""
    return {slug: _static_page(slug).title for slug in SLUGS}


def _generated(name: str, now: datetime | None) -> str:
    if name == "api-reference":
        return docs_api.reference_markdown()
    if name == "cron-cheatsheet":
        return _cheatsheet(now)
    if name == "deploy-guide":
        return deploy_guide()
    return readme_section(name.removeprefix("readme:"))


def readme_section(heading: str) -> str:
    """A "## heading" section of README.md up to its first paragraph after the table, without
    its links to repository files (they do not exist on the site)."""
    text = Path(settings.README_PATH).read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    if match is None:
        raise LookupError(f"README.md has no section {heading!r}")
    return _without_repository_links(match.group(1))


def deploy_guide() -> str:
    """docs/DEPLOY.md from its first numbered step on (its title and overview are the page's own)."""
    text = Path(settings.DEPLOY_GUIDE_PATH).read_text(encoding="utf-8")
    return _without_repository_links(text[text.index("\n## ") + 1:])


def _without_repository_links(markdown_text: str) -> str:
    """Links to the repository's files as their plain words: those files are not on the site."""
    return re.sub(r"\[([^\]]+)\]\((?!https?:|/docs/)[^)]+\)", r"\1", markdown_text)


def _cheatsheet(now: datetime | None) -> str:
    """A Markdown table of CHEATSHEET: cronsim's explanation and, given `now`, the next runs in UTC."""
    rows = ["| expression | meaning | next runs (UTC) |", "|---|---|---|"]
    for expression in CHEATSHEET:
        meaning = CronSim(expression, datetime(2000, 1, 1)).explain()
        runs = ""
        if now is not None:
            times = schedules.fire_times("cron", expression, "UTC", now, CHEATSHEET_RUNS)
            runs = "<br>".join(moment.strftime("%a %b %-d, %H:%M") for moment in times)
        rows.append(f"| `{expression}` | {meaning} | {runs} |")
    return "\n".join(rows) + "\n"


def _text(fragment: str) -> str:
    """HTML's text: tags dropped, entities decoded, white space collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


# -- the reader's own values --------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """What a page's examples show: the reader's project, its first check and ping key, or placeholders."""

    project_code: str | None = None
    project_name: str = ""
    check_name: str = ""
    check_code: str | None = None
    ping_key: str | None = None
    chosen: bool = False  # the project came from ?project=, so links between pages keep it
    projects: tuple[tuple[str, str], ...] = ()  # (code, name) of every project the reader may pick

    def values(self) -> dict[str, str]:
        endpoint = settings.PING_ENDPOINT
        uuid = self.check_code or PLACEHOLDER_UUID
        domain = settings.PING_EMAIL_DOMAIN or "your-email-ping-domain"
        return {
            "%PING_URL%": endpoint + uuid,
            "%PING_ENDPOINT%": endpoint,
            "%PING_KEY%": self.ping_key or PLACEHOLDER_PING_KEY,
            "%UUID%": uuid,
            "%PING_EMAIL%": f"{uuid}@{domain}",
            "%EMAIL_DOMAIN%": domain,
            "%SITE_NAME%": settings.SITE_NAME,
            "%SITE_ROOT%": settings.SITE_ROOT,
        }


ANONYMOUS = Reader()


def reader(user: User | None, project_code: str = "") -> Reader:
    """The project named by ?project= (404 if the user is not in it), else the user's first project
    by name, with its first check; placeholders for anonymous readers and users with no project."""
    if user is None:
        return ANONYMOUS
    codes = [member.project for member in access.memberships(user)]
    found = sorted(Project.batch_get(codes), key=lambda p: ((p.name or "").lower(), p.code)) if codes else []
    if project_code:
        project, _ = access.project_for(user, project_code, "read")
    elif found:
        project = found[0]
    else:
        return ANONYMOUS
    first = next(iter(check_summary.project_checks(project.code)), None)
    return Reader(
        project_code=project.code, project_name=project.name or "Unnamed project",
        check_name=(first.name or first.code) if first else "", check_code=first.code if first else None,
        ping_key=project.ping_key, chosen=bool(project_code),
        projects=tuple((p.code, p.name or "Unnamed project") for p in found),
    )  # fmt: skip


def fill(body: str, values: dict[str, str]) -> str:
    """The page's HTML with each %PLACEHOLDER% replaced by its escaped value."""
    pattern = re.compile("|".join(re.escape(token) for token in values))
    return pattern.sub(lambda m: html.escape(values[m.group(0)]), body)


def keep_project(body: str, project_code: str) -> str:
    """Links to other docs pages carry ?project=, so the examples keep the reader's choice."""
    return re.sub(r'href="(/docs/[^"#?]*)(#[^"]*)?"', lambda m: f'href="{m.group(1)}?project={project_code}{m.group(2) or ""}"', body)


# -- search -----------------------------------------------------------------------------------------


@cache
def search_index() -> list[dict]:
    """The index the package carries, else one built from the pages; kept for the process."""
    prebuilt = DOCS / SEARCH_INDEX_FILE
    if prebuilt.exists():
        return json.loads(prebuilt.read_text(encoding="utf-8"))
    return build_search_index()


def build_search_index() -> list[dict]:
    """One entry per page part (its top, each h2 and h3): url, page, title, text."""
    entries = []
    for slug in SLUGS:
        rendered = _static_page(slug)
        body = fill(rendered.body, ANONYMOUS.values())
        cuts = [(m.start(), m.group(2), _text(m.group(3))) for m in _HEADING.finditer(body)]
        starts = [(0, "", rendered.title), *cuts]
        for i, (start, anchor, title) in enumerate(starts):
            end = starts[i + 1][0] if i + 1 < len(starts) else len(body)
            part = body[start:end]
            if i == 0:
                part = re.sub(r"<h1[^>]*>.*?</h1>", "", part, flags=re.DOTALL)
            else:
                part = _HEADING.sub("", part, count=1)
            entries.append({
                "url": rendered.url + (f"#{anchor}" if anchor else ""),
                "page": rendered.title,
                "title": title,
                "text": _text(part),
            })  # fmt: skip
    return entries


def search(query: str, limit: int = 30) -> list[dict]:
    """Entries holding every word of the query (case-insensitive), those with the words in their
    title first; each with a snippet around the first hit. The browser's docs.js does the same."""
    words = [word for word in query.lower().split() if word][:10]
    if not words:
        return []
    found = []
    for entry in search_index():
        title, text = entry["title"].lower(), entry["text"].lower()
        if all(word in title or word in text for word in words):
            score = sum(10 * (word in title) + min(text.count(word), 5) for word in words)
            found.append((-score, len(found), entry))
    found.sort(key=lambda item: item[:2])
    return [{**entry, "snippet": _snippet(entry["text"], words[0])} for _, _, entry in found[:limit]]


def _snippet(text: str, word: str, width: int = 160) -> str:
    at = max(text.lower().find(word), 0)
    start = max(at - width // 3, 0)
    return ("…" if start else "") + text[start:start + width] + ("…" if start + width < len(text) else "")
