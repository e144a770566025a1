"""The "how to ping" examples of a check: text files in templates/checks/snippets with the
check's ping URL (and email address, schedule) filled in."""
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from chalicelib import settings
from chalicelib.store.models import Check

SNIPPETS = Path(settings.TEMPLATES_DIR) / "checks" / "snippets"
# (file name, tab label), in the order the tabs are shown.
EXAMPLES = [
    ("crontab", "Crontab"),
    ("bash_curl", "curl"),
    ("bash_wget", "wget"),
    ("python", "Python"),
    ("python_requests", "Python (requests)"),
    ("node", "Node.js"),
    ("ruby", "Ruby"),
    ("go", "Go"),
    ("php", "PHP"),
    ("csharp", "C#"),
    ("powershell", "PowerShell"),
]
FIXME = "* * * * *  # FIXME: the job's own schedule here"


@dataclass
class Example:
    name: str
    label: str
    text: str


@cache
def _template(name: str) -> str:
    return (SNIPPETS / f"{name}.txt").read_text()


def crontab_schedule(check: Check) -> str:
    """A cron line matching the check's period where one exists, as a starting point."""
    if check.kind == "cron":
        return check.schedule
    if check.kind != "simple":
        return FIXME
    minutes, seconds = divmod(int(check.timeout), 60)
    if seconds:
        return FIXME
    if minutes == 1:
        return "* * * * *"
    if minutes < 60 and 60 % minutes == 0:
        return f"*/{minutes} * * * *"
    hours, rest = divmod(minutes, 60)
    if rest == 0 and hours == 1:
        return "0 * * * *"
    if rest == 0 and hours < 24 and 24 % hours == 0:
        return f"0 */{hours} * * *"
    if rest == 0 and hours == 24:
        return "0 0 * * *"
    return FIXME


def examples(check: Check, ping_url: str, email: str | None) -> list[Example]:
    """The examples to show; an "Email" one only when the check has an address."""
    fills = {"PING_URL": ping_url, "CRON_SCHEDULE": crontab_schedule(check), "PING_EMAIL": email or ""}
    chosen = EXAMPLES + ([("email", "Email")] if email else [])
    return [Example(name, label, _fill(_template(name), fills)) for name, label in chosen]


def _fill(text: str, fills: dict[str, str]) -> str:
    for placeholder, value in fills.items():
        text = text.replace(placeholder, value)
    return text
