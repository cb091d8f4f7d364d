"""Random Chinese text for property tests: Han characters that Chinese writes (in
GB 2312 or Big5-HKSCS), digits and ASCII punctuation. Arbitrary unified ideographs
would include Japanese-only forms (亜 総 歳), which no Chinese page holds and which
the language detector rightly counts as Japanese."""

from __future__ import annotations

from hypothesis import strategies as st

from dotsocr.lang.detect import encodes


def _written_in_chinese(ch: str) -> bool:
    return encodes(ch, "gb2312") or encodes(ch, "big5hkscs")


def chinese_text(**kwargs: object) -> st.SearchStrategy[str]:
    """Text of Chinese Han characters, digits and punctuation (``st.text`` options)."""
    han = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF).filter(_written_in_chinese)
    return st.text(
        alphabet=st.one_of(han, st.sampled_from("0123456789,.;:!?()-\"' ")),
        **kwargs,  # type: ignore[arg-type]
    )
