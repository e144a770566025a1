"""A check's schedule and status, as Healthchecks computes them (reference §2.2–2.4).

Pure functions over any object with the Check attributes kind, timeout, grace, schedule, tz,
status, last_ping and last_start. Times are timezone-aware UTC datetimes; durations are seconds.
"""
from datetime import datetime, timedelta, timezone
from functools import cache
from itertools import islice
from zoneinfo import ZoneInfo, available_timezones

from cronsim import CronSim, CronSimError
from oncalendar import OnCalendar, OnCalendarError

from chalicelib.checks import run_bounds

UTC = timezone.utc
MIN_SECONDS = 60
MAX_SECONDS = 31_536_000
MAX_SCHEDULE_LENGTH = 100

# Legacy names and the zone each is stored as, as Healthchecks rewrites them: the names the tz
# database keeps only for backward compatibility, mapped to their link targets since tzdata 2024b
# (when CET, EET, MET, WET and the POSIX-style US zones became links, e.g. CET -> Europe/Brussels,
# and UTC's aliases -> Etc/UTC). A backward name that still names a place of its own (e.g.
# America/Montreal, Asia/Istanbul) is kept as sent, as Healthchecks keeps it.
TZ_ALIASES = {
    "Africa/Asmera": "Africa/Nairobi", "America/Argentina/ComodRivadavia": "America/Argentina/Catamarca",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Catamarca": "America/Argentina/Catamarca", "America/Cordoba": "America/Argentina/Cordoba",
    "America/Fort_Wayne": "America/Indiana/Indianapolis", "America/Godthab": "America/Nuuk",
    "America/Indianapolis": "America/Indiana/Indianapolis", "America/Jujuy": "America/Argentina/Jujuy",
    "America/Knox_IN": "America/Indiana/Knox", "America/Louisville": "America/Kentucky/Louisville",
    "America/Mendoza": "America/Argentina/Mendoza", "America/Rosario": "America/Argentina/Cordoba",
    "Antarctica/South_Pole": "Pacific/Auckland", "Asia/Ashkhabad": "Asia/Ashgabat",
    "Asia/Calcutta": "Asia/Kolkata", "Asia/Choibalsan": "Asia/Ulaanbaatar",
    "Asia/Chungking": "Asia/Shanghai", "Asia/Dacca": "Asia/Dhaka", "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Macao": "Asia/Macau", "Asia/Rangoon": "Asia/Yangon", "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Thimbu": "Asia/Thimphu", "Asia/Ujung_Pandang": "Asia/Makassar",
    "Asia/Ulan_Bator": "Asia/Ulaanbaatar", "Atlantic/Faeroe": "Atlantic/Faroe",
    "Australia/ACT": "Australia/Sydney", "Australia/LHI": "Australia/Lord_Howe",
    "Australia/North": "Australia/Darwin", "Australia/NSW": "Australia/Sydney",
    "Australia/Queensland": "Australia/Brisbane", "Australia/South": "Australia/Adelaide",
    "Australia/Tasmania": "Australia/Hobart", "Australia/Victoria": "Australia/Melbourne",
    "Australia/West": "Australia/Perth", "Brazil/Acre": "America/Rio_Branco",
    "Brazil/DeNoronha": "America/Noronha", "Brazil/East": "America/Sao_Paulo",
    "Brazil/West": "America/Manaus", "Canada/Atlantic": "America/Halifax",
    "Canada/Central": "America/Winnipeg", "Canada/Eastern": "America/Toronto",
    "Canada/Mountain": "America/Edmonton", "Canada/Newfoundland": "America/St_Johns",
    "Canada/Pacific": "America/Vancouver", "Canada/Saskatchewan": "America/Regina",
    "Canada/Yukon": "America/Whitehorse", "CET": "Europe/Brussels", "Chile/Continental": "America/Santiago",
    "Chile/EasterIsland": "Pacific/Easter", "CST6CDT": "America/Chicago", "Cuba": "America/Havana",
    "EET": "Europe/Athens", "Egypt": "Africa/Cairo", "Eire": "Europe/Dublin", "EST": "America/Panama",
    "EST5EDT": "America/New_York", "Europe/Kiev": "Europe/Kyiv", "Europe/Uzhgorod": "Europe/Kyiv",
    "Europe/Zaporozhye": "Europe/Kyiv", "GB": "Europe/London", "GB-Eire": "Europe/London",
    "GMT+0": "Etc/GMT", "GMT-0": "Etc/GMT", "GMT0": "Etc/GMT", "Greenwich": "Etc/GMT",
    "Hongkong": "Asia/Hong_Kong", "HST": "Pacific/Honolulu", "Iceland": "Africa/Abidjan",
    "Iran": "Asia/Tehran", "Israel": "Asia/Jerusalem", "Jamaica": "America/Jamaica", "Japan": "Asia/Tokyo",
    "Kwajalein": "Pacific/Kwajalein", "Libya": "Africa/Tripoli", "MET": "Europe/Brussels",
    "Mexico/BajaNorte": "America/Tijuana", "Mexico/BajaSur": "America/Mazatlan",
    "Mexico/General": "America/Mexico_City", "MST": "America/Phoenix", "MST7MDT": "America/Denver",
    "Navajo": "America/Denver", "NZ": "Pacific/Auckland", "NZ-CHAT": "Pacific/Chatham",
    "Pacific/Enderbury": "Pacific/Kanton", "Pacific/Ponape": "Pacific/Guadalcanal",
    "Pacific/Truk": "Pacific/Port_Moresby", "Poland": "Europe/Warsaw", "Portugal": "Europe/Lisbon",
    "PRC": "Asia/Shanghai", "PST8PDT": "America/Los_Angeles", "ROC": "Asia/Taipei", "ROK": "Asia/Seoul",
    "Singapore": "Asia/Singapore", "Turkey": "Europe/Istanbul", "UCT": "Etc/UTC", "Universal": "Etc/UTC",
    "US/Alaska": "America/Anchorage", "US/Aleutian": "America/Adak", "US/Arizona": "America/Phoenix",
    "US/Central": "America/Chicago", "US/East-Indiana": "America/Indiana/Indianapolis",
    "US/Eastern": "America/New_York", "US/Hawaii": "Pacific/Honolulu",
    "US/Indiana-Starke": "America/Indiana/Knox", "US/Michigan": "America/Detroit",
    "US/Mountain": "America/Denver", "US/Pacific": "America/Los_Angeles", "US/Samoa": "Pacific/Pago_Pago",
    "W-SU": "Europe/Moscow", "WET": "Europe/Lisbon", "Zulu": "Etc/UTC",
}


def next_expected(check, with_started=True) -> datetime | None:
    """When the next ping is due (Healthchecks' get_grace_start), or None if never."""
    result = None
    if check.status == "up" and check.last_ping is not None:
        if check.kind == "simple":
            result = check.last_ping + timedelta(seconds=check.timeout)
        elif check.kind in ("cron", "oncalendar"):
            result = _first_after(check.kind, check.schedule, check.tz, check.last_ping)

    # A running job must finish within grace of its start, whatever the schedule says.
    if with_started and check.last_start and check.status != "down":
        result = check.last_start if result is None else min(result, check.last_start)
    return result


def going_down_after(check) -> datetime | None:
    """When the check goes down unless pinged first; stored as alert_after. A down check whose
    alert a quiet time holds keeps the time it is let go (chalicelib/checks/quiet.py)."""
    if check.status == "down" and check.alert_held_until:
        return check.alert_held_until
    if run_bounds.watches_runs(check):
        # Each open run's own deadline replaces the latest start's start + grace.
        due = next_expected(check, with_started=False)
        deadlines = [deadline for deadline, _, _ in run_bounds.run_deadlines(check)]
        return min(deadlines + ([due + timedelta(seconds=check.grace)] if due else []), default=None)
    start = next_expected(check)
    return None if start is None else start + timedelta(seconds=check.grace)


def status(check, now: datetime, with_started=False) -> str:
    """new, up, grace, down, paused, or (only with_started) started, as of now."""
    grace = timedelta(seconds=check.grace)
    if run_bounds.watches_runs(check):
        if run_bounds.overdue_runs(check, now):
            return "down"
        if with_started and check.last_start:
            return "started"
    elif check.last_start:
        # A run that outlasts grace is down even when the stored status is paused or new.
        if now >= check.last_start + grace:
            return "down"
        if with_started:
            return "started"

    if check.status in ("new", "paused", "down"):
        return check.status

    due = next_expected(check, with_started=False)
    if due is None:
        return "up"
    if now >= due + grace:
        return "down"
    if now >= due:
        return "grace"
    return "up"


def guess_kind(schedule: str) -> str:
    """cron for one line of exactly five fields, else oncalendar."""
    text = schedule.strip()
    if "\n" not in text and len(text.split()) == 5:
        return "cron"
    return "oncalendar"


def validate_schedule(kind: str, schedule: str) -> None:
    """Raise ValueError unless schedule is a usable expression of this kind."""
    if len(schedule) > MAX_SCHEDULE_LENGTH:
        raise ValueError(f"schedule is longer than {MAX_SCHEDULE_LENGTH} characters")

    if kind == "cron":
        # cronsim also takes six fields (with seconds); Healthchecks' cron is five only.
        if len(schedule.split()) != 5:
            raise ValueError("not a valid cron expression")
        try:
            next(CronSim(schedule, datetime(2000, 1, 1)))
        except (CronSimError, StopIteration) as e:
            raise ValueError("not a valid cron expression") from e
    elif kind == "oncalendar":
        try:
            next(OnCalendar(schedule, datetime(2000, 1, 1, tzinfo=UTC)))
        # A trailing word is tried as a zone file, so odd input can also fail with OSError.
        except (OnCalendarError, StopIteration, ValueError, OSError) as e:
            raise ValueError("not a valid OnCalendar expression") from e
    else:
        raise ValueError(f"unknown schedule kind: {kind!r}")


def canonical_tz(name: str) -> str:
    """The canonical IANA name for name (legacy aliases rewritten); ValueError if unknown."""
    if name in TZ_ALIASES:
        return TZ_ALIASES[name]
    if name in _known_zones():
        return name
    raise ValueError(f"unknown timezone: {name!r}")


def fire_times(kind: str, schedule: str, tz: str, after: datetime, count: int) -> list[datetime]:
    """The next count times (UTC) the schedule fires after `after`; fewer if it runs out."""
    it = _iterate(kind, schedule, after.astimezone(ZoneInfo(tz)))
    return [moment.astimezone(UTC) for moment in islice(it, count)]


def validate_seconds(name: str, value) -> None:
    """Raise ValueError naming the field unless value is an int of MIN..MAX_SECONDS."""
    # bool is an int subclass, but True is not a period.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer")
    if not MIN_SECONDS <= value <= MAX_SECONDS:
        raise ValueError(f"{name} must be between {MIN_SECONDS} and {MAX_SECONDS}")


def _first_after(kind: str, schedule: str, tz: str, moment: datetime) -> datetime | None:
    """The schedule's first match after moment, in UTC; None when there is none."""
    # Matching happens in the check's zone, so "0 9 * * *" means 09:00 local through DST.
    try:
        return next(_iterate(kind, schedule, moment.astimezone(ZoneInfo(tz)))).astimezone(UTC)
    except StopIteration:
        return None


def _iterate(kind: str, schedule: str, start: datetime):
    if kind == "cron":
        return CronSim(schedule, start)
    if kind == "oncalendar":
        return OnCalendar(schedule, start)
    raise ValueError(f"{kind!r} checks have no schedule")


@cache
def _known_zones() -> frozenset[str]:
    # available_timezones() walks the tz database on disk; once per process is enough.
    return frozenset(available_timezones())
