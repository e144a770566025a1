"""Incident tools (Opsgenie, PagerDuty, PagerTree, Spike.sh, Splunk On-Call): exact requests, keyed by the check."""
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib import settings
from chalicelib.checks.check_json import unique_key
from chalicelib.integrations import oauth
from chalicelib.integrations.base import TransportError
from chalicelib.integrations.kinds import opsgenie, pagertree, pd, spike, victorops
from chalicelib.store.models import Channel
from tests.support.chat_kinds import expected, json_sent

REASON = "success signal did not arrive on time, grace time passed"


def channel(kind, value) -> Channel:
    return Channel(code="c0ffee", project="p", kind=kind, value=value)


@pytest.fixture(autouse=True)
def api_bases(monkeypatch, recorder):
    monkeypatch.setattr(settings, "OPSGENIE_URL", recorder.url("/us"))
    monkeypatch.setattr(settings, "OPSGENIE_EU_URL", recorder.url("/eu"))
    monkeypatch.setattr(settings, "PD_EVENTS_URL", recorder.url("/pd"))
    monkeypatch.setattr(settings, "PD_APP_URL", "https://app.pagerduty.com")
    monkeypatch.setattr(settings, "PD_APP_ID", "PAPP123")


def test_opsgenie_down_opens_an_alert_aliased_by_the_check(recorder, alert):
    notice = alert("down")
    opsgenie.send(channel("opsgenie", opsgenie.validate({"region": "us", "key": "g3n1e"})), notice)
    alias = unique_key(notice.check.code)
    assert json_sent(recorder, path="/us/v2/alerts", Authorization="GenieKey g3n1e") == {
        "alias": alias,
        "source": "Mychecks",
        "tags": ["prod", "nightly"],
        "message": f'The check "Backups" is DOWN ({REASON}).',
        "description": "Nightly database dump",
        "details": {
            "Project": "Test project", "Total pings": 42, "Last ping": "Success, 2 hours ago",
            "Period": "1 day", "Full details": notice.check_url,
        },
    }


def test_opsgenie_up_closes_the_alert_in_the_eu_region(recorder, alert):
    notice = alert("up")
    opsgenie.send(channel("opsgenie", opsgenie.validate({"region": "eu", "key": "g3n1e"})), notice)
    alias = unique_key(notice.check.code)
    path = f"/eu/v2/alerts/{alias}/close?identifierType=alias"
    assert json_sent(recorder, path=path, Authorization="GenieKey g3n1e") == {"alias": alias, "source": "Mychecks"}


def test_opsgenie_message_is_capped_at_130_characters(recorder, alert):
    notice = alert("down")
    notice.check.name = "x" * 200
    opsgenie.send(channel("opsgenie", opsgenie.validate({"key": "k"})), notice)
    message = json_sent(recorder, path="/us/v2/alerts", Authorization="GenieKey k")["message"]
    assert len(message) == 130 and message.endswith("…")


def test_opsgenie_error_carries_its_message(recorder, alert):
    recorder.respond("/us/v2/alerts", status=422, body=b'{"message": "Key format is not valid!"}')
    with pytest.raises(TransportError) as info:
        opsgenie.send(channel("opsgenie", opsgenie.validate({"key": "k"})), alert("down"))
    assert info.value.message == 'Received status code 422 with a message: "Key format is not valid!"'


def test_pd_down_triggers_an_incident(recorder, alert):
    notice = alert("down")
    pd.send(channel("pd", pd.validate({"service_key": "abc123"})), notice)
    assert json_sent(recorder, path="/pd/generic/2010-04-15/create_event.json") == {
        "service_key": "abc123",
        "incident_key": unique_key(notice.check.code),
        "event_type": "trigger",
        "description": f"Backups is DOWN ({REASON}).",
        "client": "Mychecks",
        "client_url": f"http://localhost:8000/checks/{notice.check.code}/details/",
        "details": {
            "Project": "Test project", "Total pings": 42, "Last ping": "Success, 2 hours ago", "Period": "1 day",
            "Description": "Nightly database dump", "Tags": "prod, nightly",
        },
    }


def test_pd_up_resolves_it_with_the_key_from_the_app_install(recorder, alert):
    notice = alert("up")
    pd.send(channel("pd", pd.validate({"service_key": "abc123", "account": "Acme"})), notice)
    body = json_sent(recorder, path="/pd/generic/2010-04-15/create_event.json")
    assert (body["service_key"], body["event_type"], body["description"]) == (
        "abc123", "resolve", "Backups received a ping and is now UP",
    )


def test_pd_install_url_returns_to_us_with_the_state():
    parts = urlsplit(pd.install_url("st4te", "https://hc.example.com/integrations/add_pagerduty/"))
    assert (parts.netloc, parts.path) == ("app.pagerduty.com", "/install/integration")
    assert parse_qs(parts.query) == {
        "app_id": ["PAPP123"], "version": ["2"],
        "redirect_url": ["https://hc.example.com/integrations/add_pagerduty/?state=st4te"],
    }


def test_pd_install_makes_one_channel_per_integration_key():
    config = json.dumps({
        "account": {"subdomain": "acme", "name": "Acme"},
        "integration_keys": [{"integration_key": "key1", "name": "Web"}, {"integration_key": "key2", "name": "DB"}],
    })
    assert pd.complete(config) == [
        (json.dumps({"service_key": "key1", "account": "Acme"}), "Web"),
        (json.dumps({"service_key": "key2", "account": "Acme"}), "DB"),
    ]


@pytest.mark.parametrize("config", ["not json", "{}", '{"account": {"name": "A"}, "integration_keys": []}'])
def test_pd_install_with_an_unusable_config_is_a_flow_error(config):
    with pytest.raises(oauth.FlowError):
        pd.complete(config)


@pytest.mark.parametrize("status, event", [("down", "trigger"), ("up", "resolve")])
def test_pagertree_sends_the_incident_event(recorder, alert, status, event):
    notice = alert(status)
    pagertree.send(channel("pagertree", pagertree.validate({"url": recorder.url("/pt")})), notice)
    assert json_sent(recorder, path="/pt") == {
        "incident_key": unique_key(notice.check.code),
        "event_type": event,
        "title": f"Backups is {status.upper()}",
        "description": expected("plain", notice),
        "client": "Mychecks",
        "client_url": "http://localhost:8000",
        "tags": "prod nightly",
    }


@pytest.mark.parametrize("status", ["down", "up"])
def test_spike_sends_the_check_id_and_status(recorder, alert, status):
    notice = alert(status)
    spike.send(channel("spike", spike.validate({"url": recorder.url("/spike")})), notice)
    assert json_sent(recorder, path="/spike") == {
        "check_id": unique_key(notice.check.code),
        "title": f"Backups is {status.upper()}",
        "message": expected("plain", notice),
        "status": status,
    }


@pytest.mark.parametrize("status, message_type", [("down", "CRITICAL"), ("up", "RECOVERY")])
def test_victorops_sends_critical_then_recovery(recorder, alert, status, message_type):
    notice = alert(status)
    victorops.send(channel("victorops", victorops.validate({"url": recorder.url("/vo/key")})), notice)
    assert json_sent(recorder, path="/vo/key") == {
        "entity_id": unique_key(notice.check.code),
        "message_type": message_type,
        "entity_display_name": "Backups",
        "state_message": expected("plain", notice),
        "monitoring_tool": "Mychecks",
    }


def test_victorops_disables_a_removed_endpoint(recorder, alert):
    recorder.respond("/vo/key", status=404)
    with pytest.raises(TransportError) as info:
        victorops.send(channel("victorops", recorder.url("/vo/key")), alert("down"))
    assert info.value.disable


@pytest.mark.parametrize("module, setting", [
    (opsgenie, "OPSGENIE_ENABLED"), (pd, "PD_ENABLED"), (pagertree, "PAGERTREE_ENABLED"),
    (spike, "SPIKE_ENABLED"), (victorops, "VICTOROPS_ENABLED"),
])
def test_kind_is_off_when_its_switch_is(monkeypatch, module, setting):
    monkeypatch.setattr(settings, setting, False)
    assert not module.enabled()


@pytest.mark.parametrize("module, value, field", [
    (opsgenie, {"key": ""}, "key"), (opsgenie, {"key": "k", "region": "asia"}, "region"),
    (pd, {"service_key": "has spaces"}, "service_key"), (pagertree, {"url": "x"}, "url"),
])
def test_validate_names_the_bad_field(module, value, field):
    with pytest.raises(ValueError, match=field):
        module.validate(value)
