"""Fault injection on the ping, sweep, deliver, email-ping and report paths.

Each path is run once to count its AWS calls; then, for every k and both modes (an error, or a
crash of the process), again on fresh data with a fault right after the k-th call, followed by
the retries AWS would make: the client's retry of an unanswered ping, the sweep's next minute,
the stream's retry of a failed batch, SNS's redelivery, the next hourly report run. Every case
must end with every acknowledged ping stored (with its body), and exactly one notification per
flip and channel. Each test prints what it tried and what was lost (docs/RELIABILITY.md).
"""
import itertools
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from chalicelib import settings
from chalicelib.accounts import projects, users
from chalicelib.alerts import delivery, reports
from chalicelib.checks import channels, checks, sweep
from chalicelib.lib import clock
from chalicelib.pings import intake, ses
from chalicelib.store import storage
from chalicelib.store.models import Flip, Notification, Ping, User
from tests.pings.test_email_pings_ses import notification, stored_by_ses
from tests.support.faults import MODES, Faults, InjectedCrash, InjectedError
from tests.support.streams import inserted

FAULTS = (InjectedError, InjectedCrash)
MAX_RETRIES = 5
DAY_AND_GRACE = timedelta(seconds=86400 + 3600)

pytestmark = pytest.mark.slow  # minutes: every fault after every AWS call of each path


@dataclass
class Tally:
    """What a path's cases tried, and what they lost."""

    path: str
    calls: int = 0  # AWS calls of one run without faults
    cases: int = 0
    faults: int = 0  # faults that fired
    acknowledged: int = 0  # pings answered OK (HTTP) or accepted (email)
    lost: int = 0  # acknowledged pings, or their bodies, not stored
    stored_twice: int = 0  # pings stored twice: retried after a failure that came after storing
    notifications: int = 0  # expected: one per alerting flip and channel
    duplicated: int = 0
    missing: int = 0
    problems: list[str] = field(default_factory=list)

    def report(self) -> str:
        return (
            f"{self.path}: {self.calls} AWS calls per run, {self.cases} cases ({'+'.join(MODES)}), "
            f"{self.faults} faults injected; pings acknowledged {self.acknowledged}, lost {self.lost}, "
            f"stored twice {self.stored_twice}; notifications expected {self.notifications}, "
            f"duplicated {self.duplicated}, missing {self.missing}"
        )


@pytest.fixture
def faults(monkeypatch, aws):
    return Faults(monkeypatch)


@pytest.fixture
def fixed_clock(monkeypatch, now):
    """clock.now() as a test sets it: fixed_clock.at = a time."""

    class Clock:
        at = now

    monkeypatch.setattr(clock, "now", lambda: Clock.at)
    return Clock


@pytest.fixture
def case(recorder, now):
    """A fresh project with one check and two webhook channels on it, per case (no reset needed)."""

    def make(owner=None, **check_fields):
        tag = uuid.uuid4().hex[:8]
        project = projects.create_project(f"faults {tag}", now, owner=owner).project
        check = checks.create_check(project, now, name=f"check {tag}", **check_fields)
        for name in ("a", "b"):
            value = {
                "method_down": "POST", "url_down": recorder.url(f"/{tag}/{name}/down"), "body_down": "$STATUS",
                "method_up": "POST", "url_up": recorder.url(f"/{tag}/{name}/up"), "body_up": "$STATUS",
            }
            channel = channels.create_channel(project.code, "webhook", value, now)
            check.update(actions=[check.__class__.channels.add({channel.code})])
        return tag, project, checks.get(check.code)

    return make


def _each_case(faults, tally, run_once):
    """run_once(fail_after, mode) for the count, then for every call and both modes; run_once
    arms the faults once its data is made, and stops them before it looks at the outcome."""
    run_once(None, "error")
    tally.calls = len(faults.calls)
    for k, mode in itertools.product(range(1, tally.calls + 1), MODES):
        run_once(k, mode)
        tally.cases += 1
        tally.faults += faults.fired
    print("\n" + tally.report())
    for problem in tally.problems[:10]:
        print("  " + problem)


def _invoke(faults, handler, *args):
    """One invocation; True when it ended without an injected fault."""
    try:
        with faults.invocation():
            handler(*args)
        return True
    except FAULTS:
        return False


def _deliver_all(code: str, fixed_clock, now) -> None:
    """The stream's delivery of every flip of the check (no faults), past any claim lease."""
    fixed_clock.at = now + delivery.CLAIM_LEASE * 2
    records = inserted(*Flip.query(code))
    delivery.handle_stream_records(records, sleep=lambda s: None)


def _count_notifications(tally, tag, recorder, expected: dict[str, int], where: str) -> None:
    """expected: recorder path -> requests it should have had."""
    got = {}
    for request in recorder.requests:
        if request.path.startswith(f"/{tag}/"):
            got[request.path] = got.get(request.path, 0) + 1
    tally.notifications += sum(expected.values())
    for path in set(expected) | set(got):
        want, have = expected.get(path, 0), got.get(path, 0)
        tally.duplicated += max(0, have - want)
        tally.missing += max(0, want - have)
        if have != want:
            tally.problems.append(f"{where}: {path} notified {have} times, expected {want}")


def _stored_bodies(code: str) -> list[bytes]:
    return [storage.ping_body(p) or b"" for p in Ping.query(code)]


def _count_pings(tally, code: str, markers: list[bytes], where: str) -> None:
    bodies = _stored_bodies(code)
    for marker in markers:
        found = sum(1 for body in bodies if body.startswith(marker))
        tally.acknowledged += 1
        if found == 0:
            tally.lost += 1
            tally.problems.append(f"{where}: acknowledged ping {marker!r} not stored")
        tally.stored_twice += max(0, found - 1)


# -- the ping path ----------------------------------------------------------------------------------

# new -> up (no alert), a plain success, a start, a body that goes to S3, a failure (alerts
# down), a success (alerts up), a log.
PINGS = [("", b""), ("", b""), ("start", b""), ("", b"s3 " * 200), ("fail", b"exit 1"), ("", b""), ("log", b"note")]


def test_faults_on_the_ping_path_lose_no_acknowledged_ping_and_no_alert(faults, case, recorder, fixed_clock, now):
    tally = Tally("ping")

    def run_once(fail_after, mode):
        tag, _, check = case()
        faults.arm(fail_after, mode)
        markers = []
        for i, (action, body) in enumerate(PINGS):
            marker = f"{tag}-{i}|".encode()
            request = intake.PingRequest(method="POST", scheme="https", remote_addr="10.0.0.1", ua="curl/8", body=marker + body)
            target = intake.Target(code=check.code, action=action or "success")
            answered = False
            for _ in range(MAX_RETRIES):  # the client retries what got no answer (curl --retry)
                try:
                    with faults.invocation():
                        answered = intake.handle(target, request, now + timedelta(minutes=i)).status_code == 200
                except FAULTS:
                    continue
                break
            if answered:
                markers.append(marker)
        faults.stop()
        _count_pings(tally, check.code, markers, f"k={fail_after} {mode}")
        statuses = [(f.old_status, f.new_status) for f in Flip.query(check.code)]
        if statuses != [("new", "up"), ("up", "down"), ("down", "up")]:
            tally.problems.append(f"k={fail_after} {mode}: flips {statuses}")
        _deliver_all(check.code, fixed_clock, now)
        expected = {f"/{tag}/{name}/{status}": 1 for name in ("a", "b") for status in ("down", "up")}
        _count_notifications(tally, tag, recorder, expected, f"k={fail_after} {mode}")

    _each_case(faults, tally, run_once)
    assert (tally.lost, tally.duplicated, tally.missing, tally.problems) == (0, 0, 0, [])


# -- the deadline sweep -------------------------------------------------------------------------------

def test_faults_on_the_sweep_send_each_late_check_down_once(faults, case, recorder, fixed_clock, now, monkeypatch):
    # One worker: moto's in-process DynamoDB is not thread-safe in TransactWriteItems, and the
    # order of calls must be the same in every case. Parallel sweeps are make stress's, on DynamoDB Local.
    monkeypatch.setattr(settings, "SWEEP_WORKERS", 1)
    tally = Tally("sweep")

    def run_once(fail_after, mode):
        made = [case(status="up", last_ping=now, alert_after=now + DAY_AND_GRACE) for _ in range(3)]
        faults.arm(fail_after, mode)
        for minute in range(3):  # the schedule runs the sweep every minute, whatever the last run did
            _invoke(faults, sweep.sweep_once, now + DAY_AND_GRACE + timedelta(minutes=minute, seconds=1))
        faults.stop()
        for tag, _, check in made:
            downs = [f for f in Flip.query(check.code) if f.new_status == "down"]
            if len(downs) != 1 or checks.get(check.code).status != "down":
                tally.problems.append(f"k={fail_after} {mode}: {len(downs)} down flips")
            _deliver_all(check.code, fixed_clock, now)
            _count_notifications(tally, tag, recorder, {f"/{tag}/a/down": 1, f"/{tag}/b/down": 1}, f"k={fail_after} {mode}")

    _each_case(faults, tally, run_once)
    assert (tally.duplicated, tally.missing, tally.problems) == (0, 0, [])


# -- alert delivery from the flips stream ---------------------------------------------------------------

def test_faults_on_delivery_notify_each_channel_exactly_once(faults, case, recorder, fixed_clock, now):
    tally = Tally("deliver")

    def run_once(fail_after, mode):
        tag, _, check = case(status="up", last_ping=now, alert_after=now + DAY_AND_GRACE)
        sweep.sweep_once(now + DAY_AND_GRACE + timedelta(seconds=1))
        [flip] = [f for f in Flip.query(check.code) if f.new_status == "down"]
        [record] = inserted(flip)
        faults.arm(fail_after, mode)
        fixed_clock.at = now + DAY_AND_GRACE
        for attempt in range(MAX_RETRIES):  # the stream retries the batch until it succeeds
            try:
                with faults.invocation():
                    delivery.handle_stream_records([record], sleep=lambda s: None)
                break
            except FAULTS:
                pass
            except delivery.DeliveryPending:  # Lambda backs off and retries; by then the lease is up
                fixed_clock.at += delivery.CLAIM_LEASE + timedelta(seconds=1)
        faults.stop()
        _count_notifications(tally, tag, recorder, {f"/{tag}/a/down": 1, f"/{tag}/b/down": 1}, f"k={fail_after} {mode}")
        pending = [n for n in Notification.query(check.code) if n.error == delivery.PENDING]
        if pending:
            tally.problems.append(f"k={fail_after} {mode}: {len(pending)} notifications left Sending")

    _each_case(faults, tally, run_once)
    assert (tally.duplicated, tally.missing, tally.problems) == (0, 0, [])


# -- email pings through SES, S3 and SNS ---------------------------------------------------------------

MAIL = b"From: backup@files.example.fr\r\nTo: x\r\nSubject: nightly backup\r\n\r\nall done, " + b"log " * 60 + b"\r\n"


def test_faults_on_email_pings_lose_no_accepted_mail(faults, case, email_domain, recorder, fixed_clock, now):
    tally = Tally("email ping")

    def run_once(fail_after, mode):
        tag, _, check = case()
        message_id = f"{tag}{uuid.uuid4().hex[:8]}"
        key = stored_by_ses(MAIL.replace(b"all done", tag.encode() + b" all done"), message_id)
        sns_message = notification(key, recipients=(f"{check.code}@{settings.PING_EMAIL_DOMAIN}",))
        faults.arm(fail_after, mode)
        for _ in range(MAX_RETRIES):  # SNS redelivers until the function succeeds
            if _invoke(faults, ses.handle_notification, sns_message, now):
                break
        faults.stop()
        found = sum(1 for body in _stored_bodies(check.code) if tag.encode() + b" all done" in body)
        tally.acknowledged += 1
        if found == 0:
            tally.lost += 1
            tally.problems.append(f"k={fail_after} {mode}: the accepted mail was not recorded")
        tally.stored_twice += max(0, found - 1)

    _each_case(faults, tally, run_once)
    assert (tally.lost, tally.problems) == (0, [])


# -- email reports ---------------------------------------------------------------------------------------

def test_faults_on_reports_send_each_due_report_once(faults, case, outbox, fixed_clock, now):
    tally = Tally("report")

    def run_once(fail_after, mode):
        address = f"{uuid.uuid4().hex[:8]}@example.org"
        owner = users.create_user(address, now)
        case(owner=owner.id, status="up", last_ping=now - timedelta(hours=2))
        owner.update(actions=[User.reports.set("daily"), User.next_report_date.set(now - timedelta(minutes=5))])
        faults.arm(fail_after, mode)
        for hour in range(3):  # the reports function runs every hour
            _invoke(faults, reports.run, now + timedelta(hours=hour))
        faults.stop()
        sent = sum(1 for message in outbox.messages() if message["To"] == address)
        tally.notifications += 1
        tally.duplicated += max(0, sent - 1)
        tally.missing += max(0, 1 - sent)
        if sent != 1:
            tally.problems.append(f"k={fail_after} {mode}: {sent} reports sent")

    _each_case(faults, tally, run_once)
    assert (tally.duplicated, tally.missing, tally.problems) == (0, 0, [])
