"""Bytes to text: byte-order marks, declared charsets, then detection.

Order of evidence: a BOM, then UTF-16 or UTF-32 without a BOM (recognised
by the zero bytes of its ASCII characters, as XML 1.0 appendix F does), then a charset declared by the transport (HTTP
header) or the document (``<meta charset>``, XML declaration), then UTF-8 if
the bytes are valid UTF-8, then charset-normalizer.  A declaration loses to the
bytes in one case: non-ASCII text that is valid UTF-8 is UTF-8 whatever the page
says (text in a legacy encoding is practically never valid UTF-8, while pages
saved as UTF-8 under an old ``<meta charset>`` or a server's default header are common).  Nothing here fails on bad
bytes: a file mixing UTF-8 with Windows-1252 decodes each part by its own
encoding, and anything undecodable becomes U+FFFD.  Binary data is recognised
first (:func:`binary_kind`) so that it is never decoded into noise.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes

_SNIFF = 8192
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Leading bytes of common binary formats, with the name a user recognises.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"PK\x03\x04", "zip archive"),
    (b"PK\x05\x06", "zip archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x7fELF", "executable"),
    (b"MZ", "executable"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Office document"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
    (b"\x00\x00\x01\x00", "icon"),
    (b"wOFF", "font"),
    (b"wOF2", "font"),
)
# Single-byte encodings charset-normalizer confuses with each other on short Latin text.
_LATIN = frozenset({
    "cp1250", "cp1252", "cp1254", "cp1257", "latin_1", "iso8859_2", "iso8859_3", "iso8859_4",
    "iso8859_9", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16", "mac_roman",
    "mac_latin2", "mac_iceland", "mac_turkish", "cp437", "cp775", "cp850", "cp852", "cp858", "cp860",
    "cp861", "cp863", "cp865",
})
# Letters of Western European languages, as Windows-1252 decodes them.
_WESTERN = frozenset("àâäáãåçéèêëíìîïñóòôöõøúùûüýÿæœßÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕØÚÙÛÜÝŸÆŒ")
# Labels that browsers read as Windows-1252 (WHATWG Encoding Standard).
_AS_CP1252 = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "cp819"})
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)""", re.I)
_HTML_START = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|article)[\s>/]", re.I | re.S)
_HTML_TAGS = re.compile(r"<(?:html|head|body|article|p|div|br|h1)[\s>/]", re.I)
_TEXT_PUNCT = frozenset("“”‘’„–—…€«»°·•§©®™")


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chunk = error.object[error.start:error.end]
    return chunk.decode("cp1252", errors="replace"), error.end


codecs.register_error("storyline-cp1252", _cp1252_fallback)


def _zero_share(sample: bytes, offset: int, step: int) -> float:
    picked = sample[offset::step]
    return picked.count(0) / len(picked) if picked else 0.0


def unmarked_utf(data: bytes) -> str | None:
    """``"utf-16-le"``, ``"utf-16-be"``, ``"utf-32-le"`` or ``"utf-32-be"`` for text in that
    encoding without a BOM, else None.

    Markup and most Western text is largely ASCII, whose characters in these
    encodings carry a fixed pattern of zero bytes; the sample must also decode
    cleanly into printable text.
    """
    sample = data[:1024]
    sample = sample[: len(sample) - len(sample) % 4]
    if len(sample) < 8 or 0 not in sample:
        return None
    candidates = (
        ("utf-32-le", all(_zero_share(sample, i, 4) > 0.9 for i in (2, 3)) and _zero_share(sample, 0, 4) < 0.1),
        ("utf-32-be", all(_zero_share(sample, i, 4) > 0.9 for i in (0, 1)) and _zero_share(sample, 3, 4) < 0.1),
        ("utf-16-le", _zero_share(sample, 1, 2) > 0.6 and _zero_share(sample, 0, 2) < 0.1),
        ("utf-16-be", _zero_share(sample, 0, 2) > 0.6 and _zero_share(sample, 1, 2) < 0.1),
    )
    for name, pattern in candidates:
        if not pattern:
            continue
        try:
            text = sample.decode(name)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f")
        if controls <= len(text) * 0.02:
            return name
    return None


def binary_kind(data: bytes) -> str | None:
    """What kind of binary data ``data`` is (e.g. ``"PDF"``), or None if it may be text."""
    head = data[:_SNIFF]
    if any(head.startswith(bom) for bom, _ in _BOMS) or unmarked_utf(head) is not None:
        return None
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if b"\x00" in head:
        return "contains NUL bytes"
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    if head and controls / len(head) > 0.05:
        return "control characters"
    return None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):  # a label with a NUL in it raises ValueError
        return None


def known_charset(label: str | None) -> bool:
    """True when ``label`` names an encoding Python can decode (or is absent)."""
    return label is None or _codec(label) is not None


def charset_from_content_type(content_type: str | None) -> str | None:
    """``"text/html; charset=ISO-8859-1"`` -> ``"ISO-8859-1"``."""
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([^\"';\s]+)", content_type, re.I)
    return match.group(1) if match else None


def declared_charset(data: bytes) -> str | None:
    """The charset a document declares about itself in its first bytes."""
    head = data[:4096]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _plausible(text: str, letters: frozenset[str] | None = None) -> float:
    """Share of non-ASCII characters that are letters (of ``letters``, if given) or text punctuation."""
    rest = [c for c in text if ord(c) > 127]
    if not rest:
        return 1.0
    good = sum(
        1 for c in rest
        if (c in letters if letters is not None else c.isalpha())
        or c in _TEXT_PUNCT or unicodedata.category(c) == "Zs"
    )
    return good / len(rest)


def _detect(data: bytes) -> str:
    high = sum(1 for b in data if b > 127)
    in_utf8 = sum(len(m) for m in _UTF8_MULTIBYTE.findall(data))
    if in_utf8 >= high / 2:
        # Mostly valid UTF-8 with some invalid bytes: UTF-8 with stray Windows-1252.
        return data.decode("utf-8", errors="storyline-cp1252")
    western = data.decode("cp1252", errors="storyline-cp1252")
    western_score = _plausible(western, _WESTERN)
    if western_score == 1.0:
        # Every non-ASCII byte reads as a Western letter or text punctuation: short
        # inputs fool statistical detection, this does not.
        return western
    match = from_bytes(data).best()
    if match is None:
        return western
    guess = codecs.lookup(match.encoding).name
    if guess.startswith(("utf-16", "utf-32")):  # without a BOM these are binary, caught earlier
        return western
    text = str(match)
    if guess in _LATIN and western_score >= _plausible(text):
        return western
    return text


def _as_utf8(data: bytes) -> str | None:
    """``data`` as UTF-8 when it is valid UTF-8 with characters beyond ASCII, else None."""
    if not _UTF8_MULTIBYTE.search(data):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def decode(data: bytes, declared: str | None = None) -> str:
    """Decode ``data``; ``declared`` is a transport charset (HTTP header), if any."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(name, errors="replace")
    unmarked = unmarked_utf(data)
    if unmarked is not None:
        return data.decode(unmarked, errors="replace")
    codec = _codec(declared) or _codec(declared_charset(data))
    if codec == "utf-8":
        return data.decode("utf-8", errors="storyline-cp1252")
    if codec is not None:
        utf8 = _as_utf8(data)
        # a declaration that lies: non-ASCII text in another encoding is as good as never valid UTF-8
        return utf8 if utf8 is not None else data.decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _detect(data)


def looks_like_html(text: str) -> bool:
    """True when ``text`` is an HTML document rather than plain text."""
    head = text[:4096]
    if _HTML_START.match(head):
        return True
    return len(_HTML_TAGS.findall(head)) >= 3
