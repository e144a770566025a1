"""The request pipeline every API endpoint shares: version, CORS, JSON body, API key."""
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from chalicelib import settings
from chalicelib.accounts.projects import hash_key
from chalicelib.lib import ratelimit
from chalicelib.store.models import ApiKey, Project

VERSIONS = {"v1": 1, "v2": 2, "v3": 3}
KEY_LENGTH = 32
RATE_PERIOD = timedelta(minutes=1)


@dataclass
class ApiRequest:
    method: str
    version_segment: str  # "v1", "v2" or "v3" from the path
    headers: dict  # lower-case names
    query: dict[str, list[str]]
    body: bytes
    now: datetime
    json: dict = field(default_factory=dict)
    key: ApiKey | None = None
    project: Project | None = None

    @property
    def version(self) -> int:
        return VERSIONS[self.version_segment]

    @property
    def readonly(self) -> bool:
        return self.key.readonly

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None


@dataclass
class ApiResponse:
    status_code: int
    body: object = None  # a dict or list goes out as JSON; str and bytes as they are
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)


def error(status_code: int, message: str) -> ApiResponse:
    return ApiResponse(status_code, {"error": message})


def text(status_code: int, message: str) -> ApiResponse:
    return ApiResponse(status_code, message, "text/plain")


NOT_FOUND = error(404, "not found")
# What a path no route matches answers, before any function runs: API Gateway's own answer would
# be 403 "Missing Authentication Token" (infra/build.py's gateway response, the local server).
UNKNOWN_PATH_BODY = '{"error": "not found"}'


def cors_headers(methods: list[str]) -> dict:
    return {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Headers": "X-Api-Key",
        "Access-Control-Allow-Methods": ", ".join([*methods, "OPTIONS"]),
        "Access-Control-Max-Age": "600",
    }


def serve(
    request: ApiRequest,
    handler: Callable[[ApiRequest], ApiResponse],
    methods: list[str],
    write: bool = False,
) -> ApiResponse:
    """Run `handler` for an authenticated request; `write` endpoints need a read-write key."""
    if request.version_segment not in VERSIONS:
        return NOT_FOUND
    if request.method == "OPTIONS":
        return ApiResponse(204, None, headers=cors_headers(methods))
    response = _authorized(request, write) or handler(request)
    response.headers.update(cors_headers(methods))
    return response


def _authorized(request: ApiRequest, write: bool) -> ApiResponse | None:
    """None when the request may go on, else the error to answer with."""
    if request.method == "POST" and request.body.strip():
        # As Healthchecks: the body is parsed before the key is looked at.
        try:
            request.json = json.loads(request.body)
        except ValueError:
            return error(400, "could not parse request body")
        if not isinstance(request.json, dict):
            return error(400, "json validation error: value is not an object")

    key = request.headers.get("x-api-key")
    if key is None and request.method == "POST":
        key = request.json.get("api_key")
    if not isinstance(key, str) or len(key) != KEY_LENGTH:
        return error(401, "missing api key")
    try:
        request.key = ApiKey.get(hash_key(key))
    except ApiKey.DoesNotExist:
        return error(401, "wrong api key")
    if write and request.key.readonly:
        return error(403, "this endpoint needs a read-write API key")
    limited = _rate_limited(request)
    if limited:
        return limited
    request.project = Project.get(request.key.project)
    return None


def _rate_limited(request: ApiRequest) -> ApiResponse | None:
    """429 with Retry-After once the key has made API_RATE_LIMIT calls in the last minute."""
    bucket = f"api-{request.key.key_hash}"
    if ratelimit.allow(bucket, settings.API_RATE_LIMIT, RATE_PERIOD, request.now):
        return None
    wait = max(1, ratelimit.seconds_until_allowed(bucket, settings.API_RATE_LIMIT, RATE_PERIOD, request.now))
    response = error(429, "rate limit exceeded, try again later")
    response.headers["Retry-After"] = str(wait)
    return response
