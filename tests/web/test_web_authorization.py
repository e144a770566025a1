"""Every dashboard route x every role: outsiders get 404, weak roles 403, anonymous users the login page.

Each page's author adds its routes to ROUTES: (method, path, need, form). `need` is the weakest
role's capability that may use the route: "login" (any logged-in user), "read" (any member),
"write" (member "w" and up), "manage" (manager "m" and up) or "owner". Paths may name {project},
{check}, {paused} (a paused check), {channel}, {n} (a ping number), {kind} (email), {flow} (discord), {page} (a status page's slug),
{incident} and {noted_incident} (the times of two down flips of {check}, the second with a note); `form` is what a POST sends so that an allowed
request succeeds (a redirect or a 2xx).
"""
from datetime import timedelta

import pytest

from chalicelib.checks import channels, checks, flips, status_pages
from chalicelib.checks.check_json import unique_key
from chalicelib.web.access import NEEDS, RANK

ROUTES = [
    # method, path, need, form
    # account pages (chalicelib/web/pages/account_settings.py); the sudo pages answer with the emailed-code form
    ("GET", "/accounts/profile/", "login", None),
    ("POST", "/accounts/profile/", "login", {"tz": "Europe/Riga"}),
    ("GET", "/accounts/profile/appearance/", "login", None),
    ("POST", "/accounts/profile/appearance/", "login", {"theme": "dark"}),
    ("GET", "/accounts/profile/notifications/", "login", None),
    ("POST", "/accounts/profile/notifications/", "login", {"reports": "off", "nag_period": "0"}),
    ("POST", "/accounts/profile/notifications/send_report/", "login", None),  # chalicelib/web/pages/report_pages.py
    ("GET", "/accounts/set_password/", "login", None),
    ("GET", "/accounts/change_email/", "login", None),
    ("GET", "/accounts/close/", "login", None),
    # two-factor settings (chalicelib/web/pages/two_factor_pages.py), sudo-protected too
    ("GET", "/accounts/two_factor/webauthn/", "login", None),
    ("GET", "/accounts/two_factor/{check}/remove/", "login", None),
    ("GET", "/accounts/two_factor/totp/", "login", None),
    ("GET", "/accounts/two_factor/totp/remove/", "login", None),
    # checks list, schedules, badges (chalicelib/web/pages/checks_list.py, schedule_pages.py, badges_page.py)
    ("GET", "/projects/{project}/checks/", "read", None),
    ("GET", "/projects/{project}/checks/status/", "read", None),
    ("POST", "/projects/{project}/checks/add/", "write", {"name": "New", "kind": "simple", "timeout": "3600", "grace": "60"}),
    ("POST", "/checks/{check}/timeout/", "write", {"kind": "cron", "schedule": "0 9 * * *", "tz": "UTC", "grace": "60"}),
    ("POST", "/checks/oncalendar_preview/", "login", {"schedule": "daily", "tz": "UTC"}),
    # alerting rules and snoozes (chalicelib/web/pages/alerting_pages.py)
    ("POST", "/checks/{check}/alerting/", "write", {"failure_threshold": "2", "recovery_threshold": "1", "quiet_windows": ""}),
    ("POST", "/checks/{check}/snooze/", "write", {"minutes": "30"}),
    ("POST", "/checks/{check}/run_time/", "write", {"min_duration_value": "1", "min_duration_unit": "60", "max_duration_value": "2", "max_duration_unit": "3600"}),
    ("POST", "/checks/{check}/run_time_preview/", "read", {"min_duration_value": "1", "min_duration_unit": "60"}),
    ("POST", "/checks/{check}/depends_on/", "write", {"depends_on": ""}),
    ("POST", "/checks/{check}/alerting_preview/", "read", {"failure_threshold": "2", "recovery_threshold": "1", "quiet_windows": ""}),
    ("POST", "/projects/{project}/quiet_windows_preview/", "read", {"quiet_windows": "0 2 * * * | 1h | UTC"}),
    ("GET", "/projects/{project}/badges/", "read", None),
    ("POST", "/projects/{project}/badges/", "read", {"target": "check", "check": "", "fmt": "json", "states": "3"}),
    # status pages (chalicelib/web/pages/status_page_views.py): managers publish, members write a note
    # on an incident that has none, only managers change a written one
    ("GET", "/projects/{project}/status_pages/", "read", None),
    ("POST", "/projects/{project}/status_pages/", "manage", {"title": "Public"}),
    ("GET", "/projects/{project}/status_pages/{page}/", "read", None),
    ("POST", "/projects/{project}/status_pages/{page}/", "manage", {
        "save_page": "1", "title": "Ours", "show": "check:{check}", "name:check:{check}": "API", "published": "on"}),
    ("POST", "/projects/{project}/status_pages/{page}/", "manage", {"remove_page": "1"}),
    ("POST", "/projects/{project}/status_pages/{page}/", "write", {
        "save_note": "1", "check": "{check}", "at": "{incident}", "note": "A disk filled up."}),
    ("POST", "/projects/{project}/status_pages/{page}/", "manage", {
        "save_note": "1", "check": "{check}", "at": "{noted_incident}", "note": "Fixed for good."}),
    # projects, teams, integrations (chalicelib/web/pages/projects_pages.py, integrations_pages.py)
    ("GET", "/", "login", None),
    ("GET", "/projects/menu/", "login", None),
    ("POST", "/projects/add/", "login", {"name": "New project"}),
    ("GET", "/projects/{project}/settings/", "read", None),
    ("POST", "/projects/{project}/settings/", "write", {"set_project_name": "1", "name": "Renamed"}),
    ("POST", "/projects/{project}/settings/", "write", {"create_key": "api_key_readonly"}),
    ("POST", "/projects/{project}/settings/", "manage", {"invite_team_member": "1", "email": "new@example.org", "role": "r"}),
    ("POST", "/projects/{project}/settings/", "owner", {"cancel_transfer": "1"}),
    ("POST", "/projects/{project}/leave/", "read", None),
    ("POST", "/projects/{project}/remove/", "owner", None),
    ("GET", "/projects/{project}/integrations/", "read", None),
    ("POST", "/projects/{project}/integrations/", "write", {"channel": "{channel}", "check-{check}": "on"}),
    ("GET", "/projects/{project}/add/{kind}/", "write", None),
    ("POST", "/projects/{project}/add/{kind}/", "write", {"value": "new@example.org", "down": "on", "checkboxes": "down up"}),
    ("GET", "/integrations/{channel}/edit/", "write", None),
    ("POST", "/integrations/{channel}/edit/", "write", {"value": "ops@example.org", "up": "on", "checkboxes": "down up"}),
    ("POST", "/integrations/{channel}/name/", "write", {"name": "On call"}),
    ("POST", "/integrations/{channel}/remove/", "write", None),
    ("GET", "/integrations/{channel}/checks/", "write", None),
    ("POST", "/integrations/{channel}/test/", "read", None),
    ("POST", "/integrations/signal/verify/", "login", {"phone": "+15551234567"}),
    # "Add to ..." flows (chalicelib/web/pages/integration_flows.py); {flow} is discord, turned on by `target`
    ("POST", "/projects/{project}/add/{flow}/authorize/", "write", None),
    ("POST", "/projects/{project}/add_github/save/", "write", {"repo_name": "acme/web"}),  # unlisted: back to the page
    # check details, log, ping details, the check's actions (chalicelib/web/pages/check_details.py, check_log.py,
    # check_actions.py); transfer's POST (to another project) is in test_check_actions.py
    ("POST", "/checks/{paused}/resume/", "write", None),
    ("GET", "/cloaked/{cloaked}/", "read", None),  # the link in alerts
    ("GET", "/checks/{check}/details/", "read", None),
    ("GET", "/checks/{check}/status/", "read", None),
    ("POST", "/checks/{check}/name/", "write", {"name": "Renamed", "tags": "a b"}),
    ("POST", "/checks/{check}/channels/{channel}/enabled", "write", {"state": "off"}),
    ("GET", "/checks/{check}/log/", "read", None),
    ("GET", "/checks/{check}/log_events/", "read", None),
    ("GET", "/checks/{check}/log.csv", "read", None),
    ("GET", "/checks/{check}/last_ping/", "read", None),
    ("GET", "/checks/{check}/pings/{n}/", "read", None),
    ("GET", "/checks/{check}/pings/{n}/body/", "read", None),
    ("POST", "/checks/{check}/filtering_rules/", "write", {"methods": "POST", "success_kw": "ok"}),
    ("POST", "/checks/{check}/run_time/", "write", {}),  # no bounds: the rules off
    ("POST", "/checks/{check}/run_time_preview/", "read", {}),
    ("POST", "/checks/{check}/depends_on/", "write", {"depends_on": ""}),
    ("POST", "/checks/{check}/pause/", "write", None),
    ("POST", "/checks/{check}/copy/", "write", None),
    ("GET", "/checks/{check}/transfer/", "write", None),
    ("POST", "/checks/{check}/remove/", "write", None),
    ("POST", "/checks/{check}/clear_events/", "write", None),
]

ROLES = ["owner", "m", "w", "r"]


@pytest.fixture
def target(project, check, user, now, ping, outbox, monkeypatch):
    """The ids a route's path (and form) may name, all in `project`; email goes to a test outbox."""
    from chalicelib import settings

    monkeypatch.setattr(settings, "DISCORD_CLIENT_ID", "d")
    monkeypatch.setattr(settings, "DISCORD_CLIENT_SECRET", "d")
    channel = channels.create_channel(project.code, "email", {"value": "ops@example.org", "up": True, "down": True}, now)
    ping(check, now, body=b"hello")
    paused = checks.pause(checks.create_check(project, now, name="Paused"), now)  # for resume
    page = status_pages.create(project.code, "Status", now)
    incident, noted = now - timedelta(hours=2), now - timedelta(hours=4)  # two down flips of the check
    flips.write_flip(check, "up", "down", "timeout", incident)
    flips.write_flip(check, "up", "down", "timeout", noted)
    status_pages.save_note(check, noted, "A note already written.", may_replace=True)
    return {
        "project": project.code, "check": check.code, "channel": channel.code, "n": 1, "kind": "email",
        "flow": "discord", "paused": paused.code, "cloaked": unique_key(check.code), "page": page.slug,
        "incident": incident.isoformat(), "noted_incident": noted.isoformat(),
    }  # fmt: skip


def _call(web, method, path, form, target):
    """The request, with {project}, {check}, {paused}, {channel} and {n} filled in, in the path and the form."""
    path = path.format(**target)
    if method == "GET":
        return web.get(path)
    return web.post(path, {name.format(**target): value.format(**target) for name, value in (form or {}).items()})


def _ids(routes):
    return [f"{method} {path}" for method, path, _, _ in routes]


@pytest.mark.parametrize("method, path, need, form", ROUTES, ids=_ids(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_member_role_gets_what_its_rank_allows(web, make_member, user, target, role, method, path, need, form):
    if role != "owner":
        web.login(make_member(role))
    response = _call(web, method, path, form, target)
    if need == "login" or RANK[role] >= NEEDS[need]:
        assert response.status_code < 400, response.body[:300]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("method, path, need, form", [r for r in ROUTES if r[2] != "login"], ids=_ids([r for r in ROUTES if r[2] != "login"]))
def test_outsider_gets_not_found(web, target, now, method, path, need, form):
    from chalicelib.accounts import users

    web.login(users.create_user("stranger@example.org", now))
    assert _call(web, method, path, form, target).status_code == 404


@pytest.mark.parametrize("method, path, need, form", ROUTES, ids=_ids(ROUTES))
def test_anonymous_is_sent_to_login(anonymous_web, target, method, path, need, form):
    response = _call(anonymous_web, method, path, form, target)
    if method == "GET":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/accounts/login/?next=")
    else:
        assert response.status_code == 403


# Dashboard routes open to anyone (they check what they need themselves) or outside the table.
NOT_MEMBER_ROUTES = {
    "/ping/", "/api/", "/badge/", "/b/", "/static/", "/metrics",  # non-dashboard routes (key-authorized)
}
PUBLIC_ROUTES = {
    "/accounts/login", "/accounts/signup", "/accounts/signup/csrf", "/accounts/login_link_sent",
    "/accounts/logout",  # logging out an expired session still lands on the login page
    "/accounts/check_token/{user_id}/{token}",  # the emailed link is the credential
    "/accounts/change_email/{token}",  # signed, sent to the new address
    "/accounts/login/two_factor", "/accounts/login/two_factor/totp",  # need the pending login of a right password
    "/accounts/unsubscribe_reports/{token}",  # signed, in the reports sent to the user
    "/integrations/{ch}/verify/{token}",  # signed, sent to the address being verified
    "/integrations/{ch}/unsub/{token}",  # signed, in the alerts sent to the address
    "/checks/cron_preview", "/checks/validate_schedule",  # no data of anyone's, as Healthchecks
    "/tv",  # a static page; its data comes from the API with the keys in its #fragment
    "/docs", "/docs/{slug}",  # the documentation; ?project= is checked against the reader's projects
    "/contact.vcf",  # the site's own sender address and number
    "/status/{slug}", "/status/{slug}/feed.atom", "/status/{slug}/feed.rss", "/status/{slug}/feed.json",  # published status pages, read-only
    # the services' returns: the state must be the one this session's flow started (integration_flows.py)
    "/integrations/add_slack_btn", "/integrations/add_discord", "/integrations/add_pushbullet",
    "/integrations/add_pagerduty", "/integrations/add_pushover", "/integrations/add_github",
    "/integrations/add_telegram",  # the bot's signed invite; the project picked must allow "write"
    "/integrations/telegram/bot",  # Telegram's webhook, with our secret header
    "/integrations/add_trello/settings",  # lists the boards of the user's own Trello token
    # the integrations' landing pages, for anyone (integration_landing.py; tests/web/test_integration_landing.py)
    "/integrations/slack", "/integrations/add_slack", "/integrations/mattermost", "/integrations/rocketchat",
    "/integrations/googlechat", "/integrations/pagerduty", "/integrations/telegram",
}  # fmt: skip
# Routes for superusers only, whatever their role in a project: tests/web/test_signal_captcha.py tries every role.
SUPERUSER_ROUTES = {"/signal_captcha"}


def test_every_dashboard_route_is_in_the_table():
    """A new page cannot skip the role checks: each route is in ROUTES or named public."""
    import re

    from app import app
    from tests.web.test_admin_authorization import ADMIN_ROUTES  # superusers only: a table of its own

    def shape(path):
        return re.sub(r"\{\w+\}", "{}", path.split("?")[0]).rstrip("/")

    tabled = {shape(path) for _, path, _, _ in ROUTES} | {shape(path) for path in PUBLIC_ROUTES | SUPERUSER_ROUTES}
    tabled |= {shape(path) for _, path, _ in ADMIN_ROUTES}
    dashboard = [path for path in app.routes if not any(path.startswith(p) or p in path for p in NOT_MEMBER_ROUTES)]
    missing = [path for path in dashboard if shape(path) not in tabled]
    assert not missing, "routes in neither ROUTES nor PUBLIC_ROUTES:\n" + "\n".join(missing)
