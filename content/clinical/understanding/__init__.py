"""Understanding short patient messages: intent and slots, and what each intent leads to.

The integration API for the conversation engine:

    from content.clinical.understanding import decide, understand, understander_for, resolve

    found = understander_for(content).understand(text, language)   # or understand(text, lang)
    decision = resolve(content.routes, content.barriers, found, session_open=...)
    decision = decide(content, text, language, session_open=...)      # the two in one call

Risk is screened before understanding, by other code, and always wins.
"""

from __future__ import annotations

from functools import cache

from content.clinical.understanding.engine import (
    DURATION_TOKEN,
    Slots,
    Understander,
    Understanding,
    slots_text,
    understanding_lines,
)
from content.clinical.understanding.routes import Decision, resolve
from content.loader import Content, shipped_content

# Compiled understanders by the identity of their content (kept alive with it, so ids are not
# reused while cached). Content is loaded once per process, so this holds one or two entries.
_BY_CONTENT: dict[int, tuple[Content, Understander]] = {}


def understander_for(content: Content) -> Understander:
    """The understander for `content`, compiled once per content object."""
    cached = _BY_CONTENT.get(id(content))
    if cached is None or cached[0] is not content:
        cached = (content, Understander(content.understanding, content.modalities))
        _BY_CONTENT[id(content)] = cached
    return cached[1]


@cache
def _shipped() -> Understander:
    return understander_for(shipped_content())


def decide(
    content: Content, text: str, language: str | None = None, *, session_open: bool = False
) -> Decision:
    """Understand `text` and resolve it through the routes table, in one call.

    Call it only for text the risk screen did not flag. `session_open`: today's session is on
    offer and waiting for an answer (then "done" answers it instead of offering a log).
    """
    found = understander_for(content).understand(text, language)
    return resolve(content.routes, content.barriers, found, session_open=session_open)


def understand(text: str, language: str | None = None) -> Understanding:
    """The intent and slots of one message, with the content shipped with Stride."""
    return _shipped().understand(text, language)


__all__ = [
    "DURATION_TOKEN",
    "Decision",
    "Slots",
    "Understander",
    "Understanding",
    "decide",
    "resolve",
    "slots_text",
    "understand",
    "understander_for",
    "understanding_lines",
]
