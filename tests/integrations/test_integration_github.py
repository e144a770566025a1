"""GitHub Issues and Trello: the card or issue sent on down, the app token, the setup flows."""
import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from chalicelib import settings
from chalicelib.integrations import oauth
from chalicelib.integrations.base import TransportError
from chalicelib.integrations.kinds import github, trello
from chalicelib.store.models import Channel
from tests.support.chat_kinds import expected, json_sent

TOKENS = "/gh/app/installations/77/access_tokens"
ISSUES = "/gh/repos/acme/backend/issues"


@pytest.fixture
def github_app(monkeypatch, recorder, github_app_key):
    pem = github_app_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    for name, value in dict(
        GITHUB_CLIENT_ID="Iv1.app", GITHUB_CLIENT_SECRET="gh-secret", GITHUB_PRIVATE_KEY=pem.decode(),
        GITHUB_URL=recorder.url("/github"), GITHUB_API_URL=recorder.url("/gh"),
        GITHUB_PUBLIC_LINK="https://github.com/apps/mychecks",
    ).items():
        monkeypatch.setattr(settings, name, value)
    recorder.respond(TOKENS, status=201, body=b'{"token": "ghs_installation"}')


def issue_channel(**fields):
    value = {"installation_id": 77, "repo": "acme/backend", "labels": "ops, cron", **fields}
    return Channel(code="c0ffee", project="p", kind="github", value=github.validate(value))


def decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_github_down_opens_an_issue_with_the_installation_token(recorder, alert, github_app):
    notice = alert("down")
    github.send(issue_channel(), notice)
    assert json_sent(
        recorder, path=ISSUES, Authorization="Bearer ghs_installation",
        Accept="application/vnd.github+json", **{"X-GitHub-Api-Version": "2022-11-28"},
    ) == {"title": "Backups is DOWN", "body": expected("markdown", notice), "labels": ["ops", "cron"]}


def test_github_token_request_is_signed_by_the_app(recorder, alert, github_app, github_app_key):
    github.send(issue_channel(), alert("down"))
    token_request = recorder.requests[0]
    assert (token_request.method, token_request.path) == ("POST", TOKENS)
    header, claims, signature = token_request.headers["Authorization"].removeprefix("Bearer ").split(".")
    assert json.loads(decode(header)) == {"alg": "RS256", "typ": "JWT"}
    claims_doc = json.loads(decode(claims))
    assert claims_doc["iss"] == "Iv1.app" and claims_doc["exp"] - claims_doc["iat"] == 600
    github_app_key.public_key().verify(decode(signature), f"{header}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256())


def test_github_sends_nothing_on_up():
    assert github.is_noop(issue_channel(), "up") and not github.is_noop(issue_channel(), "down")


def test_github_disables_a_repository_without_issues(recorder, alert, github_app):
    recorder.respond(ISSUES, status=410)
    with pytest.raises(TransportError) as info:
        github.send(issue_channel(), alert("down"))
    assert (info.value.message, info.value.disable) == ("Received status code 410", True)


@pytest.mark.parametrize("value, field", [
    ({"installation_id": "x", "repo": "a/b"}, "installation_id"),
    ({"installation_id": 1, "repo": "not a repo"}, "repo"),
    ({"installation_id": 1, "repo": "a/b", "labels": ["x" * 51]}, "labels"),
])
def test_github_validate_names_the_bad_field(value, field):
    with pytest.raises(ValueError, match=field):
        github.validate(value)


def test_github_flow_lists_the_repositories_of_each_installation(recorder, github_app):
    recorder.respond("/github/login/oauth/access_token", body=b'{"access_token": "gho_user"}')
    recorder.respond("/gh/user/installations", body=b'{"installations": [{"id": 77}, {"id": 78}]}')
    recorder.respond("/gh/user/installations/77/repositories", body=b'{"repositories": [{"full_name": "acme/backend"}]}')
    recorder.respond("/gh/user/installations/78/repositories", body=b'{"repositories": [{"full_name": "me/dotfiles"}]}')
    assert github.complete("the-code") == {"acme/backend": 77, "me/dotfiles": 78}
    exchange = recorder.requests[0]
    assert parse_qs(exchange.body.decode()) == {"client_id": ["Iv1.app"], "client_secret": ["gh-secret"], "code": ["the-code"]}
    assert exchange.headers["Accept"] == "application/json"
    assert recorder.last.headers["Authorization"] == "Bearer gho_user"


def test_github_flow_with_a_bad_code_is_a_flow_error(recorder, github_app):
    recorder.respond("/github/login/oauth/access_token", body=b'{"error": "bad_verification_code"}')
    with pytest.raises(oauth.FlowError, match="bad_verification_code"):
        github.complete("stale")


def test_github_authorize_and_install_urls(github_app):
    parts = urlsplit(github.authorize_url("st4te", "https://hc.example.com/integrations/add_github/"))
    assert parts.path == "/github/login/oauth/authorize"
    assert parse_qs(parts.query) == {
        "client_id": ["Iv1.app"], "state": ["st4te"], "redirect_uri": ["https://hc.example.com/integrations/add_github/"],
    }
    assert github.install_url() == "https://github.com/apps/mychecks/installations/new"


@pytest.fixture
def trello_app(monkeypatch, recorder):
    monkeypatch.setattr(settings, "TRELLO_APP_KEY", "app-key")
    monkeypatch.setattr(settings, "TRELLO_API_URL", recorder.url("/trello"))


def test_trello_down_adds_a_card_to_the_list(recorder, alert, trello_app):
    notice = alert("down")
    value = trello.validate({"token": "user-token", "list_id": "L1", "board_name": "Ops", "list_name": "Alerts"})
    trello.send(Channel(code="c0ffee", project="p", kind="trello", value=value), notice)
    request = recorder.last
    parts = urlsplit(request.path)
    assert (request.method, parts.path, request.body) == ("POST", "/trello/1/cards", b"")
    assert parse_qs(parts.query) == {
        "idList": ["L1"], "name": ["Down: Backups"], "desc": [expected("markdown", notice)],
        "key": ["app-key"], "token": ["user-token"],
    }
    assert request.headers["Content-Length"] == "0"


def test_trello_sends_nothing_on_up():
    channel = Channel(code="c", project="p", kind="trello", value="{}")
    assert trello.is_noop(channel, "up") and not trello.is_noop(channel, "down")


def test_trello_boards_lists_open_boards_and_lists(recorder, trello_app):
    recorder.respond("/trello/1/members/me/boards", body=json.dumps([
        {"id": "B1", "name": "Ops", "lists": [{"id": "L1", "name": "Alerts", "pos": 1}], "closed": False},
    ]).encode())
    assert trello.boards("user-token") == [{"id": "B1", "name": "Ops", "lists": [{"id": "L1", "name": "Alerts"}]}]
    assert parse_qs(urlsplit(recorder.last.path).query) == {
        "key": ["app-key"], "token": ["user-token"], "filter": ["open"], "fields": ["id,name"],
        "lists": ["open"], "list_fields": ["id,name"],
    }


def test_trello_boards_with_a_refused_token_is_a_flow_error(recorder, trello_app):
    recorder.respond("/trello/1/members/me/boards", status=401, body=b'"invalid token"')
    with pytest.raises(oauth.FlowError):
        trello.boards("revoked")


def test_trello_is_off_without_an_app_key(monkeypatch):
    monkeypatch.setattr(settings, "TRELLO_APP_KEY", "")
    assert not trello.enabled()
