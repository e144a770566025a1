"""The Prometheus endpoint: the exact exposition, and which keys may read it."""
from datetime import timedelta

import pytest

from chalicelib import settings
from chalicelib.api import metrics
from chalicelib.checks.check_json import unique_key


@pytest.fixture
def scraped(make_check, now):
    up = make_check(name="Backups", tags="prod db", last_ping=now, status="up")
    down = make_check(name='Quote " and \\ slash', tags="prod", last_ping=now - timedelta(days=3), status="down")
    started = make_check(name="Reports", last_ping=now, status="up", last_start=now)
    return up, down, started


def test_exposition_lists_every_gauge(new_project, scraped, now):
    up, down, started = scraped
    result = metrics.scrape(new_project.project.code, new_project.api_key_readonly, now)
    rows = sorted([  # created at the same moment: listed by code
        (up.code, f'{{name="Backups", tags="prod db", unique_key="{unique_key(up.code)}"}}', 1, 0),
        (down.code, f'{{name="Quote \\" and \\\\ slash", tags="prod", unique_key="{unique_key(down.code)}"}}', 0, 0),
        (started.code, f'{{name="Reports", tags="", unique_key="{unique_key(started.code)}"}}', 1, 1),
    ])
    labels = [label for _, label, _, _ in rows]
    gauges = {
        "hc_check_up": [row[2] for row in rows], "hc_check_started": [row[3] for row in rows],
        "hc_check_grace": [0, 0, 0], "hc_check_paused": [0, 0, 0],
    }
    lines = []
    for name, values in gauges.items():
        lines += [line for line in result.body.splitlines() if line.startswith(name + "{")]
    assert lines == [f"{name}{label} {value}" for name, values in gauges.items() for label, value in zip(labels, values)]
    assert result.status_code == 200
    assert result.body.endswith(
        "# HELP hc_tag_up 1 if every check with this tag is up, 0 if any is down.\n# TYPE hc_tag_up gauge\n"
        'hc_tag_up{tag="db"} 1\nhc_tag_up{tag="prod"} 0\n\n'
        "# HELP hc_checks_total How many checks the project has.\n# TYPE hc_checks_total gauge\nhc_checks_total 3\n\n"
        "# HELP hc_checks_down_total How many of the project's checks are down.\n# TYPE hc_checks_down_total gauge\n"
        "hc_checks_down_total 1\n"
    )


def test_read_write_key_is_refused(new_project, now):
    assert metrics.scrape(new_project.project.code, new_project.api_key, now).status_code == 403


def test_key_of_another_project_is_refused(new_project, now):
    assert metrics.scrape("another-project", new_project.api_key_readonly, now).status_code == 403


@pytest.mark.parametrize("key, status", [(None, 401), ("short", 400), ("x" * 32, 403)])
def test_missing_malformed_and_unknown_keys(new_project, now, key, status):
    assert metrics.scrape(new_project.project.code, key, now).status_code == status


def test_routes_take_the_key_in_the_path_or_as_bearer(client, new_project, scraped):
    code, key = new_project.project.code, new_project.api_key_readonly
    in_path = client.get(f"/projects/{code}/metrics/{key}")
    bearer = client.get(f"/projects/{code}/metrics", headers={"Authorization": f"Bearer {key}"})
    assert in_path.status_code == bearer.status_code == 200
    assert in_path.headers["Content-Type"].startswith("text/plain")
    assert b"hc_checks_total 3" in bearer.body
    assert client.get(f"/projects/{code}/metrics").status_code == 401


def test_route_is_gone_when_prometheus_is_off(client, new_project, monkeypatch):
    monkeypatch.setattr(settings, "PROMETHEUS_ENABLED", False)
    assert client.get(f"/projects/{new_project.project.code}/metrics/{new_project.api_key_readonly}").status_code == 404
