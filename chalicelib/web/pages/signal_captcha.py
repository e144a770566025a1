"""The Signal CAPTCHA page for superusers: when Signal rate-limits this site's signal-cli account,
it hands a challenge token with the refused send; solving a CAPTCHA for it lifts the limit."""
from chalicelib.integrations.kinds import signal
from chalicelib.lib.errors import TransportError
from chalicelib.web.http import HttpError, WebRequest, WebResponse
from chalicelib.web.render import render
from chalicelib.web.routing import Pages

pages = Pages(__name__)

CAPTCHA_SITE = "https://signalcaptchas.org/challenge/generate.html"


@pages.route("/signal_captcha", methods=["GET", "POST"])
def signal_captcha(request: WebRequest) -> WebResponse:
    """GET /signal_captcha/?challenge=... : the form; POST challenge, captcha: signal-cli's
    submitRateLimitChallenge, and what it said."""
    if not request.user.is_superuser:
        raise HttpError(403, "Only the site's operators (superusers) can submit Signal CAPTCHAs.")
    if not signal.enabled():
        raise HttpError(404, "Signal integration is not enabled.")
    if request.method != "POST":
        return _page(request, challenge=request.arg("challenge"))
    challenge, captcha = request.field("challenge"), request.field("captcha")
    try:
        signal.submit_challenge(challenge, captcha)
    except ValueError as e:
        return _page(request, challenge=challenge, error=str(e), status=400)
    except TransportError as e:
        return _page(request, challenge=challenge, error=e.message, status=502)
    return _page(request, challenge="", done=True)


def _page(request: WebRequest, challenge: str, error: str = "", done: bool = False, status: int = 200) -> WebResponse:
    return render(
        request, "integrations/signal_captcha.html", status=status, challenge=challenge, error=error, done=done,
        captcha_site=CAPTCHA_SITE,
    )
