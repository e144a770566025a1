"""/contact.vcf: the alert senders as one contact card, so phones and mail clients let alerts through."""
from email.utils import parseaddr

from chalicelib import settings
from chalicelib.web.http import WebRequest, WebResponse
from chalicelib.web.routing import Pages

pages = Pages(__name__)


@pages.route("/contact.vcf", methods=["GET"], login=False)
def vcard(request: WebRequest) -> WebResponse:
    """GET /contact.vcf : the site's name, its alert sender address and, with Twilio, its number."""
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{_escaped(settings.SITE_NAME)}"]
    lines.append(f"EMAIL;TYPE=INTERNET:{_escaped(parseaddr(settings.DEFAULT_FROM_EMAIL)[1])}")
    if settings.TWILIO_FROM:
        lines.append(f"TEL;TYPE=CELL:{_escaped(settings.TWILIO_FROM)}")
    lines.append("END:VCARD")
    return WebResponse(
        body="\r\n".join(lines) + "\r\n",
        content_type="text/vcard; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="contact.vcf"'},
    )


def _escaped(value: str) -> str:
    """A vCard text value: backslash, comma, semicolon and line breaks escaped (RFC 6350 §3.4)."""
    return (
        value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\r", "").replace("\n", "\\n")
    )
