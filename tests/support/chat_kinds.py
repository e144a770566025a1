"""What the chat and incident-tool kinds are expected to send for conftest's `alert` notices."""
import json

# The facts every message lists for the `alert` check, in each rendering.
MARKDOWN_FACTS = """- **Description:** Nightly database dump
- **Project:** Test project
- **Tags:** `prod` `nightly`
- **Period:** 1 day
- **Total Pings:** 42
- **Last Ping:** Success, 2 hours ago"""
PLAIN_FACTS = """- Description: Nightly database dump
- Project: Test project
- Tags: prod nightly
- Period: 1 day
- Total Pings: 42
- Last Ping: Success, 2 hours ago"""
HTML_FACTS = (
    "<ul><li><b>Description:</b> Nightly database dump</li><li><b>Project:</b> Test project</li>"
    "<li><b>Tags:</b> <code>prod</code> <code>nightly</code></li><li><b>Period:</b> 1 day</li>"
    "<li><b>Total Pings:</b> 42</li><li><b>Last Ping:</b> Success, 2 hours ago</li></ul>\n"
)
# The same facts as Slack-style attachment fields (Slack, Mattermost, Discord, Rocket.Chat).
FACT_FIELDS = [
    {"title": "Description", "value": "Nightly database dump"},
    {"title": "Project", "value": "Test project", "short": True},
    {"title": "Tags", "value": "`prod` `nightly`", "short": True},
    {"title": "Period", "value": "1 day", "short": True},
    {"title": "Total Pings", "value": "42", "short": True},
    {"title": "Last Ping", "value": "Success, 2 hours ago", "short": True},
]

# The common message (integrations/markdown.py) for alert("down") and alert("up"); {url} is the check's link.
MARKDOWN_DOWN = f"""🔴 The check "Backups" is DOWN (success signal did not arrive on time, grace time passed).

{MARKDOWN_FACTS}

**Last Ping Body:**

```
rows: 5
```

**Also down in this project:**

- Reports (last ping 3 hours ago)

[View on Mychecks]({{url}})"""

MARKDOWN_UP = f"""🟢 The check "Backups" is now UP. The downtime lasted 2 hours 5 minutes.

{MARKDOWN_FACTS}

**All the other checks are up.**

[View on Mychecks]({{url}})"""

PLAIN_DOWN = f"""🔴 The check "Backups" is DOWN (success signal did not arrive on time, grace time passed).

{PLAIN_FACTS}

Last Ping Body:

rows: 5

Also down in this project:

- Reports (last ping 3 hours ago)

View on Mychecks: {{url}}"""

PLAIN_UP = f"""🟢 The check "Backups" is now UP. The downtime lasted 2 hours 5 minutes.

{PLAIN_FACTS}

All the other checks are up.

View on Mychecks: {{url}}"""

HTML_DOWN = (
    '<p>🔴 The check "Backups" is DOWN (success signal did not arrive on time, grace time passed).</p>\n'
    + HTML_FACTS +
    "<p><b>Last Ping Body:</b></p>\n<pre>rows: 5</pre>\n"
    "<p><b>Also down in this project:</b></p>\n<ul><li>Reports (last ping 3 hours ago)</li></ul>\n"
    '<p><a href="{url}">View on Mychecks</a></p>'
)

HTML_UP = (
    "<p>🟢 The check \"Backups\" is now UP. The downtime lasted 2 hours 5 minutes.</p>\n"
    + HTML_FACTS +
    "<p><b>All the other checks are up.</b></p>\n"
    '<p><a href="{url}">View on Mychecks</a></p>'
)

EXPECTED = {
    ("markdown", "down"): MARKDOWN_DOWN, ("markdown", "up"): MARKDOWN_UP,
    ("plain", "down"): PLAIN_DOWN, ("plain", "up"): PLAIN_UP,
    ("html", "down"): HTML_DOWN, ("html", "up"): HTML_UP,
}


def expected(style: str, notice) -> str:
    return EXPECTED[(style, notice.status)].format(url=notice.check_url)


def json_sent(recorder, method="POST", path="/", **headers) -> dict:
    """The last request was `method path` with a JSON body and exactly these headers; its JSON."""
    request = recorder.last
    assert (request.method, request.path) == (method, path)
    assert request.headers == {
        "Host": f"127.0.0.1:{recorder.port}",
        "User-Agent": "Mychecks",
        "Accept-Encoding": "identity",
        "Accept": "*/*",
        **headers,
        "Content-Type": "application/json",
        "Content-Length": str(len(request.body)),
    }
    return json.loads(request.body)


def channel_values(url) -> dict[str, tuple[str | dict, str]]:
    """Per HTTP kind: a channel value sending to url(path) (the recorder's), and the path its alert is posted to.

    The settings these need come from the `kind_settings` fixture.
    """
    return {
        "discord": ({"webhook": {"url": url("/discord/hook"), "id": "1", "name": "alerts"}}, "/discord/hook/slack"),
        "github": ({"installation_id": 77, "repo": "acme/backend"}, "/gh/repos/acme/backend/issues"),
        "googlechat": ({"url": url("/googlechat")}, "/googlechat"),
        "gotify": ({"url": url("/gotify"), "token": "t"}, "/gotify/message"),
        "matrix": ({"room_id": "!abc:example.org"}, None),  # the path ends in a per-alert transaction id
        "mattermost": ({"url": url("/mattermost")}, "/mattermost"),
        "msteamsw": ({"url": url("/msteamsw")}, "/msteamsw"),
        "opsgenie": ({"key": "k"}, "/opsgenie/v2/alerts"),
        "pagertree": ({"url": url("/pagertree")}, "/pagertree"),
        "pd": ({"service_key": "k"}, "/pd/generic/2010-04-15/create_event.json"),
        "rocketchat": ({"url": url("/rocketchat")}, "/rocketchat"),
        "slack": ({"url": url("/slack")}, "/slack"),
        "spike": ({"url": url("/spike")}, "/spike"),
        "trello": ({"token": "t", "list_id": "L", "board_name": "B", "list_name": "L"}, "/trello/1/cards"),
        "victorops": ({"url": url("/victorops")}, "/victorops"),
        "zulip": ({"bot_email": "b@z.example", "api_key": "k", "site": url("/zulip"), "to": "ops"}, "/zulip/api/v1/messages"),
    }
