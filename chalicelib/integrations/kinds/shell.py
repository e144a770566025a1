"""Shell commands run on the delivering host, with the check's details in environment variables.

Off unless SHELL_ENABLED: whoever can edit a project's integrations could run anything here.
"""
import json
import os
import re
import subprocess

from chalicelib import settings
from chalicelib.integrations.base import Notice, TransportError
from chalicelib.integrations.kinds import webhook
from chalicelib.store.models import Channel

KIND = "shell"
LABEL = "Shell Command"
MAX_LENGTH = 1000
# The variables a command sees: $CODE, $STATUS, $NOW, $NAME, $TAGS and $TAG1, $TAG2, ...
VARIABLES = re.compile(r"^\$(CODE|STATUS|NOW|NAME|TAGS|TAG\d+)$")


def enabled() -> bool:
    return settings.SHELL_ENABLED


def validate(value: dict) -> str:
    """{cmd_down, cmd_up}, at most 1000 characters each, at least one given."""
    spec = {}
    for field in ("cmd_down", "cmd_up"):
        spec[field] = str(value.get(field) or "").strip()
        if len(spec[field]) > MAX_LENGTH:
            raise ValueError(f"{field}: at most {MAX_LENGTH} characters")
    if not spec["cmd_down"] and not spec["cmd_up"]:
        raise ValueError("cmd_down or cmd_up: enter at least one command")
    return json.dumps(spec)


def command(channel: Channel, status: str) -> str:
    return json.loads(channel.value).get(f"cmd_{status}") or ""


def is_noop(channel: Channel, status: str) -> bool:
    return not command(channel, status)


def environment(notice: Notice) -> dict[str, str]:
    """The process environment plus the check's variables (values are never parsed as shell code)."""
    values = {name[1:]: value for name, value in webhook.placeholders(notice).items() if VARIABLES.match(name)}
    return {**os.environ, **values}


def send(channel: Channel, notice: Notice) -> None:
    try:
        result = subprocess.run(
            command(channel, notice.status), shell=True, env=environment(notice),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            timeout=settings.NOTIFY_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise TransportError(f"Command timed out after {settings.NOTIFY_TIMEOUT} s") from None
    if result.returncode != 0:
        raise TransportError(f"Command returned exit code {result.returncode}")
