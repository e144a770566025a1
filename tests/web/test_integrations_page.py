"""The integrations page: the list, the gallery, the email and webhook forms, rename, remove,
assigned checks, email confirmation, and "Test!" through the real transports."""
import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest

from chalicelib import settings
from chalicelib.checks import channels
from chalicelib.integrations import limits, setup
from chalicelib.store.models import Channel, Check


def page(response) -> str:
    return response.body.decode()


def integrations_url(project):
    return f"/projects/{project.code}/integrations/"


def only_channel(project) -> Channel:
    [channel] = Channel.by_project.query(project.code)
    return channel


def email_to_ops(project, now):
    """An unconfirmed email channel, assigned to every check the project has now."""
    return channels.create_channel(project.code, "email", {"value": "ops@example.org", "up": True, "down": True}, now)


@pytest.fixture
def email_channel(project, now):
    return email_to_ops(project, now)


WEBHOOK_FORM = {
    "name": "Deploy hook", "method_down": "POST", "url_down": "https://hooks.example.org/down",
    "body_down": '{"check": "$NAME"}', "headers_down": "Content-Type: application/json\nX-Token: s3cret",
    "method_up": "GET", "url_up": "", "body_up": "", "headers_up": "",
}


# -- the list ------------------------------------------------------------------------------------

def test_the_page_lists_each_channel_with_its_assigned_checks_and_state(web, project, make_check, now):
    unassigned = make_check(name="a")
    make_check(name="b")
    email_channel = email_to_ops(project, now)
    Check.get(unassigned.code).update(actions=[Check.channels.delete({email_channel.code})])
    body = page(web.get(integrations_url(project)))
    row = body[body.index(f'id="channel-{email_channel.code}"'):]
    assert "ops@example.org" in row
    assert "1 of 2" in row
    assert "Unconfirmed" in row
    assert "Never" in row


def test_a_failed_last_notification_shows_failed_and_the_error(web, project, email_channel):
    when = datetime.now(timezone.utc) - timedelta(minutes=5)
    channels.record_result(email_channel, when, 0.2, "SMTP: 550 mailbox unavailable", disable=True)
    body = page(web.get(integrations_url(project)))
    assert "Failed</span>, 5 minutes ago" in body
    assert "SMTP: 550 mailbox unavailable" in body
    assert "Disabled" in body and "Fix…" in body


def test_a_delivered_notification_says_when(web, project, email_channel):
    channels.record_result(email_channel, datetime.now(timezone.utc) - timedelta(hours=2), 0.1, "", disable=False)
    assert "Delivered</span>, 2 hours ago" in page(web.get(integrations_url(project)))


def test_phone_integrations_show_the_months_use_of_their_quota(web, project, monkeypatch):
    monkeypatch.setattr(settings, "SMS_LIMIT", 50)
    monkeypatch.setattr(settings, "CALL_LIMIT", 20)
    this_month = datetime.now(timezone.utc)
    sms = channels.create_channel(project.code, "sms", {"value": "+15551234567", "down": True, "up": True}, this_month)
    whatsapp = channels.create_channel(project.code, "whatsapp", {"value": "+15551234567", "down": True, "up": True}, this_month)
    call = channels.create_channel(project.code, "call", {"value": "+15551234567"}, this_month)
    for _ in range(3):
        limits.spend(project, "sms", this_month)
    body = page(web.get(integrations_url(project)))

    def row(channel):
        start = body.index(f'id="channel-{channel.code}"')
        return body[start:body.index("</tr>", start)]

    # SMS and WhatsApp share one quota.
    assert "Used 3 of 50 this month" in row(sms) and "Used 3 of 50 this month" in row(whatsapp)
    assert "Used 0 of 20 this month" in row(call)


def test_other_integrations_show_no_quota(web, project, email_channel):
    assert "this month" not in page(web.get(integrations_url(project)))


def test_the_gallery_links_the_forms_of_enabled_kinds_only(web, project, monkeypatch):
    body = page(web.get(integrations_url(project)))
    assert f'href="/projects/{project.code}/add/email/"' in body
    assert f'href="/projects/{project.code}/add/webhook/"' in body
    monkeypatch.setattr(settings, "WEBHOOKS_ENABLED", False)
    body = page(web.get(integrations_url(project)))
    assert "/add/webhook/" not in body
    assert web.get(f"/projects/{project.code}/add/webhook/").status_code == 404


def test_an_unknown_kind_has_no_form(web, project):
    assert web.get(f"/projects/{project.code}/add/carrier-pigeon/").status_code == 404


def test_read_only_members_see_no_edit_buttons_but_may_test(web, project, make_member, email_channel):
    web.login(make_member("r"))
    body = page(web.get(integrations_url(project)))
    assert "/edit/" not in body and "/remove/" not in body and "/add/email/" not in body
    assert "data-assign" not in body and "data-rename" not in body
    assert f'action="/integrations/{email_channel.code}/test/"' in body


# -- adding and editing --------------------------------------------------------------------------

def test_an_email_integration_to_your_own_address_is_ready_at_once(web, project, user, outbox):
    response = web.post(f"/projects/{project.code}/add/email/", {"value": user.email, "down": "on", "checkboxes": "down up"})
    assert (response.status_code, response.headers["Location"]) == (302, integrations_url(project))
    channel = only_channel(project)
    assert json.loads(channel.value) == {"value": user.email, "up": False, "down": True}
    assert channel.email_verified
    assert outbox.messages() == []


def test_another_address_gets_a_confirmation_link_that_confirms_it(web, anonymous_web, project, outbox):
    web.post(f"/projects/{project.code}/add/email/", {"value": "ops@example.org", "down": "on", "up": "on", "checkboxes": "down up"})
    channel = only_channel(project)
    assert not channel.email_verified
    message = outbox.last("ops@example.org")
    assert "alice@example.org" in outbox.text(message)
    link = re.search(r"https?://\S+/verify/\S+/", outbox.text(message)).group(0)
    response = anonymous_web.get(urlsplit(link).path)
    assert response.status_code == 200
    assert Channel.get(channel.code).email_verified


def test_a_forged_confirmation_link_is_a_400(anonymous_web, email_channel):
    response = anonymous_web.get(f"/integrations/{email_channel.code}/verify/{'0' * 64}/")
    assert response.status_code == 400
    assert not Channel.get(email_channel.code).email_verified


def test_a_confirmation_link_stops_working_when_the_address_changes(email_channel, web, outbox):
    token = setup.verification_token(email_channel)
    web.post(f"/integrations/{email_channel.code}/edit/", {"value": "new@example.org", "down": "on", "checkboxes": "down up"})
    assert setup.verify_email(email_channel.code, token) is None


@pytest.mark.parametrize("form, message", [
    ({"value": "not an address", "down": "on"}, "value: enter a valid email address"),
    ({"value": "ops@example.org"}, "up, down: select at least one"),
])
def test_an_invalid_email_form_is_a_400_with_the_message_and_stores_nothing(web, project, form, message):
    response = web.post(f"/projects/{project.code}/add/email/", {**form, "checkboxes": "down up"})
    assert response.status_code == 400
    assert message in page(response)
    assert list(Channel.by_project.query(project.code)) == []


def test_a_webhook_is_stored_as_its_module_expects_and_assigned_to_every_check(web, project, check):
    assert web.post(f"/projects/{project.code}/add/webhook/", WEBHOOK_FORM).status_code == 302
    channel = only_channel(project)
    assert channel.name == "Deploy hook"
    stored = json.loads(channel.value)
    assert stored["url_down"] == "https://hooks.example.org/down" and stored["method_down"] == "POST"
    assert stored["headers_down"] == {"Content-Type": "application/json", "X-Token": "s3cret"}
    assert stored["url_up"] == "" and stored["headers_up"] == {}
    assert Check.get(check.code).channels == {channel.code}


@pytest.mark.parametrize("changes, message", [
    ({"url_down": "ftp://hooks.example.org/"}, "url_down: must be an http:// or https:// URL"),
    ({"url_down": ""}, "url_down or url_up: enter at least one URL"),
    ({"method_down": "DELETE"}, "method_down: must be GET, POST or PUT"),
    ({"headers_down": "no colon here"}, "headers_down: must map header names to values"),
    ({"name": "n" * 101}, "name: at most 100 characters"),
])
def test_an_invalid_webhook_form_is_a_400_with_the_message_and_keeps_the_input(web, project, changes, message):
    response = web.post(f"/projects/{project.code}/add/webhook/", {**WEBHOOK_FORM, **changes})
    assert response.status_code == 400
    body = page(response)
    assert message in body
    assert "X-Token: s3cret" in body or "headers_down" in changes
    assert list(Channel.by_project.query(project.code)) == []


def test_the_edit_form_shows_the_stored_settings(web, project, webhook):
    channel = webhook(name="Recorder")
    body = page(web.get(f"/integrations/{channel.code}/edit/"))
    assert 'value="Recorder"' in body and "$NAME is $STATUS" in body
    assert f'action="/integrations/{channel.code}/edit/"' in body


def test_editing_a_webhook_replaces_its_settings_and_name(web, project, webhook):
    channel = webhook()
    assert web.post(f"/integrations/{channel.code}/edit/", WEBHOOK_FORM).status_code == 302
    saved = Channel.get(channel.code)
    assert saved.name == "Deploy hook"
    assert json.loads(saved.value)["url_down"] == "https://hooks.example.org/down"


def test_a_new_address_on_an_email_integration_needs_confirming_again(web, project, user, outbox):
    channel = channels.create_channel(project.code, "email", {"value": user.email}, datetime.now(timezone.utc), email_verified=True, disabled=True)
    web.post(f"/integrations/{channel.code}/edit/", {"value": "team@example.org", "down": "on", "up": "on", "checkboxes": "down up"})
    saved = Channel.get(channel.code)
    assert not saved.email_verified and not saved.disabled
    assert outbox.last("team@example.org")


def test_an_invalid_edit_is_a_400_and_keeps_the_stored_settings(web, email_channel):
    response = web.post(f"/integrations/{email_channel.code}/edit/", {"value": "nope", "down": "on", "checkboxes": "down up"})
    assert response.status_code == 400 and "enter a valid email address" in page(response)
    assert json.loads(Channel.get(email_channel.code).value)["value"] == "ops@example.org"


# -- rename, remove, assign ----------------------------------------------------------------------

def test_rename(web, project, email_channel):
    web.post(f"/integrations/{email_channel.code}/name/", {"name": " On call "})
    assert Channel.get(email_channel.code).name == "On call"


def test_a_name_over_100_characters_is_a_400(web, email_channel):
    response = web.post(f"/integrations/{email_channel.code}/name/", {"name": "n" * 101})
    assert response.status_code == 400 and "at most 100 characters" in page(response)


def test_remove_deletes_the_channel_and_takes_it_off_its_checks(web, project, check, email_channel):
    web.post(f"/integrations/{email_channel.code}/remove/")
    assert Channel.count(email_channel.code) == 0
    assert not Check.get(check.code).channels


def test_assigning_sets_exactly_the_posted_checks(web, project, make_check, now):
    first, second, third = make_check(name="1"), make_check(name="2"), make_check(name="3")
    email_channel = email_to_ops(project, now)
    Check.get(first.code).update(actions=[Check.channels.delete({email_channel.code})])
    form = {"channel": email_channel.code, f"check-{first.code}": "on", f"check-{third.code}": "on"}
    assert web.post(integrations_url(project), form).status_code == 302
    assert [email_channel.code in (Check.get(c.code).channels or set()) for c in (first, second, third)] == [True, False, True]


def test_assigning_a_channel_of_another_project_is_a_400(web, project, now):
    from chalicelib.accounts import projects

    other = projects.create_project("Other", now).project
    foreign = channels.create_channel(other.code, "email", {"value": "x@example.org"}, now)
    assert web.post(integrations_url(project), {"channel": foreign.code}).status_code == 400


def test_the_checks_dialog_lists_every_check_ticked_when_assigned(web, project, make_check, now):
    on, off = make_check(name="Backups"), make_check(name="Reports")
    email_channel = email_to_ops(project, now)
    Check.get(off.code).update(actions=[Check.channels.delete({email_channel.code})])
    body = page(web.get(f"/integrations/{email_channel.code}/checks/"))
    assert f'name="check-{on.code}" checked' in body
    assert f'name="check-{off.code}" >' in body
    assert f'name="channel" value="{email_channel.code}"' in body


# -- Test! -----------------------------------------------------------------------------------------

def test_test_sends_a_down_notification_through_the_webhook(web, project, webhook, recorder):
    channel = webhook()
    response = web.post(f"/integrations/{channel.code}/test/")
    assert response.headers["Location"] == integrations_url(project)
    assert (recorder.last.method, recorder.last.path, recorder.last.body) == ("POST", "/down", b"TEST is down")
    assert "Test notification sent!" in page(web.get(integrations_url(project)))
    saved = Channel.get(channel.code)
    assert saved.last_notify is not None and saved.last_error == ""


def test_test_sends_up_when_the_channel_wants_only_up(web, webhook, recorder):
    channel = webhook(path_down="")
    web.post(f"/integrations/{channel.code}/test/")
    assert (recorder.last.path, recorder.last.body) == ("/up", b"TEST is up")


def test_a_failed_test_flashes_the_error_and_records_it(web, project, webhook, recorder):
    channel = webhook()
    recorder.respond("/down", status=500)
    web.post(f"/integrations/{channel.code}/test/")
    assert len(recorder.requests) == 1  # a test is tried once
    body = page(web.get(integrations_url(project)))
    assert "Could not send a test notification. Received status code 500." in body
    assert Channel.get(channel.code).last_error == "Received status code 500"


def test_a_read_only_member_may_send_a_test(web, make_member, webhook, recorder):
    channel = webhook()
    web.login(make_member("r"))
    assert web.post(f"/integrations/{channel.code}/test/").status_code == 302
    assert recorder.last.body == b"TEST is down"


def test_testing_an_unconfirmed_email_says_it_is_not_verified(web, project, email_channel, outbox):
    web.post(f"/integrations/{email_channel.code}/test/")
    assert "Email not verified" in page(web.get(integrations_url(project)))
    assert outbox.messages() == []


def test_testing_a_confirmed_email_sends_the_alert(web, project, user, outbox, now):
    channel = channels.create_channel(project.code, "email", {"value": user.email}, now, email_verified=True)
    web.post(f"/integrations/{channel.code}/test/")
    assert outbox.last(user.email)["Subject"] == "DOWN | TEST"


def nav_item(body: str) -> str:
    start = body.index('/integrations/"', body.index('class="nav"'))
    return body[start:body.index("</li>", start)]


def test_the_integrations_item_warns_when_the_project_has_none(web, project):
    item = nav_item(page(web.get(f"/projects/{project.code}/checks/")))
    assert 'class="attention"' in item and "no integrations" in item


def test_the_integrations_item_warns_when_one_failed(web, project, email_channel):
    channels.record_result(email_channel, datetime.now(timezone.utc), 0.1, "SMTP: 550", disable=False)
    item = nav_item(page(web.get(f"/projects/{project.code}/checks/")))
    assert "failed to deliver" in item


def test_the_integrations_item_is_quiet_when_all_is_well(web, project, email_channel):
    assert "attention" not in nav_item(page(web.get(f"/projects/{project.code}/checks/")))


def test_the_gallery_points_prometheus_users_to_the_settings(web, project):
    assert f'href="/projects/{project.code}/settings/#prometheus"' in page(web.get(integrations_url(project)))
