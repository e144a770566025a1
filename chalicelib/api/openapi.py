"""The API's OpenAPI 3 document (openapi.json beside this file), served per version.

The stored document is written for /api/v3 with relative server URLs; `document()` makes them
absolute from SITE_ROOT and points the API's server at the requested version.
"""
import copy
import json
from functools import cache
from pathlib import Path

from chalicelib import settings
from chalicelib.api.core import NOT_FOUND, VERSIONS, ApiRequest, ApiResponse
from chalicelib.api.routing import API_ROOT, routes

PATH = Path(__file__).with_name("openapi.json")
STORED_API_ROOT = "/api/v3"


@cache
def _stored() -> dict:
    with open(PATH, encoding="utf-8") as f:
        return json.load(f)


@routes.plain(API_ROOT + "/openapi.json", ["GET"])
def serve_document(request: ApiRequest, version: str) -> ApiResponse:
    """GET /api/<version>/openapi.json, readable by any origin (for API explorers)."""
    document_ = document(version)
    if document_ is None:
        return NOT_FOUND
    return ApiResponse(200, document_, headers={"Access-Control-Allow-Origin": "*"})


def document(version: str) -> dict | None:
    """The document for "v1", "v2" or "v3" with absolute server URLs; None for another version."""
    if version not in VERSIONS:
        return None
    result = copy.deepcopy(_stored())
    for server in result["servers"]:
        server["url"] = _absolute(server["url"].replace(STORED_API_ROOT, f"/api/{version}", 1))
    for item in result["paths"].values():
        for server in item.get("servers", []):
            server["url"] = _absolute(server["url"])
    return result


def _absolute(url: str) -> str:
    return url if "://" in url else settings.SITE_ROOT + url.rstrip("/")
