"""What a visitor types into search, as a PostgreSQL tsquery that also matches words
they have not finished typing.

websearch_to_tsquery understands "quoted phrases", OR and -word but matches whole
words only: `chai` never finds "chairing". `tsquery_text` reads the same web-search
syntax and writes a to_tsquery expression in which the last word, the one being
typed, is a prefix (`chai:*`) once it has MIN_PREFIX letters; the words before it are
finished and match as words (stemmed: `meet` finds "meeting"). Phrases and left-out
words (-word) stay exact. Only letters and digits reach the expression, so nothing a
visitor types can break its syntax.
"""

from __future__ import annotations

import re

# A term: an optional minus, then a "quoted phrase" (closed or not) or a bare word.
_TERM = re.compile(r'(-?)(?:"([^"]*)"?|([^\s"]+))')
_WORD = re.compile(r"[^\W_]+")
# A single letter as a prefix would match a good part of every prompt.
MIN_PREFIX = 2


def tsquery_text(text: str) -> str:
    """The to_tsquery expression for `text` in web-search syntax; '' if it has no
    words."""
    terms: list[str] = []
    last_word = None  # where the word still being typed is, if the text ends in one
    joiner = " & "
    for match in _TERM.finditer(text):
        minus, phrase, word = match.groups()
        if word is not None and word.lower() == "or" and not minus:
            joiner = " | "  # between two terms; dangling ORs are dropped below
            continue
        pieces = _WORD.findall(phrase if phrase is not None else word)
        if not pieces:
            continue
        if terms:
            terms.append(joiner)
        joiner = " & "
        if len(pieces) > 1 or phrase is not None:
            terms.append("(" + " <-> ".join(pieces) + ")")  # a phrase, or a word like it's
            last_word = None
        elif minus:
            terms.append(f"!{pieces[0]}")  # -cat leaves out cats, not categories
            last_word = None
        else:
            terms.append(pieces[0])
            last_word = len(terms) - 1
    if last_word is not None and len(terms[last_word]) >= MIN_PREFIX:
        terms[last_word] += ":*"
    return "".join(terms)
