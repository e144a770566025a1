"""Shared fixtures: moto in-process AWS, a project, checks, pings at a chosen "now"."""
import os
import sys
from datetime import datetime, timezone

# Before any chalicelib import: dummy credentials, and no endpoint so moto's mock intercepts.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION="us-east-1",
    STAGE="test",
)
for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
    del os.environ[name]
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

from chalicelib import settings
from chalicelib.accounts import projects
from chalicelib.checks import checks
from chalicelib.pings import intake
from chalicelib.store import aws as aws_clients  # noqa: E402
from chalicelib.store import models, storage  # noqa: E402

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)

pytest_plugins = ["tests.support.backends"]  # localstack_url: the e2e tests' second AWS emulator


# Folders whose files take minutes each (whole stacks, kill -9, every fault at every call): first,
# so that under pytest-xdist no worker starts one of them when the others are nearly done.
LONGEST_FOLDERS = ("reliability", "local")
# Files that share the session's two backend stacks (tests/support/backends.py): one worker runs
# them all, so those stacks start once.
BACKEND_STACK_FILES = {"tests/local/test_stack_backends.py", "tests/pings/test_email_pings_stack.py"}


def pytest_collection_modifyitems(items):
    """Stack tests are slow, and the tests under tests/infra/ are the infra ones; files with slow
    tests run first, the longest folders before them."""
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.slow)
        if item.path.parent.name == "infra":
            item.add_marker(pytest.mark.infra)
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}

    def rank(item) -> int:
        if item.path not in slow_files:
            return 2
        return 0 if item.path.parent.name in LONGEST_FOLDERS else 1

    items.sort(key=rank)  # stable: each file keeps its own order


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`make test`'s workers get whole files (their module fixtures start stacks and browsers),
    in the order collected (--no-loadscope-reorder), the backend-stack files together."""
    from xdist.scheduler import LoadFileScheduling

    class FilesAndSharedStacks(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = super()._split_scope(nodeid)
            return "backend stacks" if path in BACKEND_STACK_FILES else path

    return FilesAndSharedStacks(config, log)


@pytest.fixture
def now():
    return NOW


_session_mock = None


@pytest.fixture(scope="session")
def _aws_session():
    """moto's in-process mock with the tables made once; creating them costs ~1 s."""
    global _session_mock
    _session_mock = mock_aws()
    _session_mock.start()
    aws_clients.reset()
    models.create_tables()
    storage.create_bucket()
    yield
    _session_mock.stop()
    _session_mock = None


@pytest.fixture
def aws(_aws_session):
    """Every AWS call in the test goes to moto's in-process mock, starting from empty tables."""
    from moto.dynamodb.models import dynamodb_backends

    # Emptied in moto's memory: a Scan and BatchWrite per table took most of a short test's time.
    # The stream records go too: moto deep-copies a table, stream included, for each transaction.
    for backends in dynamodb_backends.values():
        for backend in backends.values():
            for table in backend.tables.values():
                table.items.clear()
                if table.stream_shard is not None:
                    table.stream_shard.items.clear()
    s3 = aws_clients.client("s3")
    for obj in s3.list_objects_v2(Bucket=settings.S3_BUCKET).get("Contents", []):
        s3.delete_object(Bucket=settings.S3_BUCKET, Key=obj["Key"])
    yield


@pytest.fixture
def real_aws_endpoint(monkeypatch):
    """For the CLI: an empty AWS_ENDPOINT_URL means real AWS, which moto's mock stands in for here."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "")


@pytest.fixture
def new_project(aws, now):
    return projects.create_project("Test project", now)


@pytest.fixture
def project(new_project):
    return new_project.project


@pytest.fixture
def make_check(project, now):
    def make(**fields):
        return checks.create_check(project, now, **fields)

    return make


@pytest.fixture
def check(make_check):
    return make_check(name="Backups", slug="backups")


@pytest.fixture
def ping():
    """Send a ping through the domain code: ping(check_or_path, now, action=..., **request)."""

    def send(target, now, *parts, method="GET", body=b"", query=None, ua="curl/8", addr="10.0.0.1"):
        path = [target.code, *parts] if isinstance(target, models.Check) else [*target, *parts]
        parsed = intake.parse_path(path)
        if isinstance(parsed, intake.PingResponse):
            return parsed
        request = intake.PingRequest(
            method=method, scheme="https", remote_addr=addr, ua=ua, body=body, query=query or {}
        )
        return intake.handle(parsed, request, now)

    return send




@pytest.fixture
def client(aws):
    """Chalice's test client on app.py: HTTP-shaped requests, handled in-process."""
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client.http


@pytest.fixture
def user(project, now):
    """The owner of `project`: the person most dashboard tests act as."""
    from chalicelib.accounts import users

    owner = users.create_user("alice@example.org", now)
    project.update(actions=[models.Project.owner.set(owner.id)])
    projects.add_member(project.code, owner.id, "owner", now)
    return owner


@pytest.fixture
def make_member(project, now):
    """make_member(role) -> a new user with that role ("m", "w" or "r") in `project`."""
    from chalicelib.accounts import users

    def make(role, email=None):
        member = users.create_user(email or f"{role}-member@example.org", now)
        projects.add_member(project.code, member.id, role, now)
        return member

    return make


@pytest.fixture
def web(client, user):
    """A browser-like client logged in as `user`; web.logout() and web.login(other) switch."""
    from tests.support.web_client import WebClient

    return WebClient(client).login(user)


@pytest.fixture
def anonymous_web(client):
    from tests.support.web_client import WebClient

    return WebClient(client)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def moto_server(monkeypatch):
    """moto's real HTTP server on 127.0.0.1, with every client pointed at it."""
    from moto.server import ThreadedMotoServer

    if _session_mock is not None:
        _session_mock.stop(remove_data=False)  # let requests reach the real server
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    aws_clients.reset()
    models.create_tables()
    storage.create_bucket()
    yield f"http://127.0.0.1:{port}"
    server.stop()
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    aws_clients.reset()
    if _session_mock is not None:
        _session_mock.start(reset=False)


@pytest.fixture
def wall_now():
    """The real clock, for tests on DynamoDB Local: its TTL deletes items (flips) whose expiry has
    passed by the real clock, so a fixed date in the past would see them vanish mid-test."""
    return datetime.now(timezone.utc)


@pytest.fixture(scope="session")
def _dynamodb_local_engine(tmp_path_factory):
    """One DynamoDB Local per test process: each start of its JVM costs seconds of CPU."""
    from chalicelib.local.dynamodb import DynamoDBLocal

    engine = DynamoDBLocal(tmp_path_factory.mktemp("dynamodb-local"), free_port())
    engine.start()
    yield engine
    engine.stop()


@pytest.fixture
def dynamodb_local(moto_server, _dynamodb_local_engine, monkeypatch):
    """AWS's DynamoDB Local (the real engine, atomic under concurrency) for DynamoDB, moto's
    server for the rest: for tests of racing writers, where moto's emulation is not atomic.
    Every table is made afresh for each test."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", _dynamodb_local_engine.url)
    aws_clients.reset()
    client = aws_clients.client("dynamodb")
    for name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
    models.create_tables()
    yield _dynamodb_local_engine.url
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB")
    aws_clients.reset()


@pytest.fixture
def flips_unreachable(aws):
    """`with flips_unreachable():` every write touching the flips table fails, as a lost connection."""
    from contextlib import contextmanager

    @contextmanager
    def unreachable():
        client = models.Check._get_connection().connection.client

        def refuse(params, **kwargs):
            writes = [params] + [item.get("Put", {}) for item in params.get("TransactItems", [])]
            if any(write.get("TableName") == models.Flip.Meta.table_name for write in writes):
                raise ConnectionError("the flips table is unreachable")

        client.meta.events.register("provide-client-params.dynamodb", refuse)
        try:
            yield
        finally:
            client.meta.events.unregister("provide-client-params.dynamodb", refuse)

    return unreachable


@pytest.fixture
def recorder(monkeypatch):
    """A real HTTP server on 127.0.0.1 recording requests; private addresses allowed for the test."""
    from tests.support.recorder import Recorder

    monkeypatch.setattr(settings, "INTEGRATIONS_ALLOW_PRIVATE_IPS", True)
    server = Recorder().start()
    yield server
    server.stop()


class _Mailbox:
    """aiosmtpd handler and authenticator keeping what it receives."""

    def __init__(self):
        self.messages = []  # (envelope sender, recipients, email.message.EmailMessage)
        self.logins = []  # (login, password) as bytes

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        # SMTP carries CRLF line ends; tests compare text with plain "\n".
        content = envelope.content.replace(b"\r\n", b"\n")
        message = email.message_from_bytes(content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)


@pytest.fixture
def smtp_server(monkeypatch):
    """A real SMTP server (aiosmtpd) on 127.0.0.1; the email settings point at it."""
    from aiosmtpd.controller import Controller

    mailbox = _Mailbox()
    port = free_port()
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, authenticator=mailbox, auth_require_tls=False
    )
    controller.start()
    for name, value in dict(
        EMAIL_BACKEND="smtp", EMAIL_HOST="127.0.0.1", EMAIL_PORT=port, EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False, EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD="",
    ).items():
        monkeypatch.setattr(settings, name, value)
    yield mailbox
    controller.stop()


@pytest.fixture
def notice(make_check, project, now):
    """notice(status="down", check=None, **fields): a Notice for a flip (not saved) of the check."""
    from datetime import timedelta

    from chalicelib.integrations.base import Notice

    def make(status="down", check=None, **fields):
        check = check or make_check(
            name="Backups", slug="backups", tags="prod nightly", desc="Nightly database dump", n_pings=42
        )
        flip = models.Flip(
            code=check.code,
            created=now,
            project=check.project,
            old_status="up" if status == "down" else "down",
            new_status=status,
            reason="timeout" if status == "down" else "",
            expires=now + timedelta(days=93),
        )
        fields.setdefault("project_name", project.name)
        fields.setdefault("check_url", f"{settings.SITE_ROOT}/checks/{check.code}/details/")
        return Notice(check=check, flip=flip, **fields)

    return make


@pytest.fixture
def alert(notice, make_check, now):
    """alert(status): a notice for "Backups" (pinged 2 hours ago, body "rows: 5"); on "down" "Reports" is down too."""
    from datetime import timedelta

    def make(status="down"):
        check = make_check(
            name="Backups", slug="backups", tags="prod nightly", desc="Nightly database dump", n_pings=42,
            last_ping=now - timedelta(hours=2),
        )
        last = models.Ping(code=check.code, n=42, created=now - timedelta(hours=2), kind="success")
        if status == "up":
            return notice("up", check=check, last_ping=last, downtime=timedelta(hours=2, minutes=5), project_check_count=2)
        other = make_check(name="Reports", status="down", last_ping=now - timedelta(hours=3))
        return notice(
            "down", check=check, last_ping=last, last_ping_body=b"rows: 5\n",
            other_down=[other], other_down_count=1, project_check_count=2,
        )

    return make


@pytest.fixture
def signal_cli(monkeypatch):
    """A fake signal-cli on a UNIX socket (tests/support/signal_cli.py), SIGNAL_CLI_SOCKET pointing at it."""
    import tempfile

    from tests.support.signal_cli import FakeSignalCli

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "signal-cli.sock")
        server = FakeSignalCli(path)
        monkeypatch.setattr(settings, "SIGNAL_CLI_SOCKET", path)
        monkeypatch.setattr(settings, "SITE_NAME", "Mychecks")
        yield server
        server.stop()


@pytest.fixture
def webhook(project, now, recorder):
    """webhook(path_down="/down", path_up="/up", **fields): a webhook channel to the recorder."""
    from chalicelib.checks import channels

    def make(path_down="/down", path_up="/up", **fields):
        value = {
            "method_down": "POST", "url_down": recorder.url(path_down) if path_down else "",
            "body_down": "$NAME is $STATUS",
            "method_up": "POST", "url_up": recorder.url(path_up) if path_up else "",
            "body_up": "$NAME is $STATUS",
        }
        return channels.create_channel(project.code, "webhook", value, now, **fields)

    return make


@pytest.fixture
def api(client, new_project):
    """api(method, path, body=None, key="rw"|"ro"|<key>|None, **headers) on the test client."""
    import json as json_module

    keys = {"rw": new_project.api_key, "ro": new_project.api_key_readonly}

    def call(method, path, body=None, key="rw", headers=None):
        all_headers = dict(headers or {})
        if key is not None:
            all_headers["X-Api-Key"] = keys.get(key, key)
        if isinstance(body, (dict, list)):
            body = json_module.dumps(body)
        if body is not None:
            all_headers.setdefault("Content-Type", "application/json")
        return client.request(method, path, body=body or b"", headers=all_headers)

    return call


EMAIL_DOMAIN = "hc.example.com"  # the domain of the messages in tests/data/email
EMAIL_CHECK_CODE = "7f8d9a1e-2b3c-4d5e-8f60-718293a4b5c6"  # their recipient


@pytest.fixture
def email_domain(monkeypatch):
    """Email pings on, at EMAIL_DOMAIN."""
    monkeypatch.setattr(settings, "PING_EMAIL_DOMAIN", EMAIL_DOMAIN)
    return EMAIL_DOMAIN


@pytest.fixture
def email_check(make_check, email_domain):
    """The check the messages in tests/data/email are addressed to."""
    return make_check(code=EMAIL_CHECK_CODE, name="Backups", slug="backups")


@pytest.fixture
def sns_to(aws):
    """sns_to(function name, message): invoke an app.py function with an SNS event, as Lambda does."""
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield lambda name, message: test_client.lambda_.invoke(
            name, test_client.events.generate_sns_event(message=message)
        )


@pytest.fixture
def smtp_listener(aws, email_domain, monkeypatch, now):
    """The email-ping SMTP listener on a free port (200 kB size limit), recording at `now`; its port."""
    from chalicelib.local.smtpd import SmtpListener

    monkeypatch.setattr(settings, "PING_EMAIL_MAX_BYTES", 200_000)
    listener = SmtpListener("127.0.0.1", free_port(), clock=lambda: now)
    listener.start()
    yield listener.port
    listener.stop()


class _Outbox:
    """The file email backend's folder: the messages sent so far, oldest first."""

    def __init__(self, folder):
        self.folder = folder

    def messages(self) -> list:
        import email
        import email.policy

        paths = sorted(self.folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in paths]

    def last(self, to: str | None = None):
        """The newest message (to this address); AssertionError when there is none."""
        found = [m for m in self.messages() if to is None or m["To"] == to]
        assert found, f"no email to {to or 'anyone'}"
        return found[-1]

    @staticmethod
    def text(message) -> str:
        return message.get_body(("plain",)).get_content()


@pytest.fixture
def outbox(tmp_path, monkeypatch):
    """Outgoing email goes to .eml files in a fresh folder; read them with outbox.last(to)."""
    folder = tmp_path / "outbox"
    monkeypatch.setattr(settings, "EMAIL_BACKEND", "file")
    monkeypatch.setattr(settings, "EMAIL_OUTBOX", str(folder))
    folder.mkdir()
    return _Outbox(folder)


# -- browser tests: Debian's chromium driven by playwright, against the local stack ----------------

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCREENSHOTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "test-output", "screenshots")


@pytest.fixture(scope="session")
def chromium():
    """One headless chromium for the session (the machine's own, installed by `make test`)."""
    import shutil

    from playwright.sync_api import expect, sync_playwright

    from tests.support.browser import WAIT_MS

    # expect() waits as long as a click may: with the test workers side by side, a page can
    # take longer than playwright's 5 s to show what a form answered.
    expect.set_options(timeout=WAIT_MS)
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("chromium is not installed: `make test` installs Debian's package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The local stack for a module of browser tests, emails going to its outbox folder."""
    from tests.support.stack import started_stack

    with started_stack(tmp_path_factory.mktemp("site")) as stack:
        yield stack


@pytest.fixture
def screenshot():
    """screenshot(page, name): a full-page PNG under test-output/screenshots/ for review."""
    os.makedirs(SCREENSHOTS, exist_ok=True)

    def take(page, name: str) -> str:
        path = os.path.join(SCREENSHOTS, f"{name}.png")
        page.screenshot(path=path, full_page=True)
        return path

    return take


@pytest.fixture(scope="session")
def github_app_key():
    """An RSA key standing in for the GitHub App's private key (made once: it takes a moment)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def kind_settings(monkeypatch, recorder, github_app_key):
    """Every chat and incident-tool kind on, its third-party API bases at the recorder (see tests/support/chat_kinds.py)."""
    from cryptography.hazmat.primitives import serialization

    pem = github_app_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    for name, value in dict(
        DISCORD_CLIENT_ID="d", DISCORD_CLIENT_SECRET="d", MATRIX_HOMESERVER=recorder.url("/matrix"),
        MATRIX_ACCESS_TOKEN="m", OPSGENIE_URL=recorder.url("/opsgenie"), PD_EVENTS_URL=recorder.url("/pd"),
        TRELLO_APP_KEY="t", TRELLO_API_URL=recorder.url("/trello"), GITHUB_CLIENT_ID="g", GITHUB_CLIENT_SECRET="g",
        GITHUB_PRIVATE_KEY=pem.decode(), GITHUB_API_URL=recorder.url("/gh"),
    ).items():
        monkeypatch.setattr(settings, name, value)
    recorder.respond("/gh/app/installations/77/access_tokens", status=201, body=b'{"token": "ghs"}')


@pytest.fixture
def every_kind_on(kind_settings, monkeypatch, recorder):
    """kind_settings plus the kinds off by default or needing credentials, and every "Add to ..."
    flow's service at the recorder (the dashboard's forms and flows)."""
    for name, value in dict(
        APPRISE_ENABLED=True, SHELL_ENABLED=True, TWILIO_ACCOUNT="AC1", TWILIO_AUTH="auth", TWILIO_FROM="+15550000000",
        TWILIO_USE_WHATSAPP=True, WHATSAPP_DOWN_CONTENT_SID="HXdown", WHATSAPP_UP_CONTENT_SID="HXup",
        SIGNAL_CLI_SOCKET="127.0.0.1:9", TELEGRAM_TOKEN="tg-token", TELEGRAM_WEBHOOK_SECRET="tg-secret",
        TELEGRAM_API_URL=recorder.url("/tg"), PUSHOVER_API_TOKEN="po-token", PUSHOVER_SUBSCRIPTION_URL=recorder.url("/po/subscribe"),
        PUSHBULLET_CLIENT_ID="pb-id", PUSHBULLET_CLIENT_SECRET="pb-secret", PUSHBULLET_URL=recorder.url("/pb"),
        PUSHBULLET_API_URL=recorder.url("/pbapi"), SLACK_CLIENT_ID="slack-id", SLACK_CLIENT_SECRET="slack-secret",
        SLACK_URL=recorder.url("/slack"), DISCORD_URL=recorder.url("/discord"), GITHUB_URL=recorder.url("/github"),
        GITHUB_PUBLIC_LINK="https://github.example.org/apps/mychecks", PD_APP_ID="pd-app", PD_APP_URL=recorder.url("/pdapp"),
        TRELLO_URL=recorder.url("/trello-web"), MATRIX_USER_ID="@bot:example.org",
    ).items():
        monkeypatch.setattr(settings, name, value)
