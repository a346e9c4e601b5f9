"""What a visitor types into search, as a PostgreSQL tsquery that also matches words
they have not finished typing.

websearch_to_tsquery understands "quoted phrases", OR and -word but matches whole
words only: `chai` never finds "chairing". `tsquery_text` reads the same web-search
syntax and writes a to_tsquery expression in which every plain word is a prefix
(`chai:*`). Phrases and left-out words (-word) stay exact. Only letters and digits
reach the expression, so nothing a visitor types can break its syntax.
"""

from __future__ import annotations

import re

# A term: an optional minus, then a "quoted phrase" (closed or not) or a bare word.
_TERM = re.compile(r'(-?)(?:"([^"]*)"?|([^\s"]+))')
_WORD = re.compile(r"[^\W_]+")


def tsquery_text(text: str) -> str:
    """The to_tsquery expression for `text` in web-search syntax; '' if it has no
    words."""
    parts: list[str] = []
    joiner = " & "
    for match in _TERM.finditer(text):
        minus, phrase, word = match.groups()
        if word is not None and word.lower() == "or" and not minus:
            joiner = " | "  # between two terms; dangling ORs are dropped below
            continue
        pieces = _WORD.findall(phrase if phrase is not None else word)
        if not pieces:
            continue
        if len(pieces) > 1 or phrase is not None:
            term = "(" + " <-> ".join(pieces) + ")"  # a phrase, or a word like it's
        elif minus:
            term = pieces[0]  # -cat leaves out cats, not categories
        else:
            term = f"{pieces[0]}:*"
        if minus:
            term = f"!{term}"
        if parts:
            parts.append(joiner)
        parts.append(term)
        joiner = " & "
    return "".join(parts)
