"""The badges page: the chosen badge's URL, its preview and the JSON it serves."""
import html
import json
import re
from urllib.parse import quote

from chalicelib import settings
from chalicelib.checks import badges


def url_on(body: str) -> str:
    return html.unescape(re.search(r'id="badge-url" value="([^"]+)"', body).group(1))


def test_page_shows_the_all_checks_svg_badge(web, project, check):
    response = web.get(f"/projects/{project.code}/badges/")
    assert response.status_code == 200
    assert url_on(response.body.decode()) == badges.badge_url(project.badge_key, "*", "svg", False)


def test_tag_json_three_states(web, project, make_check):
    make_check(name="a", tags="prod")
    response = web.xhr("POST", f"/projects/{project.code}/badges/", {"target": "tag", "tag": "prod", "fmt": "json", "states": "3"})
    body = response.body.decode()
    assert url_on(body) == badges.badge_url(project.badge_key, "prod", "json", True)
    assert json.loads(html.unescape(re.search(r'<pre id="badge-body">(.*?)</pre>', body, re.S).group(1))) == {
        "status": "up", "total": 1, "grace": 0, "down": 0,
    }


def test_one_check_shields_url(web, project, check):
    response = web.xhr("POST", f"/projects/{project.code}/badges/", {"target": "check", "check": check.code, "fmt": "shields", "states": "2"})
    own = f"{settings.SITE_ROOT}/b/2/{check.badge_key}.shields"
    assert url_on(response.body.decode()) == "https://img.shields.io/endpoint?url=" + quote(own, safe="")


def test_the_shown_url_serves_the_badge(web, client, project, check):
    url = url_on(web.get(f"/projects/{project.code}/badges/").body.decode())
    response = client.get(url.removeprefix(settings.SITE_ROOT))
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/svg+xml"


def test_unknown_tag_or_check_falls_back_to_all_checks(web, project, check):
    response = web.xhr("POST", f"/projects/{project.code}/badges/", {"target": "tag", "tag": "nope", "fmt": "svg", "states": "2"})
    assert url_on(response.body.decode()) == badges.badge_url(project.badge_key, "*", "svg", False)


def test_full_page_post_without_script(web, project, check):
    response = web.post(f"/projects/{project.code}/badges/", {"target": "all", "fmt": "json", "states": "3"})
    assert response.status_code == 200 and "<h1>Status badges</h1>" in response.body.decode()
