"""The integrations' public landing pages (where Healthchecks has them: Slack's app directory
points at one): what the integration does and how to set it up, with a call to sign up, or, for
someone logged in, a link straight to the add page of each project they may change."""
from dataclasses import dataclass

from chalicelib import settings
from chalicelib.integrations import setup
from chalicelib.integrations.kinds import slack
from chalicelib.store.models import Project
from chalicelib.web import access
from chalicelib.web.http import HttpError, WebRequest, WebResponse
from chalicelib.web.render import render
from chalicelib.web.routing import Pages

pages = Pages(__name__)


@dataclass
class Target:
    """A project the visitor may add the integration to, and its add page."""

    project: Project
    add_url: str


@pages.route("/integrations/slack", methods=["GET"], login=False)
@pages.route("/integrations/add_slack", methods=["GET"], login=False)  # Healthchecks' address of this page
def slack_landing(request: WebRequest) -> WebResponse:
    return _landing(request, "slack", slack_oauth=slack.oauth_enabled())


@pages.route("/integrations/mattermost", methods=["GET"], login=False)
def mattermost_landing(request: WebRequest) -> WebResponse:
    return _landing(request, "mattermost")


@pages.route("/integrations/rocketchat", methods=["GET"], login=False)
def rocketchat_landing(request: WebRequest) -> WebResponse:
    return _landing(request, "rocketchat")


@pages.route("/integrations/googlechat", methods=["GET"], login=False)
def googlechat_landing(request: WebRequest) -> WebResponse:
    return _landing(request, "googlechat")


@pages.route("/integrations/pagerduty", methods=["GET"], login=False)
def pagerduty_landing(request: WebRequest) -> WebResponse:
    return _landing(request, "pd")


@pages.route("/integrations/telegram", methods=["GET"], login=False)
def telegram_landing(request: WebRequest) -> WebResponse:
    return _landing(request, "telegram", telegram_bot=settings.TELEGRAM_BOT_NAME)


def _landing(request: WebRequest, kind: str, **context) -> WebResponse:
    """The kind's page (templates/integrations/landing_<kind>.html); 404 while the kind is off."""
    try:
        transport = setup.transport_for(kind)
    except setup.SetupError:
        raise HttpError(404, "This integration is not enabled here.") from None
    return render(
        request, f"integrations/landing_{kind}.html", kind=kind, label=transport.LABEL,
        targets=_targets(request, kind) if request.user else [], registration_open=settings.REGISTRATION_OPEN,
        login_url=f"/accounts/login/?next={request.path.rstrip('/')}/", **context,
    )


def _targets(request: WebRequest, kind: str) -> list[Target]:
    """The visitor's projects they may add integrations to, by name (one Query, one BatchGet)."""
    writable = [m.project for m in access.memberships(request.user) if access.allows(m.role, "write")]
    found = Project.batch_get(writable) if writable else []
    ordered = sorted(found, key=lambda p: ((p.name or "").lower(), p.code))
    return [Target(project, f"/projects/{project.code}/add/{kind}/") for project in ordered]
