"""Telegram's message formatting: parse_mode HTML, MarkdownV2 and Markdown into text + entities.

Why: Telegram answers 400 "can't parse entities" to a message with an unclosed tag or an
unescaped reserved MarkdownV2 character, a common production bug that a mock accepting any
string never shows. Parsing also yields the plain text the user sees (for length limits and for
tests that look for a phrase) and the entities returned in the Message, with offsets in UTF-16
code units as Telegram counts them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);")
_ATTR_RE = re.compile(r"\s*([a-zA-Z_-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")
_COMMAND_RE = re.compile(r"(?:(?<=\s)|^)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")


class ParseError(ValueError):
    """The text cannot be parsed; the message is Telegram's description after the prefix."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Builder:
    """Accumulates plain text and entities while a parser walks the source."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    entities: list[dict[str, Any]] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += utf16_len(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.length > start:
            self.entities.append(
                {"type": kind, "offset": start, "length": self.length - start, **extra}
            )

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        ordered = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), ordered


def parse(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities for `text` under `parse_mode` (None: the text as is)."""
    if parse_mode is None or parse_mode == "":
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise ParseError(f"unsupported parse_mode {parse_mode!r}")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML style: a fixed tag set, &lt; &gt; &amp; &quot; and numeric entities."""
    out = _Builder()
    stack: list[tuple[str, int, dict[str, str]]] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "&":
            match = _ENTITY_RE.match(text, i)
            if match and match.group(1).startswith("#"):
                body = match.group(1)
                code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
                out.add(chr(code) if 0 < code < 0x110000 else "\ufffd")
                i = match.end()
                continue
            if match and match.group(1) in _NAMED_ENTITIES:
                out.add(_NAMED_ENTITIES[match.group(1)])
                i = match.end()
                continue
            out.add("&")
            i += 1
            continue
        if char != "<":
            out.add(char)
            i += 1
            continue
        end = text.find(">", i)
        if end == -1:
            raise ParseError(
                f"can't parse entities: unclosed start tag at byte offset {_byte_offset(text, i)}"
            )
        inner = text[i + 1 : end]
        if inner.startswith("/"):
            name = inner[1:].strip().lower()
            if not stack:
                raise ParseError(
                    "can't parse entities: can't find start tag corresponding to end tag "
                    f'"{name}" at byte offset {_byte_offset(text, i)}'
                )
            open_name, start, attrs = stack.pop()
            if name != open_name:
                raise ParseError(
                    f"can't parse entities: unmatched end tag at byte offset "
                    f'{_byte_offset(text, i)}, expected "</{open_name}>", found "</{name}>"'
                )
            _close_html(out, open_name, start, attrs, stack)
            i = end + 1
            continue
        name_match = re.match(r"[a-zA-Z][a-zA-Z0-9-]*", inner)
        name = name_match.group(0).lower() if name_match else ""
        if name not in _HTML_TAGS:
            raise ParseError(
                f'can\'t parse entities: unsupported start tag "{name}" at byte offset '
                f"{_byte_offset(text, i)}"
            )
        attrs = {
            m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or ""
            for m in _ATTR_RE.finditer(inner[len(name) :].rstrip("/"))
            if m.group(1)
        }
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise ParseError(
                f'can\'t parse entities: unsupported start tag "span" at byte offset '
                f"{_byte_offset(text, i)}"
            )
        if name == "a" and "href" not in attrs:
            attrs["href"] = ""
        stack.append((name, out.length, attrs))
        i = end + 1
    if stack:
        raise ParseError(
            "can't parse entities: can't find end tag corresponding to start tag "
            f'"{stack[-1][0]}"'
        )
    return out.result()


def _close_html(
    out: _Builder,
    name: str,
    start: int,
    attrs: dict[str, str],
    stack: list[tuple[str, int, dict[str, str]]],
) -> None:
    kind = _HTML_TAGS[name]
    if kind == "text_link":
        url = attrs.get("href", "")
        if url.startswith("tg://user?id="):
            out.entity("text_mention", start, user={"id": int(url.split("=", 1)[1] or 0)})
        elif url:
            out.entity("text_link", start, url=url)
        return
    if kind == "code" and stack and stack[-1][0] == "pre":
        language = attrs.get("class", "").removeprefix("language-")
        if language:
            stack[-1][2]["language"] = language
        return
    if kind == "pre":
        if "language" in attrs:
            out.entity("pre", start, language=attrs["language"])
        else:
            out.entity("pre", start)
        return
    if kind == "blockquote" and "expandable" in attrs:
        out.entity("expandable_blockquote", start)
        return
    if kind == "custom_emoji":
        out.entity("custom_emoji", start, custom_emoji_id=attrs.get("emoji-id", ""))
        return
    out.entity(kind, start)


_MDV2_MARKERS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough"}


def parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's MarkdownV2: nested entities, every reserved character escaped."""
    out = _Builder()
    open_: list[tuple[str, int, int]] = []  # (marker, start offset, byte offset)
    link_starts: list[tuple[int, int]] = []
    i = 0
    n = len(text)
    at_line_start = True
    quote_start: int | None = None
    while i < n:
        char = text[i]
        if char == "\n":
            at_line_start = True
            out.add(char)
            i += 1
            if quote_start is not None and not text.startswith(">", i):
                out.entity("blockquote", quote_start)
                quote_start = None
            continue
        line_start, at_line_start = at_line_start, False
        if char == "\\":
            if i + 1 < n and 0 < ord(text[i + 1]) <= 126:
                out.add(text[i + 1])
                i += 2
            else:
                out.add(char)
                i += 1
            continue
        if char == ">" and line_start:
            if quote_start is None:
                quote_start = out.length
            i += 1
            continue
        if char == "`":
            i = _mdv2_code(text, i, out)
            continue
        if char == "!" and text.startswith("![", i):
            link_starts.append((out.length, _byte_offset(text, i)))
            i += 2
            continue
        if char == "[":
            link_starts.append((out.length, _byte_offset(text, i)))
            i += 1
            continue
        if char == "]":
            if not link_starts or not text.startswith("(", i + 1):
                raise ParseError(_reserved(char))
            start, _ = link_starts.pop()
            close = _find_unescaped(text, ")", i + 2)
            if close == -1:
                raise ParseError(
                    "can't parse entities: can't find end of a url at byte offset "
                    f"{_byte_offset(text, i)}"
                )
            url = re.sub(r"\\(.)", r"\1", text[i + 2 : close])
            if url.startswith("tg://emoji?id="):
                out.entity("custom_emoji", start, custom_emoji_id=url.split("=", 1)[1])
            elif url.startswith("tg://user?id="):
                out.entity("text_mention", start, user={"id": int(url.split("=", 1)[1] or 0)})
            else:
                out.entity("text_link", start, url=url)
            i = close + 1
            continue
        marker = ""
        if text.startswith("||", i):
            marker = "||"
        elif text.startswith("__", i):
            marker = "__"
        elif char in "*_~":
            marker = char
        if marker:
            for pos in range(len(open_) - 1, -1, -1):
                if open_[pos][0] == marker:
                    _, start, _ = open_.pop(pos)
                    out.entity("spoiler" if marker == "||" else _MDV2_MARKERS[marker], start)
                    break
            else:
                open_.append((marker, out.length, _byte_offset(text, i)))
            i += len(marker)
            continue
        if char in MDV2_RESERVED:
            raise ParseError(_reserved(char))
        out.add(char)
        i += 1
    if quote_start is not None:
        out.entity("blockquote", quote_start)
    if open_:
        marker, _, byte = open_[0]
        kind = "Spoiler" if marker == "||" else _MDV2_MARKERS[marker].capitalize()
        raise ParseError(
            f"can't parse entities: can't find end of {kind} entity at byte offset {byte}"
        )
    if link_starts:
        raise ParseError(
            f"can't parse entities: can't find end of TextUrl entity at byte offset "
            f"{link_starts[0][1]}"
        )
    return out.result()


def _reserved(char: str) -> str:
    return (
        f"can't parse entities: character '{char}' is reserved and must be escaped with the "
        "preceding '\\'"
    )


def _find_unescaped(text: str, target: str, start: int) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == target:
            return i
        i += 1
    return -1


def _mdv2_code(text: str, i: int, out: _Builder) -> int:
    """Inline `code` or a ```pre``` block starting at i; returns the index after it."""
    if text.startswith("```", i):
        close = _find_unescaped(text, "`", i + 3)
        while close != -1 and not text.startswith("```", close):
            close = _find_unescaped(text, "`", close + 1)
        if close == -1:
            raise ParseError(
                f"can't parse entities: can't find end of Pre entity at byte offset "
                f"{_byte_offset(text, i)}"
            )
        body = text[i + 3 : close]
        language = ""
        newline = body.find("\n")
        if newline != -1 and re.fullmatch(r"[A-Za-z0-9_+#.-]*", body[:newline]):
            language, body = body[:newline], body[newline + 1 :]
        start = out.length
        out.add(re.sub(r"\\([`\\])", r"\1", body))
        if language:
            out.entity("pre", start, language=language)
        else:
            out.entity("pre", start)
        return close + 3
    close = _find_unescaped(text, "`", i + 1)
    if close == -1:
        raise ParseError(
            f"can't parse entities: can't find end of Code entity at byte offset "
            f"{_byte_offset(text, i)}"
        )
    start = out.length
    out.add(re.sub(r"\\([`\\])", r"\1", text[i + 1 : close]))
    out.entity("code", start)
    return close + 1


_MD_MARKERS = {"*": "bold", "_": "italic"}


def parse_markdown(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url), no nesting."""
    out = _Builder()
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if char in _MD_MARKERS:
            close = text.find(char, i + 1)
            if close == -1:
                raise ParseError(
                    "can't parse entities: can't find end of the entity starting at byte offset "
                    f"{_byte_offset(text, i)}"
                )
            start = out.length
            out.add(text[i + 1 : close])
            out.entity(_MD_MARKERS[char], start)
            i = close + 1
            continue
        if char == "`":
            fence = "```" if text.startswith("```", i) else "`"
            close = text.find(fence, i + len(fence))
            if close == -1:
                raise ParseError(
                    "can't parse entities: can't find end of the entity starting at byte offset "
                    f"{_byte_offset(text, i)}"
                )
            start = out.length
            out.add(text[i + len(fence) : close])
            out.entity("pre" if fence == "```" else "code", start)
            i = close + len(fence)
            continue
        if char == "[":
            close = text.find("]", i + 1)
            if close != -1 and text.startswith("(", close + 1):
                end = text.find(")", close + 2)
                if end != -1:
                    start = out.length
                    out.add(text[i + 1 : close])
                    out.entity("text_link", start, url=text[close + 2 : end])
                    i = end + 1
                    continue
            raise ParseError(
                "can't parse entities: can't find end of the entity starting at byte offset "
                f"{_byte_offset(text, i)}"
            )
        out.add(char)
        i += 1
    return out.result()


def command_entities(text: str) -> list[dict[str, Any]]:
    """bot_command entities Telegram adds to a user's message ("/start", "/help@some_bot")."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: m.start()]),
            "length": utf16_len(m.group(0)),
        }
        for m in _COMMAND_RE.finditer(text)
    ]
