"""Reading an inbound message: parse it (refusing broken structure) and get its subject and text.

Nothing here raises on bad input: a message that cannot be read is None, text that cannot
be decoded comes back with replacement characters.
"""
from email import errors, policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser

# Defects that mean the message's structure is broken (not just an odd header): such a
# message is refused rather than recorded as a ping.
STRUCTURAL_DEFECTS = (
    errors.MissingHeaderBodySeparatorDefect,
    errors.FirstHeaderLineIsContinuationDefect,
    errors.NoBoundaryInMultipartDefect,
    errors.StartBoundaryNotFoundDefect,
    errors.CloseBoundaryNotFoundDefect,
    errors.MultipartInvariantViolationDefect,
)


def parse(raw: bytes) -> EmailMessage | None:
    """The message, or None when it has no headers or a broken structure (e.g. cut multipart)."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        if not message.keys():
            return None
        for part in message.walk():
            if any(isinstance(defect, STRUCTURAL_DEFECTS) for defect in part.defects):
                return None
    except Exception:  # the parser is lenient, but a bad input must never escape as an error
        return None
    return message


def subject(message: EmailMessage) -> str:
    """The decoded Subject ("" when missing or unreadable); undecodable bytes become U+FFFD."""
    try:
        return _clean(str(message.get("Subject", "")))
    except Exception:
        return ""


def body_text(message: EmailMessage) -> str:
    """The plain-text part and the HTML part as text, as Healthchecks' body filter reads them."""
    texts = []
    for subtype in ("plain", "html"):
        try:
            part = message.get_body(preferencelist=(subtype,))
        except Exception:
            part = None
        if part is None:
            continue
        content = _content(part)
        texts.append(html_to_text(content) if subtype == "html" else content)
    return "\n".join(texts)


def _content(part: EmailMessage) -> str:
    try:
        content = part.get_content()
        if isinstance(content, str):
            return _clean(content)
    except Exception:  # an unknown charset, a payload that is not what its headers say
        pass
    payload = part.get_payload(decode=True)
    return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""


def _clean(text: str) -> str:
    """Undecodable bytes the parser kept as surrogates, as U+FFFD (so the text encodes as UTF-8)."""
    return text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")


def html_to_text(html: str) -> str:
    """The text a reader sees in an HTML part: tags dropped, script and style left out."""
    reader = _TextOfHtml()
    try:
        reader.feed(html)
        reader.close()
    except Exception:
        pass
    return " ".join("".join(reader.chunks).split())


class _TextOfHtml(HTMLParser):
    HIDDEN = ("script", "style", "head", "title")
    # Tags inside a line of text: they do not separate words ("SUC<b>CESS</b>" reads "SUCCESS").
    INLINE = ("a", "abbr", "b", "code", "em", "font", "i", "small", "span", "strong", "sub", "sup", "u")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1
        elif tag not in self.INLINE:
            self.chunks.append(" ")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag not in self.INLINE:
            self.chunks.append(" ")

    def handle_data(self, data):
        if not self._hidden:
            self.chunks.append(data)
