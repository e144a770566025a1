"""The local HTTP server answers as the deployed API Gateway does, where Chalice's own would not."""
import os
from unittest import mock

import pytest
import requests

from chalicelib.local import server
from tests.support.stack import free_port


@pytest.fixture(scope="module")
def http_server():
    """One server for the module: Chalice's create_local_server can wrap an app only once per process."""
    with mock.patch.dict(os.environ):  # the stage's variables are set for these tests only
        config = server.load_stage_config("dev")
        http = server.HttpServer(config, "127.0.0.1", free_port())
        http.start()
        try:
            yield f"http://127.0.0.1:{http.port}"
        finally:
            http.stop()


@pytest.mark.parametrize("path", ["/no/such/page", "/api/v3/no-such-thing", "/checks/x/y/z"])
def test_a_path_no_route_matches_is_404_not_api_gateways_403(http_server, path):
    response = requests.get(http_server + path, timeout=10)
    assert (response.status_code, response.headers["Content-Type"], response.json()) == (
        404, "application/json", {"error": "not found"}
    )
