"""The ping Lambda: the four /ping/ routes on an app of their own, so that its cold start imports
the ping path only (tests/pings/test_import_weight.py holds it to that). app.py adds the same routes
for the local stack and the tests, which serve everything from one app."""
from chalice import Chalice, Response

from chalicelib.lib import addresses, clock
from chalicelib.pings import intake

# Healthchecks records a ping whatever the method; clients send GET, POST and HEAD.
PING_METHODS = ["GET", "POST", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"]


def add_routes(app: Chalice) -> None:
    """/ping/<uuid>[/<kind>], /ping/<ping key>/<slug>[/<kind>] and the snoozes on `app`."""

    @app.route("/ping/{a}", methods=PING_METHODS, content_types=["*/*"])
    def ping_one(a):
        return _ping(app.current_request, [a])

    @app.route("/ping/{a}/{b}", methods=PING_METHODS, content_types=["*/*"])
    def ping_two(a, b):
        return _ping(app.current_request, [a, b])

    @app.route("/ping/{a}/{b}/{c}", methods=PING_METHODS, content_types=["*/*"])
    def ping_three(a, b, c):
        return _ping(app.current_request, [a, b, c])

    # /ping/<ping key>/<slug>/snooze/<minutes>
    @app.route("/ping/{a}/{b}/{c}/{d}", methods=PING_METHODS, content_types=["*/*"])
    def ping_four(a, b, c, d):
        return _ping(app.current_request, [a, b, c, d])


def _ping(request, parts: list[str]) -> Response:
    headers = request.headers
    target = intake.parse_path(parts)
    if isinstance(target, intake.PingResponse):
        result = target
    else:
        ping_request = intake.PingRequest(
            method=request.method,
            scheme=headers.get("x-forwarded-proto", "http"),
            remote_addr=addresses.remote_addr(
                headers.get("x-forwarded-for"), request.context.get("identity", {}).get("sourceIp")
            ),
            ua=headers.get("user-agent", ""),
            body=request.raw_body or b"",
            query=dict(request.query_params or {}),
        )
        result = intake.handle(target, ping_request, clock.now())
    response_headers = {"Content-Type": "text/plain", **intake.response_headers(), **result.headers}
    return Response(body=result.text, status_code=result.status_code, headers=response_headers)


app = Chalice(app_name="hc-ping")
add_routes(app)
