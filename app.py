"""The Chalice app: its blueprints (the API, the dashboard's pages, the ping routes) and the
event handlers. Routes sit beside their handlers in chalicelib/api and chalicelib/web/pages;
the ping Lambda serves ping_app.py's own app, so its cold start stays light."""
import json

from chalice import Chalice, Rate

import ping_app
from chalicelib import api, settings
from chalicelib.lib import clock
from chalicelib.web.pages import (
    account_settings,
    accounts_pages,
    admin_pages,
    alerting_pages,
    badges_page,
    check_actions,
    check_details,
    check_log,
    checks_list,
    cloaked,
    contact_card,
    docs_pages,
    integration_flows,
    integration_landing,
    integrations_pages,
    projects_pages,
    report_pages,
    schedule_pages,
    signal_captcha,
    static_files,
    status_page_views,
    tv,
    two_factor_pages,
)

app = Chalice(app_name="hc")

ping_app.add_routes(app)
app.register_blueprint(api.ROUTES.blueprint())
WEB_PAGES = [
    projects_pages, integrations_pages, integration_flows, integration_landing, cloaked, check_details, check_log, check_actions,
    accounts_pages, account_settings, report_pages, two_factor_pages, checks_list, schedule_pages,
    contact_card, tv, badges_page, status_page_views, docs_pages, static_files, alerting_pages,
    admin_pages, signal_captcha,
]
for page_module in WEB_PAGES:
    app.register_blueprint(page_module.pages.blueprint())


@app.schedule(Rate(1, unit=Rate.MINUTES), name="sweep")
def sweep(event):
    """The deadline sweep's tick: what is due goes down now, what falls due within the minute at
    its deadline (the function waits for it); nothing due, it ends after its Queries."""
    from chalicelib.checks import sweep as deadline_sweep

    deadline_sweep.tick(clock.now())


@app.schedule(Rate(1, unit=Rate.HOURS), name="reports")
def send_reports(event):
    """Email reports and reminders that are due (chalicelib/alerts/reports.py)."""
    from chalicelib.alerts import reports

    reports.run(clock.now())


@app.on_dynamodb_record(stream_arn=settings.FLIPS_STREAM_ARN, name="deliver", batch_size=10)
def deliver(event):
    from chalicelib.alerts import delivery

    delivery.handle_stream_records([record.to_dict() for record in event])


@app.on_sns_message(topic=settings.INBOUND_EMAIL_TOPIC, name="ingest_email")
def ingest_email(event):
    """Email pings: SES stored a message in S3 and notified the topic (see infra/email.yaml)."""
    from chalicelib.pings import ses

    ses.handle_notification(event.message, clock.now())


@app.on_sns_message(topic=settings.EMAIL_EVENTS_TOPIC, name="email_events")
def email_events(event):
    """SES bounces and complaints of the mail we send (see infra/email.yaml, chalicelib/alerts/bounces.py)."""
    from chalicelib.alerts import bounces

    try:
        message = json.loads(event.message)
    except ValueError:
        message = event.message  # not JSON: bounces.handle logs and ignores it
    bounces.handle(message, clock.now())
