"""Project, tag and per-check badges: signatures, URL listing, aggregation and renderings."""
import base64
import hashlib
import hmac
import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import quote

import pytest

from chalicelib import settings
from chalicelib.checks import badges, checks

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def secret(monkeypatch):
    monkeypatch.setattr(settings, "SECRET_KEY", "fixed-test-secret")
    return "fixed-test-secret"


@pytest.fixture
def set_state(ping, now):
    """set_state(check, "up"|"late"|"down"|"started"|"paused"|"new") as of now."""

    def apply(check, state):
        if state == "up":
            ping(check, now - timedelta(hours=1))
        elif state == "late":
            # Default timeout 1 day, grace 1 hour: a minute past due is in grace.
            ping(check, now - timedelta(days=1, minutes=1))
        elif state == "down":
            ping(check, now - timedelta(days=1, hours=1, minutes=1))
        elif state == "started":
            ping(check, now - timedelta(hours=2), "start")
        elif state == "paused":
            # Pings since the check was made changed its stored status: pause the current item.
            checks.pause(checks.get(check.code), now)

    return apply


def sig(project, tag, with_late=True):
    return badges.signature(project.badge_key, tag) + ("" if with_late else "-2")


def get(project, tag, fmt, now, with_late=True):
    """A project badge as its listed URL would fetch it; JSON bodies decoded."""
    badge = badges.project_badge(project.badge_key, sig(project, tag, with_late), tag, fmt, now)
    return json.loads(badge.body) if fmt != "svg" else badge


def svg_texts(body):
    return [t.text for t in ET.fromstring(body).iter(SVG + "text")]


def test_signature_matches_the_documented_formula(secret):
    key = hashlib.sha1(("my-badge-key" + secret).encode()).digest()
    mac = hmac.new(key, b"db-backups", hashlib.sha1).digest()
    expected = base64.urlsafe_b64encode(mac).decode().rstrip("=")[:8]
    assert badges.signature("my-badge-key", "db-backups") == expected


def test_signature_is_stable(secret):
    assert badges.signature("my-badge-key", "db-backups") == "-fq0Qe-C"
    assert badges.signature("my-badge-key", "*") == badges.signature("my-badge-key", "*")


def test_signature_differs_by_tag_and_key(secret):
    assert badges.signature("k", "a") != badges.signature("k", "b")
    assert badges.signature("k", "a") != badges.signature("j", "a")


def test_listing_has_every_tag_and_star_in_two_and_three_states(project):
    listed = badges.project_badge_urls(project, ["db", "prod"])["badges"]
    assert list(listed) == ["db", "prod", "*"]
    root = f"{settings.SITE_ROOT}/badge/{project.badge_key}"
    assert listed["db"] == {
        "svg": f"{root}/{sig(project, 'db', False)}/db.svg",
        "svg3": f"{root}/{sig(project, 'db')}/db.svg",
        "json": f"{root}/{sig(project, 'db', False)}/db.json",
        "json3": f"{root}/{sig(project, 'db')}/db.json",
        "shields": f"{root}/{sig(project, 'db', False)}/db.shields",
        "shields3": f"{root}/{sig(project, 'db')}/db.shields",
    }
    assert listed["*"]["svg"] == f"{root}/{sig(project, '*', False)}.svg"
    assert listed["*"]["shields3"] == f"{root}/{sig(project, '*')}.shields"


def test_bad_signature_is_none(project, make_check, now):
    make_check(tags="db")
    assert badges.project_badge(project.badge_key, "AAAAAAAA", "db", "svg", now) is None
    assert badges.project_badge(project.badge_key, sig(project, "prod"), "db", "svg", now) is None
    assert badges.project_badge(project.badge_key, sig(project, "db"), None, "svg", now) is None


def test_unknown_project_key_is_none(aws, now):
    key = "00000000-0000-4000-8000-000000000000"
    assert badges.project_badge(key, badges.signature(key, "*"), None, "svg", now) is None


def test_unknown_format_is_none(project, now):
    assert badges.project_badge(project.badge_key, sig(project, "*"), None, "png", now) is None


def test_only_the_first_eight_signature_characters_count(project, now):
    assert badges.project_badge(project.badge_key, sig(project, "*") + "xyz", None, "json", now)


@pytest.mark.parametrize(
    "state, status, counts",
    [("up", "up", (1, 0, 0)), ("late", "late", (1, 1, 0)), ("down", "down", (1, 0, 1))],
)
def test_json_three_state(project, make_check, set_state, now, state, status, counts):
    set_state(make_check(), state)
    set_state(make_check(), "up")
    total, grace, down = counts
    assert get(project, "*", "json", now) == {
        "status": status, "total": total + 1, "grace": grace, "down": down
    }


def test_json_two_state_shows_late_as_up_but_counts_grace(project, make_check, set_state, now):
    set_state(make_check(), "late")
    assert get(project, "*", "json", now, with_late=False) == {
        "status": "up", "total": 1, "grace": 1, "down": 0
    }


def test_down_wins_over_late(project, make_check, set_state, now):
    set_state(make_check(), "late")
    set_state(make_check(), "down")
    assert get(project, "*", "json", now) == {"status": "down", "total": 2, "grace": 1, "down": 1}


@pytest.mark.parametrize(
    "state, with_late, message, color",
    [
        ("up", True, "up", "success"),
        ("late", True, "late", "important"),
        ("late", False, "up", "success"),
        ("down", False, "down", "critical"),
    ],
)
def test_shields(project, make_check, set_state, now, state, with_late, message, color):
    set_state(make_check(tags="db"), state)
    assert get(project, "db", "shields", now, with_late) == {
        "schemaVersion": 1, "label": "db", "message": message, "color": color
    }


@pytest.mark.parametrize(
    "state, with_late, status, color",
    [
        ("up", True, "up", "#4c1"),
        ("late", True, "late", "#fe7d37"),
        ("late", False, "up", "#4c1"),
        ("down", True, "down", "#e05d44"),
    ],
)
def test_svg(project, make_check, set_state, now, state, with_late, status, color):
    set_state(make_check(tags="db"), state)
    badge = get(project, "db", "svg", now, with_late)
    assert badge.content_type == "image/svg+xml"
    root = ET.fromstring(badge.body)
    assert root.get("height") == "20"
    fills = [rect.get("fill") for rect in root.iter(SVG + "rect")]
    assert "#555" in fills and color in fills
    assert svg_texts(badge.body) == ["db", "db", status, status]


def test_svg_width_follows_the_text(project, now):
    narrow, wide = badges.svg("ill", "up"), badges.svg("WWW", "up")
    width = lambda body: int(ET.fromstring(body).get("width"))  # noqa: E731
    assert width(narrow) == 3 * 3 + 10 + 7 * 2 + 10
    assert width(wide) > width(narrow)


def test_json_and_shields_content_type(project, now):
    key, signature = project.badge_key, sig(project, "*")
    for fmt in ("json", "shields"):
        assert badges.project_badge(key, signature, None, fmt, now).content_type == "application/json"


def test_tag_badge_counts_only_checks_with_that_tag(project, make_check, set_state, now):
    set_state(make_check(tags="db prod"), "up")
    set_state(make_check(tags="prod"), "down")
    set_state(make_check(tags="dbx"), "down")
    assert get(project, "db", "json", now) == {"status": "up", "total": 1, "grace": 0, "down": 0}
    assert get(project, "prod", "json", now)["total"] == 2


def test_star_badge_counts_all_checks_with_master_label(project, make_check, monkeypatch, now):
    monkeypatch.setattr(settings, "MASTER_BADGE_LABEL", "Acme")
    make_check(tags="db")
    make_check()
    assert get(project, "*", "json", now)["total"] == 2
    assert get(project, "*", "shields", now)["label"] == "Acme"


def test_started_check_past_grace_is_down(project, make_check, set_state, now):
    set_state(make_check(), "started")
    assert get(project, "*", "json", now) == {"status": "down", "total": 1, "grace": 0, "down": 1}


def test_started_check_within_grace_is_up(project, make_check, ping, now):
    ping(make_check(), now - timedelta(minutes=5), "start")
    assert get(project, "*", "json", now)["status"] == "up"


def test_new_and_paused_count_as_up(project, make_check, set_state, now):
    make_check()
    set_state(make_check(), "down")
    paused = make_check()
    set_state(paused, "down")
    set_state(paused, "paused")
    assert get(project, "*", "json", now) == {"status": "down", "total": 3, "grace": 0, "down": 1}


def test_new_and_paused_alone_are_up(project, make_check, set_state, now):
    make_check()
    set_state(make_check(), "paused")
    assert get(project, "*", "json", now) == {"status": "up", "total": 2, "grace": 0, "down": 0}


def test_check_badge_three_state(make_check, set_state, now):
    check = make_check(name="Backups")
    set_state(check, "late")
    badge = badges.check_badge(check.badge_key, "3", "json", now)
    assert json.loads(badge.body) == {"status": "late", "total": 1, "grace": 1, "down": 0}
    assert json.loads(badges.check_badge(check.badge_key, "3", "shields", now).body)["label"] == "Backups"


def test_check_badge_two_state(make_check, set_state, now):
    check = make_check(name="Backups")
    set_state(check, "late")
    assert json.loads(badges.check_badge(check.badge_key, "2", "json", now).body)["status"] == "up"
    set_state(check, "down")
    badge = badges.check_badge(check.badge_key, "2", "json", now)
    assert json.loads(badge.body) == {"status": "down", "total": 1, "grace": 0, "down": 1}


def test_check_badge_label_is_uuid_without_name(make_check, now):
    check = make_check()
    badge = badges.check_badge(check.badge_key, "2", "svg", now)
    assert svg_texts(badge.body)[0] == check.code


def test_check_badge_unknown_key_format_or_states_is_none(make_check, now):
    check = make_check()
    assert badges.check_badge("00000000-0000-4000-8000-000000000000", "2", "svg", now) is None
    assert badges.check_badge(check.badge_key, "2", "png", now) is None
    assert badges.check_badge(check.badge_key, "x", "svg", now) is None
    assert badges.check_badge(check.badge_key, "\u00b2", "svg", now) is None


def test_svg_escapes_the_label(project, make_check, now):
    make_check(tags="a&b<c>")
    badge = badges.project_badge(project.badge_key, sig(project, "a&b<c>"), quote("a&b<c>"), "svg", now)
    assert "a&amp;b&lt;c&gt;" in badge.body and "a&b" not in badge.body
    assert svg_texts(badge.body)[0] == "a&b<c>"


def _from_url(url):
    """(badge key, signature segment, quoted tag or None, fmt) from a listed URL's path."""
    parts = url[len(settings.SITE_ROOT):].split("/")[2:]
    if len(parts) == 2:
        signature, fmt = parts[1].rsplit(".", 1)
        return parts[0], signature, None, fmt
    tag, fmt = parts[2].rsplit(".", 1)
    return parts[0], parts[1], tag, fmt


def test_quoted_tag_round_trips_through_listing_url(project, make_check, set_state, now):
    set_state(make_check(tags="db@dc1"), "down")
    url = badges.project_badge_urls(project, ["db@dc1"])["badges"]["db@dc1"]["json"]
    assert "/db%40dc1.json" in url
    body = json.loads(badges.project_badge(*_from_url(url), now).body)
    assert body == {"status": "down", "total": 1, "grace": 0, "down": 1}


@pytest.mark.parametrize(
    "tag, segment",
    [
        ("db@dc1", "db%2540dc1"),  # Healthchecks' double-quoted URL, router left it quoted
        ("db@dc1", "db%40dc1"),  # the same after a router that decodes once
        ("a%41", "a%2541"),  # a literal "%" in a tag, router left it quoted
        ("a%41", "a%41"),  # ... and after a router that decodes once
    ],
)
def test_quoted_tag_is_found_however_often_it_was_decoded(project, make_check, now, tag, segment):
    make_check(tags=tag)
    badge = badges.project_badge(project.badge_key, sig(project, tag), segment, "json", now)
    assert json.loads(badge.body)["total"] == 1


def test_badge_headers_never_cache_and_allow_any_origin():
    assert "no-store" in badges.BADGE_HEADERS["Cache-Control"]
    assert badges.BADGE_HEADERS["Access-Control-Allow-Origin"] == "*"


# Over HTTP, through the routes


def test_listed_badge_urls_answer_over_http(api, client, make_check):
    make_check(name="db", tags="db")
    listing = json.loads(api("GET", "/api/v3/badges/", key="ro").body)["badges"]
    for tag in ("db", "*"):
        for fmt, content_type in [("svg", "image/svg+xml"), ("json3", "application/json"), ("shields", "application/json")]:
            path = listing[tag][fmt].replace(settings.SITE_ROOT, "")
            response = client.get(path, headers={"Accept": "*/*"})
            assert response.status_code == 200, path
            assert response.headers["Content-Type"].startswith(content_type)
            assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_forged_badge_url_is_404_over_http(client, project):
    assert client.get(f"/badge/{project.badge_key}/AAAAAAAA/db.svg").status_code == 404


def test_check_badge_answers_over_http(client, check):
    response = client.get(f"/b/3/{check.badge_key}.json")
    assert json.loads(response.body) == {"status": "up", "total": 1, "grace": 0, "down": 0}
