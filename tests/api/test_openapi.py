"""The OpenAPI document: valid, in step with app.py's routes, and true of the running API.

The e2e part runs schemathesis against the local stack (`python -m chalicelib.local run`).
"""
import contextlib
import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_openapi
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chalicelib.api import openapi
from tests.support.stack import ROOT, LocalStack, started_stack

API_ROOT = "/api/{version}"
HTTP_METHODS = ("get", "post", "delete", "put", "patch", "head")
TIMEOUT = 10


def documented_operations(document: dict) -> dict[str, set[str]]:
    """Path -> upper-case methods of the document's operations."""
    return {
        path: {method.upper() for method in item if method in HTTP_METHODS} for path, item in document["paths"].items()
    }


def shape(path: str) -> str:
    """The path with every templated segment as {}: "/b/{states}/{badge_key}.{fmt}" -> "/b/{}/{}"."""
    return "/".join("{}" if "{" in segment else segment for segment in path.split("/"))


def api_routes() -> dict[str, set[str]]:
    from app import app

    return {path[len(API_ROOT) :]: set(methods) for path, methods in app.routes.items() if path.startswith(API_ROOT + "/")}


# -- the document itself ---------------------------------------------------------------------------


def test_document_is_valid_openapi_3():
    """The served form passes openapi-spec-validator."""
    document = openapi.document("v3")
    validate_openapi(document)
    assert document["openapi"].startswith("3.0")


def test_stored_document_has_relative_servers():
    """openapi.json itself names no host: /api/v3 for the API, / for the badges."""
    with open(openapi.PATH) as f:
        stored = json.load(f)
    assert stored["servers"] == [{"url": "/api/v3"}]
    badge_servers = {server["url"] for item in stored["paths"].values() for server in item.get("servers", [])}
    assert badge_servers == {"/"}


@pytest.mark.parametrize("version", ["v1", "v2", "v3"])
def test_servers_are_absolute_for_the_requested_version(version, monkeypatch):
    """The API's server is SITE_ROOT/api/<version>; the badges' is SITE_ROOT."""
    monkeypatch.setattr("chalicelib.settings.SITE_ROOT", "https://hc.example.org")
    document = openapi.document(version)
    assert document["servers"][0]["url"] == f"https://hc.example.org/api/{version}"
    assert document["paths"]["/b/{states}/{badge_key}.{fmt}"]["servers"][0]["url"] == "https://hc.example.org"


def test_each_call_gets_its_own_copy():
    """Changing one returned document does not change the next one."""
    openapi.document("v3")["paths"].clear()
    assert openapi.document("v3")["paths"]


def test_unknown_version_has_no_document():
    assert openapi.document("v4") is None


def test_every_api_route_is_documented_and_vice_versa():
    """The document's paths outside the badges are exactly app.py's /api/{version}/ routes."""
    documented = {path for path, item in openapi.document("v3")["paths"].items() if "servers" not in item}
    assert documented == set(api_routes())


def test_documented_methods_are_routed():
    """Every documented operation's method is one its app.py route accepts."""
    routes = api_routes()
    for path, methods in documented_operations(openapi.document("v3")).items():
        if path in routes:
            assert methods <= routes[path], path


def test_badge_routes_are_documented_and_vice_versa():
    """The document's badge paths are app.py's /badge/ and /b/ routes (a {tag}.{fmt} segment is one parameter)."""
    from app import app

    routes = {shape(path) for path in app.routes if path.startswith(("/badge/", "/b/"))}
    documented = {shape(path) for path, item in openapi.document("v3")["paths"].items() if "servers" in item}
    assert documented == routes


def test_undocumented_methods_are_refused(api, check):
    """On each API route, a method the document leaves out answers 405 and a documented one does not."""
    documented = documented_operations(openapi.document("v3"))
    for path, methods in api_routes().items():
        url = "/api/v3" + path.replace("{code}", check.code).replace("{n}", "1")
        for method in methods - {"OPTIONS"}:
            status = api(method, url).status_code
            assert (status == 405) == (method not in documented[path]), (method, path, status)


def test_check_spec_names_every_field_the_api_validates():
    """CheckSpec's properties are spec.RULES (plus api_key), with the same limits."""
    from chalicelib.checks import schedules, spec

    properties = openapi.document("v3")["components"]["schemas"]["CheckSpec"]["properties"]
    assert set(properties) == set(spec.RULES) | {"api_key"}
    for name in ("timeout", "grace"):
        assert (properties[name]["minimum"], properties[name]["maximum"]) == (
            schedules.MIN_SECONDS,
            schedules.MAX_SECONDS,
        )
    assert properties["schedule"]["maxLength"] == schedules.MAX_SCHEDULE_LENGTH
    assert properties["slug"]["pattern"] == spec.SLUG_RE.pattern
    assert properties["unique"]["items"]["enum"] == list(spec.UNIQUE_FIELDS)


@pytest.mark.parametrize("readonly", [False, True], ids=["read-write", "read-only"])
@pytest.mark.parametrize("kind", ["simple", "cron"])
def test_check_schema_accepts_what_to_dict_returns(make_check, now, readonly, kind):
    """Every field check_json.to_dict emits is described, and its values fit the Check schema."""
    from chalicelib.checks.check_json import to_dict

    fields = {"schedule": "30 6 * * 1-5", "tz": "Europe/Riga", "kind": "cron"} if kind == "cron" else {}
    check = make_check(name="Backups", slug="backups", last_duration=12, **fields)
    result = to_dict(check, now, readonly=readonly)
    schema = openapi.document("v3")["components"]["schemas"]["Check"]
    assert set(result) <= set(schema["properties"])
    OAS30Validator(schema).validate(result)


# -- the running API -------------------------------------------------------------------------------


@dataclass
class Live:
    """A running stack with a project, seeded checks and what schemathesis may pick from."""

    stack: LocalStack
    keys: dict
    kept: list[str] = field(default_factory=list)  # uuids of checks every operation may use
    throwaway: list[str] = field(default_factory=list)  # uuids DELETE may use
    unique_keys: list[str] = field(default_factory=list)
    bodies: dict[str, list[int]] = field(default_factory=dict)  # uuid -> ping numbers with a body
    badge_paths: dict[str, list[dict]] = field(default_factory=dict)  # document path -> path parameters
    tally: Counter = field(default_factory=Counter)

    @property
    def api(self) -> str:
        return f"{self.stack.base}/api/v3"

    def call(self, method: str, path: str, key: str = "api_key", **kwargs) -> requests.Response:
        headers = {"X-Api-Key": self.keys[key]}
        return requests.request(method, self.api + path, headers=headers, timeout=TIMEOUT, **kwargs)

    def create_check(self, **fields) -> dict:
        response = self.call("POST", "/checks/", json=fields)
        assert response.status_code == 201, response.text
        return response.json()

    def path_parameters(self, operation) -> list[dict]:
        """Real path parameters the operation may use instead of generated ones."""
        method = operation.method.upper()
        if "{n}" in operation.path:
            return [{"code": code, "n": n} for code, numbers in self.bodies.items() for n in numbers]
        if "{code}" in operation.path:
            codes = self.throwaway if method == "DELETE" else self.kept
            return [{"code": code} for code in codes + (self.unique_keys if method == "GET" else [])]
        return self.badge_paths.get(operation.path, [])

    def ping(self, code: str, suffix: str = "", body: bytes = b"") -> None:
        response = requests.post(f"{self.stack.base}/ping/{code}{suffix}", data=body, timeout=TIMEOUT)
        assert response.status_code == 200, response.text


CREATE_CHANNEL = """
import sys
from datetime import datetime, timezone
from chalicelib.checks import channels
channels.create_channel(sys.argv[1], "email", {"value": "ops@example.org", "up": True, "down": True},
                        datetime.now(timezone.utc), name="Ops", email_verified=True)
"""


@contextlib.contextmanager
def running_stack(tmp_path):
    """The local stack with a new project: yields a Live. The API's per-key rate limit is lifted,
    so that thousands of generated calls reach the operations (429 is documented all the same)."""
    with started_stack(tmp_path, API_RATE_LIMIT="1000000") as stack:
        yield Live(stack, stack.create_project("openapi"))


def seed(live: Live) -> None:
    """Checks of each kind, with pings (text, binary and S3-sized bodies), a pause and a channel."""
    channel = subprocess.run(
        [sys.executable, "-c", CREATE_CHANNEL, live.keys["project"]],
        cwd=ROOT, env=live.stack.client_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert channel.returncode == 0, channel.stderr
    backups = live.create_check(name="Backups", slug="backups", tags="prod db", timeout=3600, channels="*")
    report = live.create_check(name="Report", tags="prod", schedule="30 6 * * 1-5", tz="Europe/Riga", grace=900)
    paused = live.create_check(name="Paused", tags="db", timeout=60, grace=60)
    live.ping(backups["uuid"], "/start")
    live.ping(backups["uuid"], "", b"backup done\n")
    live.ping(backups["uuid"], "/fail", b"\xff\xfe not utf-8")
    live.ping(backups["uuid"], "", b"a long log line\n" * 20)
    live.ping(report["uuid"])
    live.ping(paused["uuid"])
    assert live.call("POST", f"/checks/{paused['uuid']}/pause").status_code == 200
    live.kept = [backups["uuid"], report["uuid"], paused["uuid"]]
    live.bodies = {backups["uuid"]: [2, 3, 4]}
    live.throwaway = [live.create_check(name=f"Throwaway {i}")["uuid"] for i in range(3)]
    readonly = live.call("GET", "/checks/", key="api_key_readonly").json()["checks"]
    live.unique_keys = [check["unique_key"] for check in readonly]
    live.badge_paths = badge_parameters(live, backups["badge_url"])


def badge_parameters(live: Live, check_badge_url: str) -> dict[str, list[dict]]:
    """Path parameters of real badge URLs, by document path (none while /badges does not answer)."""
    found = {"/b/{states}/{badge_key}.{fmt}": []}
    match = re.fullmatch(r"/b/(\d+)/([^/]+)\.(\w+)", urlsplit(check_badge_url).path)
    if match:
        found["/b/{states}/{badge_key}.{fmt}"].append(dict(zip(("states", "badge_key", "fmt"), match.groups())))
    response = live.call("GET", "/badges/")
    if response.status_code != 200:
        return found
    patterns = {
        "/badge/{badge_key}/{signature}/{tag}.{fmt}": r"/badge/([^/]+)/([^/]+)/([^/]+)\.(\w+)",
        "/badge/{badge_key}/{signature}.{fmt}": r"/badge/([^/]+)/([^/]+)\.(\w+)",
    }
    names = {path: re.findall(r"\{(\w+)\}", path) for path in patterns}
    for urls in response.json()["badges"].values():
        for url in urls.values():
            for path, pattern in patterns.items():
                match = re.fullmatch(pattern, urlsplit(url).path)
                if match:
                    found.setdefault(path, []).append(dict(zip(names[path], match.groups())))
    return found


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("openapi")) as started:
        seed(started)
        yield started
    if started.tally:
        examples = sum(started.tally.values())
        print(f"\nschemathesis: {len(started.tally)} operations, {examples} examples")
        for label, count in sorted(started.tally.items()):
            print(f"  {count:4d}  {label}")


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Loaded with the module, so that pytest lists the operations before the stack runs.
DOCUMENT = openapi.document("v3")
conformance = schemathesis.openapi.from_dict(DOCUMENT)


@pytest.mark.e2e
def test_served_document_is_the_document_for_its_site(live, monkeypatch):
    """GET /api/v3/openapi.json is openapi.document("v3") with the stack's SITE_ROOT."""
    monkeypatch.setattr("chalicelib.settings.SITE_ROOT", live.stack.base)
    response = requests.get(f"{live.api}/openapi.json", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json() == openapi.document("v3")


@pytest.mark.e2e
@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    # Without the explicit phase: schemathesis would replay the document's examples, which it cannot
    # combine with given(data); tests/api/test_api_examples.py replays them on real ids instead.
    phases=[phase for phase in Phase if phase != Phase.explicit],
)
@conformance.parametrize()
@conformance.given(data=st.data())
def test_api_conforms_to_its_document(case, data, live):
    """No 5xx; status code, content type and body as documented, with the read-write key."""
    real = live.path_parameters(case.operation)
    if real:
        case.path_parameters = {**case.path_parameters, **data.draw(st.sampled_from([{}, *real]))}
    base_url = live.stack.base + ("" if "servers" in DOCUMENT["paths"][case.operation.path] else "/api/v3")
    r = case.call_and_validate(base_url, headers={"X-Api-Key": live.keys["api_key"]}, checks=CHECKS, timeout=TIMEOUT)
    live.tally[(case.operation.label, r.status_code)] += 1
