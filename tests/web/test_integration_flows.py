"""The "Add to ..." flows on the dashboard: the redirect and its state, the return exchanged against
the recording server, forged or expired states refused; Telegram's bot webhook and invite landing."""
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib import settings
from chalicelib.integrations import oauth
from chalicelib.integrations.kinds import telegram
from chalicelib.lib import signing
from chalicelib.store.models import Channel

HOOK = "https://hooks.example.org/slack/T1"


@pytest.fixture(autouse=True)
def kinds_on(every_kind_on):
    pass


def start(web, project, kind, form=None):
    """Start the flow; (where it redirects, its query)."""
    response = web.post(f"/projects/{project.code}/add/{kind}/authorize/", form)
    assert response.status_code == 302, response.body[:300]
    location = response.headers["Location"]
    return location, {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def project_channels(project):
    return list(Channel.by_project.query(project.code))


def form_sent(recorder):
    return {k: v[0] for k, v in parse_qs(recorder.last.body.decode()).items()}


def slack_answers(recorder):
    answer = {"ok": True, "team": {"name": "Acme"}, "incoming_webhook": {"channel": "#ops", "url": HOOK}}
    recorder.respond("/slack/api/oauth.v2.access", body=json.dumps(answer).encode())


def test_add_to_slack_redirects_to_slack_with_a_state_and_our_callback(web, project, recorder):
    location, query = start(web, project, "slack")
    assert location.startswith(recorder.url("/slack/oauth/v2/authorize?"))
    assert query["scope"] == "incoming-webhook" and query["client_id"] == "slack-id"
    assert query["redirect_uri"] == f"{settings.SITE_ROOT}/integrations/add_slack_btn/"
    assert query["state"]


def test_the_slack_callback_exchanges_the_code_and_adds_the_channel(web, project, recorder):
    slack_answers(recorder)
    _, query = start(web, project, "slack")
    response = web.get("/integrations/add_slack_btn/", {"code": "the-code", "state": query["state"]})
    assert response.status_code == 302 and response.headers["Location"] == f"/projects/{project.code}/integrations/"
    assert recorder.last.path == "/slack/api/oauth.v2.access"
    assert form_sent(recorder) == {
        "client_id": "slack-id", "client_secret": "slack-secret", "code": "the-code",
        "redirect_uri": f"{settings.SITE_ROOT}/integrations/add_slack_btn/",
    }
    [channel] = project_channels(project)
    assert channel.kind == "slack" and channel.name == "#ops"
    assert json.loads(channel.value)["incoming_webhook"] == {"channel": "#ops", "url": HOOK}


def test_a_forged_state_is_refused_and_nothing_is_exchanged(web, project, recorder):
    slack_answers(recorder)
    start(web, project, "slack")
    forged = oauth.new_state("slack", web_now())
    assert web.get("/integrations/add_slack_btn/", {"code": "c", "state": forged}).status_code == 403
    assert recorder.requests == [] and project_channels(project) == []


def test_a_callback_without_a_flow_in_the_session_is_refused(web, project, recorder):
    assert web.get("/integrations/add_discord/", {"code": "c", "state": oauth.new_state("discord", web_now())}).status_code == 403
    assert recorder.requests == []


def test_an_expired_state_is_refused(web, project, recorder, monkeypatch):
    slack_answers(recorder)
    _, query = start(web, project, "slack")
    monkeypatch.setattr(oauth, "STATE_MAX_AGE", -1)
    assert web.get("/integrations/add_slack_btn/", {"code": "c", "state": query["state"]}).status_code == 403
    assert project_channels(project) == []


def test_a_state_is_good_for_one_return_only(web, project, recorder):
    slack_answers(recorder)
    _, query = start(web, project, "slack")
    web.get("/integrations/add_slack_btn/", {"code": "c", "state": query["state"]})
    assert web.get("/integrations/add_slack_btn/", {"code": "c", "state": query["state"]}).status_code == 403
    assert len(project_channels(project)) == 1


def test_a_flow_cancelled_on_the_service_adds_nothing(web, project, recorder):
    _, query = start(web, project, "slack")
    response = web.get("/integrations/add_slack_btn/", {"error": "access_denied", "state": query["state"]})
    assert response.status_code == 302 and recorder.requests == [] and project_channels(project) == []


def test_a_service_error_goes_back_to_the_page_as_a_message(web, project, recorder):
    recorder.respond("/slack/api/oauth.v2.access", body=b'{"ok": false, "error": "invalid_code"}')
    _, query = start(web, project, "slack")
    response = web.get("/integrations/add_slack_btn/", {"code": "c", "state": query["state"]})
    assert response.status_code == 302 and project_channels(project) == []
    assert "invalid_code" in web.get(response.headers["Location"]).body.decode()


def test_the_slack_flow_is_off_without_the_app_s_credentials(web, project, monkeypatch):
    monkeypatch.setattr(settings, "SLACK_CLIENT_ID", "")
    assert web.post(f"/projects/{project.code}/add/slack/authorize/").status_code == 404


def test_discord_exchanges_the_code_and_stores_the_webhook(web, project, recorder):
    answer = {"webhook": {"url": "https://discord.example.org/api/webhooks/1/t", "id": "1", "name": "alerts"}}
    recorder.respond("/discord/api/oauth2/token", body=json.dumps(answer).encode())
    location, query = start(web, project, "discord")
    assert location.startswith(recorder.url("/discord/api/oauth2/authorize?")) and query["scope"] == "webhook.incoming"
    assert web.get("/integrations/add_discord/", {"code": "dc", "state": query["state"]}).status_code == 302
    assert form_sent(recorder)["code"] == "dc" and form_sent(recorder)["grant_type"] == "authorization_code"
    [channel] = project_channels(project)
    assert json.loads(channel.value)["webhook"]["url"] == answer["webhook"]["url"] and channel.name == "alerts"


def test_pushbullet_exchanges_the_code_and_stores_the_token(web, project, recorder):
    recorder.respond("/pbapi/oauth2/token", body=b'{"access_token": "o.abc"}')
    location, query = start(web, project, "pushbullet")
    assert location.startswith(recorder.url("/pb/authorize?"))
    web.get("/integrations/add_pushbullet/", {"code": "pc", "state": query["state"]})
    assert form_sent(recorder)["code"] == "pc"
    assert project_channels(project)[0].value == "o.abc"


def test_pagerduty_install_adds_one_channel_per_service(web, project, recorder):
    location, query = start(web, project, "pd")
    assert location.startswith(recorder.url("/pdapp/install/integration?")) and query["app_id"] == "pd-app"
    state = parse_qs(urlsplit(query["redirect_url"]).query)["state"][0]
    config = {"account": {"name": "acme"}, "integration_keys": [
        {"integration_key": "KEY1", "name": "Web"}, {"integration_key": "KEY2", "name": "Jobs"}]}
    assert web.get("/integrations/add_pagerduty/", {"state": state, "config": json.dumps(config)}).status_code == 302
    made = sorted((c.name, json.loads(c.value)["service_key"]) for c in project_channels(project))
    assert made == [("Jobs", "KEY2"), ("Web", "KEY1")]


def test_pushover_subscription_carries_the_priorities_and_stores_the_user_key(web, project, recorder):
    location, query = start(web, project, "po", {"priority": "2", "priority_up": "-3"})
    assert location.startswith(recorder.url("/po/subscribe?"))
    back = parse_qs(urlsplit(query["success"]).query)
    assert back["prio"] == ["2"] and back["prio_up"] == ["-3"]
    returned = {"state": back["state"][0], "prio": "2", "prio_up": "-3", "pushover_user_key": "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"}
    assert web.get("/integrations/add_pushover/", returned).status_code == 302
    assert project_channels(project)[0].value == "uQiRzpo4DXghDmr9QzzfQu27cmVRsG|2|-3"


def test_github_lists_the_installed_repositories_then_saves_the_one_picked(web, project, recorder):
    recorder.respond("/github/login/oauth/access_token", body=b'{"access_token": "gho"}')
    recorder.respond("/gh/user/installations", body=b'{"installations": [{"id": 77}]}')
    recorder.respond("/gh/user/installations/77/repositories", body=b'{"repositories": [{"full_name": "acme/web"}]}')
    _, query = start(web, project, "github")
    page = web.get("/integrations/add_github/", {"code": "gc", "state": query["state"]})
    assert page.status_code == 200 and "acme/web" in page.body.decode()
    assert recorder.last.headers["Authorization"] == "Bearer gho"
    save = f"/projects/{project.code}/add_github/save/"
    assert web.post(save, {"repo_name": "acme/web", "labels": "bug, ops"}).status_code == 302
    [channel] = project_channels(project)
    assert json.loads(channel.value) == {"installation_id": 77, "repo": "acme/web", "labels": ["bug", "ops"]} and channel.name == "acme/web"


def test_github_save_refuses_a_repository_the_flow_did_not_list(web, project, recorder):
    recorder.respond("/github/login/oauth/access_token", body=b'{"access_token": "gho"}')
    recorder.respond("/gh/user/installations", body=b'{"installations": [{"id": 77}]}')
    recorder.respond("/gh/user/installations/77/repositories", body=b'{"repositories": [{"full_name": "acme/web"}]}')
    _, query = start(web, project, "github")
    web.get("/integrations/add_github/", {"code": "gc", "state": query["state"]})
    response = web.post(f"/projects/{project.code}/add_github/save/", {"repo_name": "someone/else", "installation_id": "1"})
    assert response.status_code == 302 and project_channels(project) == []
    assert "Pick one of the listed repositories" in web.get(response.headers["Location"]).body.decode()


def test_github_without_an_installation_sends_the_user_to_install_the_app(web, project, recorder):
    recorder.respond("/github/login/oauth/access_token", body=b'{"access_token": "gho"}')
    recorder.respond("/gh/user/installations", body=b'{"installations": []}')
    _, query = start(web, project, "github")
    response = web.get("/integrations/add_github/", {"code": "gc", "state": query["state"]})
    assert response.headers["Location"] == "https://github.example.org/apps/mychecks/installations/new"


def test_trello_authorize_returns_to_the_add_page(web, project, recorder):
    location, query = start(web, project, "trello")
    assert location.startswith(recorder.url("/trello-web/1/authorize?"))
    assert query["return_url"] == f"{settings.SITE_ROOT}/projects/{project.code}/add/trello/" and query["callback_method"] == "fragment"


def test_trello_settings_lists_the_boards_and_lists_for_the_token(web, recorder):
    boards = [{"id": "b1", "name": "Ops", "lists": [{"id": "l1", "name": "Alerts"}]}]
    recorder.respond("/trello/1/members/me/boards", body=json.dumps(boards).encode())
    body = web.post("/integrations/add_trello/settings/", {"token": "tt"}).body.decode()
    assert 'value="l1" data-board="Ops" data-list="Alerts"' in body
    assert parse_qs(urlsplit(recorder.last.path).query)["token"] == ["tt"]


# -- Telegram --------------------------------------------------------------------------------------

def bot_post(client, update, secret):
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return client.http.request("POST", "/integrations/telegram/bot/", body=json.dumps(update).encode(), headers=headers)


START = {"message": {"text": "/start", "chat": {"id": 42, "type": "private", "username": "alice"}}}


@pytest.mark.parametrize("secret", [None, "wrong"])
def test_the_bot_webhook_refuses_a_wrong_or_missing_secret(anonymous_web, recorder, secret):
    assert bot_post(anonymous_web, START, secret).status_code == 403
    assert recorder.requests == []


def test_the_bot_webhook_replies_to_start_with_an_invite_link(anonymous_web, recorder):
    assert bot_post(anonymous_web, START, "tg-secret").status_code == 200
    assert recorder.last.path == "/tg/bottg-token/sendMessage"
    sent = json.loads(recorder.last.body)
    assert sent["chat_id"] == 42 and "/integrations/add_telegram/?signed=" in sent["text"]


def test_the_invite_landing_lets_the_user_pick_a_project_and_adds_the_chat(web, project):
    signed = signing.sign({"id": 42, "type": "private", "name": "alice", "thread_id": None}, telegram.INVITE_SALT, web_now())
    page = web.get("/integrations/add_telegram/", {"signed": signed})
    assert page.status_code == 200 and f'value="{project.code}"' in page.body.decode()
    response = web.post(f"/integrations/add_telegram/?signed={signed}", {"project": project.code})
    assert response.status_code == 302
    [channel] = project_channels(project)
    assert json.loads(channel.value)["id"] == 42 and channel.name == "alice"


def test_a_forged_invite_is_refused(web, project):
    forged = signing.sign({"id": 1, "type": "private", "name": "x", "thread_id": None}, "another-salt", web_now())
    assert web.get("/integrations/add_telegram/", {"signed": forged}).status_code == 400
    assert web.post(f"/integrations/add_telegram/?signed={forged}", {"project": project.code}).status_code == 400
    assert project_channels(project) == []


def web_now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)
