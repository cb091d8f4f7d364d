"""An HTML reader for writers that take the model's table HTML apart (pipe tables).

This is a reader, not a sanitiser: what a writer emits as live HTML goes through
:func:`dotsocr.render.sanitize.safe_html`.
"""

from __future__ import annotations

from html.parser import HTMLParser


class MarkupReader(HTMLParser):
    """An HTML parser that hands entities on as written (so they show as the model
    wrote them) and drops comments, declarations and processing instructions, which
    carry nothing a reader needs and can hide markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)

    def keep_entity(self, text: str) -> None:
        """Called with an entity or character reference as written ("&amp;")."""
        raise NotImplementedError

    def handle_entityref(self, name: str) -> None:
        self.keep_entity(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.keep_entity(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        pass

    def handle_decl(self, decl: str) -> None:
        pass

    def unknown_decl(self, data: str) -> None:
        pass

    def handle_pi(self, data: str) -> None:
        pass
