"""What an operator watches: is the sweep keeping up, and is alert delivery? (/api/v3/metrics/)

Healthchecks' counterpart counts pings, notifications and unprocessed flips in its database.
Here those have no global counter; what shows a stuck pipeline is the due index (checks past
their deadline that no tick has sent down yet) and the flips stream's iterator age (flips
written that delivery has not read), which the deliver function reports to CloudWatch.
"""
import hmac
from datetime import datetime, timedelta

from chalicelib import settings
from chalicelib.api.core import NOT_FOUND, VERSIONS, ApiRequest, ApiResponse, error
from chalicelib.api.routing import API_ROOT, routes
from chalicelib.checks import sweep
from chalicelib.store import aws

STREAM_LAG_WINDOW = timedelta(minutes=5)


@routes.plain(API_ROOT + "/metrics", ["GET"])
def serve(request: ApiRequest, version: str) -> ApiResponse:
    """Behind METRICS_KEY (header X-Metrics-Key), as Healthchecks: 403 while it is unset or wrong."""
    if version not in VERSIONS:
        return NOT_FOUND
    given = request.headers.get("x-metrics-key", "")
    if not settings.METRICS_KEY or not hmac.compare_digest(given.encode(), settings.METRICS_KEY.encode()):
        return error(403, "a valid X-Metrics-Key is needed")
    return ApiResponse(200, snapshot(request.now))


def snapshot(now: datetime) -> dict:
    """The figures, as one JSON document."""
    overdue = [row.alert_after for row in sweep.due_checks(now)]
    return {
        "ts": int(now.timestamp()),
        "checks_overdue": len(overdue),
        "sweep_lag_seconds": round((now - min(overdue)).total_seconds(), 3) if overdue else 0,
        "stream_lag_seconds": stream_lag(now),
    }


def stream_lag(now: datetime) -> float | None:
    """The flips stream's largest iterator age in the last minutes, from CloudWatch; None where
    no deliver function reports one (the local stack reads the stream in a thread)."""
    if not settings.DELIVER_FUNCTION_NAME:
        return None
    answer = aws.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="IteratorAge", Statistics=["Maximum"], Period=60,
        Dimensions=[{"Name": "FunctionName", "Value": settings.DELIVER_FUNCTION_NAME}],
        StartTime=now - STREAM_LAG_WINDOW, EndTime=now,
    )  # fmt: skip
    ages = [point["Maximum"] for point in answer["Datapoints"]]
    return max(ages) / 1000 if ages else 0
