"""/contact.vcf: the alert senders as a contact card."""
from chalicelib import settings


def test_the_card_names_the_site_and_its_sender_address(anonymous_web, monkeypatch):
    monkeypatch.setattr(settings, "SITE_NAME", "Checks, Inc; ops")
    monkeypatch.setattr(settings, "DEFAULT_FROM_EMAIL", "Mychecks <alerts@example.org>")
    monkeypatch.setattr(settings, "TWILIO_FROM", "")
    answer = anonymous_web.get("/contact.vcf")
    assert answer.headers["Content-Type"].startswith("text/vcard")
    assert answer.body.decode() == (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Checks\\, Inc\\; ops\r\nEMAIL;TYPE=INTERNET:alerts@example.org\r\nEND:VCARD\r\n"
    )


def test_the_card_has_the_sms_number_when_twilio_sends(anonymous_web, monkeypatch):
    monkeypatch.setattr(settings, "TWILIO_FROM", "+15550001111")
    assert "TEL;TYPE=CELL:+15550001111\r\n" in anonymous_web.get("/contact.vcf").body.decode()


def test_the_phone_and_email_forms_link_the_card(web, project, every_kind_on):
    for kind in ("sms", "call", "whatsapp", "email"):
        assert 'href="/contact.vcf"' in web.get(f"/projects/{project.code}/add/{kind}/").body.decode(), kind
