"""Steps the browser journeys share: a browser page, a new account signed up and logged in by
the link it was mailed, a check added or opened from the checks list."""
import contextlib
import email
import email.policy
import re

from playwright.sync_api import expect

from tests.support.stack import poll

DESKTOP = {"width": 1280, "height": 900}
WAIT_MS = 15_000  # the checks list and the details page poll every few seconds


@contextlib.contextmanager
def browser_page(chromium, viewport: dict = DESKTOP, timeout_ms: int = WAIT_MS):
    """A page in a browser context of its own, closed afterwards."""
    context = chromium.new_context(viewport=viewport)
    context.set_default_timeout(timeout_ms)
    try:
        yield context.new_page()
    finally:
        context.close()


def mailed(site, address: str = "") -> list[tuple[str, str]]:
    """(subject, plain text) of the messages the stack mailed (to `address`, if given), oldest
    first, read from its outbox folder."""
    found = []
    for path in sorted((site.data_dir / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if address in message["To"]:
            found.append((message["Subject"] or "", message.get_body(("plain",)).get_content()))
    return found


def alerts(site, address: str = "") -> list[tuple[str, str]]:
    """(subject, text) of the down and up alerts mailed so far, oldest first."""
    return [(subject, text) for subject, text in mailed(site, address) if re.match(r"^(DOWN|UP) \| ", subject)]


def wait_for_alert(site, subject: str, timeout: float, address: str = "", containing: str = "") -> str:
    """The text of the first alert mailed with this subject (and text), waiting up to `timeout` seconds."""
    def found():
        return next((text for s, text in alerts(site, address) if s == subject and containing in text), None)

    return poll(found, timeout, f"the alert {subject!r}" + (f" saying {containing!r}" if containing else ""))


def login_links(site, address: str) -> list[str]:
    """Login links mailed to `address`, oldest first."""
    pattern = re.escape(site.base) + r"/accounts/check_token/\S+"
    return [link for _, text in mailed(site, address) for link in re.findall(pattern, text)]


def follow_login_link(page, link: str) -> None:
    page.goto(link)
    button = page.locator("#login-with-link")
    if button.count():  # no auto-login cookie in this browser: the click-to-log-in form
        button.click()


def sign_up(page, site, address: str) -> None:
    """Sign up as `address` (on the login page unless the sign-up form is showing) and follow the
    newest link mailed to it: the new account's first project opens, with "My First Check"."""
    if not page.locator("#signup-email").count():
        page.goto(f"{site.base}/accounts/login/")
    page.fill("#signup-email", address)
    page.click("#signup-form button[type=submit]")
    expect(page.get_by_text("Check your email")).to_be_visible()
    follow_login_link(page, login_links(site, address)[-1])


def add_check(page, name: str, slug: str = "") -> str:
    """Add a check from the checks list; its code."""
    page.click("#add-check-button")
    page.fill("#add-name", name)
    if slug:
        page.fill("#add-slug", slug)
    page.click("#add-check-form button.primary")
    row = page.locator("tr.check-row", has_text=name)
    expect(row).to_be_visible()
    return row.get_attribute("data-code")


def open_check(page, name: str) -> str:
    """Open a check's details page from the checks list; its code."""
    page.locator("tr.check-row", has_text=name).locator("a.check-name").click()
    expect(page).to_have_url(re.compile(r"/checks/[0-9a-f-]+/details/$"))
    return re.search(r"/checks/([0-9a-f-]+)/details/", page.url)[1]
