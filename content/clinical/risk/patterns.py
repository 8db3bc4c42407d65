"""Lexicon patterns compiled into fast regular expressions over normalised text.

Patterns are written in the normalised form (see `normalise.py`): lower case, no accents or
apostrophes, each repeated letter written once. Compiling them keeps that promise
(`collapse_regex`), turns literal word lists into prefix trees and anchors every alternative
at a word start, which makes a whole category one quick search.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from content.clinical.regex_collapse import collapse_regex
from content.schemas.risk import TERM_REFERENCE, LexiconPattern, top_level_branches


def pattern_source(
    pattern: LexiconPattern,
    terms: Mapping[str, tuple[str, ...]],
    normalise: Callable[[str], str],
) -> str:
    """The regular expression a lexicon pattern is compiled to.

    Phrases and term lists are normalised like patient text; normalised text holds only word
    characters and single spaces, so there is nothing to escape.
    """
    if pattern.phrase is not None:
        return rf"\b{normalise(pattern.phrase)}\b"
    assert pattern.regex is not None  # guaranteed by the schema

    def expand(match: re.Match[str]) -> str:
        phrases = sorted({normalise(t) for t in terms[match.group(1)]})
        return "(?:" + "|".join(phrases) + ")"

    return collapse_regex(TERM_REFERENCE.sub(expand, pattern.regex))


# A group that is only a list of literal words, like `(want|wanna|wish)`.
_WORD_LIST_GROUP = re.compile(r"(?<!\\)\((\?:)?([\w |]*\|[\w |]*)\)")


_Trie = dict[str, "_Trie"]


def _trie(words: Iterable[str]) -> str:
    """One expression for a list of literal words that shares their prefixes.

    `(want|wanted|wish)` becomes `(?:w(?:ant(?:ed)?|ish))`: the regex engine then decides on
    the first letter instead of trying every word in turn.
    """
    root: _Trie = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: _Trie) -> str:
        branches = [char + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return body + "?" if len(branches) == 1 and len(body) == 1 else f"(?:{body})?"
        return body

    return build(root)


def optimise_regex(source: str) -> str:
    """The same language as `source`, with every literal word list turned into a trie."""
    return _WORD_LIST_GROUP.sub(
        lambda m: f"({m.group(1) or ''}{_trie(m.group(2).split('|'))})", source
    )


_CAPTURING_GROUP = re.compile(r"(?<!\\)\((?!\?)")


def _anchored_body(source: str) -> str:
    """A pattern rewritten to be searched in `" " + text`: see `compile_anchored`."""
    source = _CAPTURING_GROUP.sub("(?:", optimise_regex(source))
    return "|".join(branch[2:] for branch in top_level_branches(source))


def compile_anchored(*sources: str) -> re.Pattern[str]:
    """One or more patterns compiled for searching in `" " + text`.

    Every pattern starts each alternative at a word boundary (the schema checks it), and in
    normalised text a word starts at the beginning or after a space. So the leading `\\b` is
    replaced by one literal space, and the regex engine skips from space to space instead of
    trying every pattern at every character. Groups are made non-capturing (nothing reads
    them, and saving group marks is what makes large alternations slow) and literal word lists
    become tries. Several times faster, same matches.
    """
    return re.compile(" (?:" + "|".join(_anchored_body(source) for source in sources) + ")")


__all__ = ["collapse_regex", "compile_anchored", "optimise_regex", "pattern_source"]
