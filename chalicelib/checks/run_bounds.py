"""Run-time bounds and per-run deadlines: a run that is too short, too long, or never finishes.

A run is a /start ping and its finish, paired by run id in the check's `runs` map (run id ->
start timestamp, "-" for a start without one). A check without min_duration, max_duration and
track_runs keeps Healthchecks' rule: the latest start must finish within grace. With
max_duration or track_runs every open run is watched on its own, with the deadline
start + max_duration (else start + grace); a finish closes only the run of its own run id.
Pure functions over any object with the Check attributes, as schedules.py.
"""
from datetime import datetime, timedelta, timezone

UTC = timezone.utc
NO_RID = "-"  # the runs map's key for a start without a run id (as the ping path writes it)
# Starts and finishes further apart than this are not paired (the ping path's limit), so no
# bound may be longer, and no open run is watched longer.
LONGEST_RUN = 259_200
# The sweep's resolution: a deadline at least a minute after the write that sets it.
SHORTEST_MAX_DURATION = 60
FIELDS = ("min_duration", "max_duration", "track_runs")
UNITS = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))


def watches_runs(check) -> bool:
    """Whether each open run has its own deadline (track_runs, or implied by max_duration)."""
    return bool(check.track_runs) or check.max_duration is not None


def allowance(check) -> int:
    """Seconds a run may stay open: max_duration, else grace; at most LONGEST_RUN."""
    seconds = check.max_duration if check.max_duration is not None else check.grace
    return min(int(seconds), LONGEST_RUN)


def open_runs(check) -> dict[str, float]:
    """Run key -> start timestamp, from the item's map or (the ping path's preview) a dict."""
    runs = check.runs
    items = runs.as_dict() if hasattr(runs, "as_dict") else (runs or {})
    return {key: float(value) for key, value in items.items()}


def run_deadlines(check) -> list[tuple[datetime, str, datetime]]:
    """(deadline, run key, start) of each open run, earliest first. None while the check is down
    (it has alerted already) or when runs are not watched."""
    if not watches_runs(check) or check.status == "down":
        return []
    limit = timedelta(seconds=allowance(check))
    runs = [(datetime.fromtimestamp(ts, UTC), key) for key, ts in open_runs(check).items()]
    return sorted((started + limit, key, started) for started, key in runs)


def overdue_runs(check, moment: datetime) -> list[tuple[datetime, str, datetime]]:
    """The open runs whose deadline is at or before moment, earliest first."""
    return [run for run in run_deadlines(check) if run[0] <= moment]


def finish_problem(check, seconds: float | None) -> str | None:
    """Why a success that measured `seconds` counts as a failure, or None when it does not."""
    if seconds is None:
        return None
    if check.min_duration is not None and seconds < float(check.min_duration):
        return f"ran {say(seconds)}, shorter than {say(check.min_duration)}"
    if check.max_duration is not None and seconds > float(check.max_duration):
        return f"ran {say(seconds)}, longer than {say(check.max_duration)}"
    return None


def overdue_flip_time(check, deadline: datetime, now: datetime) -> datetime:
    """When a run's deadline passed before the check's last change (it passed while the check
    was down, or before the setting was turned on), the flip is dated after that change, so it
    never sorts before the flip that brought the check up; otherwise at the deadline."""
    changes = [moment for moment in (check.last_ping, check.changed) if moment is not None]
    latest = max(changes, default=None)
    if latest is None or deadline > latest:
        return deadline
    return max(now, latest + timedelta(milliseconds=1))


def overdue_detail(check, overdue: list, at: datetime) -> str:
    """The flip's words for the earliest overdue run (and how many others went with it)."""
    _, key, started = overdue[0]
    elapsed = say((at - started).total_seconds())
    if check.max_duration is not None:
        longest = say(check.max_duration)
        # On time the sweep comes at the deadline itself, when "1 h, longer than 1 h" would read oddly.
        words = f"running for {elapsed}, longer than {longest}"
        if elapsed == longest:
            words = f"running for longer than {longest}"
        if key != NO_RID:
            words = f"run {key[:8]} {words}"
    else:
        words = f"{'a run' if key == NO_RID else 'run ' + key[:8]} started {elapsed} ago never finished"
    others = len(overdue) - 1
    if others:
        words += f" (and {others} more {'run' if others == 1 else 'runs'})"
    return words


def say(seconds) -> str:
    """A duration in its largest unit and the next: "12 s", "1 min", "2 h 14 min", "3 d 1 h"."""
    seconds = int(float(seconds))
    for i, (unit, size) in enumerate(UNITS):
        if seconds >= size or size == 1:
            count, rest = divmod(seconds, size)
            words = f"{count} {unit}"
            if i + 1 < len(UNITS) and rest // UNITS[i + 1][1]:
                words += f" {rest // UNITS[i + 1][1]} {UNITS[i + 1][0]}"
            return words
    return "0 s"  # unreachable: the last unit is 1 s


def describe(check) -> str:
    """What will alert when, in one or two sentences, for the dashboard's preview."""
    bounds = []
    if check.min_duration is not None:
        bounds.append(f"under {say(check.min_duration)}")
    if check.max_duration is not None:
        bounds.append(f"over {say(check.max_duration)}")
    sentences = []
    if bounds:
        sentences.append(f"A run (from /start to its success ping) alerts when it takes {' or '.join(bounds)}.")
    if watches_runs(check):
        sentences.append(
            f"Every run is watched by its run id (rid): one still open {say(allowance(check))} after its "
            "start alerts, even when other runs finished meanwhile."
        )
    else:
        sentences.append(
            f"A started run alerts when it has not finished {say(min(int(check.grace), LONGEST_RUN))} after "
            "the latest start (Healthchecks' rule)."
        )
    return " ".join(sentences)


def api_fields(check) -> dict:
    """The fields API v3 shows: only those set, so a check without them reads as before."""
    shown = {name: int(getattr(check, name)) for name in FIELDS[:2] if getattr(check, name) is not None}
    if check.track_runs:
        shown["track_runs"] = True
    return shown
