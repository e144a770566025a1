"""/api/v3/metrics/: the operators' figures behind METRICS_KEY, as Healthchecks serves them."""
from datetime import timedelta

import boto3
import pytest

from chalicelib import settings
from chalicelib.api import operator_metrics


@pytest.fixture
def metrics_key(monkeypatch):
    monkeypatch.setattr(settings, "METRICS_KEY", "operators-only")
    return "operators-only"


def get(client, key=None):
    return client.get("/api/v3/metrics/", headers={"X-Metrics-Key": key} if key else {})


def test_metrics_are_refused_while_no_key_is_set(client):
    assert get(client, "anything").status_code == 403


@pytest.mark.parametrize("key", [None, "wrong"])
def test_metrics_need_the_metrics_key(client, metrics_key, key):
    assert get(client, key).status_code == 403


def test_metrics_count_the_checks_past_their_deadline_and_the_oldest_ones_lag(client, metrics_key, make_check, now):
    make_check(name="late", status="up", alert_after=now - timedelta(seconds=90))
    make_check(name="later", status="up", alert_after=now - timedelta(seconds=10))
    make_check(name="ahead", status="up", alert_after=now + timedelta(hours=1))
    figures = operator_metrics.snapshot(now)
    assert (figures["checks_overdue"], figures["sweep_lag_seconds"]) == (2, 90)


def test_metrics_answer_json_with_the_key(client, metrics_key):
    response = get(client, metrics_key)
    assert response.status_code == 200
    assert set(response.json_body) == {"ts", "checks_overdue", "sweep_lag_seconds", "stream_lag_seconds"}
    assert response.json_body["stream_lag_seconds"] is None  # no delivery function here


def test_stream_lag_is_the_delivery_functions_largest_iterator_age(aws, monkeypatch, now):
    monkeypatch.setattr(settings, "DELIVER_FUNCTION_NAME", "hc-test-deliver")
    cloudwatch = boto3.client("cloudwatch")
    for seconds_ago, age_ms in [(120, 1500), (60, 4000)]:
        cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=[{
            "MetricName": "IteratorAge", "Value": age_ms, "Unit": "Milliseconds",
            "Timestamp": now - timedelta(seconds=seconds_ago),
            "Dimensions": [{"Name": "FunctionName", "Value": "hc-test-deliver"}],
        }])  # fmt: skip
    assert operator_metrics.stream_lag(now) == 4.0
