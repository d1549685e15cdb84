"""What every string from outside needs before it is stored or reaches XML, HTML or email.

One place for the characters no output can carry (`xml_safe`), for a bounded one-line
form of a name or title (`one_line`) and for keeping configured secrets out of text a
remote party wrote (`redact`). The parsers clean what they read with it (`plain`), and the
renderers clean what they write with it again (`esc`, `text`, `meta`, the feeds, email
headers), so text stored before these rules, or from the config, is safe too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# XML 1.0 cannot carry C0 controls (but tab, LF, CR), lone surrogates (nor can UTF-8), or
# U+FFFE/U+FFFF (lxml refuses the whole document). Also dropped: DEL and the C1 controls
# (mis-decoded bytes; U+0085 would break a line), and the other Unicode noncharacters
# (U+FDD0..U+FDEF, U+nFFFE/U+nFFFF of every plane), which no text means. The astral ones
# are matched as one range and told apart in `_drop`: a class of 32 separate characters
# made every call 15 times slower.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff\U0001fffe-\U0010ffff]"
)
_WS = re.compile(r"\s+")
TITLE_MAX = 300  # characters of a title shown in a page, feed or email (a title, not an essay)
REDACTED = "[redacted]"
_MIN_SECRET = 6  # shorter values would redact ordinary words


def xml_safe(text: str) -> str:
    """The text without the characters XML, HTML and UTF-8 cannot carry (see _UNSAFE)."""
    return _UNSAFE.sub(_drop, text) if _UNSAFE.search(text) else text


def _drop(m: re.Match[str]) -> str:
    ch = m[0]
    return ch if ch > "\U0001fffd" and ord(ch) & 0xFFFE != 0xFFFE else ""  # an astral character


def one_line(text: str, max_chars: int | None = None) -> str:
    """XML-safe text on one line (whitespace runs -> one space), cut to `max_chars` with
    an ellipsis at a word boundary when it is longer."""
    text = _WS.sub(" ", xml_safe(text)).strip()
    if max_chars is None or len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    if " " in cut[max_chars // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:–—-") + "…"


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Text a remote party wrote (an error body, a status line, an exception's message)
    with every configured secret in it replaced by REDACTED: a server may echo the key or
    the `Authorization` header it was sent, and that text is stored, logged and shown."""
    for secret in sorted({s.strip() for s in secrets if s and len(s.strip()) >= _MIN_SECRET}, key=len)[::-1]:
        text = text.replace(secret, REDACTED)
    return text
