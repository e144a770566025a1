"""/docs/: the documentation pages, open to anyone; a logged-in reader sees their own ping URL and
keys in the examples (chalicelib/web/docs_site.py). /docs/search?q= searches without JavaScript;
/docs/search.json is the index static/docs.js searches in the browser."""
from chalicelib.web import docs_site, render
from chalicelib.web.http import HttpError, WebRequest, WebResponse, json_response
from chalicelib.web.routing import Pages

pages = Pages(__name__)

SEARCH_QUERY_MAX = 200


@pages.route("/docs", methods=["GET"], login=False)
def home(request: WebRequest) -> WebResponse:
    return _page(request, docs_site.HOME)


@pages.route("/docs/{slug}", methods=["GET"], login=False)
def page(request: WebRequest, slug: str) -> WebResponse:
    """A page by its slug; "search" and "search.json" are the search (one route: no literal
    sibling of a {slug} route to rely on the router's order for)."""
    if slug == "search":
        return _search(request)
    if slug == "search.json":
        response = json_response(docs_site.search_index())
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response
    return _page(request, slug)


def _page(request: WebRequest, slug: str) -> WebResponse:
    found = docs_site.page(slug, request.now)
    if found is None:
        raise HttpError(404, "No such documentation page.")
    reader = docs_site.reader(request.user, request.arg("project"))
    body = docs_site.fill(found.body, reader.values())
    if reader.chosen:
        body = docs_site.keep_project(body, reader.project_code)
    return render.render(
        request, "docs/page.html", page=found, body=body, reader=reader, query="", section="docs", **_navigation(reader),
    )


def _search(request: WebRequest) -> WebResponse:
    query = request.arg("q").strip()
    if len(query) > SEARCH_QUERY_MAX:
        raise HttpError(400, f"The search is too long (at most {SEARCH_QUERY_MAX} characters).")
    reader = docs_site.reader(request.user, request.arg("project"))
    results = docs_site.search(query)
    return render.render(
        request, "docs/search.html", query=query, results=results, reader=reader, page=None, section="docs", **_navigation(reader),
    )


def _navigation(reader: docs_site.Reader) -> dict:
    suffix = f"?project={reader.project_code}" if reader.chosen else ""
    return {
        "contents": [
            (section, [(slug, docs_site.titles()[slug]) for slug in slugs]) for section, slugs in docs_site.CONTENTS
        ],
        "home": docs_site.HOME,
        "link_suffix": suffix,
    }
