"""The layout holds: routes sit beside their handlers and are registered once, and the layers of
chalicelib import one way only (docs/ARCHITECTURE.md, "The folder map")."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHALICELIB = ROOT / "chalicelib"
# Lowest first: a package may import its own modules and those of the packages before it.
LAYERS = ["settings", "store", "lib", "checks", "accounts", "integrations", "pings", "alerts", "api", "web", "ops", "local"]
HTTP_MODULES = {"app.py", "ping_app.py", "chalicelib/api/routing.py", "chalicelib/web/routing.py"}


def _imports(path: Path) -> set[str]:
    """The chalicelib modules and packages a file imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "chalicelib" and len(parts) > 1 else None


def _sources() -> list[Path]:
    return sorted(CHALICELIB.rglob("*.py"))


def _declared_routes() -> list[tuple[str, str]]:
    """(path, method) of every route the blueprints and the ping app declare."""
    import app
    import ping_app
    from chalicelib import api
    from chalicelib.api.routing import API_ROOT, ENDPOINT_METHODS

    declared = [(path, method) for path, methods in ping_app.app.routes.items() for method in methods]
    declared += [(API_ROOT + path, method) for path in api.ROUTES.endpoints for method in ENDPOINT_METHODS]
    declared += [(path, method) for path, methods, _, _ in api.ROUTES.plain_routes for method in methods]
    declared += [
        (route.path, method) for module in app.WEB_PAGES for route in module.pages.routes for method in route.methods
    ]
    return declared


def test_every_route_of_the_app_is_declared_once_by_a_blueprint_or_the_ping_app():
    import app

    served = [(path, method) for path, methods in app.app.routes.items() for method in methods]
    declared = _declared_routes()
    assert len(declared) == len(set(declared))
    assert sorted(served) == sorted(declared)


def test_app_py_declares_no_route_of_its_own():
    source = (ROOT / "app.py").read_text()
    assert "@app.route" not in source


def test_every_page_module_with_routes_is_registered():
    import app

    registered = {module.__name__ for module in app.WEB_PAGES}
    with_pages = {
        "chalicelib.web.pages." + path.stem
        for path in (CHALICELIB / "web" / "pages").glob("*.py")
        if "pages = Pages(" in path.read_text()
    }
    assert with_pages == registered


def test_every_api_module_with_routes_is_imported_by_the_api_package():
    imported = _imports(CHALICELIB / "api" / "__init__.py")
    with_routes = {
        "chalicelib.api." + path.stem
        for path in (CHALICELIB / "api").glob("*.py")
        if "@routes." in path.read_text()
    }
    assert with_routes <= imported


def test_the_ping_app_serves_the_ping_routes_only():
    import ping_app

    assert sorted(ping_app.app.routes) == ["/ping/{a}", "/ping/{a}/{b}", "/ping/{a}/{b}/{c}", "/ping/{a}/{b}/{c}/{d}"]


@pytest.mark.parametrize(
    "path", ["app.py", "ping_app.py", *[str(p.relative_to(ROOT)) for p in _sources() if p.parts[-2] in ("api", "web", "pages")]]
)
def test_no_view_is_named_by_a_string(path):
    assert "importlib" not in _imports(ROOT / path)


def test_the_flows_callbacks_are_their_routes():
    from chalicelib.web.pages import integration_flows

    routed = {route.view for route in integration_flows.pages.routes}
    assert set(integration_flows.CALLBACKS.values()) <= routed


@pytest.mark.parametrize("path", [str(p.relative_to(ROOT)) for p in _sources()])
def test_layers_import_one_way(path):
    source = ROOT / path
    own = source.relative_to(CHALICELIB).parts[0].removesuffix(".py").replace("__init__", "settings")
    allowed = set(LAYERS[: LAYERS.index(own) + 1])
    upward = {module for module in _imports(source) if _layer(module) and _layer(module) not in allowed}
    assert upward == set()


@pytest.mark.parametrize("path", [str(p.relative_to(ROOT)) for p in _sources()])
def test_only_the_http_layer_imports_chalice(path):
    if path.startswith("chalicelib/local/") or path in HTTP_MODULES:
        pytest.skip("the HTTP layer and the local runner")
    assert not {module for module in _imports(ROOT / path) if module.split(".")[0] == "chalice"}


@pytest.mark.parametrize("path", [str(p.relative_to(ROOT)) for p in (CHALICELIB / "web").glob("*.py")])
def test_the_web_helpers_import_no_page(path):
    assert not {module for module in _imports(ROOT / path) if module.startswith("chalicelib.web.pages")}
