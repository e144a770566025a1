"""A journey in a real browser through the admin area: an operator made superuser at the command
line finds a user, changes their check limit, deactivates them and reads the audit lines; the
user's session ends and their login link no longer logs them in."""
import os
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.support.browser import follow_login_link, login_links, sign_up

pytestmark = pytest.mark.e2e
OPERATOR = "root@example.org"
PASSWORD = "a long operator password"
WORKER = "worker@example.org"
WAIT_MS = 15_000


@pytest.fixture(scope="module")
def browsers(site, chromium):
    """Two browsers: the operator's and the user's."""
    contexts = [chromium.new_context(viewport={"width": 1280, "height": 1000}) for _ in range(2)]
    for context in contexts:
        context.set_default_timeout(WAIT_MS)
    yield [context.new_page() for context in contexts]
    for context in contexts:
        context.close()


def cli(site, *argv: str) -> str:
    env = {**site.client_env(), "SUPERUSER_PASSWORD": PASSWORD}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run([sys.executable, "-m", "chalicelib.ops.cli", *argv], cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_an_operator_changes_a_limit_deactivates_a_user_and_reads_the_audit(site, browsers, screenshot):
    operator, worker = browsers
    # The user signs up, and asks for a second login link they have not used yet.
    sign_up(worker, site, WORKER)
    expect(worker.get_by_text("My First Check")).to_be_visible()
    operator.goto(f"{site.base}/accounts/login/")  # from a browser not logged in
    operator.fill("#link-email", WORKER)
    operator.click("#link-form button[type=submit]")
    expect(operator.get_by_text("Check your email")).to_be_visible()
    unused = login_links(site, WORKER)[-1]

    # The operator is made superuser at the command line and logs in with the password.
    cli(site, "createsuperuser", "--email", OPERATOR)
    operator.goto(f"{site.base}/accounts/login/")
    operator.fill("#login-email", OPERATOR)
    operator.fill("#login-password", PASSWORD)
    operator.click("#password-form button[type=submit]")
    operator.click("#nav-admin")
    operator.fill("#search-q", "worker")
    operator.click("#admin-search button[type=submit]")
    operator.get_by_role("link", name=WORKER).click()
    expect(operator.locator("#person-email")).to_have_text(WORKER)
    expect(operator.locator("#person-projects")).to_contain_text("Owner")

    operator.fill("#limit-check_limit", "3")
    operator.click("#save-limits")
    expect(operator.locator("#effective-check_limit")).to_have_text("3")
    operator.on("dialog", lambda dialog: dialog.accept())  # "Deactivate worker@example.org?"
    operator.click("#deactivate")
    expect(operator.locator("#account-state")).to_contain_text("Deactivated")
    lines = operator.locator("#admin-changes tbody tr")
    expect(lines).to_have_count(2)
    when = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
    expect(lines.nth(0).locator("td")).to_have_text([when, OPERATOR, "Account", "active", "deactivated"])
    expect(lines.nth(1).locator("td")).to_have_text([when, OPERATOR, "Checks (across owned projects)", "default", "3"])
    screenshot(operator, "admin-user")

    # The user's session is gone, and the unused link no longer logs them in.
    worker.reload()
    expect(worker).to_have_url(re.compile(r"/accounts/login/"))
    follow_login_link(worker, unused)
    expect(worker.get_by_text("This account is deactivated.")).to_be_visible()
    worker.goto(f"{site.base}/")
    expect(worker).to_have_url(re.compile(r"/accounts/login/"))
