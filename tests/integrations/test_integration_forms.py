"""Each kind's add (and edit) form on the dashboard: shown when the kind is on, 404 when off,
a valid post stores the value the kind's validate() makes, an invalid one shows why and stores nothing."""
import json

import pytest

from chalicelib import settings
from chalicelib.checks import channels
from chalicelib.store.models import Channel

URL = "https://hooks.example.org/alerts"
DOWN_ONLY = {"down": "on", "checkboxes": "down up"}

# kind: (valid form, stored value (a dict: the JSON), invalid form, the error's field)
FORMS = {
    "apprise": ({"url": "json://hooks.example.org/a"}, "json://hooks.example.org/a", {"url": "hooks.example.org"}, "url"),
    "call": ({"name": "Alice", "value": "+1 555-123-4567"}, {"value": "+15551234567"}, {"value": "555"}, "value"),
    "email": ({"value": "alice@example.org", "down": "on", "up": "on", "checkboxes": "down up"},
              {"value": "alice@example.org", "up": True, "down": True}, {"value": "nope", **DOWN_ONLY}, "value"),
    "googlechat": ({"url": URL}, URL, {"url": "ftp://example.org"}, "url"),
    "gotify": ({"url": "https://gotify.example.org", "token": "At0ken", "priority": "9", "priority_up": "0"},
               {"url": "https://gotify.example.org", "token": "At0ken", "priority": 9, "priority_up": 0},
               {"url": "https://gotify.example.org", "token": "t", "priority": "3", "priority_up": "0"}, "priority"),
    "mattermost": ({"url": URL}, URL, {"url": ""}, "url"),
    "msteamsw": ({"url": URL}, URL, {"url": "teams"}, "url"),
    "ntfy": ({"topic": "ops-7f3a", "url": "https://ntfy.example.org", "token": "", "priority": "5", "priority_up": "0"},
             {"topic": "ops-7f3a", "url": "https://ntfy.example.org", "token": "", "priority": 5, "priority_up": 0},
             {"topic": "ops alerts", "url": "https://ntfy.sh", "priority": "3", "priority_up": "3"}, "topic"),
    "opsgenie": ({"key": "key-1", "region": "eu"}, {"region": "eu", "key": "key-1"}, {"key": "k", "region": "asia"}, "region"),
    "pagertree": ({"url": URL}, URL, {"url": "x"}, "url"),
    "pd": ({"service_key": "abc123DEF"}, "abc123DEF", {"service_key": "abc-123"}, "service_key"),
    "rocketchat": ({"url": URL}, URL, {"url": "x"}, "url"),
    "shell": ({"cmd_down": "logger down", "cmd_up": ""}, {"cmd_down": "logger down", "cmd_up": ""}, {"cmd_down": "", "cmd_up": ""}, "cmd_down or cmd_up"),
    "signal": ({"value": "alice.42", **DOWN_ONLY}, {"value": "alice.42", "up": False, "down": True}, {"value": "alice.42", "checkboxes": "down up"}, "up, down"),
    "slack": ({"url": URL}, URL, {"url": "slack"}, "url"),
    "sms": ({"value": "+15551234567", **DOWN_ONLY}, {"value": "+15551234567", "up": False, "down": True}, {"value": "12", **DOWN_ONLY}, "value"),
    "spike": ({"url": URL}, URL, {"url": "x"}, "url"),
    "trello": ({"token": "tok", "list_id": "L1", "board_name": "Ops", "list_name": "Alerts"},
               {"token": "tok", "list_id": "L1", "board_name": "Ops", "list_name": "Alerts"}, {"token": "tok", "board_name": "Ops"}, "list_id"),
    "victorops": ({"url": URL}, URL, {"url": "x"}, "url"),
    "webhook": ({"url_down": URL, "method_down": "POST", "url_up": "", "method_up": "GET"}, None, {"url_down": "", "url_up": ""}, "url_down or url_up"),
    "whatsapp": ({"value": "+15551234567", "down": "on", "up": "on", "checkboxes": "down up"},
                 {"value": "+15551234567", "up": True, "down": True}, {"value": "+1", **DOWN_ONLY}, "value"),
    "zulip": ({"bot_email": "bot@zulip.example.org", "api_key": "k", "site": "https://zulip.example.org/", "mtype": "stream", "to": "ops", "topic": ""},
              {"bot_email": "bot@zulip.example.org", "api_key": "k", "site": "https://zulip.example.org", "mtype": "stream", "to": "ops", "topic": ""},
              {"bot_email": "not an address", "api_key": "k", "site": "https://zulip.example.org", "to": "ops"}, "bot_email"),
}
# Kinds added only through the service's own page: their add page is the button that starts it.
FLOW_KINDS = {"discord": "Add to Discord", "pushbullet": "Connect Pushbullet", "github": "Connect GitHub", "po": "Subscribe with Pushover"}
# A setting that turns each switchable kind off (the others are always on).
OFF = {
    "apprise": {"APPRISE_ENABLED": False}, "call": {"TWILIO_AUTH": ""}, "discord": {"DISCORD_CLIENT_ID": ""},
    "github": {"GITHUB_PRIVATE_KEY": ""}, "matrix": {"MATRIX_ACCESS_TOKEN": ""}, "mattermost": {"MATTERMOST_ENABLED": False},
    "msteamsw": {"MSTEAMS_ENABLED": False}, "opsgenie": {"OPSGENIE_ENABLED": False}, "pagertree": {"PAGERTREE_ENABLED": False},
    "pd": {"PD_ENABLED": False}, "po": {"PUSHOVER_SUBSCRIPTION_URL": ""}, "pushbullet": {"PUSHBULLET_CLIENT_SECRET": ""},
    "rocketchat": {"ROCKETCHAT_ENABLED": False}, "shell": {"SHELL_ENABLED": False}, "signal": {"SIGNAL_CLI_SOCKET": ""},
    "slack": {"SLACK_ENABLED": False}, "sms": {"TWILIO_ACCOUNT": ""}, "spike": {"SPIKE_ENABLED": False},
    "telegram": {"TELEGRAM_TOKEN": ""}, "trello": {"TRELLO_APP_KEY": ""}, "victorops": {"VICTOROPS_ENABLED": False},
    "webhook": {"WEBHOOKS_ENABLED": False}, "whatsapp": {"TWILIO_USE_WHATSAPP": False}, "zulip": {"ZULIP_ENABLED": False},
}


@pytest.fixture(autouse=True)
def kinds_on(every_kind_on):
    pass


def add_url(project, kind):
    return f"/projects/{project.code}/add/{kind}/"


def stored(channel):
    try:
        return json.loads(channel.value)
    except ValueError:
        return channel.value


def project_channels(project):
    return list(Channel.by_project.query(project.code))


@pytest.mark.parametrize("kind", [*FORMS, "group", "matrix"])
def test_the_form_of_an_enabled_kind_renders_with_its_fields(web, project, kind):
    response = web.get(add_url(project, kind))
    assert response.status_code == 200
    body = response.body.decode()
    assert 'id="integration-form"' in body and f'action="{add_url(project, kind)}"' in body
    # Trello's list picker and a group's members appear once there is something to pick.
    shown = {"trello": ["token", "board_name", "list_name"], "group": ["name", "lists"], "matrix": ["room_id"]}
    for field in shown.get(kind) or [f for f in FORMS[kind][0] if f != "checkboxes"]:
        assert f'name="{field}"' in body, field


@pytest.mark.parametrize("kind, button", FLOW_KINDS.items())
def test_a_flow_kind_page_offers_the_button_that_starts_its_flow(web, project, kind, button):
    body = web.get(add_url(project, kind)).body.decode()
    assert f'action="/projects/{project.code}/add/{kind}/authorize/"' in body
    assert button in body


def test_the_telegram_page_tells_how_to_start_the_bot(web, project, monkeypatch):
    monkeypatch.setattr(settings, "TELEGRAM_BOT_NAME", "MyChecksBot")
    body = web.get(add_url(project, "telegram")).body.decode()
    assert "https://t.me/MyChecksBot" in body and "/start" in body


@pytest.mark.parametrize("kind", sorted(OFF))
def test_the_form_of_a_disabled_kind_is_not_found(web, project, monkeypatch, kind):
    for name, value in OFF[kind].items():
        monkeypatch.setattr(settings, name, value)
    assert web.get(add_url(project, kind)).status_code == 404
    assert f'href="{add_url(project, kind)}"' not in web.get(f"/projects/{project.code}/integrations/").body.decode()


@pytest.mark.parametrize("kind", FORMS)
def test_a_valid_post_adds_the_channel_with_the_stored_value(web, project, kind):
    form, expected, _, _ = FORMS[kind]
    response = web.post(add_url(project, kind), form)
    assert response.status_code == 302, response.body[:300]
    [channel] = project_channels(project)
    assert channel.kind == kind
    if expected is not None:
        assert stored(channel) == expected


@pytest.mark.parametrize("kind", FORMS)
def test_an_invalid_post_shows_the_error_and_stores_nothing(web, project, kind):
    _, _, form, field = FORMS[kind]
    response = web.post(add_url(project, kind), form)
    assert response.status_code == 400
    body = response.body.decode()
    assert 'id="form-error"' in body and f"{field}:" in body
    assert project_channels(project) == []


def test_the_call_form_stores_its_label_as_the_channel_name(web, project):
    web.post(add_url(project, "call"), FORMS["call"][0])
    assert project_channels(project)[0].name == "Alice"


def test_the_gallery_links_every_enabled_kind(web, project):
    body = web.get(f"/projects/{project.code}/integrations/").body.decode()
    for kind in [*FORMS, *FLOW_KINDS, "group", "matrix", "telegram"]:
        assert f'href="{add_url(project, kind)}"' in body, kind


# -- group ---------------------------------------------------------------------------------------

@pytest.fixture
def members(project, now):
    return [
        channels.create_channel(project.code, "email", {"value": "ops@example.org", "up": True, "down": True}, now),
        channels.create_channel(project.code, "slack", URL, now),
    ]


def test_the_group_form_lists_the_project_s_other_integrations(web, project, members):
    body = web.get(add_url(project, "group")).body.decode()
    for member in members:
        assert f'value="{member.code}"' in body


def test_a_group_stores_the_picked_members(web, project, members):
    response = web.post(add_url(project, "group"), {"name": "On call", "lists": "channels", "channels": [m.code for m in members]})
    assert response.status_code == 302
    [group] = [c for c in project_channels(project) if c.kind == "group"]
    assert group.value == ",".join(m.code for m in members) and group.name == "On call"


def test_a_group_refuses_a_member_of_another_project_even_if_the_form_names_that_project(web, project, now):
    from chalicelib.accounts import projects

    other = projects.create_project("Other", now).project
    foreign = channels.create_channel(other.code, "slack", URL, now)
    response = web.post(add_url(project, "group"), {"lists": "channels", "channels": [foreign.code], "project": other.code})
    assert response.status_code == 400 and "channels:" in response.body.decode()
    assert project_channels(project) == []


def test_a_group_edit_shows_its_members_ticked(web, project, members):
    web.post(add_url(project, "group"), {"lists": "channels", "channels": [members[0].code]})
    [group] = [c for c in project_channels(project) if c.kind == "group"]
    body = web.get(f"/integrations/{group.code}/edit/").body.decode()
    assert f'value="{members[0].code}" checked' in body and f'value="{members[1].code}" checked' not in body


# -- matrix joins the room -------------------------------------------------------------------------

def test_a_matrix_room_alias_is_joined_and_its_room_id_stored(web, project, recorder):
    recorder.respond("/matrix/_matrix/client/v3/join/%23ops%3Aexample.org", body=b'{"room_id": "!abc:example.org"}')
    assert web.post(add_url(project, "matrix"), {"room_id": "#ops:example.org"}).status_code == 302
    assert project_channels(project)[0].value == "!abc:example.org"
    assert recorder.last.method == "POST" and recorder.last.headers["Authorization"] == "Bearer m"


def test_a_matrix_room_the_bot_may_not_join_shows_why(web, project, recorder):
    recorder.respond("/matrix/_matrix/client/v3/join/%23ops%3Aexample.org", status=403, body=b'{"error": "not invited"}')
    response = web.post(add_url(project, "matrix"), {"room_id": "#ops:example.org"})
    assert response.status_code == 400 and "Did you invite @bot:example.org" in response.body.decode()
    assert project_channels(project) == []


# -- edit ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["sms", "signal", "whatsapp", "ntfy", "gotify"])
def test_an_editable_kind_s_form_shows_and_saves_its_settings(web, project, kind):
    form, expected, _, _ = FORMS[kind]
    web.post(add_url(project, kind), form)
    [channel] = project_channels(project)
    body = web.get(f"/integrations/{channel.code}/edit/").body.decode()
    assert f'action="/integrations/{channel.code}/edit/"' in body
    first = next(iter(form))
    assert f'value="{expected[first]}"' in body
    assert web.post(f"/integrations/{channel.code}/edit/", form).status_code == 302


def test_a_kind_that_is_not_editable_answers_400_on_edit(web, project):
    web.post(add_url(project, "slack"), {"url": URL})
    [channel] = project_channels(project)
    assert web.get(f"/integrations/{channel.code}/edit/").status_code == 400
    assert web.post(f"/integrations/{channel.code}/edit/", {"url": "https://elsewhere.example.org/"}).status_code == 400
    assert Channel.get(channel.code).value == URL
