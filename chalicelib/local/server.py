"""app.py served by Chalice's own local server, as `chalice local --no-autoreload` builds it.

The only module of the local stack that imports Chalice. It is threaded (one thread per
connection), so one slow request doesn't block the others.
"""
import functools
import logging
import os
import threading

from chalicelib.local.environment import REPO_ROOT, StackError

log = logging.getLogger(__name__)


def load_stage_config(stage: str):
    """.chalice/config.json for the stage; its environment_variables fill in unset variables.

    Chalice's own loader would overwrite exported values, and after chalicelib.settings has
    read them: so it updates a throwaway dict instead, and this sets the real environment
    first with setdefault (what the user exported wins).
    """
    from chalice.cli.factory import CLIFactory

    factory = CLIFactory(project_dir=str(REPO_ROOT), environ={})
    try:
        config = factory.create_config_obj(chalice_stage_name=stage)
        variables = config.environment_variables
    except Exception as exc:  # chalice raises RuntimeError/ValueError for a bad config
        raise StackError(f"Cannot read .chalice/config.json for stage {stage!r}: {exc}") from exc
    for name, value in variables.items():
        os.environ.setdefault(name, str(value))
    return config


def _unknown_paths_not_found(handler_factory: functools.partial):
    """Chalice's request handler (a partial of its class), answering a path no route matches as
    the deployed stack does (404, infra/build.py's gateway response) instead of API Gateway's 403."""
    from chalice.local import ForbiddenError

    from chalicelib.api.core import UNKNOWN_PATH_BODY

    class Handler(handler_factory.func):
        def _send_error_response(self, error):
            if isinstance(error, ForbiddenError) and b"Missing Authentication Token" in (error.body or b""):
                body = UNKNOWN_PATH_BODY.encode()
                self._send_http_response(404, {"Content-Type": "application/json"}, body)
                return
            super()._send_error_response(error)

    return functools.partial(Handler, *handler_factory.args, **handler_factory.keywords)


class HttpServer:
    def __init__(self, config, host: str, port: int):
        self.config = config
        self.host = host
        self.port = port
        self._server = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        from chalice.deploy.validate import validate_routes
        from chalice.local import create_local_server

        app = self.config.chalice_app  # imports app.py from the repo root
        try:
            validate_routes(app.routes)  # what `chalice deploy` would refuse, e.g. a trailing slash
        except ValueError as exc:
            raise StackError(f"app.py has routes Chalice would not deploy: {exc}") from exc
        local_server = create_local_server(app, self.config, self.host, self.port)
        self._server = local_server.server  # ThreadedHTTPServer; bound and listening now
        # Chalice writes headers and body in separate sends; with Nagle's algorithm on, every
        # keep-alive request then waits ~40 ms for the delayed ACK.
        self._server.RequestHandlerClass.disable_nagle_algorithm = True
        self._server.RequestHandlerClass = _unknown_paths_not_found(self._server.RequestHandlerClass)
        self._thread = threading.Thread(target=self._server.serve_forever, name="http", daemon=True)
        self._thread.start()
        log.info("Serving app.py on http://%s:%s", self.host, self.port)

    def failure(self) -> str | None:
        if self._thread is None or self._thread.is_alive():
            return None
        return "The HTTP server thread stopped unexpectedly (see the traceback above)."

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()  # from another thread than serve_forever's, as it must be
        server.server_close()
        self._thread.join(5)
        log.info("HTTP server stopped")
