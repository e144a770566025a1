"""End to end: the local stack's SMTP listener, and `python -m chalicelib.local smtpd` alone, seen
through the API, on both AWS emulators (tests/support/backends.py)."""
import signal
import smtplib
import subprocess
import sys
from email.message import EmailMessage

import pytest
import requests

from tests.support.stack import ROOT, STOP_TIMEOUT, free_port, poll

pytestmark = pytest.mark.e2e


@pytest.fixture
def site(backend_stack):
    """The stack on moto and s3rver, then on LocalStack: the raw message, over 100 bytes, goes to S3."""
    return backend_stack


def create_check(site, **spec) -> tuple[str, str]:
    """A new project (through the CLI) and a check in it (through the API): (api key, uuid)."""
    api_key = site.create_project("mail")["api_key"]
    check = requests.post(f"{site.base}/api/v3/checks", json=spec, headers={"X-Api-Key": api_key}, timeout=10)
    assert check.status_code == 201, check.text
    return api_key, check.json()["uuid"]


def mail(port: int, to: str, subject: str) -> None:
    message = EmailMessage()
    message["From"], message["Subject"] = "cron@db1.example.net", subject
    message.set_content("see the subject\n")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(message, to_addrs=[to])


def check_json(site, api_key: str, uuid: str) -> dict:
    return requests.get(f"{site.base}/api/v3/checks/{uuid}", headers={"X-Api-Key": api_key}, timeout=10).json()


def test_mail_to_the_stack_pings_the_check_by_its_keywords(site):
    spec = {"name": "nightly", "filter_subject": True, "success_kw": "SUCCESS", "failure_kw": "FAILED"}
    api_key, uuid = create_check(site, **spec)

    mail(site.smtp_port, f"{uuid}@localhost", "backup FAILED")  # localhost: PING_EMAIL_DOMAIN's local default

    down = poll(lambda: check_json(site, api_key, uuid)["status"] == "down", 10, f"the check down\n{site.output()}")
    assert down
    pings = requests.get(f"{site.base}/api/v3/checks/{uuid}/pings", headers={"X-Api-Key": api_key}, timeout=10)
    [ping] = pings.json()["pings"]
    assert (ping["type"], ping["scheme"], ping["ua"]) == ("fail", "email", "Email from cron@db1.example.net")
    raw = requests.get(ping["body_url"], headers={"X-Api-Key": api_key}, timeout=10).text  # from S3: over 100 bytes
    assert "Subject: backup FAILED" in raw and "see the subject" in raw
    assert "Email pings    <uuid>@localhost" in site.output()


def test_smtpd_command_alone_records_into_the_running_stack(site, tmp_path):
    api_key, uuid = create_check(site, name="weekly")
    port, log_path = free_port(), tmp_path / "smtpd.log"
    with open(log_path, "wb") as log:
        smtpd = subprocess.Popen(
            [sys.executable, "-m", "chalicelib.local", "smtpd", "--port", str(port)],
            cwd=ROOT, env=site.client_env(), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        poll(lambda: "Ctrl-C stops it" in log_path.read_text(), 30, "the SMTP listener to start")
        mail(port, f"{uuid}@localhost", "weekly report")
        assert poll(lambda: check_json(site, api_key, uuid)["status"] == "up", 10, log_path.read_text())
    finally:
        smtpd.send_signal(signal.SIGINT)
        assert smtpd.wait(STOP_TIMEOUT) == 0, log_path.read_text()
