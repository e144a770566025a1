"""A route naming the user's own project (or check) with another project's check, channel or ping:
in the path it answers 404; in a form it is refused or ignored; either way nothing of theirs changes."""
import re

import pytest

from chalicelib.accounts import projects
from chalicelib.checks import channels, checks
from tests.web.test_web_authorization import ROUTES, _call, target  # noqa: F401 (target is a fixture)

IDS = ["project", "check", "channel", "n"]


def swaps():
    """(route, the id taken from the other project) for every id a route names, path or form."""
    for route in ROUTES:
        method, path, need, form = route
        named = set(re.findall(r"\{(\w+)\}", path + " ".join(f"{k} {v}" for k, v in (form or {}).items())))
        for name in IDS:
            if name in named and need != "login":
                yield pytest.param(*route, name, id=f"{method} {path} other {name} {form or ''}")


@pytest.fixture
def other(now, ping):
    """A stranger's project with its check, channel and ping."""
    project = projects.create_project("Theirs", now).project
    check = checks.create_check(project, now, name="Their check")
    channel = channels.create_channel(project.code, "email", {"value": "theirs@example.org", "up": True, "down": True}, now)
    ping(check, now, body=b"theirs")
    return {"project": project.code, "check": check.code, "channel": channel.code, "n": 1}


@pytest.mark.parametrize("method, path, need, form, name", list(swaps()))
def test_another_projects_id_is_not_found(web, target, other, method, path, need, form, name):
    mixed = {**target, name: other[name]}
    if name == "n":  # a ping number is only ever read under its own check: use the other check's
        mixed["check"] = other["check"]
    response = _call(web, method, path, form, mixed)
    if "{" + name + "}" in path:
        assert response.status_code == 404, response.body[:300]
    theirs = checks.get(other["check"])
    assert (theirs.name, theirs.channels, theirs.status) == ("Their check", {other["channel"]}, "up")
