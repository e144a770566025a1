"""Flapping notices: a check that changed status FLAP_THRESHOLD times within 24 hours mails its
project's team, at most once a day per check.

Alert delivery asks, for each flip it alerts about (never the ping or the sweep): one consistent
Query counting at most FLAP_THRESHOLD of the check's flips of the 24 hours up to this one, none at
all while the check item it already read says it was noticed within them. The notice is claimed
by a write conditioned on that date (`flap_noticed`), so repeated or racing deliveries mail once;
a mail that fails after its claim is not retried (at most once, as reports).
"""
import logging
from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from chalicelib import settings
from chalicelib.accounts import teams
from chalicelib.lib import emails
from chalicelib.lib.errors import TransportError
from chalicelib.store.models import Check, Flip, Project

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)


def notice_if_flapping(check: Check, flip: Flip) -> int:
    """Mail the check's team if this flip makes it flapping and nobody was told today; mails sent."""
    threshold = settings.FLAP_THRESHOLD
    since = flip.created - WINDOW
    if threshold <= 0 or (check.flap_noticed is not None and check.flap_noticed > since):
        return 0
    if flips_between(check.code, since, flip.created, limit=threshold) < threshold:
        return 0
    if not _claim(check, since, flip.created):
        return 0
    return _mail_team(check, flips_between(check.code, since, flip.created), flip.created)


def flips_between(code: str, since: datetime, until: datetime, limit: int | None = None) -> int:
    """How many flips the check has from `since` to `until` (counted up to `limit`)."""
    return Flip.count(code, Flip.created.between(since, until), consistent_read=True, limit=limit)


def _claim(check: Check, since: datetime, now: datetime) -> bool:
    """Take today's notice unless another delivery did; never recreate a check deleted meanwhile."""
    noticed = Check.flap_noticed
    try:
        check.update(
            actions=[noticed.set(now)],
            condition=Check.code.exists() & (noticed.does_not_exist() | (noticed <= since)),
        )
        return True
    except UpdateError as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise


def subject(check: Check, flips: int) -> str:
    return f'"{check.name or check.code}" is flapping: {flips} status changes in 24 hours'


def _mail_team(check: Check, flips: int, now: datetime) -> int:
    project = Project.get(check.project)
    context = {
        "check_name": check.name or check.code, "project_name": project.name or "Unnamed project", "flips": flips,
        "check_url": f"{settings.SITE_ROOT}/checks/{check.code}/details/", "support_email": settings.SUPPORT_EMAIL,
    }
    sent = 0
    for mate in teams.team(project):
        try:
            emails.send_template(mate.user.email, subject(check, flips), "flapping", title=subject(check, flips), **context)
            sent += 1
        except TransportError:
            log.exception("flapping notice for check %s to user %s failed", check.code, mate.user.id)
    log.info("check %s is flapping (%d flips in 24 h): %d notice(s) sent", check.code, flips, sent)
    return sent
