"""Status pages over HTTP: the public page and its feeds show only what was chosen, answer 404
when unknown or unpublished, are cacheable and need no script; the editor refuses bad input."""
import email.utils
import json
import re
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest

from chalicelib import settings
from chalicelib.checks import flips, status_pages
from chalicelib.lib import clock
from chalicelib.store.models import Check, Flip
from tests.support.web_client import WebClient


@pytest.fixture
def at_now(monkeypatch, now):
    """The handlers' clock at the tests' `now`."""
    monkeypatch.setattr(clock, "now", lambda: now)


@pytest.fixture
def secret(project, make_check, now, ping):
    """A check whose every identifying detail must stay off the public page, with an incident."""
    check = make_check(name="Secret DB backup", slug="secret-db-backup", tags="hidden-tag", desc="runs on db7.internal")
    check.update(actions=[Check.created.set(now - timedelta(days=30))])
    ping(check, now - timedelta(hours=1))
    flips.write_flip(check, "up", "down", "timeout", now - timedelta(days=2))
    flips.write_flip(check, "down", "up", "", now - timedelta(days=2, minutes=-42))
    return Check.get(check.code)


@pytest.fixture
def editor_url(web, project, at_now):
    response = web.post(f"/projects/{project.code}/status_pages/", {"title": "Acme status"})
    assert response.status_code == 302
    return response.headers["Location"]


def save(web, url, check, **fields):
    form = {"save_page": "1", "title": "Acme", "show": f"check:{check.code}", f"name:check:{check.code}": "Nightly backups",
            "published": "on", **fields}  # fmt: skip
    return web.post(url, form)


@pytest.fixture
def published(web, editor_url, secret):
    assert save(web, editor_url, secret, slug="acme").status_code == 302
    return "/status/acme/"


@pytest.fixture
def visitor(client):
    return WebClient(client)


def test_the_public_page_shows_the_public_name_state_bars_and_incident(visitor, published):
    response = visitor.get(published)
    assert response.status_code == 200
    html = response.body.decode()
    assert "Nightly backups" in html and "All systems are up." in html
    assert len(re.findall(r'<li class="(full|minor|major|none)"', html)) == status_pages.DAYS
    assert "Nightly backups: down for 42 min" in html


@pytest.mark.parametrize("path", ["", "feed.atom", "feed.rss", "feed.json"])
def test_nothing_identifying_the_check_is_public_unless_chosen(visitor, published, secret, project, path):
    body = visitor.get(published + path).body.decode()
    hidden = [secret.name, secret.code, secret.slug, secret.badge_key, "hidden-tag", "db7.internal", project.code,
              project.ping_key, settings.PING_ENDPOINT + secret.code]  # fmt: skip
    assert [text for text in hidden if text in body] == []


def test_the_name_is_public_when_chosen_as_the_public_name(web, editor_url, visitor, secret):
    save(web, editor_url, secret, slug="acme", **{f"name:check:{secret.code}": secret.name})
    assert secret.name in visitor.get("/status/acme/").body.decode()


def test_every_bar_has_its_day_in_words(visitor, published):
    html = visitor.get(published).body.decode()
    bars = re.findall(r'<li class="(\w+)"(?: title="([^"]+)")?><span>([^<]+)</span></li>', html)
    assert len(bars) == status_pages.DAYS
    assert bars[-3] == ("minor", "13 Jan: 97.08% up, down 42 min", "13 Jan: 97.08% up, down 42 min")
    assert bars[-2] == ("full", "", "14 Jan: up")
    assert bars[0] == ("none", "18 Oct: no data", "18 Oct: no data")


def test_the_page_refreshes_itself_runs_no_script_and_may_be_cached_a_few_seconds(visitor, published):
    response = visitor.get(published)
    html = response.body.decode()
    assert '<meta http-equiv="refresh" content="60">' in html
    assert "<script" not in html
    assert response.headers["Cache-Control"] == "public, max-age=5"
    assert "Set-Cookie" not in response.headers and "set-cookie" not in response.headers
    assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'none': no script runs


def test_an_unknown_slug_is_404(visitor, at_now):
    for path in ("/status/nope/", "/status/nope/feed.atom", "/status/nope/feed.rss", "/status/nope/feed.json"):
        assert visitor.get(path).status_code == 404


def test_an_unpublished_page_is_404_with_its_feeds(web, editor_url, visitor, secret):
    save(web, editor_url, secret, slug="acme", published="")
    for path in ("/status/acme/", "/status/acme/feed.atom", "/status/acme/feed.rss", "/status/acme/feed.json"):
        assert visitor.get(path).status_code == 404


def test_a_new_page_is_unpublished(editor_url, visitor):
    slug = editor_url.rstrip("/").rsplit("/", 1)[1]
    assert visitor.get(f"/status/{slug}/").status_code == 404


def test_the_atom_feed_has_an_entry_per_incident(visitor, published, now):
    feed = ElementTree.fromstring(visitor.get(published + "feed.atom").body)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert [e.find("a:title", ns).text for e in entries] == ["Nightly backups was down for 42 min"]
    assert entries[0].find("a:published", ns).text == (now - timedelta(days=2)).isoformat()


def test_the_rss_feed_has_an_item_per_incident_dated_as_rss_wants(visitor, published, now):
    response = visitor.get(published + "feed.rss")
    assert response.headers["Content-Type"].startswith("application/rss+xml")
    channel = ElementTree.fromstring(response.body).find("channel")
    items = channel.findall("item")
    assert [item.find("title").text for item in items] == ["Nightly backups was down for 42 min"]
    assert email.utils.parsedate_to_datetime(items[0].find("pubDate").text) == now - timedelta(days=2)
    assert channel.find("link").text.endswith("/status/acme/")


def test_the_json_feed_carries_each_incidents_start_end_duration_and_notes(visitor, published, secret, now):
    status_pages.save_note(secret, now - timedelta(days=2), "A full disk.", may_replace=True)
    feed = json.loads(visitor.get(published + "feed.json").body)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    (item,) = feed["items"]
    assert item["_incident"] == {
        "name": "Nightly backups", "start": (now - timedelta(days=2)).isoformat(),
        "end": (now - timedelta(days=2, minutes=-42)).isoformat(), "duration_seconds": 2520, "ongoing": False,
        "notes": ["A full disk."],
    }  # fmt: skip


def test_a_note_written_by_a_member_is_shown_on_the_public_page(web, make_member, published, project, secret, visitor, now):
    web.login(make_member("w"))
    at = (now - timedelta(days=2)).isoformat()
    response = web.post(f"/projects/{project.code}/status_pages/acme/", {"save_note": "1", "check": secret.code, "at": at,
                                                                         "note": "The disk filled up."})  # fmt: skip
    assert response.status_code == 302
    assert "The disk filled up." in visitor.get(published).body.decode()


def test_a_member_may_not_change_a_written_note_but_a_manager_may(web, make_member, published, project, secret, now):
    at = now - timedelta(days=2)
    status_pages.save_note(secret, at, "First.", may_replace=False)
    url = f"/projects/{project.code}/status_pages/acme/"
    form = {"save_note": "1", "check": secret.code, "at": at.isoformat(), "note": "Changed."}
    web.login(make_member("w"))
    assert web.post(url, form).status_code == 403
    web.login(make_member("m"))
    assert web.post(url, form).status_code == 302
    assert Flip.get(secret.code, at).note == "Changed."


@pytest.mark.parametrize("at, status", [("yesterday", 400), ("2026-01-13T12:00:00", 400), ("2026-01-13T12:05:00+00:00", 404)])
def test_a_note_for_a_bad_or_unknown_time_is_refused(web, published, project, secret, at, status):
    form = {"save_note": "1", "check": secret.code, "at": at, "note": "x"}
    assert web.post(f"/projects/{project.code}/status_pages/acme/", form).status_code == status


def test_a_note_for_a_check_of_another_project_is_404(web, published, project, now):
    from chalicelib.accounts import projects
    from chalicelib.checks import checks

    theirs = checks.create_check(projects.create_project("Theirs", now).project, now, name="Theirs")
    flips.write_flip(theirs, "up", "down", "timeout", now - timedelta(hours=1))
    form = {"save_note": "1", "check": theirs.code, "at": (now - timedelta(hours=1)).isoformat(), "note": "Mine now."}
    assert web.post(f"/projects/{project.code}/status_pages/acme/", form).status_code == 404
    assert Flip.get(theirs.code, now - timedelta(hours=1)).note is None


@pytest.mark.parametrize("fields, message", [
    ({"slug": "Not OK"}, "lower-case letters"),
    ({"logo_url": "http://example.com/logo.png"}, "https://"),
    ({"title": ""}, "title of 1 to"),
    ({"message": "x" * 2001}, "up to 2000"),
    ({"name:check:{code}": ""}, "public name"),
    ({"show": "check:00000000-0000-4000-8000-000000000000"}, "not in this project"),
    ({"show": "tag:no-such-tag"}, "not in this project"),
])  # fmt: skip
def test_bad_page_settings_are_422_with_the_reason_and_nothing_is_saved(web, editor_url, secret, fields, message):
    fields = {name.format(code=secret.code): value for name, value in fields.items()}
    response = save(web, editor_url, secret, **fields)
    assert response.status_code == 422
    assert message in response.body.decode()
    slug = editor_url.rstrip("/").rsplit("/", 1)[1]
    assert status_pages.get(slug).items == "[]"


def test_a_slug_taken_on_the_site_is_422(web, editor_url, secret, project, now):
    status_pages.update(status_pages.create(project.code, "Other", now), {"title": "Other", "slug": "taken"}, [])
    response = save(web, editor_url, secret, slug="taken")
    assert response.status_code == 422
    assert "is taken" in response.body.decode()


def test_an_unknown_action_is_400(web, editor_url):
    assert web.post(editor_url, {"nothing": "1"}).status_code == 400


def test_a_page_of_another_project_is_404_in_this_ones_editor(web, project, now, at_now):
    from chalicelib.accounts import projects

    theirs = status_pages.create(projects.create_project("Theirs", now).project.code, "Theirs", now)
    assert web.get(f"/projects/{project.code}/status_pages/{theirs.slug}/").status_code == 404


def test_a_tag_shows_as_one_item_under_its_public_name(web, editor_url, visitor, make_check, secret, now):
    form = {"save_page": "1", "title": "Acme", "slug": "acme", "published": "on", "show": "tag:hidden-tag",
            "name:tag:hidden-tag": "Databases"}  # fmt: skip
    assert web.post(editor_url, form).status_code == 302
    html = visitor.get("/status/acme/").body.decode()
    assert "Databases" in html and "hidden-tag" not in html


def test_removing_a_page_makes_it_404(web, published, project, visitor):
    web.post(f"/projects/{project.code}/status_pages/acme/", {"remove_page": "1"})
    assert visitor.get(published).status_code == 404


def test_the_logo_is_shown_from_its_https_address(web, editor_url, secret, visitor):
    save(web, editor_url, secret, slug="acme", logo_url="https://cdn.example.com/acme.png")
    html = visitor.get("/status/acme/").body.decode()
    assert '<img class="logo" src="https://cdn.example.com/acme.png" alt=""' in html



def test_markup_in_the_title_message_and_public_names_is_escaped(web, editor_url, secret, visitor):
    markup = '<script>alert(1)</script>'
    save(web, editor_url, secret, slug="acme", title=markup, message=markup, **{f"name:check:{secret.code}": markup})
    html = visitor.get("/status/acme/").body.decode()
    assert "<script" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4  # title, heading, message, item


@pytest.mark.parametrize("role, allowed", [("m", True), ("w", False), ("r", False)])
def test_only_managers_publish(web, make_member, editor_url, secret, visitor, role, allowed):
    web.login(make_member(role))
    response = save(web, editor_url, secret, slug="acme")
    assert response.status_code == (302 if allowed else 403)
    assert visitor.get("/status/acme/").status_code == (200 if allowed else 404)


@pytest.mark.parametrize("role", ["w", "r"])
def test_members_see_no_page_settings_form(web, make_member, editor_url, role):
    web.login(make_member(role))
    html = web.get(editor_url).body.decode()
    assert 'id="page-settings"' not in html and 'name="remove_page"' not in html


def test_a_read_only_member_sees_notes_but_cannot_write_one(web, make_member, published, project, secret, now):
    status_pages.save_note(secret, now - timedelta(days=2), "A full disk.", may_replace=True)
    web.login(make_member("r"))
    html = web.get(f"/projects/{project.code}/status_pages/acme/").body.decode()
    assert "A full disk." in html and 'name="save_note"' not in html


def _css_rules(css: str) -> dict[str, dict[str, str]]:
    """selector -> {property: value} of a flat stylesheet, var(--x) replaced by :root's value."""
    rules = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)):
        declarations = dict(
            (name.strip(), value.strip()) for name, _, value in (d.partition(":") for d in body.split(";")) if value
        )
        for selector in selectors.split(","):
            rules.setdefault(selector.strip(), {}).update(declarations)
    variables = {name: value for name, value in rules[":root"].items() if name.startswith("--")}
    for declarations in rules.values():
        for name, value in declarations.items():
            declarations[name] = re.sub(r"var\((--[\w-]+)\)", lambda m: variables[m.group(1)], value)
    return rules


def _contrast(first: str, second: str) -> float:
    """WCAG 2's contrast ratio of two #rgb or #rrggbb colours."""
    def luminance(colour: str) -> float:
        digits = colour.lstrip("#")
        digits = "".join(d * 2 for d in digits) if len(digits) == 3 else digits
        channels = [int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_state_and_text_colour_meets_wcag_aa_contrast_and_every_bar_stands_out():
    rules = _css_rules((Path(settings.STATIC_DIR) / "status_page.css").read_text())
    page = rules["body"]["background"]
    text = {".headline-up", ".headline-late", ".headline-down", ".state-up", ".state-late", ".state-down", ".state-running",
            ".state-paused", ".state-new"}  # fmt: skip
    for selector in text:
        assert _contrast(rules[selector]["color"], rules[selector]["background"]) >= 4.5, selector
    for selector in ("body", ".legend", ".scale", ".uptime", ".page-foot", "a"):
        assert _contrast(rules[selector]["color"], page) >= 4.5, selector
    # WCAG's 3:1 for graphics: each bar against the page, and an empty day's outline.
    bars = [rules[".full"]["background"], rules[".minor"]["background"], rules[":root"]["--major"], rules[".none"]["border"].split()[-1]]
    for colour in bars:
        assert _contrast(colour, page) >= 3, colour
