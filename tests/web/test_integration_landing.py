"""The integrations' public landing pages: open to anyone, explaining the steps, with a call to sign
up, or for someone logged in a link to each of their projects' add page."""
import html
import re

import pytest

from chalicelib import settings
from chalicelib.accounts import projects

# path, the kind's add page, what the page must say
LANDINGS = [
    ("/integrations/slack/", "slack", "Mychecks for Slack"),
    ("/integrations/add_slack/", "slack", "Mychecks for Slack"),
    ("/integrations/mattermost/", "mattermost", "Integrations › Incoming Webhooks"),
    ("/integrations/rocketchat/", "rocketchat", "Mychecks for Rocket.Chat"),
    ("/integrations/googlechat/", "googlechat", "Apps &amp; integrations › Webhooks"),
    ("/integrations/pagerduty/", "pd", "Events API v1"),
    ("/integrations/telegram/", "telegram", "Send it <code>/start</code>"),
]
IDS = [path for path, _, _ in LANDINGS]


@pytest.fixture(autouse=True)
def telegram_on(monkeypatch):
    monkeypatch.setattr(settings, "TELEGRAM_TOKEN", "tg-token")
    monkeypatch.setattr(settings, "TELEGRAM_BOT_NAME", "MychecksBot")


def local_links(body: str) -> list[str]:
    return sorted({html.unescape(href) for href in re.findall(r'href="(/[^"]*)"', body)})


@pytest.mark.parametrize("path, kind, says", LANDINGS, ids=IDS)
def test_anyone_may_read_the_page_and_is_asked_to_sign_up(anonymous_web, path, kind, says):
    response = anonymous_web.get(path)
    body = response.body.decode()
    assert response.status_code == 200, body[:300]
    assert says in body
    assert '<ol class="landing-steps" id="landing-steps">' in body
    assert '<a class="button primary" href="/accounts/login/#signup" id="cta-signup">Sign up</a>' in body
    assert f'href="/accounts/login/?next={path}" id="cta-login"' in body


@pytest.mark.parametrize("path, kind, says", LANDINGS, ids=IDS)
def test_every_link_of_the_anonymous_page_resolves(anonymous_web, path, kind, says):
    for link in local_links(anonymous_web.get(path).body.decode()):
        assert anonymous_web.get(link.split("#")[0]).status_code in (200, 302), link


@pytest.mark.parametrize("path, kind, says", LANDINGS, ids=IDS)
def test_logged_in_the_page_links_to_each_writable_projects_add_page(web, project, user, make_member, now, path, kind, says):
    other = projects.create_project("Another team", now).project
    projects.add_member(other.code, user.id, "r", now)  # read-only there: it may not add integrations
    body = web.get(path).body.decode()
    assert f'<a class="button primary" href="/projects/{project.code}/add/{kind}/">Add to Test project</a>' in body
    assert f"/projects/{other.code}/add/" not in body
    assert "cta-signup" not in body
    assert web.get(f"/projects/{project.code}/add/{kind}/").status_code == 200


def test_someone_who_may_change_no_project_is_told_so(web, user, make_member):
    web.login(make_member("r"))
    body = web.get("/integrations/mattermost/").body.decode()
    assert "None of your projects lets you add integrations" in body


def test_with_registration_closed_only_login_is_offered(anonymous_web, monkeypatch):
    monkeypatch.setattr(settings, "REGISTRATION_OPEN", False)
    body = anonymous_web.get("/integrations/googlechat/").body.decode()
    assert "cta-signup" not in body and 'class="button primary" href="/accounts/login/?next=/integrations/googlechat/"' in body


def test_slacks_page_offers_add_to_slack_when_the_app_is_set_up(anonymous_web, monkeypatch):
    assert "Add to Slack" not in anonymous_web.get("/integrations/slack/").body.decode()
    monkeypatch.setattr(settings, "SLACK_CLIENT_ID", "slack-id")
    monkeypatch.setattr(settings, "SLACK_CLIENT_SECRET", "slack-secret")
    assert "<strong>Add to Slack</strong>" in anonymous_web.get("/integrations/slack/").body.decode()


def test_telegrams_page_names_the_bot(anonymous_web):
    body = anonymous_web.get("/integrations/telegram/").body.decode()
    assert '<a href="https://t.me/MychecksBot" id="telegram-bot">@MychecksBot</a>' in body


@pytest.mark.parametrize("path, setting", [
    ("/integrations/slack/", "SLACK_ENABLED"), ("/integrations/mattermost/", "MATTERMOST_ENABLED"),
    ("/integrations/rocketchat/", "ROCKETCHAT_ENABLED"), ("/integrations/pagerduty/", "PD_ENABLED"),
    ("/integrations/telegram/", "TELEGRAM_TOKEN"),
])
def test_a_kind_that_is_off_has_no_page(anonymous_web, monkeypatch, path, setting):
    monkeypatch.setattr(settings, setting, "" if setting == "TELEGRAM_TOKEN" else False)
    assert anonymous_web.get(path).status_code == 404
