"""The API's routes as one Chalice blueprint: each handler declares its path, method and the key
it needs beside its code (`@routes.endpoint`), and app.py registers the blueprint."""
import base64
from collections import defaultdict
from collections.abc import Callable

from chalice import Blueprint, Response

from chalicelib.api.core import ApiRequest, ApiResponse, serve
from chalicelib.lib import clock

API_ROOT = "/api/{version}"
# Every method reaches the handler, so that a wrong one is a JSON 405 and OPTIONS gets CORS headers.
ENDPOINT_METHODS = ["GET", "POST", "DELETE", "OPTIONS"]
CHALICE_DEFAULT_TYPES = ["application/json"]  # what a route without a body needs
METHOD_NOT_ALLOWED = ApiResponse(405, {"error": "method not allowed"})


class ApiRoutes:
    def __init__(self):
        # path under API_ROOT -> method -> (handler, needs a read-write key, guard)
        self.endpoints: dict[str, dict[str, tuple[Callable, bool, Callable | None]]] = defaultdict(dict)
        self.plain_routes: list[tuple[str, list[str], list[str], Callable]] = []

    def endpoint(self, path: str, method: str, write: bool = False, guard: Callable | None = None):
        """`handler(request, **path params)` answers `method` on API_ROOT + path, with an API key.
        `guard(**path params)`, when given, may answer first, before the key is looked at."""
        def register(handler):
            self.endpoints[path][method] = (handler, write, guard)
            return handler
        return register

    def plain(self, path: str, methods: list[str], content_types: list[str] = CHALICE_DEFAULT_TYPES):
        """`handler(request, **path params)` answers on `path` as it is: no key, no CORS."""
        def register(handler):
            self.plain_routes.append((path, methods, content_types, handler))
            return handler
        return register

    def blueprint(self) -> Blueprint:
        blueprint = Blueprint(__name__)
        for path, methods in self.endpoints.items():
            blueprint.route(API_ROOT + path, methods=ENDPOINT_METHODS, content_types=["*/*"])(
                _endpoint_handler(blueprint, path, methods)
            )
        for path, methods, content_types, handler in self.plain_routes:
            blueprint.route(path, methods=methods, content_types=content_types)(_plain_handler(blueprint, handler))
        return blueprint


routes = ApiRoutes()


def _endpoint_handler(blueprint: Blueprint, path: str, methods: dict[str, tuple[Callable, bool]]):
    def handle(version, **params):
        request = _api_request(blueprint.current_request, version)
        handler, write, guard = methods.get(request.method, (None, False, None))
        if handler is None and request.method != "OPTIONS":
            return _response(METHOD_NOT_ALLOWED)
        refused = guard(**params) if guard else None
        if refused is not None:
            return _response(refused)
        return _response(serve(request, lambda r: handler(r, **params), list(methods), write))

    handle.__name__ = "api_" + (path.strip("/").replace("/", "_").replace("{", "").replace("}", "") or "root")
    return handle


def _plain_handler(blueprint: Blueprint, handler: Callable):
    def handle(**params):
        request = _api_request(blueprint.current_request, params.get("version", ""))
        return _response(handler(request, **params))

    handle.__name__ = handler.__name__
    return handle


def _api_request(request, version: str) -> ApiRequest:
    return ApiRequest(
        method=request.method,
        version_segment=version,
        headers={name.lower(): value for name, value in request.headers.items()},
        query={name: request.query_params.getlist(name) for name in (request.query_params or {})},
        body=request.raw_body or b"",
        now=clock.now(),
    )


class BytesResponse(Response):
    """Bytes go out base64-encoded whatever their Content-Type, so that a non-UTF-8 ping body can be
    `text/plain` as Healthchecks sends it. API Gateway (binary media types `*/*`, set by
    infra.build) and Chalice's local server decode them back; Chalice itself encodes only its own
    binary types."""

    def to_dict(self, binary_types=None) -> dict:
        response = super().to_dict(binary_types=None)
        response["body"] = base64.b64encode(response["body"]).decode("ascii")
        response["isBase64Encoded"] = True
        return response


def _response(result: ApiResponse) -> Response:
    headers = {"Content-Type": result.content_type, **result.headers}
    kind = BytesResponse if isinstance(result.body, bytes) else Response
    return kind(body=result.body if result.body is not None else "", status_code=result.status_code, headers=headers)
