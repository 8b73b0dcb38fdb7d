"""Text files in any common encoding: UTF-8 first, a byte-order mark next, else charset-normalizer's detection.

Detection is limited to the encodings office and web files are commonly saved in (`CANDIDATES`): on short texts
an unrestricted search picks exotic code pages (a 9-byte Latin-1 note came out as cp1006 Urdu; measured with
charset-normalizer 3.5). When the text decodes identically as Windows-1252, that common name is reported. A file
whose bytes 0x80-0x9F all read as Windows-1252 typography (curly quotes, dashes, the euro sign, the ellipsis, a
bullet, a trade mark) in plausible places is Windows-1252: on a short memo charset-normalizer preferred Mac Roman,
where those bytes are letters ("auditor\u2019s fee \u2013 \u20ac4,800" came out as "auditor\u00eds fee \u00f1
\u00c44,800"; measured with charset-normalizer 3.5.3).
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from kernel.errors import InputError

_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\v\f\r\x1b")
_BINARY_SAMPLE = 65536
_BINARY_RATIO = 0.05
# (byte-order mark, codec reading what follows it, name reported); UTF-32 LE before UTF-16 LE (same first bytes)
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"), (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
         (codecs.BOM_UTF8, "utf-8", "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"))
CANDIDATES = ("cp1252", "iso8859_15", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257",
              "koi8_r", "mac_roman", "shift_jis", "euc_jp", "gb18030", "big5", "euc_kr")
"""Encodings tried when a file is not UTF-8 and has no byte-order mark."""
LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (with BOM)", "utf-16": "UTF-16", "utf-32": "UTF-32",
          "cp1252": "Windows-1252", "iso8859-15": "ISO-8859-15", "cp1250": "Windows-1250", "cp1251": "Windows-1251",
          "cp1253": "Windows-1253", "cp1254": "Windows-1254", "cp1255": "Windows-1255", "cp1256": "Windows-1256",
          "cp1257": "Windows-1257", "koi8-r": "KOI8-R", "mac-roman": "Mac Roman", "shift_jis": "Shift JIS",
          "euc_jp": "EUC-JP", "gb18030": "GB18030", "big5": "Big5", "euc_kr": "EUC-KR"}
"""Display names of the encodings `decode_text` reports (Python's canonical codec name -> the name people know)."""


def label(encoding: str | None) -> str | None:
    """The display name of a codec name as `decode_text` returns it ("cp1252" -> "Windows-1252")."""
    return None if encoding is None else LABELS.get(encoding, encoding)


def _is_binary(data: bytes) -> bool:
    sample = data[:_BINARY_SAMPLE]
    return b"\x00" in data or sum(sample.count(c) for c in _CONTROL) > _BINARY_RATIO * len(sample)


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of `data` with `\\n` line ends and no BOM, and the codec it was decoded with (Python's canonical
    name: "utf-8", "utf-8-sig", "utf-16", "cp1252", ...; `label` gives the display name).

    Raises InputError for binary content (NUL or many control bytes outside a UTF-16/32 file) and for bytes that
    no candidate encoding reads.
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return _lines(data[len(bom):].decode(codec)), name
            except UnicodeDecodeError as e:
                at = len(bom) + e.start
                raise InputError(f"not valid {label(name).split()[0]} (byte 0x{data[at]:02x} at offset {at})") from None
    if _is_binary(data):
        raise InputError("binary content in a text file")
    try:
        return _lines(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError as e:
        first_bad = e.start
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(CANDIDATES)).best()
    if best is None:
        raise InputError(f"unknown text encoding: not UTF-8 (byte 0x{data[first_bad]:02x} at offset {first_bad}) "
                         "nor a common code page; save the file as UTF-8")
    text = str(best)
    codec = codecs.lookup(best.encoding).name
    if codec != "cp1252" and _typographic_cp1252(data):
        return _lines(data.decode("cp1252")), "cp1252"
    try:
        if codec != "cp1252" and data.decode("cp1252") == text:
            codec = "cp1252"
    except UnicodeDecodeError:
        pass
    return _lines(text), codec


_C1 = re.compile(rb"[\x80-\x9f]")
_INNER = {"\u2019", "\u2018", "\u2122"}
"""Windows-1252 typography that may stand between two letters (an apostrophe in "don\u2019t", "Q-Tech\u2122s")."""


def _typographic_cp1252(data: bytes) -> bool:
    """True when `data` decodes as Windows-1252 and each of its bytes 0x80-0x9F (one at least) is then a punctuation
    mark, currency sign or other symbol, not between two letters unless it is an apostrophe. In Mac Roman those
    bytes are accented letters, so a Mac Roman text read as Windows-1252 fails here ("A\u00f1o" -> "A\u2013o")."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    found = False
    for m in _C1.finditer(data):
        found = True
        char = text[m.start()]  # single-byte codec: byte offset == character offset
        if unicodedata.category(char)[0] not in "PS" or unicodedata.category(char) == "Sk":
            return False
        before, after = text[m.start() - 1: m.start()], text[m.end(): m.end() + 1]
        if char not in _INNER and before.isalpha() and after.isalpha():
            return False
    return found


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
