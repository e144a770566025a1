"""HTML and script stored in every user-supplied field come back escaped on every page that shows
them, and as plain JSON strings from the JSON endpoints: never as markup."""
import json

import pytest
from markupsafe import escape

from chalicelib.checks import channels
from chalicelib.pings.email_pings import InboundMail, receive
from chalicelib.store import models

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
RAW_MARKUP = ["<script>alert(1)", "<img src=x"]


@pytest.fixture(params=PAYLOADS, ids=["script", "img"])
def payload(request):
    return request.param


@pytest.fixture
def hostile(project, user, make_check, ping, now, payload, email_domain):
    """A project whose every user-supplied field holds `payload`; the ids the pages need."""
    project.update(actions=[models.Project.name.set(payload)])
    check = make_check(name=payload, slug=payload, tags=payload, desc=payload)
    channels.create_channel(project.code, "email", {"value": "ops@example.org", "up": True, "down": True}, now, name=payload)
    ping(check, now, body=payload.encode(), ua=payload)
    message = f"From: a@example.org\r\nTo: {check.code}@{email_domain}\r\nSubject: {payload}\r\n\r\n{payload}\r\n"
    receive(InboundMail(message.encode(), "a@example.org", [f"{check.code}@{email_domain}"], "10.0.0.2"), now)
    return {"project": project.code, "check": check.code}


PAGES = [
    "/",  # My Projects: project names
    "/projects/{project}/checks/",  # list: names, tags, slugs, descriptions
    "/checks/{check}/details/",  # name, tags, description, the last pings' user agents
    "/checks/{check}/log/",  # user agents, email subjects
    "/checks/{check}/pings/1/",  # ping body and user agent
    "/checks/{check}/pings/2/",  # email subject and body
    "/projects/{project}/integrations/",  # channel and check names
    "/projects/{project}/settings/",  # project name
    "/projects/{project}/badges/",  # tags
]


@pytest.mark.parametrize("path", PAGES)
def test_page_shows_stored_markup_escaped(web, hostile, payload, path):
    response = web.get(path.format(**hostile))
    assert response.status_code == 200
    html = response.body.decode()
    assert not [raw for raw in RAW_MARKUP if raw in html]
    assert str(escape(payload)) in html or str(escape(payload.split()[0])) in html


JSON_ENDPOINTS = [
    "/projects/{project}/checks/status/",
    "/checks/{check}/status/",
    "/checks/{check}/log_events/",
]


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
def test_json_endpoint_carries_markup_as_plain_strings(web, hostile, payload, path):
    response = web.xhr("GET", path.format(**hostile))
    assert response.status_code == 200
    # Valid JSON; text values (names, the page title) may hold the markup, which the page sets as
    # text, but an HTML fragment the page inserts as markup must hold it escaped.
    fragments = [s for s in strings(json.loads(response.body)) if "<" in s.replace(payload, "")]
    assert not [s for s in fragments if any(raw in s for raw in RAW_MARKUP)]


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def test_api_returns_stored_markup_as_the_same_json_string(api, hostile, payload):
    names = [c["name"] for c in api("GET", "/api/v3/checks/").json_body["checks"]]
    assert names == [payload]
