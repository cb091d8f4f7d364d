"""PDF password candidates: the password as typed, then normalised forms.

AES-256 (revision 6) PDFs expect the password prepared with SASLprep (RFC 4013);
older revisions expect it as written, and keyboards and shells differ in how they
compose accented letters. Trying the few plausible forms lets "what the user typed"
open the file in all these cases.
"""

from __future__ import annotations

import stringprep
import unicodedata

_PROHIBITED = (
    stringprep.in_table_c12,  # non-ASCII spaces (already mapped, but checked again)
    stringprep.in_table_c21,  # ASCII control characters
    stringprep.in_table_c22,  # non-ASCII control characters
    stringprep.in_table_c3,  # private use
    stringprep.in_table_c4,  # non-character code points
    stringprep.in_table_c5,  # surrogate codes
    stringprep.in_table_c6,  # inappropriate for plain text
    stringprep.in_table_c7,  # inappropriate for canonical representation
    stringprep.in_table_c8,  # change display properties / deprecated
    stringprep.in_table_c9,  # tagging characters
)


def saslprep(text: str) -> str | None:
    """SASLprep (RFC 4013) of ``text``, or None when the result holds a character the
    profile prohibits (then no PDF could have been encrypted with it)."""
    mapped = "".join(_map_char(ch) for ch in text)
    prepared = unicodedata.normalize("NFKC", mapped)
    if any(check(ch) for ch in prepared for check in _PROHIBITED):
        return None
    if not _bidi_ok(prepared):
        return None
    return prepared


def _map_char(ch: str) -> str:
    if stringprep.in_table_b1(ch):  # "commonly mapped to nothing" (soft hyphen, ZWJ...)
        return ""
    if stringprep.in_table_c12(ch):  # non-ASCII space -> space
        return " "
    return ch


def _bidi_ok(text: str) -> bool:
    """RFC 3454 section 6: right-to-left text must not mix with left-to-right."""
    if not any(stringprep.in_table_d1(ch) for ch in text):
        return True
    if any(stringprep.in_table_d2(ch) for ch in text):
        return False
    return stringprep.in_table_d1(text[0]) and stringprep.in_table_d1(text[-1])


def password_candidates(password: str) -> list[str]:
    """The forms of ``password`` to try, most literal first, without duplicates."""
    forms = [password, unicodedata.normalize("NFKC", password), saslprep(password)]
    seen: list[str] = []
    for form in forms:
        if form is not None and form not in seen:
            seen.append(form)
    return seen
