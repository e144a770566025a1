"""The dashboard's routes as Chalice blueprints: each page module declares its routes beside its
views with `@pages.route(...)`, and app.py registers every module's blueprint."""
from collections.abc import Callable
from dataclasses import dataclass

from chalice import Blueprint, Response

from chalicelib.lib import addresses, clock
from chalicelib.web import dispatch
from chalicelib.web.http import WebRequest, WebResponse

WEB_CONTENT_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "application/json", "text/plain"]


@dataclass
class Route:
    path: str  # without the trailing "/": API Gateway and Chalice strip it before matching
    methods: list[str]
    view: Callable[..., WebResponse]
    login: bool  # anonymous visitors go to the login page
    csrf: bool  # a POST needs the CSRF token
    content_types: list[str]
    remote_user_replaces: bool  # a way to log in that REMOTE_USER_HEADER mode turns off (404)
    plain: bool  # served as it is: no session, no login, no CSRF (static files)
    # The admin area: anyone but a superuser gets what a path no route matches gets, whatever the
    # method (so it is served on every method, `allowed` being the view's own).
    superuser: bool = False
    allowed: tuple[str, ...] = ()


# A superuser route answers every method, so that a wrong one says no more than an unknown path.
EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


class Pages:
    """One page module's routes; `blueprint()` turns them into Chalice's."""

    def __init__(self, name: str):
        self.name = name
        self.routes: list[Route] = []

    def route(self, path: str, methods: list[str], login: bool = True, csrf: bool = True,
              content_types: list[str] = WEB_CONTENT_TYPES, remote_user_replaces: bool = False,
              superuser: bool = False):
        """Serve the decorated view `view(request, **path params)` through the page pipeline;
        superuser=True hides it from everyone else (chalicelib/web/pages/admin_pages.py)."""
        def register(view):
            if superuser:
                route = Route(path, EVERY_METHOD, view, True, csrf, ["*/*"], False, False, True, tuple(methods))
            else:
                route = Route(path, methods, view, login, csrf, content_types, remote_user_replaces, False)
            self.routes.append(route)
            return view
        return register

    def plain(self, path: str, methods: list[str]):
        """Serve the decorated view as it is, with no session (static files)."""
        def register(view):
            self.routes.append(Route(path, methods, view, False, False, ["application/json"], False, True))
            return view
        return register

    def url(self, view: Callable) -> str:
        """The path that serves `view`, with Healthchecks' trailing "/"."""
        return next(route.path for route in self.routes if route.view is view) + "/"

    def blueprint(self) -> Blueprint:
        blueprint = Blueprint(self.name)
        for route in self.routes:
            blueprint.route(route.path, methods=route.methods, content_types=route.content_types)(
                _handler(blueprint, route)
            )
        return blueprint


def _handler(blueprint: Blueprint, route: Route):
    def handle(**params):
        request = _web_request(blueprint.current_request)
        if route.plain:
            result = route.view(request, **params)
        else:
            result = dispatch.run(
                route.view, request, login=route.login, csrf=route.csrf,
                remote_user_replaces=route.remote_user_replaces, superusers_only=route.allowed if route.superuser else None,
                **params,
            )
        return Response(body=result.body, status_code=result.status, headers=result.all_headers())

    handle.__name__ = route.view.__name__
    return handle


def _web_request(request) -> WebRequest:
    headers = {name.lower(): value for name, value in request.headers.items()}
    return WebRequest(
        method=request.method,
        path=request.context.get("path") or request.path,
        query={name: request.query_params.getlist(name) for name in (request.query_params or {})},
        headers=headers,
        body=request.raw_body or b"",
        remote_addr=addresses.client_address(
            headers.get("x-forwarded-for"), request.context.get("identity", {}).get("sourceIp")
        ),
        now=clock.now(),
    )
