"""Email reports and reminders: who is due, sending each exactly once, and unsubscribing.

Due users are read from the sparse report_due and nag_due indexes (never a Scan). Before a
mail goes out, a write conditioned on the date we read claims the user for CLAIM_LEASE: of two
runs that overlap over one user, one wins the claim and sends; the other skips. Only after the
send does the date move on (and the claim go), so a run that dies in between leaves the user
due, and the next run after the lease sends the mail.
"""
import logging
from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from chalicelib import settings
from chalicelib.accounts import preferences, users
from chalicelib.alerts import report_content
from chalicelib.lib import emails, signing
from chalicelib.lib.errors import TransportError
from chalicelib.store.models import User

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "reports"
UNSUBSCRIBE_MAX_AGE = 5 * 365 * 86400  # a report may be read long after it was sent
SETTINGS_PATH = "/accounts/profile/notifications/"
# How long a run may hold a user's mail: the reports function's timeout (.chalice/config.json).
CLAIM_LEASE = timedelta(seconds=900)


def due_for_report(now: datetime):
    """Users whose next_report_date has passed (rows of the report_due index)."""
    return User.report_due.query(0, User.next_report_date <= now)


def due_for_reminder(now: datetime):
    """Users whose next_nag_date has passed (rows of the nag_due index)."""
    return User.nag_due.query(0, User.next_nag_date <= now)


def run(now: datetime) -> tuple[int, int]:
    """One pass (the hourly Lambda, the local timer): (reports sent, reminders sent)."""
    return _each(due_for_report(now), _report_once, now), _each(due_for_reminder(now), _reminder_once, now)


def _each(due, handle, now: datetime) -> int:
    sent = 0
    for user in due:
        try:
            sent += handle(user, now)
        except Exception:
            # One user's bad data or a refused address must not stop everyone else's mail.
            log.exception("%s failed for user %s", handle.__name__, user.id)
    return sent


def _report_once(user: User, now: datetime) -> bool:
    """Claim the user's due report; if this run did, send it, then move the date on."""
    if not _claim(user, User.next_report_date, user.next_report_date, User.report_claim, now):
        return False
    sent = user.reports != "off" and _refused_is_done(send_report, user, now)
    _move_on(user, User.next_report_date, preferences.next_report_date(user.reports, user.tz, now), User.report_claim)
    return sent


def _reminder_once(user: User, now: datetime) -> bool:
    """Claim the due reminder; send it if this run did and a check is down; move on by the nag period.

    With nothing down the date still moves on, so a check that goes down later is reminded of
    within one period."""
    if not _claim(user, User.next_nag_date, user.next_nag_date, User.nag_claim, now):
        return False
    sent = bool(user.nag_period) and _refused_is_done(send_reminder, user, now)
    next_date = now + timedelta(seconds=int(user.nag_period)) if user.nag_period else None
    _move_on(user, User.next_nag_date, next_date, User.nag_claim)
    return sent


def _refused_is_done(send, user: User, now: datetime) -> bool:
    """A refused or failed send is logged and not retried every hour (the date moves on as if
    sent); any other error leaves the claim to expire, and the next run after it tries again."""
    try:
        return send(user, now)
    except TransportError:
        log.exception("%s to user %s failed", send.__name__, user.id)
        return False


def _claim(user: User, date, read_value: datetime, claim, now: datetime) -> bool:
    """Hold the due mail if the date still holds the value we read and no live run holds it."""
    try:
        user.update(
            actions=[claim.set(now + CLAIM_LEASE)],
            condition=(date == read_value) & (claim.does_not_exist() | (claim < now)),
        )
        return True
    except UpdateError as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise


def _move_on(user: User, date, new_value: datetime | None, claim) -> None:
    user.update(actions=[date.set(new_value) if new_value else date.remove(), claim.remove()])


def send_report(user: User, now: datetime, force: bool = False) -> bool:
    """Mail the user's report (their period, monthly when reports are off); unless force, not to
    an account none of whose checks pinged in 180 days. The schedule is not touched."""
    period = user.reports if user.reports in report_content.SUBJECTS else "monthly"
    report = report_content.build_report(user, period, now)
    if not (report.active or force):
        return False
    _send(user, report.subject, "report", now, report=report)
    return True


def send_reminder(user: User, now: datetime) -> bool:
    """Mail the list of the user's down checks; False (nothing sent) when none is down."""
    reminder = report_content.build_reminder(user, now)
    if not reminder.projects:
        return False
    _send(user, reminder.subject, "nag", now, reminder=reminder)
    return True


def _send(user: User, subject: str, template: str, now: datetime, **context) -> None:
    url = unsubscribe_url(user, now)
    # A bounce or complaint turns this user's mail off (chalicelib/alerts/bounces.py).
    headers = {**emails.unsubscribe_headers(url), emails.USER_HEADER: user.id}
    emails.send_template(
        user.email, subject, template, headers=headers, unsubscribe_url=url,
        settings_url=settings.SITE_ROOT + SETTINGS_PATH, **context,
    )


def unsubscribe_url(user: User, now: datetime) -> str:
    token = signing.sign({"u": user.id}, UNSUBSCRIBE_SALT, now)
    return f"{settings.SITE_ROOT}/accounts/unsubscribe_reports/{token}/"


def unsubscribing_user(token: str, now: datetime) -> User:
    """The user an unsubscribe link was made for; ValueError for a forged, old or orphaned link."""
    try:
        user_id = signing.unsign(token, UNSUBSCRIBE_SALT, UNSUBSCRIBE_MAX_AGE, now)["u"]
    except (ValueError, KeyError, TypeError) as e:  # bad base64 and JSON are ValueErrors too
        raise ValueError("This unsubscribe link is not valid.") from e
    user = users.get(user_id)
    if user is None:
        raise ValueError("This unsubscribe link is not valid.")
    return user


def unsubscribe(token: str, now: datetime) -> User:
    """Turn the link's user's reports and reminders off."""
    user = unsubscribing_user(token, now)
    preferences.set_email_reports(user, "off", 0, now)
    return user
