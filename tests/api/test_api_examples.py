"""The examples of openapi.json are true: every operation has one, and its curl command, replayed on
the in-process API with real ids, answers the documented status with the example's JSON shape."""
import json
import shlex
from dataclasses import dataclass
from datetime import timedelta
from string import Template

import pytest
from openapi_schema_validator import OAS30Validator

from chalicelib import settings
from chalicelib.checks import badges, channels, checks
from chalicelib.integrations import delivery_reports
from chalicelib.store.models import Check, Flip
from chalicelib.web import docs_api

OPERATIONS = docs_api.operations()
IDS = [op["operationId"] for _, _, op in OPERATIONS]
METRICS_KEY = "metrics-key-of-the-operators-0001"


@dataclass
class World:
    """What the examples describe: a project with Backups (pinged: a start, a success with a body),
    a cron check and an email channel, as of the tests' `now`."""

    project_badge_key: str
    backups: Check
    flip: Flip
    channel_code: str
    body_ping: int


@pytest.fixture
def world(project, ping, now, monkeypatch) -> World:
    from chalicelib.lib import clock

    monkeypatch.setattr(clock, "now", lambda: now)
    monkeypatch.setattr(settings, "METRICS_KEY", METRICS_KEY)
    monkeypatch.setattr(settings, "DELIVER_FUNCTION_NAME", "hc-deliver")  # so stream_lag_seconds is a number
    # Created days apart: the checks are listed oldest first, and the example lists Backups first.
    backups = checks.create_check(
        project, now - timedelta(days=30), name="Backups", slug="backups", tags="prod db",
        desc="Nightly dump of the orders database", timeout=86400, grace=3600,
    )  # fmt: skip
    report = checks.create_check(
        project, now - timedelta(days=10), name="Weekday report", slug="weekday-report", tags="prod",
        kind="cron", schedule="30 6 * * 1-5", tz="Europe/Riga", grace=900,
    )  # fmt: skip
    channel = channels.create_channel(
        project.code, "email", {"value": "ops@example.org", "up": True, "down": True}, now - timedelta(days=3),
        name="Ops", email_verified=True,
    )  # fmt: skip
    start = now.replace(hour=2, microsecond=412000)
    ping(backups, start, "start", ua="curl/8.5.0")
    ping(backups, start + timedelta(seconds=205.319), method="POST", body=b"backup done\n", ua="curl/8.5.0")
    ping(report, now.replace(hour=4, minute=30, second=2), ua="python-requests/2.32.3")
    [flip] = Flip.query(backups.code)
    return World(project.badge_key, checks.get(backups.code), flip, channel.code, body_ping=2)


# What an operation's example needs that the world does not have.
PRECONDITIONS = {"resumeCheck": lambda world, now: checks.pause(world.backups, now)}


def real_path_values(world: World, op: dict) -> dict[str, str]:
    """The world's ids in place of the example's; the tag, format and states stay the example's."""
    examples = docs_api.path_examples(op)
    badge_key = world.backups.badge_key if op["operationId"] == "checkBadge" else world.project_badge_key
    signature = badges.signature(badge_key, examples.get("tag", "*"))
    real = {
        "code": world.backups.code,
        "n": str(world.body_ping),
        "token": delivery_reports.callback_url(world.flip, world.channel_code).split("/")[-2],
        "badge_key": badge_key,
        "signature": signature + ("-2" if examples.get("signature", "").endswith("-2") else ""),
    }
    return {name: real.get(name, value) for name, value in examples.items()}


def replay(client, command: str, variables: dict):
    """Send what the shell and curl would send for the command line (curl -X, -H, -d; a URL)."""
    words = shlex.split(command.replace("\\\n", " "))
    assert words.pop(0) == "curl"
    method, url, headers, data = None, None, {}, None
    while words:
        word = words.pop(0)
        if word == "-X":
            method = words.pop(0)
        elif word == "-H":
            name, _, value = Template(words.pop(0)).substitute(variables).partition(": ")
            headers[name] = value
        elif word == "-d":  # curl's -d: a POST of the bytes as a form, whatever they are
            data = words.pop(0).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        else:
            assert not word.startswith("-") and url is None, f"curl option the replay does not know: {word}"
            url = word
    path = url.removeprefix("%SITE_ROOT%")
    return client.request(method or ("POST" if data else "GET"), path, body=data or b"", headers=headers)


def shape(value):
    """JSON's shape: an object's keys with their values' shapes, a list's first item's, a value's type."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool) or value is None:
        return {True: "boolean", False: "boolean", None: "null"}[value]
    return "number" if isinstance(value, (int, float)) else type(value).__name__


@pytest.mark.parametrize("method, path, op", OPERATIONS, ids=IDS)
def test_every_operation_has_an_example_answer(method, path, op):
    assert docs_api.example_answer(op) is not None, "no 2xx answer with an example or examples"


@pytest.mark.parametrize("method, path, op", OPERATIONS, ids=IDS)
def test_every_request_body_with_fields_has_an_example(method, path, op):
    """A body of more than the api_key (which the header carries) is shown in the curl command."""
    for media, content in op.get("requestBody", {}).get("content", {}).items():
        fields = set(docs_api.resolve(content["schema"]).get("properties", {})) - {"api_key"}
        assert not fields or "example" in content, media


@pytest.mark.parametrize("method, path, op", OPERATIONS, ids=IDS)
def test_example_answers_fit_their_schema(method, path, op):
    code, media, content = docs_api.example_answer(op)
    if "example" in content:
        schema = {**content["schema"], "components": docs_api.document()["components"]}
        OAS30Validator(schema).validate(content["example"])


@pytest.mark.parametrize("method, path, op", OPERATIONS, ids=IDS)
def test_replayed_example_answers_as_documented(method, path, op, client, new_project, world, now):
    """The documented status and media type; for JSON the example's keys and value types, for text its words."""
    PRECONDITIONS.get(op["operationId"], lambda *_: None)(world, now)
    command = docs_api.curl(method, path, op, real_path_values(world, op))
    response = replay(client, command, {"KEY": new_project.api_key, "METRICS_KEY": METRICS_KEY})
    code, media, content = docs_api.example_answer(op)
    assert (response.status_code, response.headers["Content-Type"]) == (code, media), response.body[:300]
    if "example" not in content:  # a note, no value to compare
        return
    if media == "application/json":
        assert shape(json.loads(response.body)) == shape(content["example"])
    else:
        assert response.body.decode() == content["example"]
