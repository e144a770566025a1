"""/tv/: a wallboard of one or more projects' checks, for a screen on the wall.

The page is static: static/tv.js reads read-only API keys and labels from the URL fragment
(#<key>=<label>&<key2>=<label2>&theme=dark), so keys never reach the server's logs, and
fetches /api/v3/checks/ with each key every 5 seconds."""
from chalicelib.web import render
from chalicelib.web.http import WebRequest, WebResponse
from chalicelib.web.routing import Pages

pages = Pages(__name__)


@pages.route("/tv", methods=["GET"], login=False)
def page(request: WebRequest) -> WebResponse:
    return render.render(request, "tv.html")
