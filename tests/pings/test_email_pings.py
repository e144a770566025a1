"""Email pings in the domain code: addresses, classification, storing, and bad mail."""
import random
from datetime import timedelta
from pathlib import Path

import pytest

from chalicelib import settings
from chalicelib.checks import checks
from chalicelib.pings import email_pings, mime
from chalicelib.store import storage
from chalicelib.store.models import Ping

DATA = Path(__file__).parent / "data" / "email"
CODE = "7f8d9a1e-2b3c-4d5e-8f60-718293a4b5c6"  # the email_check fixture, the recipient in DATA
SIMPLE = b"From: cron@db1.example.net\r\nSubject: backup\r\n\r\ndone\r\n"


def mail(raw=SIMPLE, recipients=None, mail_from="cron@db1.example.net", addr="198.51.100.4"):
    return email_pings.InboundMail(raw, mail_from, recipients or [f"{CODE}@hc.example.com"], addr)


def pings_of(check):
    return list(Ping.query(check.code))


def test_address_is_the_check_uuid_at_the_ping_email_domain(email_check):
    assert email_pings.address(email_check) == f"{CODE}@hc.example.com"


def test_address_is_the_slug_form_given_the_ping_key(email_check, project):
    assert email_pings.address(email_check, project.ping_key) == f"{project.ping_key}+backups@hc.example.com"


def test_address_is_none_when_email_pings_are_off(email_check, monkeypatch):
    monkeypatch.setattr(settings, "PING_EMAIL_DOMAIN", "")
    assert email_pings.address(email_check) is None


def test_recipient_at_another_domain_is_rejected(email_check):
    assert email_pings.lookup(f"{CODE}@elsewhere.example.com") == email_pings.WRONG_DOMAIN


def test_every_recipient_is_rejected_when_email_pings_are_off(email_check, monkeypatch):
    monkeypatch.setattr(settings, "PING_EMAIL_DOMAIN", "")
    assert email_pings.lookup(f"{CODE}@") == email_pings.WRONG_DOMAIN


@pytest.mark.parametrize("mailbox", ["backups", "7f8d9a1e2b3c4d5e8f60718293a4b5c6", "key+slug", "", "a" * 22 + "+Ünï"])
def test_recipient_that_is_neither_uuid_nor_key_and_slug_is_an_invalid_mailbox(email_check, mailbox):
    assert email_pings.lookup(f"{mailbox}@hc.example.com") == email_pings.INVALID_MAILBOX


def test_recipient_uuid_and_domain_match_in_any_case(email_check):
    assert email_pings.lookup(f"<{CODE.upper()}@HC.Example.COM>").code == CODE


def test_unknown_uuid_is_no_such_check(email_check):
    assert email_pings.lookup("00000000-0000-4000-8000-000000000000@hc.example.com") == email_pings.NO_SUCH_CHECK


def test_ping_key_and_slug_address_finds_the_check(email_check, project):
    assert email_pings.lookup(f"{project.ping_key}+backups@hc.example.com").code == CODE


def test_slug_address_shared_by_two_checks_is_ambiguous(make_check, project, email_domain):
    make_check(name="a", slug="nightly")
    make_check(name="b", slug="nightly")
    assert email_pings.lookup(f"{project.ping_key}+nightly@hc.example.com") == email_pings.AMBIGUOUS_SLUG


def test_mail_is_a_success_ping_stored_with_scheme_email_and_the_sender(email_check, now):
    [outcome] = email_pings.receive(mail(), now)
    assert (outcome.reply, outcome.kind) == ("250 OK", "success")
    [ping] = pings_of(email_check)
    assert (ping.kind, ping.scheme, ping.method, ping.remote_addr, ping.ua, ping.body) == (
        "success", "email", "", "198.51.100.4", "Email from cron@db1.example.net", SIMPLE,
    )
    assert (checks.get(CODE).status, checks.get(CODE).last_ping) == ("up", now)


def test_message_over_100_bytes_is_stored_in_s3(email_check, now):
    raw = (DATA / "plain.eml").read_bytes()
    email_pings.receive(mail(raw), now)
    [ping] = pings_of(email_check)
    assert (ping.body, ping.object_size) == (None, len(raw))
    assert storage.get_body(CODE, 1) == raw


def test_message_over_the_body_limit_is_cut_and_flagged(email_check, now, monkeypatch):
    monkeypatch.setattr(settings, "PING_BODY_LIMIT", 1000)
    raw = SIMPLE + b"x" * 5000
    email_pings.receive(mail(raw), now)
    [ping] = pings_of(email_check)
    assert (ping.body_truncated, storage.get_body(CODE, 1)) == (True, raw[:1000])


def test_message_over_the_size_limit_is_refused_and_not_recorded(email_check, now, monkeypatch):
    monkeypatch.setattr(settings, "PING_EMAIL_MAX_BYTES", 1000)
    [outcome] = email_pings.receive(mail(SIMPLE + b"x" * 1000), now)
    assert outcome.reply.startswith("552 ")
    assert pings_of(email_check) == []


def test_recipients_over_the_cap_are_refused(make_check, project, email_domain, now):
    made = [make_check(name=f"c{i}") for i in range(email_pings.MAX_RECIPIENTS + 2)]
    outcomes = email_pings.receive(mail(recipients=[f"{c.code}@hc.example.com" for c in made]), now)
    assert [o.reply for o in outcomes] == ["250 OK"] * email_pings.MAX_RECIPIENTS + [email_pings.TOO_MANY_RECIPIENTS] * 2
    assert [len(pings_of(c)) for c in made] == [1] * email_pings.MAX_RECIPIENTS + [0, 0]


def test_two_addresses_of_one_check_record_one_ping(email_check, project, now):
    recipients = [f"{CODE}@hc.example.com", f"{project.ping_key}+backups@hc.example.com", f"{CODE}@HC.example.com"]
    outcomes = email_pings.receive(mail(recipients=recipients), now)
    assert [o.reply for o in outcomes] == ["250 OK", "250 OK"]
    assert len(pings_of(email_check)) == 1


def test_good_recipients_are_recorded_next_to_bad_ones(email_check, now):
    recipients = ["nobody@hc.example.com", f"{CODE}@hc.example.com"]
    outcomes = email_pings.receive(mail(recipients=recipients), now)
    assert [o.reply for o in outcomes] == [email_pings.INVALID_MAILBOX, "250 OK"]
    assert email_pings.data_reply(outcomes) == "250 OK"


def test_data_reply_is_the_first_refusal_when_no_recipient_took_the_message():
    outcomes = [email_pings.Outcome("a", email_pings.NO_SUCH_CHECK), email_pings.Outcome("b", email_pings.TOO_BIG)]
    assert email_pings.data_reply(outcomes) == email_pings.NO_SUCH_CHECK


def test_paused_check_with_manual_resume_records_an_ignored_ping(make_check, email_domain, now):
    make_check(code=CODE, status="paused", manual_resume=True)
    [outcome] = email_pings.receive(mail(), now)
    assert outcome.kind == "ign"
    assert checks.get(CODE).status == "paused"


def test_email_ping_ends_a_run_started_over_http(email_check, ping, now):
    ping(email_check, now, "start")
    email_pings.receive(mail(), now + timedelta(minutes=3))
    [_, finish] = pings_of(email_check)
    assert (finish.kind, finish.duration) == ("success", 180)


def test_subject_in_rfc_2047_is_decoded():
    message = mime.parse((DATA / "non-ascii-subject.eml").read_bytes())
    assert mime.subject(message) == "Sauvegarde réussie ✔ (serveur de fichiers)"


def test_subject_in_raw_latin_1_keeps_its_ascii_and_replaces_the_rest():
    message = mime.parse((DATA / "latin1-subject.eml").read_bytes())
    assert mime.subject(message) == "Sicherung fehlgeschlagen: ERROR beim \ufffdbertragen (Gr\ufffd\ufffde)"


def test_subject_in_an_unknown_charset_does_not_raise():
    message = mime.parse(b"Subject: =?x-no-such-charset?q?caf=E9?=\r\n\r\nbody\r\n")
    assert "caf" in mime.subject(message)


@pytest.mark.parametrize(
    "name, text",
    [
        ("quoted-printable.eml", "transférés.\nRésultat : SUCCESS"),
        ("base64.eml", "ERROR: could not extend file"),
        ("multipart-alternative.eml", "nas01 Volume 1 SUCCESS Volume 2 skipped & retried"),
        ("attachment.eml", "Deployment of web-frontend v2.14.0 started on 4 hosts."),
    ],
)
def test_body_text_is_decoded_from_its_transfer_encoding(name, text):
    assert text in mime.body_text(mime.parse((DATA / name).read_bytes()))


def test_html_part_text_leaves_out_head_style_and_script():
    text = mime.body_text(mime.parse((DATA / "multipart-alternative.eml").read_bytes()))
    assert "FAILED" not in text


def test_body_in_an_unknown_charset_is_read_as_utf_8_with_replacements():
    raw = b"Subject: x\r\nContent-Type: text/plain; charset=x-no-such\r\n\r\nr\xc3\xa9ussi \xff\r\n"
    assert mime.body_text(mime.parse(raw)) == "réussi \ufffd\r\n"


def _random_bytes(seed: int, size: int) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(size))


MULTIPART_HEAD = b'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n'
MALFORMED = {
    **{f"random-{seed}": _random_bytes(seed, 64 + seed * 97) for seed in range(8)},
    "empty": b"",
    "only-newlines": b"\r\n\r\n\r\n",
    "no-headers": b"backup done\r\n",
    "nul-bytes": b"\x00" * 300,
    "header-without-colon": b"From: a@example.com\r\nSubject backup done\r\nTo: x@example.com\r\n\r\nbody\r\n",
    "first-line-is-a-continuation": b" folded: first\r\nSubject: x\r\n\r\nbody\r\n",
    "multipart-without-boundary": b"From: a@example.com\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\nhi\r\n",
    "truncated-multipart": MULTIPART_HEAD + b"--b1\r\nContent-Type: text/plain\r\n\r\nSUCCESS, then the conne",
    "multipart-without-start": MULTIPART_HEAD + b"no part starts here\r\n",
    "truncated-nested-multipart": MULTIPART_HEAD + b'--b1\r\nContent-Type: multipart/alternative; boundary="b2"\r\n'
    b"\r\n--b2\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b1--\r\n",
}


@pytest.mark.parametrize("raw", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_message_is_refused_and_records_nothing(email_check, now, raw):
    outcomes = email_pings.receive(mail(raw), now)
    assert [o.reply for o in outcomes] == [email_pings.MALFORMED]
    assert pings_of(email_check) == []
    assert checks.get(CODE).n_pings == 0


@pytest.mark.parametrize("seed", range(60))
def test_mutated_message_never_raises(email_check, now, seed):
    """Flip, cut and splice bytes of the real messages: any outcome is fine, an exception is not."""
    rng = random.Random(seed)
    files = sorted(DATA.glob("*.eml"))
    raw = bytearray(rng.choice(files).read_bytes())
    for _ in range(rng.randrange(1, 20)):
        at = rng.randrange(len(raw) + 1)
        if at == len(raw):
            raw += b"\r\n"
        choice = rng.randrange(3)
        if choice == 0:
            raw[at] = rng.randrange(256)
        elif choice == 1:
            del raw[at : at + rng.randrange(1, 200)]
        else:
            raw[at:at] = _random_bytes(seed, rng.randrange(1, 50))
    outcomes = email_pings.receive(mail(bytes(raw)), now)
    assert len(outcomes) == 1
