"""Routes and event handlers: each parses, calls one function in chalicelib, shapes the response."""
from chalice import Chalice, Response

app = Chalice(app_name="hc")


@app.route("/api/v3/status", methods=["GET"])
def status():
    return Response(body="OK", status_code=200, headers={"Content-Type": "text/plain"})
