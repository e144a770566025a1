"""The "Add to ..." flows: a state kept in the session, a redirect to the service, and its return
turned into channels by the kind's own complete(); Telegram's bot webhook and invite landing."""
import hmac
import json

from chalicelib import settings
from chalicelib.integrations import oauth, setup
from chalicelib.integrations.kinds import discord, github, pd, pushbullet, pushover, slack, telegram, trello
from chalicelib.lib.errors import TransportError
from chalicelib.store.models import Project
from chalicelib.web import access, sessions
from chalicelib.web.http import HttpError, WebRequest, WebResponse, redirect, text_response
from chalicelib.web.navigation import project_nav
from chalicelib.web.render import render, render_fragment
from chalicelib.web.routing import Pages

pages = Pages(__name__)

FLOW = "integration_flow"  # session key: {"kind", "project", "state"} of the flow under way
GITHUB_REPOS = "github_repos"  # session key: {"project", "repos": {full name: installation id}}
# Flows on when the kind is: the kinds whose manual form is the usual way need their app settings too.
FLOW_ON = {"slack": slack.oauth_enabled, "pd": pd.app_enabled}


@pages.route("/projects/{code}/add/{kind}/authorize", methods=["POST"])
def start(request: WebRequest, code: str, kind: str) -> WebResponse:
    """POST /projects/<code>/add/<kind>/authorize/ : keep a fresh state, go to the service."""
    project, _ = access.project_for(request.user, code, "write")
    if kind not in (*CALLBACKS, "trello") or not _flow_on(kind):
        raise HttpError(404, "This integration has no such setup flow here.")
    if kind == "trello":  # no state: Trello hands the token back in the add page's #fragment
        return redirect(trello.authorize_url(f"{settings.SITE_ROOT}/projects/{project.code}/add/trello/"))
    state = oauth.new_state(kind, request.now)
    sessions.put(request, FLOW, {"kind": kind, "project": project.code, "state": state})
    back = _callback_url(kind)
    if kind == "po":
        prio, prio_up = request.field("priority", "0"), request.field("priority_up", "0")
        return redirect(pushover.subscribe_url(state, back, prio, prio_up, f"{settings.SITE_ROOT}{_page(project)}"))
    if kind == "pd":
        return redirect(pd.install_url(state, back))
    return redirect({"slack": slack, "discord": discord, "pushbullet": pushbullet, "github": github}[kind].authorize_url(state, back))


@pages.route("/integrations/add_slack_btn", methods=["GET"])
def slack_callback(request: WebRequest) -> WebResponse:
    """GET /integrations/add_slack_btn/?code&state"""
    project = _returning(request, "slack")
    return _created(request, project, "slack", lambda: [slack.complete(request.arg("code"), _callback_url("slack"))])


@pages.route("/integrations/add_discord", methods=["GET"])
def discord_callback(request: WebRequest) -> WebResponse:
    """GET /integrations/add_discord/?code&state"""
    project = _returning(request, "discord")
    return _created(request, project, "discord", lambda: [discord.complete(request.arg("code"), _callback_url("discord"))])


@pages.route("/integrations/add_pushbullet", methods=["GET"])
def pushbullet_callback(request: WebRequest) -> WebResponse:
    """GET /integrations/add_pushbullet/?code&state"""
    project = _returning(request, "pushbullet")
    return _created(request, project, "pushbullet", lambda: [pushbullet.complete(request.arg("code"))])


@pages.route("/integrations/add_pagerduty", methods=["GET"])
def pagerduty_callback(request: WebRequest) -> WebResponse:
    """GET /integrations/add_pagerduty/?state&config : one channel per service picked."""
    project = _returning(request, "pd")
    return _created(request, project, "pd", lambda: pd.complete(request.arg("config")))


@pages.route("/integrations/add_pushover", methods=["GET"])
def pushover_callback(request: WebRequest) -> WebResponse:
    """GET /integrations/add_pushover/?state&pushover_user_key&prio&prio_up (or pushover_unsubscribed=1)."""
    project = _returning(request, "po")
    try:
        value = pushover.complete({name: request.arg(name) for name in request.query})
    except ValueError as e:
        raise HttpError(400, f"Pushover returned unusable settings ({e}).") from None
    if value is None:
        gone = pushover.unsubscribe(project.code)
        sessions.flash(request, f"Unsubscribed: {gone} Pushover integration(s) removed.")
        return redirect(_page(project))
    return _created(request, project, "po", lambda: [(value, "")])


@pages.route("/integrations/add_github", methods=["GET"])
def github_callback(request: WebRequest) -> WebResponse:
    """GET /integrations/add_github/?code&state : the repositories the app may open issues in."""
    project = _returning(request, "github")
    if request.arg("error"):
        return _flow_failed(request, project, _CANCELLED)
    try:
        repos = github.complete(request.arg("code"))
    except oauth.FlowError as e:
        return _flow_failed(request, project, e)
    if not repos:
        return redirect(github.install_url())
    sessions.put(request, GITHUB_REPOS, {"project": project.code, "repos": repos})
    return render(request, "integrations/github_repos.html", **project_nav(project), section="integrations", repos=sorted(repos))


@pages.route("/projects/{code}/add_github/save", methods=["POST"])
def github_save(request: WebRequest, code: str) -> WebResponse:
    """POST /projects/<code>/add_github/save/ repo_name, labels: only a repository the flow listed."""
    project, _ = access.project_for(request.user, code, "write")
    listed = sessions.pop(request, GITHUB_REPOS) or {}
    repo = request.field("repo_name")
    if listed.get("project") != project.code or repo not in listed.get("repos", {}):
        return _flow_failed(request, project, "Pick one of the listed repositories (the list may have expired; connect GitHub again).")
    value = {"installation_id": listed["repos"][repo], "repo": repo, "labels": request.field("labels")}
    try:
        setup.add(project, "github", value, request.user, request.now, name=repo)
    except setup.SetupError as e:
        sessions.put(request, GITHUB_REPOS, listed)  # let the user correct the labels
        raise HttpError(400, str(e)) from None
    sessions.flash(request, f"GitHub Issues integration added for {repo}.")
    return redirect(_page(project))


@pages.route("/integrations/add_trello/settings", methods=["POST"])
def trello_settings(request: WebRequest) -> WebResponse:
    """POST /integrations/add_trello/settings/ token : the board and list picker for the add form."""
    if not trello.enabled():
        raise HttpError(404, "Trello integration is not enabled.")
    token = request.field("token").strip()
    if not token or len(token) > 200:
        raise HttpError(400, "token: missing")
    try:
        boards = trello.boards(token)
    except oauth.FlowError as e:
        raise HttpError(400, str(e)) from None
    return WebResponse(body=render_fragment(request, "integrations/trello_lists.html", boards=boards))


@pages.route("/integrations/telegram/bot", methods=["POST"], login=False, csrf=False, content_types=["*/*"])
def telegram_bot(request: WebRequest) -> WebResponse:
    """POST /integrations/telegram/bot/ : Telegram's webhook; only with our secret header."""
    expected = settings.TELEGRAM_WEBHOOK_SECRET
    given = request.headers.get("x-telegram-bot-api-secret-token", "")
    if not telegram.enabled() or not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HttpError(403, "Wrong or missing secret token.")
    try:
        update = json.loads(request.body or b"{}")
    except ValueError:
        raise HttpError(400, "The update is not JSON.") from None
    if isinstance(update, dict):
        try:
            telegram.answer_update(update, request.now)
        except TransportError:
            pass  # the reply could not be sent; answering an error would only make Telegram resend the update
    return text_response("OK")


@pages.route("/integrations/add_telegram", methods=["GET", "POST"])
def telegram_landing(request: WebRequest) -> WebResponse:
    """GET/POST /integrations/add_telegram/?signed=... : the bot's invite; the user picks a project."""
    if not telegram.enabled():
        raise HttpError(404, "Telegram integration is not enabled.")
    signed = request.arg("signed")
    try:
        chat = json.loads(telegram.validate({"invite": signed}))
    except ValueError as e:
        raise HttpError(400, str(e).partition(": ")[2]) from None
    if request.method == "POST":
        project, _ = access.project_for(request.user, request.field("project"), "write")
        setup.add(project, "telegram", {"invite": signed}, request.user, request.now, name=chat.get("name") or "")
        sessions.flash(request, "Telegram integration added.")
        return redirect(_page(project))
    writable = [m.project for m in access.memberships(request.user) if access.allows(m.role, "write")]
    projects = sorted((Project.get(code) for code in writable), key=lambda p: (p.name or "").lower())
    return render(request, "integrations/telegram_pick.html", chat=chat, projects=projects, signed=signed)


def _flow_on(kind: str) -> bool:
    try:
        setup.transport_for(kind)
    except setup.SetupError:
        return False
    return FLOW_ON.get(kind, lambda: True)()


def _returning(request: WebRequest, kind: str) -> Project:
    """The project of the flow this return belongs to: its state must be the session's, signed and fresh."""
    flow = sessions.pop(request, FLOW) or {}
    state = request.arg("state")
    if not state or flow.get("kind") != kind or not hmac.compare_digest(str(flow.get("state", "")), state):
        raise HttpError(403, "Invalid or expired request, please try again.")
    try:
        oauth.check_state(kind, state, request.now)
    except oauth.FlowError as e:
        raise HttpError(403, str(e)) from None
    project, _ = access.project_for(request.user, flow["project"], "write")
    return project


_CANCELLED = "The integration was not added: it was cancelled on the service's page."


def _created(request: WebRequest, project: Project, kind: str, complete) -> WebResponse:
    """Store what complete() returns, [(value, name)]; its FlowError goes back to the page as a message."""
    if request.arg("error"):
        return _flow_failed(request, project, _CANCELLED)
    try:
        made = [setup.connect(project, kind, value, request.now, name=name) for value, name in complete()]
    except (oauth.FlowError, setup.SetupError) as e:
        return _flow_failed(request, project, e)
    label = dict(setup.available_kinds()).get(kind, kind)
    sessions.flash(request, f"{label} integration added." if len(made) == 1 else f"{len(made)} {label} integrations added.")
    return redirect(_page(project))


def _flow_failed(request: WebRequest, project: Project, error: Exception | str) -> WebResponse:
    sessions.flash(request, str(error), "error")
    return redirect(_page(project))


def _page(project: Project) -> str:
    return f"/projects/{project.code}/integrations/"


# Where each service sends the user back: the routes above (register these URLs with the service).
CALLBACKS = {
    "slack": slack_callback, "discord": discord_callback, "pushbullet": pushbullet_callback,
    "pd": pagerduty_callback, "github": github_callback, "po": pushover_callback,
}


def _callback_url(kind: str) -> str:
    return settings.SITE_ROOT + pages.url(CALLBACKS[kind])
