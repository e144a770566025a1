"""The API's OpenAPI 3 document (openapi.json beside this file), served per version.

The stored document is written for /api/v3 with relative server URLs; `document()` makes them
absolute from SITE_ROOT and points the API's server at the requested version.
"""
import copy
import json
from functools import cache
from pathlib import Path

from chalicelib import settings
from chalicelib.api.core import VERSIONS

PATH = Path(__file__).with_name("openapi.json")
STORED_API_ROOT = "/api/v3"


@cache
def _stored() -> dict:
    with open(PATH, encoding="utf-8") as f:
        return json.load(f)


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
