"""Bounces and complaints (SES event publishing): what keeps bouncing is turned off."""
import json
import uuid

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib import settings
from chalicelib.accounts import preferences, users
from chalicelib.alerts import bounces, reports
from chalicelib.integrations.kinds import email as email_kind
from chalicelib.lib import emails
from chalicelib.store import aws as aws_clients
from chalicelib.store.models import Channel

ADDRESS = "ops@example.org"


@pytest.fixture
def channel(project, now):
    """A verified email integration of `project`, to ADDRESS."""
    made = Channel(
        code=str(uuid.uuid4()), project=project.code, kind="email", created=now, email_verified=True,
        value=json.dumps({"value": ADDRESS, "up": True, "down": True}),
    )  # fmt: skip
    made.save()
    return made


def event(header: str, value: str, kind="Bounce", status="5.1.1", address=ADDRESS, bounce_type="Permanent") -> dict:
    """An SES event as a configuration set publishes it to SNS, for a message carrying header: value."""
    mail = {
        "timestamp": "2026-01-15T11:59:00.000Z",
        "source": settings.DEFAULT_FROM_EMAIL,
        "messageId": "0100018d0b2f-ab",
        "destination": [address],
        "headersTruncated": False,
        "headers": [
            {"name": "From", "value": settings.DEFAULT_FROM_EMAIL},
            {"name": "To", "value": address},
            {"name": header, "value": value},
        ],
        "tags": {"ses:configuration-set": ["hc-test-email"]},
    }
    if kind == "Complaint":
        return {
            "eventType": "Complaint",
            "mail": mail,
            "complaint": {
                "complainedRecipients": [{"emailAddress": address}],
                "complaintFeedbackType": "abuse",
                "timestamp": "2026-01-15T12:00:00.000Z",
                "feedbackId": "0100018d0b30-cd",
            },
        }
    return {
        "eventType": "Bounce",
        "mail": mail,
        "bounce": {
            "bounceType": bounce_type,
            "bounceSubType": "General",
            "bouncedRecipients": [
                {
                    "emailAddress": address,
                    "action": "failed",
                    "status": status,
                    "diagnosticCode": f"smtp; 550 {status} <{address}>... User unknown",
                }
            ],
            "timestamp": "2026-01-15T12:00:00.000Z",
            "feedbackId": "0100018d0b30-ef",
            "reportingMTA": "dsn; a1-2.smtp-out.amazonses.com",
        },
    }


def alert_bounce(channel, **kwargs) -> dict:
    return event(bounces.CHANNEL_HEADER, channel.code, **kwargs)


def report_bounce(user, **kwargs) -> dict:
    return event(bounces.USER_HEADER, user.id, address=user.email, **kwargs)


def test_permanent_bounce_of_an_alert_disables_the_channel_with_the_error(channel, now):
    bounces.handle(alert_bounce(channel), now)
    channel.refresh()
    assert channel.disabled
    assert channel.last_error == f"Bounced: 5.1.1 smtp; 550 5.1.1 <{ADDRESS}>... User unknown"


def test_transient_bounce_of_an_alert_records_the_error_and_keeps_the_channel(channel, now):
    bounces.handle(alert_bounce(channel, status="4.2.2", bounce_type="Transient"), now)
    channel.refresh()
    assert not channel.disabled
    assert channel.last_error.startswith("Bounced: 4.2.2 ")


def test_status_5_4_4_counts_as_transient(channel, now):
    bounces.handle(alert_bounce(channel, status="5.4.4"), now)
    channel.refresh()
    assert (channel.disabled, channel.last_error[:14]) == (False, "Bounced: 5.4.4")


def test_long_diagnostic_is_cut_to_200_characters(channel, now):
    bounced = alert_bounce(channel)
    bounced["bounce"]["bouncedRecipients"][0]["diagnosticCode"] = "x" * 1000
    bounces.handle(bounced, now)
    channel.refresh()
    assert channel.last_error == "Bounced: 5.1.1 " + "x" * 200


def test_complaint_about_an_alert_disables_the_channel(channel, now):
    bounces.handle(alert_bounce(channel, kind="Complaint"), now)
    channel.refresh()
    assert channel.disabled
    assert channel.last_error.startswith("Complaint")


def test_bounce_of_an_old_address_leaves_the_channel_alone(channel, now):
    bounces.handle(alert_bounce(channel, address="old@example.org"), now)
    channel.refresh()
    assert (channel.disabled, channel.last_error) == (False, "")


def test_bounced_report_turns_the_users_reports_and_reminders_off(user, now):
    preferences.set_email_reports(user, "weekly", 3600, now)
    bounces.handle(report_bounce(user), now)
    user = users.get(user.id)
    assert (user.reports, user.nag_period, user.next_report_date, user.next_nag_date) == ("off", 0, None, None)


def test_complaint_about_a_report_turns_the_users_reports_off(user, now):
    bounces.handle(report_bounce(user, kind="Complaint"), now)
    assert users.get(user.id).reports == "off"


def test_transient_report_bounce_keeps_the_reports(user, now):
    bounces.handle(report_bounce(user, status="4.4.7", bounce_type="Transient"), now)
    assert users.get(user.id).reports == "monthly"


@pytest.mark.parametrize(
    "bounced",
    [
        event(bounces.CHANNEL_HEADER, str(uuid.uuid4())),
        event(bounces.USER_HEADER, str(uuid.uuid4())),
        event(bounces.CHANNEL_HEADER, "not-a-uuid"),
        event("X-Other", "value"),
        {"eventType": "Bounce", "mail": {"headers": "oops"}},
        {"eventType": "Delivery", "mail": {}},
        {"eventType": "Bounce"},
        {},
        [],
        "not json",
    ],
    ids=["unknown channel", "unknown user", "bad id", "no header", "bad headers", "delivery", "no mail", "empty",
         "list", "string"],
)  # fmt: skip
def test_unknown_or_malformed_event_changes_nothing_and_does_not_raise(bounced, channel, user, now):
    assert bounces.handle(bounced, now) == "ignored"
    channel.refresh()
    assert (channel.disabled, channel.last_error, users.get(user.id).reports) == (False, "", "monthly")


def test_alert_email_names_its_channel_in_a_header(channel, alert, smtp_server):
    email_kind.send(channel, alert("down"))
    assert smtp_server.messages[-1][2][bounces.CHANNEL_HEADER] == channel.code


def test_report_email_names_its_user_in_a_header(user, now, outbox):
    reports.send_report(user, now, force=True)
    assert outbox.last(user.email)[bounces.USER_HEADER] == user.id


def test_ses_backend_names_the_configuration_set_when_set(aws, monkeypatch):
    monkeypatch.setattr(settings, "SES_CONFIGURATION_SET", "hc-test-email")
    params = _send_through_ses(monkeypatch)
    assert params["ConfigurationSetName"] == "hc-test-email"


def test_ses_backend_names_no_configuration_set_by_default(aws, monkeypatch):
    monkeypatch.setattr(settings, "SES_CONFIGURATION_SET", "")
    assert "ConfigurationSetName" not in _send_through_ses(monkeypatch)


def _send_through_ses(monkeypatch) -> dict:
    """Send one message with the ses backend (moto's); the SendRawEmail parameters it used."""
    monkeypatch.setattr(settings, "EMAIL_BACKEND", "ses")
    client = aws_clients.client("ses")
    client.verify_email_identity(EmailAddress=settings.DEFAULT_FROM_EMAIL)
    calls = []
    handler = lambda params, **_: calls.append(dict(params))  # noqa: E731
    client.meta.events.register("provide-client-params.ses.SendRawEmail", handler)
    try:
        before = len(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)
        emails.send(ADDRESS, "Via SES", "Text")
        assert len(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages) == before + 1
    finally:
        client.meta.events.unregister("provide-client-params.ses.SendRawEmail", handler)
    [params] = calls
    return params


def test_sns_event_through_the_lambda_handler_disables_the_channel(sns_to, channel):
    sns_to("email_events", json.dumps(alert_bounce(channel)))
    assert Channel.get(channel.code).disabled


def test_lambda_handler_ignores_a_message_that_is_not_json(sns_to, channel):
    sns_to("email_events", "{not json")
    assert not Channel.get(channel.code).disabled


def test_app_subscribes_email_events_to_the_stages_topic():
    from app import app

    [source] = [s for s in app.event_sources if getattr(s, "name", "") == "email_events"]
    assert source.topic == settings.EMAIL_EVENTS_TOPIC == f"hc-{settings.STAGE}-email-events"



def test_email_events_function_may_only_read_and_update_channels_and_users():
    from pathlib import Path

    policy = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "policy-email-events.json").read_text())
    table = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/hc-${Stage}-"
    grants = {
        (action, resource["Fn::Sub"])
        for statement in policy["Statement"] for action in statement["Action"] if not action.startswith("logs:")
        for resource in statement["Resource"]
    }  # fmt: skip
    assert grants == {(a, table + t) for a in ("dynamodb:GetItem", "dynamodb:UpdateItem") for t in ("channels", "users")}


def test_template_sends_bounces_and_complaints_of_the_configuration_set_to_the_email_events_function():
    from app import app
    from infra import build

    resources = build.merge_template(settings.STAGE, app)["Resources"]
    destination = resources["EmailEventsDestination"]["Properties"]
    assert destination["ConfigurationSetName"] == {"Ref": "EmailConfigurationSet"}
    assert sorted(destination["EventDestination"]["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert destination["EventDestination"]["SnsDestination"]["TopicARN"] == {"Ref": "EmailEventsTopic"}
    function = resources["EmailEvents"]["Properties"]
    assert function["Events"]["EmailEventsSnsSubscription"]["Properties"]["Topic"] == {"Fn::Sub": "${EmailEventsTopic}"}
    for name in build.CHALICE_FUNCTIONS + [build.PING_FUNCTION]:
        variables = resources[name]["Properties"]["Environment"]["Variables"]
        assert variables["SES_CONFIGURATION_SET"] == {"Ref": "EmailConfigurationSet"}
