"""/tv/: a static page anyone may load; its script reads the API with read-only keys."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_tv_is_served_without_login(anonymous_web, aws):
    response = anonymous_web.get("/tv/")
    assert response.status_code == 200
    body = response.body.decode()
    assert 'id="tv-panels"' in body and "/static/tv.js?v=" in body


def test_tv_page_holds_no_project_data(anonymous_web, check):
    assert check.name not in anonymous_web.get("/tv/").body.decode()


def test_tv_script_reads_the_checks_api_with_the_keys_in_the_fragment():
    script = (ROOT / "static" / "tv.js").read_text()
    assert 'fetch("/api/v3/checks/", { headers: { "X-Api-Key": source.key } })' in script
    assert "location.hash" in script and "setInterval(refresh, 5000)" in script


def test_the_api_the_wallboard_reads_answers_a_read_only_key(api, check):
    response = api("GET", "/api/v3/checks/", key="ro")
    assert response.status_code == 200
    assert [c["name"] for c in response.json_body["checks"]] == ["Backups"]
