"""A check as Healthchecks' API returns it (reference §3.5), in the same field order."""
import hashlib
from datetime import datetime

from chalicelib import settings
from chalicelib.checks import quiet, run_bounds, schedules, thresholds
from chalicelib.store.models import Check


def isoformat(moment: datetime | None) -> str | None:
    """UTC ISO-8601 without microseconds, as Healthchecks prints check times."""
    return moment.replace(microsecond=0).isoformat() if moment else None


def unique_key(code: str) -> str:
    """The stable id shown to read-only keys instead of the uuid (and used as incident key)."""
    return hashlib.sha1(code.replace("-", "")[:16].encode()).hexdigest()


def to_dict(check: Check, now: datetime, readonly: bool = False, version: int = 3) -> dict:
    status = schedules.status(check, now, with_started=version == 1)
    result = {
        "name": check.name,
        "slug": check.slug,
        "tags": check.tags,
        "desc": check.desc,
        "grace": int(check.grace),
        "n_pings": int(check.n_pings),
        "status": status,
        "started": check.last_start is not None,
        "last_ping": isoformat(check.last_ping),
        "next_ping": isoformat(schedules.next_expected(check)),
        "manual_resume": check.manual_resume,
        "methods": check.methods,
        "subject": check.success_kw if check.filter_subject else "",
        "subject_fail": check.failure_kw if check.filter_subject else "",
        "start_kw": check.start_kw,
        "success_kw": check.success_kw,
        "failure_kw": check.failure_kw,
        "filter_subject": check.filter_subject,
        "filter_body": check.filter_body,
        "filter_http_body": check.filter_http_body,
        "filter_default_fail": check.filter_default_fail,
        "badge_url": f"{settings.SITE_ROOT}/b/2/{check.badge_key}.svg",
    }
    if version >= 3:  # an extension of v3 (checks/dependencies.py); v1 and v2 show what Healthchecks does
        parent = check.depends_on
        result["depends_on"] = (unique_key(parent) if readonly else parent) if parent else None
    if check.last_duration is not None:
        result["last_duration"] = int(check.last_duration)
    if readonly:
        result["unique_key"] = unique_key(check.code)
    else:
        update_url = f"{settings.SITE_ROOT}/api/v{version}/checks/{check.code}"
        result.update(
            uuid=check.code,
            ping_url=settings.PING_ENDPOINT + check.code,
            update_url=update_url,
            pause_url=update_url + "/pause",
            resume_url=update_url + "/resume",
            channels=",".join(sorted(check.channels or ())),
        )
    if check.kind == "simple":
        result["timeout"] = int(check.timeout)
    else:
        result.update(schedule=check.schedule, tz=check.tz)
    if version >= 3:  # this project's extensions (openapi.json: x-extension)
        result.update(run_bounds.api_fields(check))  # only when set
        result.update(
            failure_threshold=thresholds.failure_threshold(check),
            recovery_threshold=thresholds.recovery_threshold(check),
            quiet_windows=quiet.loaded(check.quiet_windows),
            snoozed_until=isoformat(check.snoozed_until) if check.snoozed_until and check.snoozed_until > now else None,
        )
    return result
