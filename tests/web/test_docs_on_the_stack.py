"""The docs' examples run as written against the local stack (real HTTP), and do what the page says;
the docs pages and their search in a real browser, with screenshots under test-output/screenshots/.

Each runnable example is preceded in its Markdown by a note the pages do not show:
<!-- example: [job=<exit status of ./backup.sh>] [slug=<slug pinged>] [created] [check=<JSON without
spaces: more API fields for the check made for it>] expect <what the check shows afterwards: status=,
kind= (the last ping's type), body= (in the last ping's body), duration (the last ping has one),
stdout= (the example's output)> -->
Email examples send through the stack's SMTP listener: they read its URL from $SMTP_SERVER.
"""
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import requests
from playwright.sync_api import expect

from chalicelib.web import docs_site
from tests.support.stack import ROOT

pytestmark = pytest.mark.e2e

# The pages whose examples ping; every block on them in a language of RUNNERS must run. (C# and
# PowerShell have no Debian package: their pages' examples are not run.)
PINGING_PAGES = [
    "pinging-api", "measuring-run-time", "signaling-failures", "attaching-logs", "cron-jobs", "bash", "python", "nodejs",
    "ruby", "go", "php", "email-pings", "schedulers",
]  # fmt: skip
# How each language runs a file of the example's code (make test installs ruby, php-cli and golang-go).
RUNNERS = {
    "sh": ["bash"], "python": [sys.executable], "javascript": ["node"], "ruby": ["ruby"], "php": ["php"], "go": ["go", "run"],
}  # fmt: skip
EXTENSIONS = {"sh": "sh", "python": "py", "javascript": "js", "ruby": "rb", "php": "php", "go": "go"}
BLOCK = re.compile(r"(?:<!-- example: (.*?) -->\n)?```(\w+)\n(.*?)\n```", re.DOTALL)
TIMEOUT = 120  # go run compiles first
# The local stack's email-ping domain (chalicelib/local/runner.py defaults it to localhost).
EMAIL_DOMAIN = os.environ.get("PING_EMAIL_DOMAIN") or "localhost"


def examples() -> list[tuple[str, str, str, str | None]]:
    """(id, language, code, note) of every runnable block of PINGING_PAGES."""
    found = []
    for slug in PINGING_PAGES:
        blocks = [m for m in BLOCK.finditer(docs_site.source_text(slug)) if m.group(2) in RUNNERS]
        found += [(f"{slug}-{i + 1}", m.group(2), m.group(3), m.group(1)) for i, m in enumerate(blocks)]
    return found


def parse_note(note: str) -> dict[str, str]:
    """"job=1 slug=x created expect status=down duration" -> {"job": "1", ..., "duration": ""}."""
    return dict(part.partition("=")[::2] for part in note.split() if part != "expect")


class Live:
    """The stack, a project of its own and its keys, and a folder with the examples' ./backup.sh."""

    def __init__(self, site, workdir):
        created = subprocess.run(
            [sys.executable, "-m", "chalicelib.ops.cli", "createproject", "--name", "Docs examples"],
            cwd=ROOT, env=site.client_env(), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        self.keys = json.loads(created.stdout.strip().splitlines()[-1])
        self.site, self.workdir = site, workdir
        backup = workdir / "backup.sh"
        backup.write_text('#!/bin/sh\necho backup_ran\nexit "${BACKUP_EXIT:-0}"\n')
        backup.chmod(0o755)

    def api(self, method: str, path: str, body: dict | None = None):
        response = requests.request(
            method, f"{self.site.base}/api/v3{path}", json=body, headers={"X-Api-Key": self.keys["api_key"]}, timeout=10
        )
        assert response.status_code in (200, 201), response.text
        return response.json()

    def run(self, language: str, code: str, job: str) -> subprocess.CompletedProcess:
        """The example's code as a file in the work folder, run there by its language's runner."""
        script = self.workdir / f"example.{EXTENSIONS[language]}"
        script.write_text(code)
        # go run caches its builds under HOME; the work folder keeps them out of the tester's own.
        env = {**os.environ, "BACKUP_EXIT": job, "GOCACHE": str(self.workdir / ".gocache"),
               "SMTP_SERVER": f"smtp://127.0.0.1:{self.site.smtp_port}"}
        if shutil.which(RUNNERS[language][0]) is None:
            pytest.fail(f"{RUNNERS[language][0]} is not installed (make test installs it)")
        return subprocess.run(
            [*RUNNERS[language], script.name], cwd=self.workdir, env=env, capture_output=True, text=True, timeout=TIMEOUT
        )


@pytest.fixture(scope="module")
def live(site, tmp_path_factory):
    return Live(site, tmp_path_factory.mktemp("examples"))


def test_every_runnable_block_of_the_pinging_pages_says_what_it_does():
    missing = [example_id for example_id, _, _, note in examples() if note is None]
    assert not missing, f"runnable blocks without an example note: {missing}"
    assert len(examples()) >= 20


@pytest.mark.parametrize("example_id, language, code, note", examples(), ids=[e[0] for e in examples()])
def test_the_example_does_what_its_page_says(live, example_id, language, code, note):
    wants = parse_note(note)
    slug = wants.get("slug", "")
    spec = {"name": example_id, "slug": slug, **json.loads(wants.get("check", "{}"))}
    check = None if "created" in wants else live.api("POST", "/checks/", spec)
    uuid = check["uuid"] if check else "none"
    values = {
        "%PING_URL%": f"{live.site.base}/ping/{uuid}",
        "%PING_ENDPOINT%": f"{live.site.base}/ping/",
        "%PING_KEY%": live.keys["ping_key"],
        "%UUID%": uuid,
        "%PING_EMAIL%": f"{uuid}@{EMAIL_DOMAIN}",
        "%EMAIL_DOMAIN%": EMAIL_DOMAIN,
    }
    script = re.sub("|".join(map(re.escape, values)), lambda m: values[m.group(0)], code)
    result = live.run(language, script, wants.get("job", "0"))
    try:
        if check is None:
            [check] = live.api("GET", f"/checks/?slug={slug}")["checks"]
        state = live.api("GET", f"/checks/{check['uuid']}")
        pings = live.api("GET", f"/checks/{check['uuid']}/pings/")["pings"]
        said = f"{example_id}: stdout {result.stdout!r}, stderr {result.stderr!r}"
        if "status" in wants:
            assert state["status"] == wants["status"], said
        if "kind" in wants:
            assert pings and pings[0]["type"] == wants["kind"], said
        if "duration" in wants:
            assert pings[0].get("duration") is not None, said
        if "body" in wants:
            body = requests.get(pings[0]["body_url"], headers={"X-Api-Key": live.keys["api_key"]}, timeout=10).text
            assert wants["body"] in body, said
        if "stdout" in wants:
            assert wants["stdout"] in result.stdout, said
        assert "ping failed" not in result.stdout + result.stderr, said
    finally:
        for found in live.api("GET", f"/checks/?slug={slug}")["checks"] if slug else [check] if check else []:
            live.api("DELETE", f"/checks/{found['uuid']}")


# -- in a browser -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page(site, chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path, name", [
    ("/docs/", "docs-introduction"), ("/docs/pinging-api/", "docs-pinging-api"), ("/docs/cron/", "docs-cron-cheatsheet"),
])  # fmt: skip
def test_a_docs_page_in_the_browser(site, page, screenshot, path, name):
    page.goto(site.base + path)
    expect(page.locator("#docs-page h1")).to_be_visible()
    expect(page.locator(".docs-nav a[aria-current=page]")).to_have_count(1)
    screenshot(page, name)


def test_the_search_box_finds_pages_as_you_type(site, page, screenshot):
    page.goto(site.base + "/docs/")
    page.fill("#docs-search-input", "exit status")
    results = page.locator("#docs-search-results")
    expect(results).to_be_visible()
    expect(results.locator("a", has_text="Exit statuses")).to_be_visible()
    screenshot(page, "docs-search")
    results.locator("a", has_text="Exit statuses").click()
    expect(page).to_have_url(re.compile(r"/docs/signaling-failures/#exit-statuses$"))


def test_the_search_works_without_javascript(site, chromium, screenshot):
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site.base + "/docs/")
    page.fill("#docs-search-input", "time zone")
    page.press("#docs-search-input", "Enter")
    expect(page).to_have_url(re.compile(r"/docs/search/\?q=time\+zone$"))
    expect(page.locator("#docs-results a").first).to_be_visible()
    screenshot(page, "docs-search-no-js")
    context.close()
