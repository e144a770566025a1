"""The dashboard's static files (CSS, scripts, icons), served from static/."""
from chalicelib.web import render
from chalicelib.web.http import WebRequest, WebResponse
from chalicelib.web.routing import Pages

pages = Pages(__name__)


@pages.plain("/static/{name}", methods=["GET"])
def static_file(request: WebRequest, name: str) -> WebResponse:
    return render.static_file(name)
