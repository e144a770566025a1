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

UTC = timezone.utc
MIN_SECONDS = 60
MAX_SECONDS = 31_536_000
MAX_SCHEDULE_LENGTH = 100

# Legacy (tzdata "backward") names and the canonical zone each is stored as.
TZ_ALIASES = {
    "UCT": "UTC", "Etc/UCT": "UTC", "Universal": "UTC", "Etc/Universal": "UTC",
    "Zulu": "UTC", "Etc/Zulu": "UTC",
    "Africa/Asmera": "Africa/Asmara", "Africa/Timbuktu": "Africa/Bamako",
    "America/Argentina/ComodRivadavia": "America/Argentina/Catamarca",
    "America/Atka": "America/Adak",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Catamarca": "America/Argentina/Catamarca",
    "America/Cordoba": "America/Argentina/Cordoba",
    "America/Ensenada": "America/Tijuana",
    "America/Fort_Wayne": "America/Indiana/Indianapolis",
    "America/Godthab": "America/Nuuk",
    "America/Indianapolis": "America/Indiana/Indianapolis",
    "America/Jujuy": "America/Argentina/Jujuy",
    "America/Knox_IN": "America/Indiana/Knox",
    "America/Louisville": "America/Kentucky/Louisville",
    "America/Mendoza": "America/Argentina/Mendoza",
    "America/Montreal": "America/Toronto",
    "America/Porto_Acre": "America/Rio_Branco",
    "America/Rosario": "America/Argentina/Cordoba",
    "America/Santa_Isabel": "America/Tijuana",
    "America/Shiprock": "America/Denver",
    "Asia/Ashkhabad": "Asia/Ashgabat", "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Chongqing": "Asia/Shanghai", "Asia/Chungking": "Asia/Shanghai",
    "Asia/Dacca": "Asia/Dhaka", "Asia/Harbin": "Asia/Shanghai",
    "Asia/Istanbul": "Europe/Istanbul", "Asia/Kashgar": "Asia/Urumqi",
    "Asia/Katmandu": "Asia/Kathmandu", "Asia/Macao": "Asia/Macau",
    "Asia/Rangoon": "Asia/Yangon", "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Tel_Aviv": "Asia/Jerusalem", "Asia/Thimbu": "Asia/Thimphu",
    "Asia/Ujung_Pandang": "Asia/Makassar", "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Australia/ACT": "Australia/Sydney", "Australia/Canberra": "Australia/Sydney",
    "Australia/NSW": "Australia/Sydney", "Australia/LHI": "Australia/Lord_Howe",
    "Australia/North": "Australia/Darwin", "Australia/Queensland": "Australia/Brisbane",
    "Australia/South": "Australia/Adelaide", "Australia/Tasmania": "Australia/Hobart",
    "Australia/Victoria": "Australia/Melbourne", "Australia/West": "Australia/Perth",
    "Australia/Yancowinna": "Australia/Broken_Hill",
    "Brazil/Acre": "America/Rio_Branco", "Brazil/DeNoronha": "America/Noronha",
    "Brazil/East": "America/Sao_Paulo", "Brazil/West": "America/Manaus",
    "Canada/Atlantic": "America/Halifax", "Canada/Central": "America/Winnipeg",
    "Canada/Eastern": "America/Toronto", "Canada/Mountain": "America/Edmonton",
    "Canada/Newfoundland": "America/St_Johns", "Canada/Pacific": "America/Vancouver",
    "Canada/Saskatchewan": "America/Regina", "Canada/Yukon": "America/Whitehorse",
    "Chile/Continental": "America/Santiago", "Chile/EasterIsland": "Pacific/Easter",
    "Cuba": "America/Havana", "Egypt": "Africa/Cairo", "Eire": "Europe/Dublin",
    "Europe/Belfast": "Europe/London", "Europe/Kiev": "Europe/Kyiv",
    "Europe/Nicosia": "Asia/Nicosia", "Europe/Tiraspol": "Europe/Chisinau",
    "Europe/Uzhgorod": "Europe/Kyiv", "Europe/Zaporozhye": "Europe/Kyiv",
    "GB": "Europe/London", "GB-Eire": "Europe/London", "Hongkong": "Asia/Hong_Kong",
    "Iceland": "Atlantic/Reykjavik", "Iran": "Asia/Tehran", "Israel": "Asia/Jerusalem",
    "Jamaica": "America/Jamaica", "Japan": "Asia/Tokyo", "Kwajalein": "Pacific/Kwajalein",
    "Libya": "Africa/Tripoli",
    "Mexico/BajaNorte": "America/Tijuana", "Mexico/BajaSur": "America/Mazatlan",
    "Mexico/General": "America/Mexico_City",
    "NZ": "Pacific/Auckland", "NZ-CHAT": "Pacific/Chatham", "Navajo": "America/Denver",
    "PRC": "Asia/Shanghai",
    "Pacific/Enderbury": "Pacific/Kanton", "Pacific/Johnston": "Pacific/Honolulu",
    "Pacific/Ponape": "Pacific/Pohnpei", "Pacific/Samoa": "Pacific/Pago_Pago",
    "Pacific/Truk": "Pacific/Chuuk", "Pacific/Yap": "Pacific/Chuuk",
    "Poland": "Europe/Warsaw", "Portugal": "Europe/Lisbon", "ROC": "Asia/Taipei",
    "ROK": "Asia/Seoul", "Singapore": "Asia/Singapore", "Turkey": "Europe/Istanbul",
    "US/Alaska": "America/Anchorage", "US/Aleutian": "America/Adak",
    "US/Arizona": "America/Phoenix", "US/Central": "America/Chicago",
    "US/East-Indiana": "America/Indiana/Indianapolis", "US/Eastern": "America/New_York",
    "US/Hawaii": "Pacific/Honolulu", "US/Indiana-Starke": "America/Indiana/Knox",
    "US/Michigan": "America/Detroit", "US/Mountain": "America/Denver",
    "US/Pacific": "America/Los_Angeles", "US/Samoa": "Pacific/Pago_Pago",
    "W-SU": "Europe/Moscow",
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
    if check.status == "down" and getattr(check, "alert_held_until", None):
        return check.alert_held_until
    start = next_expected(check)
    return None if start is None else start + timedelta(seconds=check.grace)


def status(check, now: datetime, with_started=False) -> str:
    """new, up, grace, down, paused, or (only with_started) started, as of now."""
    grace = timedelta(seconds=check.grace)
    if check.last_start:
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
