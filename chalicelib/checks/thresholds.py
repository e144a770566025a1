"""Failure and recovery thresholds: a check goes down only on its Nth failure in a row, and a
down check comes back up only on its Mth success in a row (N, M default 1: Healthchecks' rules).

A failure is a /fail ping or a nonzero exit status (both arrive as kind "fail"). A missed deadline
is not counted: it sends the check down at once, as before (README, "Failure thresholds"). The
counts live on the check item and change in the ping's own conditional write, which is also
conditioned on them, so two racing pings never count one failure twice or lose one.
"""
from chalicelib.store.models import Check

MAX_THRESHOLD = 100
FIELDS = ("failure_threshold", "recovery_threshold")


def failure_threshold(check) -> int:
    return int(getattr(check, "failure_threshold", None) or 1)


def recovery_threshold(check) -> int:
    return int(getattr(check, "recovery_threshold", None) or 1)


def counting(check) -> bool:
    """Whether this check's pings keep counts at all (a threshold over 1, or counts left from one)."""
    return (failure_threshold(check) > 1 or recovery_threshold(check) > 1
            or bool(check.fail_streak) or bool(check.ok_streak))  # fmt: skip


def judge(check, kind: str, sets: dict) -> tuple[str, str | None]:
    """(the status after a success or fail ping, the flip's detail); the counts go into `sets`."""
    if not counting(check):
        return ("down" if kind == "fail" else "up"), None
    if kind == "fail":
        sets["ok_streak"] = None
        if check.status == "down":
            return "down", None
        streak, needed = int(check.fail_streak or 0) + 1, failure_threshold(check)
        if streak < needed:
            sets["fail_streak"] = streak
            return "up", None  # the job ran and failed: alive, counted, not yet down
        sets["fail_streak"] = None
        return "down", (f"{streak} failures in a row (threshold {needed})" if needed > 1 else None)
    sets["fail_streak"] = None
    if check.status != "down":
        sets["ok_streak"] = None
        return "up", None
    streak, needed = int(check.ok_streak or 0) + 1, recovery_threshold(check)
    if streak < needed:
        sets["ok_streak"] = streak
        return "down", None
    sets["ok_streak"] = None
    return "up", (f"{streak} successes in a row (threshold {needed})" if needed > 1 else None)


def condition(check):
    """The counts as read, for the ping's write; None when the check keeps no counts."""
    if not counting(check):
        return None
    result = None
    for attribute, value in ((Check.fail_streak, check.fail_streak), (Check.ok_streak, check.ok_streak)):
        part = attribute.does_not_exist() if value is None else attribute == value
        result = part if result is None else result & part
    return result


def reset_actions() -> list:
    """Forget the counts (the check went down by its deadline, was paused, resumed or cleared)."""
    return [Check.fail_streak.remove(), Check.ok_streak.remove()]


def progress(check) -> str | None:
    """What the dashboard says of a count under way: "failing, 2 of 3", "recovering, 1 of 2"."""
    if check.status != "down" and check.fail_streak:
        return f"failing, {int(check.fail_streak)} of {failure_threshold(check)}"
    if check.status == "down" and check.ok_streak:
        return f"recovering, {int(check.ok_streak)} of {recovery_threshold(check)}"
    return None


def describe(check) -> str:
    """The rule in words, for the dialog's preview and the details page."""
    down, up = failure_threshold(check), recovery_threshold(check)
    first = "Goes down on the first failure" if down == 1 else f"Goes down on the {_ordinal(down)} failure in a row"
    second = "back up on the first success" if up == 1 else f"back up on the {_ordinal(up)} success in a row"
    return f"{first}, and {second}. A missed deadline sends it down at once."


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
