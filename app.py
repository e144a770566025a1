"""Routes and event handlers: each parses, calls one function in chalicelib, shapes the response.

Only light modules are imported here at the top; the ping path must stay fast to cold-start.
"""
from datetime import datetime, timezone

from chalice import Chalice, Rate, Response

from chalicelib import pings, settings

app = Chalice(app_name="hc")

# Healthchecks records a ping whatever the method; clients send GET, POST and HEAD.
PING_METHODS = ["GET", "POST", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _text(status_code: int, text: str, headers: dict | None = None) -> Response:
    return Response(body=text, status_code=status_code, headers={"Content-Type": "text/plain", **(headers or {})})


@app.route("/ping/{a}", methods=PING_METHODS, content_types=["*/*"])
def ping_one(a):
    return _ping([a])


@app.route("/ping/{a}/{b}", methods=PING_METHODS, content_types=["*/*"])
def ping_two(a, b):
    return _ping([a, b])


@app.route("/ping/{a}/{b}/{c}", methods=PING_METHODS, content_types=["*/*"])
def ping_three(a, b, c):
    return _ping([a, b, c])


def _ping(parts: list[str]) -> Response:
    request = app.current_request
    headers = request.headers
    target = pings.parse_path(parts)
    if isinstance(target, pings.PingResponse):
        result = target
    else:
        ping_request = pings.PingRequest(
            method=request.method,
            scheme=headers.get("x-forwarded-proto", "http"),
            remote_addr=pings.remote_addr(
                headers.get("x-forwarded-for"), request.context.get("identity", {}).get("sourceIp")
            ),
            ua=headers.get("user-agent", ""),
            body=request.raw_body or b"",
            query=dict(request.query_params or {}),
        )
        result = pings.handle(target, ping_request, _now())
    return _text(result.status_code, result.text, {**pings.response_headers(), **result.headers})


API = "/api/{version}"
API_METHODS = ["GET", "POST", "DELETE", "OPTIONS"]


def _api(endpoint: str, version: str, **params) -> Response:
    from chalicelib import api

    request = app.current_request
    api_request = api.ApiRequest(
        method=request.method,
        version_segment=version,
        headers={name.lower(): value for name, value in request.headers.items()},
        query={name: request.query_params.getlist(name) for name in (request.query_params or {})},
        body=request.raw_body or b"",
        now=_now(),
    )
    return _response(api.handle(endpoint, api_request, **params))


def _response(result) -> Response:
    headers = {"Content-Type": result.content_type, **result.headers}
    return Response(body=result.body if result.body is not None else "", status_code=result.status_code, headers=headers)


@app.route(API + "/checks", methods=API_METHODS, content_types=["*/*"])
def api_checks(version):
    return _api("checks", version)


@app.route(API + "/checks/{code}", methods=API_METHODS, content_types=["*/*"])
def api_check(version, code):
    return _api("check", version, code=code)


@app.route(API + "/checks/{code}/pause", methods=API_METHODS, content_types=["*/*"])
def api_pause(version, code):
    return _api("pause", version, code=code)


@app.route(API + "/checks/{code}/resume", methods=API_METHODS, content_types=["*/*"])
def api_resume(version, code):
    return _api("resume", version, code=code)


@app.route(API + "/checks/{code}/pings", methods=API_METHODS, content_types=["*/*"])
def api_pings(version, code):
    return _api("pings", version, code=code)


@app.route(API + "/checks/{code}/pings/{n}/body", methods=API_METHODS, content_types=["*/*"])
def api_ping_body(version, code, n):
    return _api("ping_body", version, code=code, n=n)


@app.route(API + "/checks/{code}/flips", methods=API_METHODS, content_types=["*/*"])
def api_flips(version, code):
    return _api("flips", version, code=code)


@app.route(API + "/channels", methods=API_METHODS, content_types=["*/*"])
def api_channels(version):
    return _api("channels", version)


@app.route(API + "/badges", methods=API_METHODS, content_types=["*/*"])
def api_badges(version):
    return _api("badges", version)


@app.route(API + "/openapi.json", methods=["GET"])
def api_openapi(version):
    from chalicelib.api import openapi

    document = openapi.document(version)
    if document is None:
        return Response(body={"error": "not found"}, status_code=404)
    return Response(body=document, status_code=200, headers={"Access-Control-Allow-Origin": "*"})


@app.route(API + "/notifications/{token}/status", methods=["POST"], content_types=["*/*"])
def api_notification_status(version, token):
    from urllib.parse import parse_qsl

    from chalicelib import api

    form = dict(parse_qsl((app.current_request.raw_body or b"").decode("utf-8", errors="replace")))
    return _response(api.notification_status(version, token, form, _now()))


@app.route(API + "/status", methods=["GET"])
def api_status(version):
    from chalicelib import api

    return _response(api.status(version))


@app.schedule(Rate(1, unit=Rate.MINUTES), name="sweep")
def sweep(event):
    from chalicelib import sweep as deadline_sweep

    deadline_sweep.run(settings.SWEEP_SECONDS, settings.SWEEP_POLL_SECONDS)


@app.schedule(Rate(1, unit=Rate.HOURS), name="reports")
def send_reports(event):
    """Email reports and reminders that are due (chalicelib/reports.py)."""
    from chalicelib import reports

    reports.run(_now())


@app.on_dynamodb_record(stream_arn=settings.FLIPS_STREAM_ARN, name="deliver", batch_size=10)
def deliver(event):
    from chalicelib import alerts

    alerts.handle_stream_records([record.to_dict() for record in event])


@app.on_sns_message(topic=settings.INBOUND_EMAIL_TOPIC, name="ingest_email")
def ingest_email(event):
    """Email pings: SES stored a message in S3 and notified the topic (see infra/email.yaml)."""
    from chalicelib.email_pings import ses

    ses.handle_notification(event.message, _now())


@app.on_sns_message(topic=settings.EMAIL_EVENTS_TOPIC, name="email_events")
def email_events(event):
    """SES bounces and complaints of the mail we send (see infra/email.yaml, chalicelib/bounces.py)."""
    import json

    from chalicelib import bounces

    try:
        message = json.loads(event.message)
    except ValueError:
        message = event.message  # not JSON: bounces.handle logs and ignores it
    bounces.handle(message, _now())


BADGE_METHODS = ["GET", "OPTIONS"]


def _badge(find) -> Response:
    """A badge response; `find(fmt, now)` locates it from the path, None meaning 404."""
    from chalicelib import badges

    if app.current_request.method == "OPTIONS":
        return Response(body="", status_code=204, headers=badges.BADGE_HEADERS)
    badge = find(_now())
    if badge is None:
        return _text(404, "not found")
    return Response(body=badge.body, status_code=200, headers={**badges.BADGE_HEADERS, "Content-Type": badge.content_type})


def _name_and_format(segment: str) -> tuple[str, str]:
    """"db.svg" -> ("db", "svg"): Chalice cannot split one path segment into two params."""
    name, _, fmt = segment.rpartition(".")
    return name, fmt


@app.route("/badge/{badge_key}/{signature}/{tag_file}", methods=BADGE_METHODS)
def tag_badge(badge_key, signature, tag_file):
    from chalicelib import badges

    tag, fmt = _name_and_format(tag_file)
    return _badge(lambda now: badges.project_badge(badge_key, signature, tag, fmt, now))


@app.route("/badge/{badge_key}/{signature_file}", methods=BADGE_METHODS)
def project_badge(badge_key, signature_file):
    from chalicelib import badges

    signature, fmt = _name_and_format(signature_file)
    return _badge(lambda now: badges.project_badge(badge_key, signature, None, fmt, now))


@app.route("/b/{states}/{badge_file}", methods=BADGE_METHODS)
def check_badge(states, badge_file):
    from chalicelib import badges

    badge_key, fmt = _name_and_format(badge_file)
    return _badge(lambda now: badges.check_badge(badge_key, states, fmt, now))


# -- the web dashboard ---------------------------------------------------------------------------
# Each route names its view in chalicelib/web as "module.function"; dispatch loads the session,
# demands a login (unless login=False) and a CSRF token on POST (unless csrf=False).
WEB_CONTENT_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "application/json", "text/plain"]


def _page(view: str, login: bool = True, csrf: bool = True, **params) -> Response:
    from chalicelib import ratelimit
    from chalicelib.web import dispatch
    from chalicelib.web.http import WebRequest

    request = app.current_request
    headers = {name.lower(): value for name, value in request.headers.items()}
    web_request = WebRequest(
        method=request.method,
        path=request.context.get("path") or request.path,
        query={name: request.query_params.getlist(name) for name in (request.query_params or {})},
        headers=headers,
        body=request.raw_body or b"",
        remote_addr=ratelimit.client_address(headers.get("x-forwarded-for"), request.context.get("identity", {}).get("sourceIp")),
        now=_now(),
    )
    result = dispatch.run(view, web_request, login=login, csrf=csrf, **params)
    return Response(body=result.body, status_code=result.status, headers=result.all_headers())


@app.route("/static/{name}", methods=["GET"])
def static_file(name):
    from chalicelib.web import render

    result = render.static_file(name)
    return Response(body=result.body, status_code=result.status, headers=result.all_headers())


@app.route("/projects/{code}/metrics/{key}", methods=["GET"])
def prometheus_metrics(code, key):
    return _metrics(code, key)


@app.route("/projects/{code}/metrics", methods=["GET"])
def prometheus_metrics_bearer(code):
    from chalicelib import metrics

    return _metrics(code, metrics.bearer_key(app.current_request.headers.get("authorization")))


def _metrics(code: str, key: str | None) -> Response:
    from chalicelib import metrics

    if not settings.PROMETHEUS_ENABLED:
        return _text(404, "Not found")
    result = metrics.scrape(code, key, _now())
    return Response(body=result.body, status_code=result.status_code, headers={"Content-Type": metrics.CONTENT_TYPE})


# -- projects, teams and integrations pages (chalicelib/web/projects_pages.py, integrations_pages.py) --
# Without the trailing "/" too (see below): the matchers strip it from the request path.
@app.route("/", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def my_projects():
    return _page("projects_pages.index")


@app.route("/projects/menu", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def projects_menu():
    return _page("projects_pages.menu")


@app.route("/projects/add", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def add_project():
    return _page("projects_pages.add")


@app.route("/projects/{code}/settings", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def project_settings(code):
    return _page("projects_pages.settings_page", code=code)


@app.route("/projects/{code}/leave", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def leave_project(code):
    return _page("projects_pages.leave", code=code)


@app.route("/projects/{code}/remove", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def remove_project(code):
    return _page("projects_pages.remove", code=code)


@app.route("/projects/{code}/integrations", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def integrations_page(code):
    return _page("integrations_pages.index", code=code)


@app.route("/projects/{code}/add/{kind}", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def add_integration(code, kind):
    return _page("integrations_pages.add", code=code, kind=kind)


@app.route("/integrations/{ch}/edit", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def edit_integration(ch):
    return _page("integrations_pages.edit", ch=ch)


@app.route("/integrations/{ch}/name", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def rename_integration(ch):
    return _page("integrations_pages.name", ch=ch)


@app.route("/integrations/{ch}/remove", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def remove_integration(ch):
    return _page("integrations_pages.remove", ch=ch)


@app.route("/integrations/{ch}/checks", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def integration_checks(ch):
    return _page("integrations_pages.checks", ch=ch)


@app.route("/integrations/{ch}/test", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def test_integration(ch):
    return _page("integrations_pages.test", ch=ch)


@app.route("/integrations/{ch}/verify/{token}", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def verify_integration_email(ch, token):
    return _page("integrations_pages.verify", login=False, ch=ch, token=token)


# -- "Add to ..." flows and the Telegram bot (chalicelib/web/integration_flows.py) ----------------
@app.route("/projects/{code}/add/{kind}/authorize", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def integration_flow_start(code, kind):
    return _page("integration_flows.start", code=code, kind=kind)


@app.route("/integrations/add_slack_btn", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def add_slack_callback():
    return _page("integration_flows.slack_callback")


@app.route("/integrations/add_discord", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def add_discord_callback():
    return _page("integration_flows.discord_callback")


@app.route("/integrations/add_pushbullet", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def add_pushbullet_callback():
    return _page("integration_flows.pushbullet_callback")


@app.route("/integrations/add_pagerduty", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def add_pagerduty_callback():
    return _page("integration_flows.pagerduty_callback")


@app.route("/integrations/add_pushover", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def add_pushover_callback():
    return _page("integration_flows.pushover_callback")


@app.route("/integrations/add_github", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def add_github_callback():
    return _page("integration_flows.github_callback")


@app.route("/projects/{code}/add_github/save", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def add_github_save(code):
    return _page("integration_flows.github_save", code=code)


@app.route("/integrations/add_trello/settings", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def add_trello_settings():
    return _page("integration_flows.trello_settings")


@app.route("/integrations/telegram/bot", methods=["POST"], content_types=["*/*"])
def telegram_bot():
    return _page("integration_flows.telegram_bot", login=False, csrf=False)


# The alert emails' unsubscribe link: signed, and mail clients POST it without a CSRF token.
@app.route("/integrations/{ch}/unsub/{token}", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def unsubscribe_alerts(ch, token):
    return _page("integrations_pages.unsubscribe", login=False, csrf=False, ch=ch, token=token)


@app.route("/integrations/signal/verify", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def signal_test():
    return _page("integrations_pages.signal_test")


@app.route("/integrations/add_telegram", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def add_telegram():
    return _page("integration_flows.telegram_landing")


# -- check details, log, ping details and the check's actions (chalicelib/web/check_*.py) ---------
# Registered without the trailing "/": API Gateway and Chalice's matcher strip it from the request
# path before matching, so "/checks/<code>/details/" reaches "/checks/{code}/details".
@app.route("/cloaked/{key}", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def cloaked_check(key):
    return _page("cloaked.check_page", key=key)


@app.route("/checks/{code}/details", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def check_details(code):
    return _page("check_details.details", code=code)


@app.route("/checks/{code}/status", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def check_status(code):
    return _page("check_details.status", code=code)


@app.route("/checks/{code}/name", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def check_name(code):
    return _page("check_details.update_name", code=code)


@app.route("/checks/{code}/channels/{channel}/enabled", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def check_channel_enabled(code, channel):
    return _page("check_details.set_channel", code=code, channel=channel)


@app.route("/checks/{code}/log", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def check_log(code):
    return _page("check_log.log", code=code)


@app.route("/checks/{code}/log_events", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def check_log_events(code):
    return _page("check_log.log_events", code=code)


@app.route("/checks/{code}/log.csv", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def check_log_csv(code):
    return _page("check_log.log_csv", code=code)


@app.route("/checks/{code}/last_ping", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def check_last_ping(code):
    return _page("check_log.last_ping", code=code)


@app.route("/checks/{code}/pings/{n}", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def check_ping_details(code, n):
    return _page("check_log.ping_details", code=code, n=n)


@app.route("/checks/{code}/pings/{n}/body", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def check_ping_body(code, n):
    return _page("check_log.ping_body", code=code, n=n)


@app.route("/checks/{code}/filtering_rules", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def check_filtering_rules(code):
    return _page("check_actions.filtering_rules", code=code)


@app.route("/checks/{code}/pause", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def check_pause(code):
    return _page("check_actions.pause", code=code)


@app.route("/checks/{code}/resume", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def check_resume(code):
    return _page("check_actions.resume", code=code)


@app.route("/checks/{code}/copy", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def check_copy(code):
    return _page("check_actions.copy", code=code)


@app.route("/checks/{code}/transfer", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def check_transfer(code):
    return _page("check_actions.transfer", code=code)


@app.route("/checks/{code}/remove", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def check_remove(code):
    return _page("check_actions.remove", code=code)


@app.route("/checks/{code}/clear_events", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def check_clear_events(code):
    return _page("check_actions.clear_events", code=code)


# -- accounts: login, signup, login links, sudo-protected settings (chalicelib/web/account*.py) ---
# Registered without the trailing "/": API Gateway and Chalice strip it from the request path.
@app.route("/accounts/login", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def login_page():
    return _page("accounts_pages.login_page", login=False)


@app.route("/accounts/logout", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def logout():
    return _page("accounts_pages.logout", login=False)


@app.route("/accounts/signup", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def signup():
    return _page("accounts_pages.signup_page", login=False)


@app.route("/accounts/signup/csrf", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def signup_csrf():
    return _page("accounts_pages.signup_csrf", login=False)


@app.route("/accounts/login_link_sent", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def login_link_sent():
    return _page("accounts_pages.link_sent", login=False)


@app.route("/accounts/check_token/{user_id}/{token}", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def check_token(user_id, token):
    return _page("accounts_pages.check_token", login=False, user_id=user_id, token=token)


@app.route("/accounts/profile", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def profile():
    return _page("account_settings.profile")


@app.route("/accounts/profile/appearance", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def appearance():
    return _page("account_settings.appearance")


@app.route("/accounts/profile/notifications", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def email_reports():
    return _page("account_settings.notifications")


@app.route("/accounts/profile/notifications/send_report", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def send_report_now():
    return _page("report_pages.send_now")


# The reports' one-click unsubscribe: the signed link is the credential, and mail clients POST it
# (List-Unsubscribe-Post) without a CSRF token.
@app.route("/accounts/unsubscribe_reports/{token}", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def unsubscribe_reports(token):
    return _page("report_pages.unsubscribe", login=False, csrf=False, token=token)


@app.route("/accounts/set_password", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def set_password():
    return _page("account_settings.set_password")


@app.route("/accounts/change_email", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def change_email():
    return _page("account_settings.change_email")


@app.route("/accounts/change_email/{token}", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def change_email_confirm(token):
    return _page("account_settings.change_email_confirm", login=False, token=token)


@app.route("/accounts/close", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def close_account():
    return _page("account_settings.close")


# -- two-factor login: the login steps, and the sudo pages that add and remove (chalicelib/web/two_factor_pages.py)
@app.route("/accounts/login/two_factor", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def login_two_factor():
    return _page("two_factor_pages.login_webauthn", login=False)


@app.route("/accounts/login/two_factor/totp", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def login_two_factor_totp():
    return _page("two_factor_pages.login_totp", login=False)


@app.route("/accounts/two_factor/webauthn", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def add_webauthn():
    return _page("two_factor_pages.add_webauthn")


@app.route("/accounts/two_factor/totp", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def add_totp():
    return _page("two_factor_pages.add_totp")


@app.route("/accounts/two_factor/totp/remove", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def remove_totp():
    return _page("two_factor_pages.remove_totp")


@app.route("/accounts/two_factor/{code}/remove", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def remove_webauthn_key(code):
    return _page("two_factor_pages.remove_key", code=code)


# -- checks list, schedules, /tv/ and badges (chalicelib/web/checks_list.py,
# schedule_pages.py, tv.py, badges_page.py); registered without the trailing "/", as the routes above.
@app.route("/projects/{code}/checks", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def checks_list(code):
    return _page("checks_list.checks_page", code=code)


@app.route("/projects/{code}/checks/status", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def checks_list_status(code):
    return _page("checks_list.status", code=code)


@app.route("/projects/{code}/checks/add", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def add_check(code):
    return _page("checks_list.add_check", code=code)


@app.route("/checks/{code}/timeout", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def change_schedule(code):
    return _page("schedule_pages.change", code=code)


@app.route("/checks/cron_preview", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def cron_preview():
    return _page("schedule_pages.cron_preview", login=False)


@app.route("/checks/oncalendar_preview", methods=["POST"], content_types=WEB_CONTENT_TYPES)
def oncalendar_preview():
    return _page("schedule_pages.oncalendar_preview")


@app.route("/checks/validate_schedule", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def validate_schedule():
    return _page("schedule_pages.validate", login=False)


@app.route("/contact.vcf", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def contact_card():
    return _page("contact_card.vcard", login=False)


@app.route("/tv", methods=["GET"], content_types=WEB_CONTENT_TYPES)
def tv():
    return _page("tv.page", login=False)


@app.route("/projects/{code}/badges", methods=["GET", "POST"], content_types=WEB_CONTENT_TYPES)
def badges_page(code):
    return _page("badges_page.page", code=code)
