"""Wiring of the local stack: start everything in order, run the timers, stop in reverse.

Startup registers each part's stop on an ExitStack *before* starting it, so a failure or a
Ctrl-C at any point stops what was started (DynamoDB Local's java process included).
"""
import contextlib
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass
from typing import Callable

from chalicelib.local import environment
from chalicelib.local.environment import LOCAL_HOST, StackError

log = logging.getLogger("chalicelib.local")


@dataclass
class Timer:
    name: str
    every_seconds: float
    function: Callable[[], object]


_flip_reader = None  # created on first use, once the endpoints are set


_sweep_stopping = threading.Event()  # set when the stack stops: a tick's wait ends at once


def sweep_due_checks() -> None:
    """The deadline sweep's tick (on AWS: the scheduled `sweep` Lambda), then the wait for the
    next one: a tick starts every SWEEP_SECONDS, however long the last one waited."""
    import time

    from chalicelib import settings
    from chalicelib.checks import sweep

    started = time.monotonic()
    try:
        sweep.tick(sleep=_sweep_stopping.wait)
    finally:
        _sweep_stopping.wait(started + settings.SWEEP_SECONDS - time.monotonic())


def deliver_flips() -> None:
    """Alert delivery from the flips stream (on AWS: the stream-triggered `deliver` Lambda)."""
    global _flip_reader
    if _flip_reader is None:
        from chalicelib.alerts import delivery
        from chalicelib.local.streams import FlipStreamReader

        _flip_reader = FlipStreamReader(delivery.handle_stream_records)
    _flip_reader.poll()


_inbound_queue = None  # likewise


def read_inbound_email() -> None:
    """Email pings that came through SES's S3 + SNS path (on AWS: the SNS-triggered `ingest_email`
    Lambda); only on an emulator, never on real AWS."""
    global _inbound_queue
    if not os.environ.get("AWS_ENDPOINT_URL"):
        return
    if _inbound_queue is None:
        from chalicelib.lib import clock
        from chalicelib.local.emulated_ses import InboundMailQueue
        from chalicelib.pings import ses

        _inbound_queue = InboundMailQueue(lambda message: ses.handle_notification(message, clock.now()))
    _inbound_queue.poll()


def send_reports() -> None:
    """Email reports and reminders that are due (on AWS: the hourly `reports` Lambda)."""
    from datetime import datetime, timezone

    from chalicelib.alerts import reports

    reports.run(datetime.now(timezone.utc))


# What runs in the background, each function every N seconds in its own thread (first call
# one period after start); an error is logged and the timer goes on. On AWS these jobs are
# handlers in app.py; chalice local never fires those, so each has its line here.
TIMERS: list[Timer] = [
    Timer("sweep", 0, sweep_due_checks),  # it waits for its next tick itself
    Timer("deliver", 1, deliver_flips),
    Timer("reports", 60, send_reports),
    Timer("inbound-email", 1, read_inbound_email),
]


class Shutdown(BaseException):
    """Raised in the main thread by SIGINT/SIGTERM; BaseException so no `except Exception` eats it."""


class TimerThreads:
    def __init__(self, timers: list[Timer]):
        self.timers = timers
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for timer in self.timers:
            thread = threading.Thread(target=self._loop, args=(timer,), name=f"timer-{timer.name}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def _loop(self, timer: Timer) -> None:
        failing = False
        while not self.stopping.wait(timer.every_seconds):
            try:
                timer.function()
            except Exception:
                if not failing:  # the whole traceback once, then one line per failure
                    log.exception("Timer %s failed (it keeps running)", timer.name)
                else:
                    log.error("Timer %s failed again: %s", timer.name, sys.exc_info()[1])
                failing = True
            else:
                if failing:
                    log.info("Timer %s works again", timer.name)
                failing = False

    def stop(self, timeout: float = 30) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("Timer thread %s still busy after %.0f s; not waiting", thread.name, timeout)


@dataclass
class Options:
    port: int | None = None
    host: str = LOCAL_HOST
    ddb_port: int | None = None
    moto_port: int | None = None
    s3_port: int | None = None
    localstack_port: int | None = None
    smtp_port: int | None = None
    data_dir: str | None = None
    stage: str = "dev"
    aws: str = "moto"  # or "localstack": LocalStack for S3, SES, SNS, SQS and EventBridge


def run(options: Options) -> int:
    """Run the stack until SIGINT/SIGTERM; 0 on a clean stop, 1 when it could not start."""
    _configure_logging()
    _install_signal_handlers()
    started = False
    try:
        with contextlib.ExitStack() as stack:
            try:
                banner, watch = _start(options, stack)
                started = True
                print(banner, flush=True)
                _wait(watch)
            finally:
                _ignore_signals()  # before the ExitStack unwinds: stopping can't be cut short
    except Shutdown:
        log.info("Stopped")
        return 0
    except StackError as exc:
        what = "stopped" if started else "could not start"
        print(f"\nThe local stack {what}: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


def run_smtpd(host: str, port: int | None) -> int:
    """Only the email-ping SMTP listener, recording into the running stack (or the exported endpoints)."""
    _configure_logging()
    os.environ.setdefault("PING_EMAIL_DOMAIN", "localhost")  # before settings is imported
    from chalicelib import settings
    from chalicelib.local.smtpd import SmtpListener
    from chalicelib.ops import cli

    cli.use_local_stack_unless_told()
    cli.ensure_region()
    port = settings.LOCAL_SMTP_PORT if port is None else port
    _install_signal_handlers()
    try:
        environment.check_port_free(port, "the SMTP listener (email pings)", "--port", host=host)
        listener = SmtpListener(host, port)
        listener.start()
        try:
            domain = settings.PING_EMAIL_DOMAIN
            print(f"Email pings: SMTP on {host}:{port} for <uuid>@{domain}. Ctrl-C stops it.", flush=True)
            _wait([])
        finally:
            listener.stop()
    except Shutdown:
        return 0
    except StackError as exc:
        print(f"The SMTP listener could not start: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # "Found credentials..." on every new client; aiosmtpd's "mail.log" a few lines per connection
    for noisy in ("botocore", "boto3", "pynamodb", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _start(options: Options, stack: contextlib.ExitStack):
    data_dir = environment.data_dir(options.data_dir)
    http_port = environment.http_port(options.port)
    endpoints = environment.user_endpoints(options.aws)
    # Before chalicelib.settings is imported (it reads these once); .chalice/config.json next.
    os.environ.setdefault("SITE_ROOT", f"http://localhost:{http_port}")
    os.environ.setdefault("EMAIL_OUTBOX", str(data_dir / "outbox"))
    os.environ.setdefault("PING_EMAIL_DOMAIN", "localhost")
    os.environ.setdefault("SWEEP_SECONDS", "20")  # a tick every 20 s (on AWS every minute)
    os.chdir(environment.REPO_ROOT)  # as `chalice local` and Lambda: the app runs in its folder
    from chalicelib.local import server

    config = server.load_stage_config(options.stage)

    from chalicelib import settings

    ddb_port = settings.LOCAL_DYNAMODB_PORT if options.ddb_port is None else options.ddb_port
    moto_port = settings.LOCAL_MOTO_PORT if options.moto_port is None else options.moto_port
    s3_port = settings.LOCAL_S3_PORT if options.s3_port is None else options.s3_port
    ls_port = settings.LOCAL_LOCALSTACK_PORT if options.localstack_port is None else options.localstack_port
    smtp_port = settings.LOCAL_SMTP_PORT if options.smtp_port is None else options.smtp_port
    environment.check_port_free(http_port, "the app (dashboard, API, pings)", "--port or PORT", host=options.host)
    if endpoints.start_dynamodb:
        environment.check_port_free(ddb_port, "DynamoDB Local", "--ddb-port", any_interface=True)
    if endpoints.start_moto:
        environment.check_port_free(moto_port, "moto (SES, SNS, ...)", "--moto-port")
    if endpoints.start_s3:
        environment.check_port_free(s3_port, "s3rver (S3)", "--s3-port")
    if endpoints.start_localstack:
        environment.check_port_free(ls_port, "LocalStack (S3, SES, SNS, ...)", "--localstack-port")
    environment.check_port_free(smtp_port, "the SMTP listener (email pings)", "--smtp-port", host=options.host)

    from chalicelib.local.dynamodb import DynamoDBLocal
    from chalicelib.local.localstack import LocalStack
    from chalicelib.local.motoserver import MotoServer
    from chalicelib.local.s3rver import S3rver

    # The children start at once (java takes seconds), then moto in-process, then the waits.
    dynamodb = moto = s3 = localstack = None
    if endpoints.start_dynamodb:
        dynamodb = DynamoDBLocal(data_dir, ddb_port)
        stack.callback(dynamodb.stop)
        dynamodb.launch()
    if endpoints.start_s3:
        s3 = S3rver(data_dir, s3_port)
        stack.callback(s3.stop)
        s3.launch()
    if endpoints.start_localstack:
        localstack = LocalStack(data_dir, ls_port)
        stack.callback(localstack.stop)
        localstack.launch()
    if endpoints.start_moto:
        moto = MotoServer(moto_port)
        stack.callback(moto.stop)
        moto.start()
    for child in (dynamodb, s3, localstack):
        if child is not None:
            child.wait_ready()
    others = moto or localstack
    environment.set_aws_environment(others and others.url, dynamodb and dynamodb.url, s3 and s3.url)

    from chalicelib.local.s3rver import ensure_bucket, import_snapshot_files
    from chalicelib.store import aws, models

    aws.reset()
    models.create_tables()
    # The bucket, on any emulator (ours or the user's), never on real AWS (an empty endpoint).
    if os.environ.get("AWS_ENDPOINT_URL_S3", os.environ.get("AWS_ENDPOINT_URL")):
        ensure_bucket(aws.client("s3"), settings.S3_BUCKET)
    if os.environ.get("AWS_ENDPOINT_URL") and settings.EMAIL_BACKEND == "ses":
        from chalicelib.local.emulated_ses import verify_sender

        verify_sender()
    if s3:
        import_snapshot_files(aws.client("s3"), settings.S3_BUCKET, s3.s3_dir)
    if s3 and moto:
        # moto's SES checks its own S3 for the bucket a receipt rule names (infra/email.yaml's):
        # an empty namesake there, while the bodies go to s3rver.
        from chalicelib.local.s3rver import s3_client

        ensure_bucket(s3_client(moto.url), settings.S3_BUCKET)

    timers = TimerThreads(TIMERS)
    stack.callback(timers.stop)
    _sweep_stopping.clear()
    stack.callback(_sweep_stopping.set)  # before timers.stop: a waiting tick ends at once
    timers.start()

    from chalicelib.local.smtpd import SmtpListener

    smtp = SmtpListener(options.host, smtp_port)
    stack.callback(smtp.stop)
    smtp.start()

    http = server.HttpServer(config, options.host, http_port)
    stack.callback(http.stop)
    http.start()

    banner = _banner(settings, options.host, http_port, smtp_port, data_dir, dynamodb, moto, s3, localstack)
    return banner, [part for part in (dynamodb, s3, localstack, http) if part is not None]


def _wait(watch: list) -> None:
    """Sleep until a signal raises Shutdown; fail if a part dies under us."""
    idle = threading.Event()
    while True:
        idle.wait(1.0)
        for part in watch:
            failure = part.failure()
            if failure:
                raise StackError(failure)


def _raise_shutdown(signum, frame):
    raise Shutdown(signal.Signals(signum).name)


def _install_signal_handlers() -> None:
    signal.signal(signal.SIGINT, _raise_shutdown)
    signal.signal(signal.SIGTERM, _raise_shutdown)


def _ignore_signals() -> None:
    """While stopping: a second Ctrl-C would leave java or node half stopped."""
    signal.signal(signal.SIGINT, lambda *_: print("Stopping, please wait...", file=sys.stderr, flush=True))
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _banner(settings, host, http_port, smtp_port, data_dir, dynamodb, moto, s3, localstack) -> str:
    site = f"http://localhost:{http_port}" if host == LOCAL_HOST else f"http://{host}:{http_port}"
    ping = settings.PING_ENDPOINT
    ddb = f"{dynamodb.url}  (DynamoDB Local)" if dynamodb else f"{os.environ['AWS_ENDPOINT_URL_DYNAMODB'] or 'AWS'}  (yours)"
    yours_s3 = os.environ.get("AWS_ENDPOINT_URL_S3", os.environ.get("AWS_ENDPOINT_URL"))
    s3_line = f"{s3.url}  (s3rver)" if s3 else f"{yours_s3 or 'AWS'}  (yours)"
    other = f"{moto.url}  (moto)" if moto else f"{os.environ['AWS_ENDPOINT_URL'] or 'AWS'}  (yours)"
    if localstack:
        other = f"{localstack.url}  (LocalStack, not kept across restarts)"
        s3_line = other if yours_s3 == localstack.url else s3_line
    lines = [
        "",
        "Local stack running. Ctrl-C stops it.",
        f"  Dashboard/API  {site}/  (API under {site}/api/v3/, status at {site}/api/v3/status)",
        f"  Ping URLs      {ping}<uuid>  or  {ping}<ping key>/<slug>  (add /start, /fail, /log, /<exit code>)",
        f"  Email pings    <uuid>@{settings.PING_EMAIL_DOMAIN}  or  <ping key>+<slug>@{settings.PING_EMAIL_DOMAIN}"
        f"  (SMTP on {host}:{smtp_port})",
        f"  DynamoDB       {ddb}",
        f"  S3             {s3_line}",
        f"  SES, SNS, ...  {other}",
        f"  Data           {data_dir}",
    ]
    if not (dynamodb or s3 or localstack):
        lines[-1] += "  (unused: your endpoints keep the data)"
    if dynamodb:
        lines.append("                   dynamodb/  tables (DynamoDB Local, -sharedDb; log in dynamodb-local.log)")
    if s3:
        lines.append(f"                   s3/{settings.S3_BUCKET}/  ping bodies (s3rver; log in s3rver.log)")
    if localstack:
        lines.append("                   localstack/  LocalStack's scratch files (log in localstack.log)")
    lines.append(f"  Stage          {settings.STAGE}  (tables {settings.TABLE_PREFIX}*, bucket {settings.S3_BUCKET})")
    lines.append("")
    return "\n".join(lines)
