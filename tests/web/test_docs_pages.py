"""/docs/: the pages render in the layout, every link and anchor resolves, the API reference lists
every operation, the reader's own ping URL fills the examples, and the search answers."""
import json
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

from chalicelib import settings
from chalicelib.accounts import projects
from chalicelib.checks import checks, schedules
from chalicelib.web import docs_api, docs_site

HREF = re.compile(r'href="([^"]+)"')
ID = re.compile(r'\bid="([^"]+)"')


def _internal(href: str) -> str | None:
    """The site path of a link to this site (SITE_ROOT or a bare path), else None."""
    if href.startswith(settings.SITE_ROOT + "/"):
        href = href[len(settings.SITE_ROOT):]
    if href.startswith("/") and not href.startswith("//"):
        return href
    return None


def test_every_page_of_the_contents_renders_inside_the_layout(anonymous_web):
    for slug in docs_site.SLUGS:
        response = anonymous_web.get(f"/docs/{slug}/")
        assert response.status_code == 200, slug
        body = response.body.decode()
        assert 'class="topbar"' in body and 'id="docs-page"' in body
        assert "<h1" in body


def test_every_internal_link_and_anchor_in_the_docs_resolves(anonymous_web):
    pages, queue, links = {}, ["/docs/"], []
    while queue:
        path = queue.pop()
        if path in pages:
            continue
        response = anonymous_web.get(path)
        assert response.status_code == 200, path
        pages[path] = response.body.decode()
        for href in HREF.findall(pages[path]):
            href = href.replace("&amp;", "&")
            if href.startswith("#"):
                links.append((path, path, href[1:]))
                continue
            target = _internal(href)
            if target is None:
                continue
            target_path, anchor = urldefrag(target)
            links.append((path, target_path, anchor))
            if urlsplit(target_path).path.startswith("/docs/") and "?" not in target_path:
                queue.append(target_path)
    assert len([p for p in pages if p.startswith("/docs/")]) >= len(docs_site.SLUGS)
    broken = []
    for source, target, anchor in links:
        if target not in pages:
            status = anonymous_web.get(target).status_code
            if status == 404:
                broken.append(f"{source} -> {target} (404)")
            continue
        if anchor and anchor not in ID.findall(pages[target]):
            broken.append(f"{source} -> {target}#{anchor} (no such anchor)")
    assert not broken, "\n".join(broken)


def test_the_api_reference_lists_every_operation_of_openapi_json(anonymous_web):
    body = anonymous_web.get("/docs/api/").body.decode()
    operations = docs_api.operations()
    assert len(operations) == sum(
        1 for item in docs_api.document()["paths"].values() for method in docs_api.METHODS if method in item
    )
    for method, path, operation in operations:
        assert f'id="{docs_api.anchor(operation)}"' in body, operation["operationId"]
        assert f"<code>{method} {path}</code>" in body.replace("&#123;", "{"), f"{method} {path}"


def test_the_api_reference_lists_the_fields_of_a_check(anonymous_web):
    body = anonymous_web.get("/docs/api/").body.decode()
    for field in docs_api.document()["components"]["schemas"]["CheckSpec"]["properties"]:
        assert f"<code>{field}</code>" in body, field


def test_an_anonymous_reader_sees_placeholders_in_the_examples(anonymous_web):
    body = anonymous_web.get("/docs/pinging-api/").body.decode()
    assert settings.PING_ENDPOINT + docs_site.PLACEHOLDER_UUID in body
    assert settings.PING_ENDPOINT + docs_site.PLACEHOLDER_PING_KEY + "/nightly-backup" in body
    assert "%PING_URL%" not in body and "%PING_KEY%" not in body


def test_a_logged_in_reader_sees_their_first_checks_ping_url_and_ping_key(web, project, make_check, now):
    first = make_check(name="Backups")
    checks.create_check(project, now + timedelta(minutes=1), name="Later")
    body = web.get("/docs/pinging-api/").body.decode()
    assert settings.PING_ENDPOINT + first.code in body
    assert settings.PING_ENDPOINT + project.ping_key + "/nightly-backup" in body
    assert docs_site.PLACEHOLDER_UUID not in body
    assert "Backups" in body  # the note naming the check the examples use


def test_a_reader_picks_another_project_and_the_links_keep_it(web, user, now):
    other = projects.create_project("Another project", now, owner=user.id).project
    projects.add_member(other.code, user.id, "owner", now)
    body = web.get("/docs/pinging-api/", {"project": other.code}).body.decode()
    assert settings.PING_ENDPOINT + other.ping_key + "/nightly-backup" in body
    assert f'href="/docs/signaling-failures/?project={other.code}"' in body
    assert f'<option value="{other.code}" selected>' in body


def test_a_project_the_reader_is_not_in_is_404(web, now):
    stranger = projects.create_project("Not mine", now).project
    assert web.get("/docs/", {"project": stranger.code}).status_code == 404
    assert web.get("/docs/", {"project": "not-a-uuid"}).status_code == 404


def test_an_unknown_docs_page_is_404(anonymous_web):
    response = anonymous_web.get("/docs/no-such-page/")
    assert response.status_code == 404
    assert "No such documentation page." in response.body.decode()


def test_search_without_javascript_finds_the_exit_status_section(anonymous_web):
    body = anonymous_web.get("/docs/search/", {"q": "exit status"}).body.decode()
    assert 'href="/docs/signaling-failures/#exit-statuses"' in body


def test_search_that_finds_nothing_says_so(anonymous_web):
    body = anonymous_web.get("/docs/search/", {"q": "zzyzx-nothing"}).body.decode()
    assert 'id="docs-no-results"' in body


def test_a_search_too_long_is_400(anonymous_web):
    assert anonymous_web.get("/docs/search/", {"q": "x" * 201}).status_code == 400


def test_the_search_index_covers_every_page_and_its_sections(anonymous_web):
    response = anonymous_web.get("/docs/search.json")
    index = response.json_body
    assert response.headers["Content-Type"] == "application/json"
    pages = {entry["page"] for entry in index}
    assert pages == set(docs_site.titles().values())
    assert {"url": "/docs/pinging-api/#run-ids", "page": "The pinging API", "title": "Run ids"}.items() <= next(
        e for e in index if e["url"] == "/docs/pinging-api/#run-ids"
    ).items()


def test_a_search_index_carried_beside_the_pages_is_read_not_built(tmp_path, monkeypatch):
    carried = [{"url": "/docs/x/", "page": "X", "title": "X", "text": "as the package build wrote it"}]
    (tmp_path / docs_site.SEARCH_INDEX_FILE).write_text(json.dumps(carried))
    monkeypatch.setattr(docs_site, "DOCS", tmp_path)
    monkeypatch.setattr(docs_site, "build_search_index", lambda: pytest.fail("the index was built"))
    docs_site.search_index.cache_clear()
    try:
        assert docs_site.search_index() == carried
    finally:
        docs_site.search_index.cache_clear()


def test_the_cron_cheat_sheet_gives_meanings_and_next_runs_by_cronsim(now):
    body = docs_site.page("cron", now).body
    assert "<code>15 4 * * *</code>" in body and "At 04:15 every day" in body
    [next_run] = schedules.fire_times("cron", "15 4 * * *", "UTC", now, 1)
    assert next_run.strftime("%a %b %-d, %H:%M") in body  # Fri Jan 16, 04:15


def test_the_configuration_page_shows_every_variable_of_the_readme(anonymous_web):
    body = anonymous_web.get("/docs/configuration/").body.decode()
    readme = docs_site.readme_section("Configuration")
    names = re.findall(r"^\| `([A-Z_]+)`", readme, re.MULTILINE)
    assert len(names) > 40
    for name in names:
        assert f"<code>{name}</code>" in body, name


def test_the_self_hosting_page_shows_every_step_of_the_deployment_guide(anonymous_web):
    body = anonymous_web.get("/docs/self-hosting/").body.decode()
    guide = Path(settings.DEPLOY_GUIDE_PATH).read_text(encoding="utf-8")
    steps = re.findall(r"^## (.+)$", guide, re.MULTILINE)
    assert len(steps) >= 10
    shown = [re.sub(r"<[^>]+>", "", heading) for heading in re.findall(r"<h2[^>]*>(.*?)</h2>", body)]
    assert all(re.sub(r"`([^`]*)`", r"\1", step) in shown for step in steps), (steps, shown)
    assert "aws ses set-active-receipt-rule-set" in body


@pytest.mark.parametrize("path, link", [
    ("/checks/{check}/details/", "/docs/pinging-api/"),
    ("/checks/{check}/details/", "/docs/configuring-checks/"),  # the schedule dialog
    ("/checks/{check}/details/", "/docs/cron/"),
    ("/projects/{project}/integrations/", "/docs/integrations/"),
])  # fmt: skip
def test_the_dashboards_help_links_point_into_the_docs(web, project, check, path, link):
    body = web.get(path.format(check=check.code, project=project.code)).body.decode()
    assert f'href="{link}"' in body
    assert web.get(link).status_code == 200


def test_every_docs_link_in_the_dashboards_templates_resolves_to_a_page_and_anchor(anonymous_web):
    links = set()
    for template in Path(settings.TEMPLATES_DIR).rglob("*.html"):
        if "docs" not in template.parts:  # the docs' own layout is crawled above
            links.update(re.findall(r'href="(/docs/[^"{]*)"', template.read_text(encoding="utf-8")))
    assert len(links) > 10
    broken = []
    for link in sorted(links):
        path, anchor = urldefrag(link)
        response = anonymous_web.get(path)
        if response.status_code != 200:
            broken.append(f"{link} ({response.status_code})")
        elif anchor and anchor not in ID.findall(response.body.decode()):
            broken.append(f"{link} (no such anchor)")
    assert not broken, "\n".join(broken)


def test_every_page_shows_a_docs_link(anonymous_web, web):
    assert 'href="/docs/"' in anonymous_web.get("/accounts/login/").body.decode()
    assert 'href="/docs/"' in web.get("/").body.decode()
