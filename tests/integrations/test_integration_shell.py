"""Shell commands: run for real in a subprocess, the check's details in the environment."""
import json
import sys

import pytest

from chalicelib import settings
from chalicelib.checks import channels
from chalicelib.integrations.base import TransportError
from chalicelib.integrations.kinds import shell

DUMP = f"{sys.executable} -c \"import json, os, sys; json.dump({{k: os.environ.get(k) for k in sys.argv[2:]}}, open(sys.argv[1], 'w'))\""


@pytest.fixture(autouse=True)
def enabled(monkeypatch):
    monkeypatch.setattr(settings, "SHELL_ENABLED", True)


def make(project, now, **value):
    return channels.create_channel(project.code, "shell", shell.validate(value), now)


@pytest.mark.parametrize("status", ["down", "up"])
def test_command_sees_the_checks_variables(project, now, alert, tmp_path, status):
    out = tmp_path / "env.json"
    names = "CODE STATUS NOW NAME TAGS TAG1 TAG2"
    channel = make(project, now, **{f"cmd_{status}": f"{DUMP} {out} {names}"})
    notice = alert(status)
    shell.send(channel, notice)
    assert json.loads(out.read_text()) == {
        "CODE": notice.check.code, "STATUS": status, "NOW": "2026-01-15T12:00:00+00:00",
        "NAME": "Backups", "TAGS": "prod nightly", "TAG1": "prod", "TAG2": "nightly",
    }


def test_values_are_never_run_as_shell_code(project, now, notice, make_check, tmp_path):
    out = tmp_path / "name.txt"
    channel = make(project, now, cmd_down=f'echo "$NAME" > {out}')
    shell.send(channel, notice("down", check=make_check(name="$(touch pwned); `id`")))
    assert out.read_text() == "$(touch pwned); `id`\n"


def test_non_zero_exit_is_an_error(project, now, alert):
    with pytest.raises(TransportError, match="Command returned exit code 3"):
        shell.send(make(project, now, cmd_down="exit 3"), alert("down"))


def test_direction_without_a_command_is_a_noop(project, now):
    channel = make(project, now, cmd_down="true")
    assert shell.is_noop(channel, "up") and not shell.is_noop(channel, "down")


def test_off_unless_enabled(monkeypatch):
    monkeypatch.setattr(settings, "SHELL_ENABLED", False)
    assert not shell.enabled()


@pytest.mark.parametrize("value, field", [({}, "cmd_down or cmd_up"), ({"cmd_up": "x" * 1001}, "cmd_up")])
def test_validate_names_the_bad_field(value, field):
    with pytest.raises(ValueError, match=field):
        shell.validate(value)
