"""What a table cell's text is: a number, a currency sign.

Table rows and columns are read partly from what their cells say: a number never
wraps onto a second line, and a currency sign set apart belongs to the amount
beside it.
"""

from __future__ import annotations

import re

#: A number as tables print them: amounts, counts, percentages, fractions and
#: dates ("36 (75%)", "(1,234)", "8/16", "-3.5").
_NUMBER = re.compile(r"^[(\[]?[-\u2212+]?[$\u20ac\u00a3\u00a5]?\d[\d,./]*%?[)\]]?$")
#: Signs that financial statements set in a column of their own.
CURRENCY_SIGNS = frozenset("$\u20ac\u00a3\u00a5\u20b9\u20a9")


def is_number(text: str) -> bool:
    """Whether every word of ``text`` is a number (see ``_NUMBER``)."""
    words = text.split()
    return bool(words) and all(_NUMBER.match(w) for w in words)


def is_currency_sign(text: str) -> bool:
    return text.strip() in CURRENCY_SIGNS
