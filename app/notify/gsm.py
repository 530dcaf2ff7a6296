"""Pure helpers that keep page text in the GSM 03.38 alphabet and within a segment budget.

Why it matters: one character outside GSM-7 (a curly quote, "°", an emoji) switches the whole
message to UCS-2, which cuts a segment from 160 to 70 characters. That more than doubles the
cost and, worse, multiplies the parts a phone must reassemble, so a page can arrive late,
truncated or out of order. Page text is therefore folded to GSM-7 before it is sent.
"""

from __future__ import annotations

import re
import unicodedata

# GSM 03.38 default alphabet (without ESC, which only introduces the extension table).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each of these costs two septets (ESC + the character).
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153  # a concatenated part loses 7 septets to its UDH
UCS2_SINGLE, UCS2_PART = 70, 67  # in UTF-16 code units
_GSM7_ANY = GSM7_BASIC | GSM7_EXTENSION  # set operations: a burst folds thousands of pages

TRUNCATION_MARK = ".."

# Explicit replacements for characters that decomposition cannot fold (or folds badly).
_REPLACEMENTS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u2022": "*", "\u00b7": "-",
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\t": " ", "\u2028": "\n", "\u2029": "\n",
    "\u00d7": "x", "\u00f7": "/", "\u00b1": "+/-", "\u2264": "<=", "\u2265": ">=",
    "\u2248": "~", "\u2260": "!=", "\u2192": "->", "\u2190": "<-", "\u2191": "^",
    "\u2193": "v", "\u00b5": "u", "\u03bc": "u", "\u00bd": "1/2", "\u00bc": "1/4",
    "\u00be": "3/4", "\u2122": "TM", "\u00a9": "(c)", "\u00ae": "(R)", "\u00a2": "c",
    "\u0142": "l", "\u0141": "L", "\u0111": "d", "\u0110": "D", "\u00f0": "d",
    "\u00d0": "D", "\u00fe": "th", "\u00de": "Th", "\u0153": "oe", "\u0152": "OE",
    "\u0131": "i", "\u00e7": "c",
}  # fmt: skip
# Characters that carry nothing visible on their own (joiners, variation selectors, BOM,
# soft hyphen, emoji skin-tone modifiers): dropped so "👍🏽" becomes one "?", not two.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufe0e\ufe0f\ufeff\u00ad") | frozenset(
    map(chr, range(0x1F3FB, 0x1F400))
)
# "º" (ordinal indicator) is a common typo for "°", but only before a unit; alone it is "1º".
_DEGREE_UNIT = re.compile(r"\s*[°º]\s*([CF])(?![A-Za-z])")
_DEGREE = re.compile(r"\s*°")


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM-7 default alphabet or its extension."""
    return _GSM7_ANY.issuperset(text)


def to_gsm7(text: str) -> str:
    """Fold `text` into GSM-7: keep what GSM has, replace the rest with a readable stand-in.

    "38.4 °C" -> "38.4 C", curly quotes -> straight, dashes -> "-", "á" -> "a" (but "é",
    "ñ", "ü" stay, GSM has them), anything with no stand-in -> "?".
    """
    # NFC first, so a decomposed "é" (e + accent) becomes the GSM "é" instead of "e".
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n")
    text = text.replace("\u2103", "°C").replace("\u2109", "°F")
    text = _DEGREE_UNIT.sub(r" \1", text)
    text = _DEGREE.sub(" deg", text)
    if _GSM7_ANY.issuperset(text):
        return text  # the usual case: nothing to fold
    return "".join(_fold_char(ch) for ch in text)


def _fold_char(ch: str) -> str:
    if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
        return ch
    if ch in _REPLACEMENTS:
        return _REPLACEMENTS[ch]
    if ch in _INVISIBLE or unicodedata.category(ch) == "Mn":
        return ""
    # NFKD splits "á" into "a" + combining accent and "ﬁ" into "fi"; keep the result only
    # when what remains after dropping the accents is all GSM.
    folded = "".join(c for c in unicodedata.normalize("NFKD", ch) if unicodedata.category(c) != "Mn")
    if folded and folded != ch and is_gsm7(folded):
        return folded
    return "?"


def sms_segments(text: str) -> int:
    """How many SMS parts `text` is sent as (0 for an empty text).

    GSM-7: 160 septets in one part, 153 per part when concatenated, extension characters
    cost 2 and are never split across parts. Otherwise UCS-2: 70 / 67 UTF-16 units, and a
    surrogate pair (emoji) is never split either.
    """
    if not text:
        return 0
    if GSM7_BASIC.issuperset(text):
        return _count_parts_uniform(len(text), GSM7_SINGLE, GSM7_PART)
    if is_gsm7(text):
        return _count_parts([_septets(ch) for ch in text], GSM7_SINGLE, GSM7_PART)
    return _count_parts([_utf16_units(ch) for ch in text], UCS2_SINGLE, UCS2_PART)


def _septets(ch: str) -> int:
    return 2 if ch in GSM7_EXTENSION else 1


def _utf16_units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _count_parts_uniform(length: int, single: int, part: int) -> int:
    """Parts for a text whose every character costs one septet."""
    return 1 if length <= single else -(-length // part)


def _count_parts(costs: list[int], single: int, part: int) -> int:
    if sum(costs) <= single:
        return 1
    parts, used = 1, 0
    for cost in costs:
        if used + cost > part:  # the character would straddle two parts: start a new one
            parts, used = parts + 1, 0
        used += cost
    return parts


def truncate_to_segments(text: str, max_segments: int = 2) -> str:
    """Return `text` unchanged if it fits in `max_segments`, else cut it at a word boundary
    and end it with ".." so the reader sees it was shortened."""
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    if sms_segments(text) <= max_segments:
        return text
    # No fitting prefix can be longer than the GSM-7 budget, so start there.
    limit = min(len(text), max(GSM7_SINGLE, max_segments * GSM7_PART))
    for end in _cut_points(text, limit):
        candidate = text[:end].rstrip(" \n,;:-") + TRUNCATION_MARK
        if sms_segments(candidate) <= max_segments:
            return candidate
    return TRUNCATION_MARK


def _cut_points(text: str, limit: int) -> list[int]:
    """Cut positions from longest to shortest: word boundaries first, then any character
    (for a text that is one endless word)."""
    words = [i for i in range(limit, 0, -1) if i < len(text) and text[i].isspace()]
    return words + list(range(limit, 0, -1))
